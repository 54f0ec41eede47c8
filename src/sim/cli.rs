//! `raft-kv sim` (one run, replayable from its seed) and `raft-kv soak` (many seeds
//! with a summary).

use super::config::SimConfig;
use super::matrix::matrix_config;
use super::network::Latency;
use super::run::{SimOutcome, run, run_with};
use crate::check::{Verdict, availability, check_history, final_state_check};
use crate::machines::Machine;
use crate::node::NodeConfig;
use crate::workload::concurrency::{Concurrency, parse_concurrency};
use crate::workload::{Topology, WorkloadKind};
use parking_lot::Mutex;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Flags describing one simulated configuration (Maelstrom's names where they exist).
#[derive(clap::Args, Debug, Clone)]
pub struct SimFlags {
    /// Workload: lin-kv, txn-list-append, lww-kv, echo, unique-ids, broadcast,
    /// g-set, g-counter, pn-counter, kafka or txn-rw-register.
    #[arg(short = 'w', long = "workload", default_value = "lin-kv")]
    pub workload: WorkloadKind,
    #[arg(long, default_value_t = 3)]
    pub node_count: usize,
    /// Seconds of simulated client load.
    #[arg(long, default_value_t = 20.0)]
    pub time_limit: f64,
    /// Target requests per second over all clients.
    #[arg(long, default_value_t = 100.0)]
    pub rate: f64,
    /// Client workers: a number, or `Nn` for N × node count.
    #[arg(long, default_value = "2n", value_parser = parse_concurrency)]
    pub concurrency: Concurrency,
    /// Mean one-way node-to-node message latency in ms (client messages take none).
    #[arg(long, default_value_t = 10.0)]
    pub latency: f64,
    /// constant, uniform or exponential.
    #[arg(long, default_value = "constant")]
    pub latency_dist: String,
    /// `partition` to cut the network on a schedule, `none` for a calm network.
    #[arg(long, default_value = "partition")]
    pub nemesis: String,
    /// Seconds between starting and healing partitions.
    #[arg(long, default_value_t = 5.0)]
    pub nemesis_interval: f64,
    /// Probability that a node-to-node message is lost.
    #[arg(long, default_value_t = 0.0)]
    pub loss: f64,
    /// Probability that a node-to-node message is delivered twice.
    #[arg(long, default_value_t = 0.0)]
    pub duplicate: f64,
    /// Nodes serve reads as followers via a read index (node flag --follower-reads).
    #[arg(long)]
    pub follower_reads: bool,
    /// Kill nodes (one, a majority or all) and restart them from what they
    /// persisted, alternating every this many seconds (0: no kills).
    #[arg(long, default_value_t = 0.0)]
    pub kill_interval: f64,
    /// Snapshot and compact the log every this many applied entries (0: never).
    #[arg(long, default_value_t = NodeConfig::default().snapshot_entries)]
    pub snapshot_entries: u64,
    /// Entries kept before a snapshot when compacting.
    #[arg(long, default_value_t = NodeConfig::default().snapshot_retain)]
    pub snapshot_retain: u64,
    /// broadcast: line, grid, tree (tree2), tree3, tree4 or total.
    #[arg(long, default_value = "grid")]
    pub topology: Topology,
}

impl SimFlags {
    /// The configuration for `seed`.
    pub fn config(&self, seed: u64) -> Result<SimConfig, String> {
        if self.node_count == 0 {
            return Err("--node-count must be at least 1".into());
        }
        for (name, p) in [("--loss", self.loss), ("--duplicate", self.duplicate)] {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{name} {p} is not a probability"));
            }
        }
        let nemesis_interval = match self.nemesis.as_str() {
            "partition" => Some(self.nemesis_interval),
            "none" => None,
            other => {
                return Err(format!(
                    "unknown nemesis {other:?}: expected partition or none"
                ));
            }
        };
        Ok(SimConfig {
            seed,
            node_count: self.node_count,
            workload: self.workload,
            time_limit: self.time_limit,
            rate: self.rate,
            concurrency: self.concurrency.resolve(self.node_count),
            latency: Latency::from_flags(self.latency, &self.latency_dist)?,
            loss: self.loss,
            duplicate: self.duplicate,
            nemesis_interval,
            kill_interval: (self.kill_interval > 0.0).then_some(self.kill_interval),
            topology: self.topology,
            node: NodeConfig {
                follower_reads: self.follower_reads,
                snapshot_entries: self.snapshot_entries,
                snapshot_retain: self.snapshot_retain,
                ..NodeConfig::default()
            },
        })
    }
}

/// `raft-kv sim`: one run.
#[derive(clap::Args, Debug, Clone)]
pub struct SimArgs {
    #[command(flatten)]
    pub flags: SimFlags,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write the history here as JSON lines.
    #[arg(long)]
    pub history: Option<std::path::PathBuf>,
}

/// `raft-kv soak`: many seeds.
#[derive(clap::Args, Debug, Clone)]
pub struct SoakArgs {
    #[command(flatten)]
    pub flags: SimFlags,
    /// Number of seeds to run.
    #[arg(long, default_value_t = 1000)]
    pub seeds: u64,
    /// First seed.
    #[arg(long, default_value_t = 1)]
    pub start_seed: u64,
    /// Sweep the standard matrix (3/5 nodes, latency 0/10/100 ms, partitions every
    /// 1–10 s, with and without loss) instead of the flags' single configuration.
    #[arg(long)]
    pub matrix: bool,
    /// Worker threads.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
}

/// A run with its verdicts.
pub struct Checked {
    pub config: SimConfig,
    pub outcome: SimOutcome,
    pub verdicts: Vec<Verdict>,
}

impl Checked {
    /// Valid when every checker passed and no Raft invariant broke.
    pub fn valid(&self) -> bool {
        self.outcome.invariant_violations.is_empty() && self.verdicts.iter().all(|v| v.valid)
    }

    /// What went wrong, readable, with the replay command.
    pub fn failure_report(&self) -> String {
        let mut s = format!(
            "seed {} FAILED\n  replay: {}\n",
            self.config.seed,
            self.config.replay_command()
        );
        for v in &self.outcome.invariant_violations {
            s.push_str(&format!("  invariant: {v}\n"));
        }
        for v in self.verdicts.iter().filter(|v| !v.valid) {
            s.push_str(&format!("  {}: {}\n", v.checker, v.summary));
            for a in v.anomalies.iter().take(3) {
                s.push_str(&format!("    {}\n", a.replace('\n', "\n    ")));
            }
        }
        s
    }
}

/// Runs and checks one configuration.
pub fn run_checked(config: SimConfig) -> Checked {
    let outcome = run(&config);
    check_outcome(config, outcome)
}

/// Runs one configuration with node `id` driving `make(id)`, and checks it
/// against what the workload's built-in machine promises.
pub fn run_checked_with<M: Machine>(
    config: SimConfig,
    make: impl Fn(&str) -> M + 'static,
) -> Checked {
    let outcome = run_with(&config, make);
    check_outcome(config, outcome)
}

/// Checks what a run of `config` produced against what the workload's built-in
/// machine promises (and its final reads), plus availability for the record.
pub fn check_outcome(config: SimConfig, outcome: SimOutcome) -> Checked {
    // raft-kv's own machines: what they promise (counters: every read strictly).
    let consistency = config.workload.promised_consistency();
    let mut verdicts = check_history(consistency, &outcome.history);
    verdicts.extend(final_state_check(
        consistency,
        &outcome.history,
        &outcome.final_reads,
    ));
    // Reported for every workload (never invalid here: the simulator has no
    // `--availability` requirement), so runs compare side by side.
    verdicts.push(availability::check(&outcome.history, None));
    Checked {
        config,
        outcome,
        verdicts,
    }
}

/// `raft-kv sim`.
pub fn sim_main(args: &SimArgs) -> ExitCode {
    let config = match args.flags.config(args.seed) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("raft-kv sim: {e}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let checked = run_checked(config);
    if let Some(path) = &args.history {
        let written = std::fs::File::create(path).and_then(|f| {
            checked
                .outcome
                .history
                .write_jsonl(std::io::BufWriter::new(f))
        });
        if let Err(e) = written {
            eprintln!("raft-kv sim: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!("{}", checked.config.replay_command());
    println!("{}", checked.outcome);
    for p in &checked.outcome.partitions {
        println!(
            "  partition {:>7.3}s..{:>7.3}s {}",
            p.start as f64 / 1e6,
            p.end as f64 / 1e6,
            p.label
        );
    }
    for v in &checked.verdicts {
        println!(
            "  {:<36} {} ({})",
            v.checker,
            if v.valid { "valid" } else { "INVALID" },
            v.summary
        );
    }
    println!(
        "  snapshots: {} installed from a leader, {} compared between nodes",
        checked.outcome.snapshots_installed, checked.outcome.snapshots_compared
    );
    println!("  wall time {:.2}s", started.elapsed().as_secs_f64());
    if checked.valid() {
        ExitCode::SUCCESS
    } else {
        eprint!("{}", checked.failure_report());
        ExitCode::FAILURE
    }
}

/// Aggregate numbers over many runs.
#[derive(Default)]
struct Summary {
    runs: u64,
    failures: Vec<String>,
    ok: u64,
    fail: u64,
    info: u64,
    p50: Vec<f64>,
    p95: Vec<f64>,
    p99: Vec<f64>,
    msgs_per_op: Vec<f64>,
    availability: Vec<f64>,
    snapshots_installed: u64,
    snapshots_compared: u64,
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// `raft-kv soak`.
pub fn soak_main(args: &SoakArgs) -> ExitCode {
    if let Err(e) = args.flags.config(0) {
        eprintln!("raft-kv soak: {e}");
        return ExitCode::from(2);
    }
    let started = Instant::now();
    let next = AtomicU64::new(args.start_seed);
    let end = args.start_seed + args.seeds;
    let summary = Mutex::new(Summary::default());
    std::thread::scope(|scope| {
        for _ in 0..args.threads.max(1) {
            scope.spawn(|| {
                loop {
                    let seed = next.fetch_add(1, Ordering::Relaxed);
                    if seed >= end {
                        break;
                    }
                    let config = if args.matrix {
                        matrix_config(args.flags.workload, seed)
                    } else {
                        match args.flags.config(seed) {
                            Ok(c) => c,
                            Err(_) => break,
                        }
                    };
                    let checked = run_checked(config);
                    let mut s = summary.lock();
                    s.runs += 1;
                    let st = &checked.outcome.stats;
                    s.ok += st.ok;
                    s.fail += st.fail;
                    s.info += st.info;
                    s.p50.push(st.latency_p50_ms);
                    s.p95.push(st.latency_p95_ms);
                    s.p99.push(st.latency_p99_ms);
                    s.msgs_per_op.push(st.msgs_per_op);
                    s.availability.push(st.availability);
                    s.snapshots_installed += checked.outcome.snapshots_installed;
                    s.snapshots_compared += checked.outcome.snapshots_compared;
                    if !checked.valid() {
                        let report = checked.failure_report();
                        eprint!("{report}");
                        s.failures.push(report);
                    }
                    if s.runs % 25 == 0 || s.runs == args.seeds {
                        eprintln!(
                            "[{:>6.1}s] {}/{} seeds, {} failed",
                            started.elapsed().as_secs_f64(),
                            s.runs,
                            args.seeds,
                            s.failures.len()
                        );
                    }
                }
            });
        }
    });
    let mut s = summary.into_inner();
    let done = (s.ok + s.fail + s.info).max(1);
    println!(
        "soak summary: {} seeds from {}{}",
        s.runs,
        args.start_seed,
        if args.matrix { " (matrix)" } else { "" }
    );
    println!("  invalid runs: {}", s.failures.len());
    println!(
        "  ops: ok {} fail {} info {} (availability {:.3} overall)",
        s.ok,
        s.fail,
        s.info,
        s.ok as f64 / done as f64
    );
    println!(
        "  median per-run latency ms: p50 {:.1} p95 {:.1} p99 {:.1}; median availability {:.3}; median msgs/op {:.2}",
        median(&mut s.p50),
        median(&mut s.p95),
        median(&mut s.p99),
        median(&mut s.availability),
        median(&mut s.msgs_per_op)
    );
    println!(
        "  snapshots: {} installed from a leader, {} compared between nodes",
        s.snapshots_installed, s.snapshots_compared
    );
    println!("  wall time {:.1}s", started.elapsed().as_secs_f64());
    if s.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
