//! The node process's flags, shared by `raft-kv` and binaries built on the library
//! (`examples/queue.rs`), so every node takes the same options.

use crate::node::NodeConfig;
use crate::raft;

/// Settings of a node process.
#[derive(clap::Args, Debug, Clone)]
pub struct NodeArgs {
    /// Minimum election timeout in ms; timeouts are drawn from [t, 2t). Leaders step
    /// down after t without hearing from a majority (CheckQuorum). The default suits
    /// Maelstrom's default latency and `--latency 100`.
    #[arg(long, default_value_t = 600)]
    pub election_timeout_ms: u64,
    /// Heartbeat interval in ms; must be at most half the election timeout.
    #[arg(long, default_value_t = 100)]
    pub heartbeat_ms: u64,
    /// Unacknowledged AppendEntries allowed per follower (flow control; a small
    /// window makes entries batch under load).
    #[arg(long, default_value_t = 2)]
    pub max_inflight: usize,
    /// Under load, send forwards to the leader at most this often (µs), batched.
    #[arg(long, default_value_t = 1000)]
    pub forward_linger_us: u64,
    /// Followers serve reads themselves after asking the leader for a read index
    /// (one more delay than forwarding the read, but less work for the leader).
    #[arg(long)]
    pub follower_reads: bool,
    /// Retry a request not yet applied with the current leader after this many ms.
    #[arg(long, default_value_t = 1000)]
    pub retry_ms: u64,
    /// Answer error 11 for a request no leader could take within this many ms
    /// (below Maelstrom's 1 s client timeout, so the client gets a definite answer).
    #[arg(long, default_value_t = 500)]
    pub unavailable_ms: u64,
    /// Take a snapshot and compact the log every this many applied entries (0:
    /// never), bounding memory on long runs.
    #[arg(long, default_value_t = NodeConfig::default().snapshot_entries)]
    pub snapshot_entries: u64,
    /// Also snapshot once this many bytes of commands were applied since the last
    /// snapshot (0: no byte limit).
    #[arg(long, default_value_t = NodeConfig::default().snapshot_bytes)]
    pub snapshot_bytes: u64,
    /// Entries kept before a snapshot when compacting, so a follower a little
    /// behind gets entries instead of the whole snapshot.
    #[arg(long, default_value_t = NodeConfig::default().snapshot_retain)]
    pub snapshot_retain: u64,
    /// Most requests a node tracks at once; beyond it new requests get error 11.
    #[arg(long, default_value_t = NodeConfig::default().max_pending)]
    pub max_pending: usize,
    /// Keep term, vote, log and snapshots under DIR/NODE_ID/ (fsync before
    /// replying) and recover them when restarted; without it state is in memory
    /// only, and a killed node comes back empty.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<std::path::PathBuf>,
    /// Seed for election jitter (default: from the clock and process id).
    #[arg(long)]
    pub seed: Option<u64>,
}

impl NodeArgs {
    /// The node configuration these flags describe, or why they make no sense
    /// (checked arithmetic: a flag too large to convert to µs is an error).
    pub fn config(&self) -> Result<NodeConfig, String> {
        let raft = raft::Config {
            election_timeout: micros("election-timeout-ms", self.election_timeout_ms)?,
            heartbeat_interval: micros("heartbeat-ms", self.heartbeat_ms)?,
            max_inflight: self.max_inflight,
            ..raft::Config::default()
        };
        let config = NodeConfig {
            raft,
            retry_interval: micros("retry-ms", self.retry_ms)?,
            unavailable_timeout: micros("unavailable-ms", self.unavailable_ms)?,
            forward_linger: self.forward_linger_us,
            follower_reads: self.follower_reads,
            snapshot_entries: self.snapshot_entries,
            snapshot_bytes: self.snapshot_bytes,
            snapshot_retain: self.snapshot_retain,
            max_pending: self.max_pending,
            data_dir: self.data_dir.clone(),
            ..NodeConfig::default()
        };
        config.validate()?;
        Ok(config)
    }

    /// The seed: the flag's, else one from the clock and process id.
    pub fn seed(&self) -> u64 {
        self.seed.unwrap_or_else(|| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            (nanos as u64) ^ (u64::from(std::process::id()) << 32)
        })
    }
}

/// Milliseconds given to flag `--{flag}` as µs, refusing values beyond
/// [`raft::MAX_TIME`] (which also keeps the multiplication from overflowing).
fn micros(flag: &str, ms: u64) -> Result<u64, String> {
    ms.checked_mul(1000)
        .filter(|us| *us <= raft::MAX_TIME)
        .ok_or_else(|| {
            format!(
                "--{flag} {ms} is too large: at most {} ms",
                raft::MAX_TIME / 1000
            )
        })
}

/// This process's incarnation: microseconds since the Unix epoch at start-up, so
/// that a restarted node's request ids are new and larger (see `RequestId`).
pub fn incarnation() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_micros() as u64)
}
