//! `raft-kv`: a Maelstrom node (the default) and its tools.

use clap::{Parser, Subcommand};
use raft_kv::machines::MachineKind;
use raft_kv::node::{Node, NodeConfig};
use raft_kv::raft;
use std::process::ExitCode;

/// A Raft-replicated key-value node for Jepsen's Maelstrom (JSON lines on stdin/stdout).
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    node: NodeArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run as a Maelstrom node (what happens with no subcommand).
    Node(NodeArgs),
    /// Run one deterministic simulation; the same flags and seed replay it exactly.
    Sim(raft_kv::sim::cli::SimArgs),
    /// Run many simulation seeds and print a summary.
    Soak(raft_kv::sim::cli::SoakArgs),
    /// Benchmark tables: latency against the hop bound, throughput, messages and
    /// CPU per operation, on the simulator and on real processes.
    Bench(raft_kv::bench::BenchArgs),
    /// Time the linearizability checker on a synthetic lin-kv history.
    BenchCheck {
        /// Operations in the history.
        #[arg(long, default_value_t = 100_000)]
        ops: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Run a Maelstrom-style test against real node processes (no JVM needed).
    Test(Box<raft_kv::harness::cli::TestArgs>),
}

/// Settings of the node process.
#[derive(clap::Args, Debug, Clone)]
struct NodeArgs {
    /// State machine driven by the log: kv (lin-kv), txn (txn-list-append), lww (lww-kv).
    #[arg(long, default_value = "kv")]
    machine: MachineKind,
    /// Minimum election timeout in ms; timeouts are drawn from [t, 2t). Leaders step
    /// down after t without hearing from a majority (CheckQuorum). The default suits
    /// Maelstrom's default latency and `--latency 100`.
    #[arg(long, default_value_t = 600)]
    election_timeout_ms: u64,
    /// Heartbeat interval in ms; must be at most half the election timeout.
    #[arg(long, default_value_t = 100)]
    heartbeat_ms: u64,
    /// Unacknowledged AppendEntries allowed per follower (flow control; a small
    /// window makes entries batch under load).
    #[arg(long, default_value_t = 2)]
    max_inflight: usize,
    /// Under load, send forwards to the leader at most this often (µs), batched.
    #[arg(long, default_value_t = 1000)]
    forward_linger_us: u64,
    /// Followers serve reads themselves after asking the leader for a read index
    /// (one more delay than forwarding the read, but less work for the leader).
    #[arg(long)]
    follower_reads: bool,
    /// Retry a request not yet applied with the current leader after this many ms.
    #[arg(long, default_value_t = 1000)]
    retry_ms: u64,
    /// Answer error 11 for a request no leader could take within this many ms
    /// (below Maelstrom's 1 s client timeout, so the client gets a definite answer).
    #[arg(long, default_value_t = 500)]
    unavailable_ms: u64,
    /// Seed for election jitter (default: from the clock and process id).
    #[arg(long)]
    seed: Option<u64>,
}

impl NodeArgs {
    fn config(&self) -> Result<NodeConfig, String> {
        let raft = raft::Config {
            election_timeout: self.election_timeout_ms * 1000,
            heartbeat_interval: self.heartbeat_ms * 1000,
            max_inflight: self.max_inflight,
            ..raft::Config::default()
        };
        raft.validate()?;
        Ok(NodeConfig {
            raft,
            machine: self.machine,
            retry_interval: self.retry_ms * 1000,
            unavailable_timeout: self.unavailable_ms * 1000,
            forward_linger: self.forward_linger_us,
            follower_reads: self.follower_reads,
            ..NodeConfig::default()
        })
    }
}

fn run_node(args: &NodeArgs) -> ExitCode {
    let config = match args.config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("raft-kv: {e}");
            return ExitCode::from(2);
        }
    };
    let seed = args.seed.unwrap_or_else(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        (nanos as u64) ^ (u64::from(std::process::id()) << 32)
    });
    match raft_kv::runtime::run(Node::new(config, seed)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("raft-kv: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        None => run_node(&cli.node),
        Some(Command::Node(args)) => run_node(args),
        Some(Command::Sim(args)) => raft_kv::sim::cli::sim_main(args),
        Some(Command::Bench(args)) => raft_kv::bench::bench_main(args),
        Some(Command::Soak(args)) => raft_kv::sim::cli::soak_main(args),
        Some(Command::BenchCheck { ops, seed }) => {
            println!("{}", raft_kv::check::synthetic::benchmark(*ops, *seed));
            ExitCode::SUCCESS
        }
        Some(Command::Test(args)) => raft_kv::harness::run(args),
    }
}
