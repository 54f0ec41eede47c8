//! `raft-kv bench`: speed measured by commands that print numbers, never by timed
//! assertions. Two drivers:
//!
//! - [`sim`]: the deterministic simulator. Latency is reported in units of the
//!   one-way node-to-node delay L (client messages take none, as in Maelstrom)
//!   and compared with the hop bound: 2L when the client's node leads (append and
//!   ack, or a ReadIndex heartbeat round), 3L through a follower (one forward
//!   more; the leader answers the client directly), 4L for a read a follower
//!   serves itself (read index request and reply around the leader's round);
//!   messages per operation and node CPU per operation are measured too.
//!   Comparable across machines.
//! - [`process`]: real node processes through `raft-kv test`, a ladder of rates.

pub mod compare;
pub mod memory;
pub mod process;
pub mod sim;

use std::process::ExitCode;

/// `raft-kv bench` flags.
#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// Which driver: sim, process, or all.
    #[arg(long, default_value = "all")]
    pub driver: String,
    /// Node counts for the load ladders.
    #[arg(long, value_delimiter = ',', default_value = "3,5")]
    pub nodes: Vec<usize>,
    /// Target rates (ops/s) for the load ladders.
    #[arg(long, value_delimiter = ',', default_value = "100,500,1000,2000")]
    pub rates: Vec<f64>,
    /// Seconds per process-driver run.
    #[arg(long, default_value_t = 10.0)]
    pub time_limit: f64,
    /// Memory benchmark instead: this many operations on `--nodes` (first value)
    /// node processes, with and without compaction, printing RSS per node.
    #[arg(long)]
    pub memory: Option<u64>,
    /// Compare this build (or `--bin`) against the node binary OLD, alternating
    /// runs in one session: saturation CPU per op, the echo floor, memory per log
    /// entry, and the latency tail under partitions (see `src/bench/compare.rs`).
    #[arg(long, value_name = "OLD")]
    pub baseline: Option<std::path::PathBuf>,
    /// Which comparisons `--baseline` runs: saturation, floor, memory, tail.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "saturation,floor,memory,tail"
    )]
    pub parts: Vec<String>,
    /// With the `floor` part, also measure this echo node (e.g. a build of
    /// `tools/echo-floor.c`) under the same load.
    #[arg(long, value_name = "BIN")]
    pub floor_bin: Option<std::path::PathBuf>,
    /// Saturation runs per binary with `--baseline` (medians are compared).
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// Node binary for the process driver (default: this executable).
    #[arg(long)]
    pub bin: Option<std::path::PathBuf>,
    /// Extra arguments for the node binary, after `--`.
    #[arg(last = true)]
    pub node_args: Vec<String>,
}

/// Runs the benchmark and prints its tables.
pub fn bench_main(args: &BenchArgs) -> ExitCode {
    if let Some(ops) = args.memory {
        return memory_main(args, ops);
    }
    if let Some(old) = &args.baseline {
        return match compare::compare(args, old) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("raft-kv bench: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let (sim, proc_) = match args.driver.as_str() {
        "sim" => (true, false),
        "process" => (false, true),
        "all" => (true, true),
        other => {
            eprintln!("raft-kv bench: unknown driver {other:?}: expected sim, process or all");
            return ExitCode::from(2);
        }
    };
    if sim {
        sim::low_load_table();
        for &n in &args.nodes {
            sim::load_ladder(n, &args.rates);
        }
    }
    if proc_ {
        for &n in &args.nodes {
            if let Err(e) = process::ladder(args, n) {
                eprintln!("raft-kv bench: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

/// `raft-kv bench --memory N`: the same load with the node's compaction settings
/// and with compaction off, each node's RSS at every tenth of the run.
fn memory_main(args: &BenchArgs, ops: u64) -> ExitCode {
    let bin = match args.bin.clone().map_or_else(std::env::current_exe, Ok) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("raft-kv bench: cannot find own executable: {e}");
            return ExitCode::FAILURE;
        }
    };
    let nodes = args.nodes.first().copied().unwrap_or(3);
    let concurrency = 10 * nodes;
    println!(
        "{ops} lin-kv operations (writes, cas, reads over 100 keys) from {concurrency} clients on {nodes} nodes of {}",
        bin.display()
    );
    let mut without = args.node_args.clone();
    without.extend([
        "--snapshot-entries".into(),
        "0".into(),
        "--snapshot-bytes".into(),
        "0".into(),
    ]);
    for (label, node_args) in [
        ("compaction on", args.node_args.clone()),
        ("compaction off", without),
    ] {
        match memory::run(&bin, &node_args, nodes, ops, concurrency) {
            Ok(run) => memory::print(label, &run),
            Err(e) => {
                eprintln!("raft-kv bench: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
