//! Node settings: the Raft core's plus the request-routing timeouts.

use crate::machines::MachineKind;
use crate::raft;

/// How a node runs. Times in microseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeConfig {
    pub raft: raft::Config,
    pub machine: MachineKind,
    /// Re-send a request not yet applied to the current leader after this long.
    /// Safe because application is at most once per request id.
    pub retry_interval: u64,
    /// A request never handed to any leader gets error 11 after this long; below
    /// the client's timeout (1 s in Maelstrom) so the client hears a definite no.
    pub unavailable_timeout: u64,
    /// Forget a request (without replying) after this long; its client gave up.
    pub request_expiry: u64,
    /// Under load, forwards to the leader are sent at most this often, batched;
    /// after a quiet spell one goes at once (so low-load latency is unchanged).
    pub forward_linger: u64,
    /// Followers serve reads themselves after asking the leader for a read index
    /// (4 node-to-node delays, less work for the leader) instead of forwarding
    /// them (3).
    pub follower_reads: bool,
    /// Take a snapshot and compact the log every this many applied entries (0:
    /// never). Bounds the log's memory.
    pub snapshot_entries: u64,
    /// Also snapshot once this many bytes of commands were applied since the last
    /// snapshot (0: no byte limit).
    pub snapshot_bytes: u64,
    /// Entries kept before a snapshot when compacting, so a follower a little
    /// behind gets entries instead of the whole snapshot.
    pub snapshot_retain: u64,
    /// Most client requests a node tracks at once (its own pending requests and
    /// buffered lww writes; and, as leader, reads waiting for a ReadIndex round).
    /// Beyond it new requests get error 11 at once: definite, nothing was done.
    pub max_pending: usize,
    /// Keep term, vote, log and snapshots under `<data_dir>/<node id>/` and
    /// recover them at `init` after a restart; `None` keeps them in memory.
    pub data_dir: Option<std::path::PathBuf>,
    /// A deliberate bug, for checker tests only.
    #[cfg(feature = "mutations")]
    pub mutation: Mutation,
}

/// Deliberately broken behaviours that the simulator and checkers must catch.
/// Compiled only with the `mutations` feature, which only tests enable.
#[cfg(feature = "mutations")]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mutation {
    #[default]
    None,
    /// Followers answer reads from their own applied state.
    FollowerLocalReads,
    /// The leader answers a request when it appends it, before it commits.
    ReplyBeforeCommit,
    /// No PreVote or CheckQuorum, and the leader answers reads from its own state
    /// without confirming it still leads.
    StaleLeaderReads,
    /// A transaction's reads are evaluated when the leader appends it, its appends
    /// when it commits: the micro-ops no longer take effect at one point.
    NonAtomicTxn,
    /// The leader answers ReadIndex reads without the heartbeat round that
    /// confirms it still leads.
    ReadIndexSkipsConfirmation,
    /// lww: a locally answered write that finds no leader to hand its replication to
    /// is discarded instead of buffered, so writes made during a partition are lost.
    DropBufferedWrites,
    /// With follower reads, a follower answers as soon as it hears the read index,
    /// without waiting until it has applied it.
    FollowerReadIgnoresIndex,
    /// Snapshots leave out the session table: a follower restored from one applies
    /// a retried request again.
    SnapshotWithoutSessions,
    /// A follower installing a snapshot discards its whole log even when it holds
    /// the snapshot's last entry (Figure 13, rule 6 broken).
    DiscardLogOnSnapshot,
    /// Nothing is persisted: a node restarted after a crash comes back empty.
    ForgetOnCrash,
    /// Locally answered commands (lww, broadcast, g-set) are not kept as handoffs:
    /// one acknowledged by a node killed before the log brought it back is lost.
    VolatileHandoffs,
    /// kafka: the node receiving a send picks its offset from its own state at
    /// admission (machine `EarlyOffsetsKafka`), not in log order at apply time.
    EarlyKafkaOffsets,
    /// txn-rw: a transaction's reads are evaluated at admission, its writes at
    /// commit (machine `NonAtomicRw`).
    NonAtomicRw,
}

impl NodeConfig {
    /// Checks the settings: the Raft core's (see [`raft::Config::validate`]), a
    /// positive retry interval (zero would retry in a busy loop), and every time
    /// within [`raft::MAX_TIME`] so that deadlines cannot overflow.
    pub fn validate(&self) -> Result<(), String> {
        self.raft.validate()?;
        if self.retry_interval == 0 {
            return Err("retry interval must be positive".into());
        }
        for (name, t) in [
            ("retry interval", self.retry_interval),
            ("unavailable timeout", self.unavailable_timeout),
            ("request expiry", self.request_expiry),
            ("forward linger", self.forward_linger),
        ] {
            if t > raft::MAX_TIME {
                return Err(format!(
                    "{name} ({t} µs) must be at most {} µs",
                    raft::MAX_TIME
                ));
            }
        }
        Ok(())
    }
}

impl Default for NodeConfig {
    fn default() -> NodeConfig {
        NodeConfig {
            raft: raft::Config::default(),
            machine: MachineKind::Kv,
            retry_interval: 1_000_000,
            unavailable_timeout: 500_000,
            request_expiry: 30_000_000,
            forward_linger: 1_000,
            follower_reads: false,
            snapshot_entries: 4096,
            snapshot_bytes: 4 << 20,
            snapshot_retain: 512,
            max_pending: 10_000,
            data_dir: None,
            #[cfg(feature = "mutations")]
            mutation: Mutation::None,
        }
    }
}
