//! The `raft-kv test` command line, with Maelstrom's flag names and defaults
//! (Maelstrom 0.2 on Jepsen 0.3: `-w lin-kv`, `--time-limit 60`, `--rate 5`,
//! `--concurrency 1n`, `--latency 0`, `--nemesis-interval 10`, `--test-count 1`,
//! `--topology grid`, and nodes `n1`…`n5` unless `--node-count N` names
//! `n0`…`n(N-1)`).

use crate::sim::Latency;
use crate::sim::process_faults::ProcessFault;
use crate::workload::concurrency::{Concurrency, parse_concurrency};
use crate::workload::{Topology, WorkloadKind};
use std::path::{Path, PathBuf};

/// Flags of `raft-kv test`.
#[derive(clap::Args, Debug, Clone)]
pub struct TestArgs {
    /// Workload: lin-kv, txn-list-append, lww-kv, echo, unique-ids, broadcast,
    /// g-set, g-counter, pn-counter, kafka or txn-rw-register.
    #[arg(short = 'w', long, default_value = "lin-kv", value_parser = parse_workload)]
    pub workload: WorkloadKind,
    /// Node binary to run (default: this raft-kv executable).
    #[arg(long)]
    pub bin: Option<PathBuf>,
    /// How many node processes to run, ids n0..n(N-1) (default: Jepsen's five
    /// nodes n1..n5).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub node_count: Option<u64>,
    /// How long clients issue operations, in seconds.
    #[arg(long, default_value_t = 60.0)]
    pub time_limit: f64,
    /// Target operations per second over all clients (0: as fast as clients free up).
    #[arg(long, default_value_t = 5.0)]
    pub rate: f64,
    /// Concurrent clients: a number, or `Nn` for N × node count.
    #[arg(long, default_value = "1n", value_parser = parse_concurrency)]
    pub concurrency: Concurrency,
    /// Mean latency of node-to-node messages in ms (client messages take none).
    #[arg(long, default_value_t = 0.0)]
    pub latency: f64,
    /// Latency distribution: constant, uniform or exponential.
    #[arg(long, default_value = "constant", value_parser = ["constant", "uniform", "exponential"])]
    pub latency_dist: String,
    /// Faults to inject, comma-separated: partition, kill, pause (none: no
    /// faults, the default).
    #[arg(long, value_delimiter = ',', value_parser = ["none", "partition", "kill", "pause"])]
    pub nemesis: Vec<String>,
    /// Mean seconds between nemesis operations (each gap uniform in [0, 2 × this)).
    #[arg(long, default_value_t = 10.0)]
    pub nemesis_interval: f64,
    /// Keys active at once (txn workloads default 10, kafka 8; lin-kv/lww-kv:
    /// 2 × node count).
    #[arg(long)]
    pub key_count: Option<usize>,
    /// txn-list-append / txn-rw-register: most micro-operations per transaction.
    #[arg(long)]
    pub max_txn_length: Option<usize>,
    /// txn-list-append / txn-rw-register: writes per key before the key is retired.
    #[arg(long)]
    pub max_writes_per_key: Option<usize>,
    /// Required availability (ok ÷ invoked): `total` (every operation ok) or a
    /// fraction such as 0.9.
    #[arg(long, value_parser = parse_availability)]
    pub availability: Option<Availability>,
    /// Consistency models to check. `linearizable` (or `strict-serializable`)
    /// also makes set-full count stale reads as anomalies and the counter checker
    /// judge every read (strict mode). txn-rw-register is judged against the
    /// models (read-uncommitted, read-committed, repeatable-read,
    /// snapshot-isolation, serializable, strict-serializable; `linearizable` is
    /// taken as strict-serializable) and kafka's real-time checks run only under
    /// a real-time model; strict-serializable is their default. Recorded for
    /// the other workloads.
    #[arg(long, value_delimiter = ',')]
    pub consistency_models: Vec<String>,
    /// Seed for clients, latency and partitions (default: from the clock).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Directory to store runs in.
    #[arg(long, default_value = "store")]
    pub store: PathBuf,
    /// No progress line while running.
    #[arg(long)]
    pub no_progress: bool,
    /// Also copy every node's stderr to ours, each line prefixed by the node id.
    #[arg(long)]
    pub log_stderr: bool,
    /// Log every message as it is sent (on stderr).
    #[arg(long)]
    pub log_net_send: bool,
    /// Log every message as it is received (on stderr).
    #[arg(long)]
    pub log_net_recv: bool,
    /// Run the test this many times (stops at the first run that is not valid).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub test_count: u64,
    /// broadcast: the topology sent to every node as `topology` before the
    /// clients start: line, grid, tree (tree2), tree3, tree4 or total. Recorded
    /// with the run.
    #[arg(long, default_value = "grid")]
    pub topology: Topology,
    /// Arguments passed to every node process (after `--`).
    #[arg(last = true)]
    pub node_args: Vec<String>,
}

/// `--availability`: what fraction of operations must succeed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Availability {
    /// Every operation must be ok.
    Total,
    /// At least this fraction of invoked operations must be ok.
    Fraction(f64),
}

impl Availability {
    /// The required ok fraction.
    pub fn required(self) -> f64 {
        match self {
            Availability::Total => 1.0,
            Availability::Fraction(f) => f,
        }
    }
}

impl TestArgs {
    /// The node ids: `n0`..`n(N-1)` for `--node-count N`, else Jepsen's default
    /// `n1`..`n5`.
    pub fn node_ids(&self) -> Vec<String> {
        match self.node_count {
            Some(n) => (0..n).map(|i| format!("n{i}")).collect(),
            None => (1..=5).map(|i| format!("n{i}")).collect(),
        }
    }

    /// True when `--nemesis` asks for partitions.
    pub fn partitions(&self) -> bool {
        self.nemesis.iter().any(|n| n == "partition")
    }

    /// The process faults `--nemesis` asks for (kill, pause), in the order given.
    pub fn process_faults(&self) -> Vec<ProcessFault> {
        let mut out = Vec::new();
        for n in &self.nemesis {
            let f = match n.as_str() {
                "kill" => ProcessFault::Kill,
                "pause" => ProcessFault::Pause,
                _ => continue,
            };
            if !out.contains(&f) {
                out.push(f);
            }
        }
        out
    }

    /// `--nemesis` as written in reports: the faults, comma-separated, or `none`.
    pub fn nemesis_label(&self) -> String {
        let faults: Vec<&str> = self
            .nemesis
            .iter()
            .map(String::as_str)
            .filter(|n| *n != "none")
            .collect();
        if faults.is_empty() {
            "none".into()
        } else {
            faults.join(",")
        }
    }

    /// The latency model of `--latency` / `--latency-dist`.
    pub fn latency_model(&self) -> Result<Latency, String> {
        if !(self.latency.is_finite() && self.latency >= 0.0) {
            return Err(format!(
                "--latency must be a non-negative number of ms, not {}",
                self.latency
            ));
        }
        Latency::from_flags(self.latency, &self.latency_dist)
    }

    /// Checks values clap cannot check on its own.
    pub fn validate(&self) -> Result<(), String> {
        self.latency_model()?;
        if !(self.time_limit.is_finite() && self.time_limit > 0.0) {
            return Err(format!(
                "--time-limit must be a positive number of seconds, not {}",
                self.time_limit
            ));
        }
        if !(self.rate.is_finite() && self.rate >= 0.0) {
            return Err(format!("--rate must be >= 0, not {}", self.rate));
        }
        if !(self.nemesis_interval.is_finite() && self.nemesis_interval > 0.0) {
            return Err(format!(
                "--nemesis-interval must be a positive number of seconds, not {}",
                self.nemesis_interval
            ));
        }
        if matches!(
            self.workload,
            WorkloadKind::Kafka | WorkloadKind::TxnRwRegister
        ) {
            crate::check::models::Models::parse(&self.consistency_models)
                .map_err(|e| format!("--consistency-models: {e}"))?;
        }
        for (name, v) in [
            ("--key-count", self.key_count),
            ("--max-txn-length", self.max_txn_length),
            ("--max-writes-per-key", self.max_writes_per_key),
        ] {
            if v == Some(0) {
                return Err(format!("{name} must be at least 1"));
            }
        }
        Ok(())
    }

    /// The node binary: `--bin`, or the running executable.
    pub fn node_binary(&self) -> Result<PathBuf, String> {
        match &self.bin {
            Some(p) => Ok(p.clone()),
            None => std::env::current_exe()
                .map_err(|e| format!("cannot find the running executable for --bin: {e}")),
        }
    }

    /// The arguments for every node: those after `--`, plus, when `bin` is this
    /// raft-kv: `--machine` for the workload unless the user named one, and
    /// under `--nemesis kill`, `--data-dir DATA` (so killed nodes recover their
    /// state) unless the user passed a `--data-dir`, and only when `bin --help`
    /// mentions `--data-dir` (a raft-kv without durable storage rejects the
    /// flag). A foreign binary gets the user's arguments only.
    pub fn node_args_for(&self, bin: &Path, data: &Path) -> Vec<String> {
        let mut args = self.node_args.clone();
        let ours = std::env::current_exe()
            .and_then(|me| Ok(me.canonicalize()? == bin.canonicalize()?))
            .unwrap_or(false);
        if !ours {
            return args;
        }
        if !named(&args, "--machine") {
            args.push("--machine".into());
            args.push(self.workload.machine().to_string());
        }
        if self.process_faults().contains(&ProcessFault::Kill)
            && !named(&args, "--data-dir")
            && help_mentions(bin, "--data-dir")
        {
            args.push("--data-dir".into());
            args.push(data.display().to_string());
        }
        args
    }
}

/// True when `args` contain `flag` or `flag=…`.
fn named(args: &[String], flag: &str) -> bool {
    args.iter().any(|a| {
        a.strip_prefix(flag)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('='))
    })
}

/// True when `bin --help` succeeds and its output mentions `flag` (only ever
/// asked of this raft-kv: a foreign node might wait for stdin).
fn help_mentions(bin: &Path, flag: &str) -> bool {
    std::process::Command::new(bin)
        .arg("--help")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success() && mentions(&String::from_utf8_lossy(&o.stdout), flag))
}

/// True when `text` holds `flag` as a whole word (`--data-dir`, not `--data-directory`).
fn mentions(text: &str, flag: &str) -> bool {
    text.match_indices(flag).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + flag.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_');
        !word(before) && !word(after)
    })
}

fn parse_workload(s: &str) -> Result<WorkloadKind, String> {
    s.parse()
}

/// Parses `--availability`: `total` or a fraction in [0, 1].
pub fn parse_availability(s: &str) -> Result<Availability, String> {
    if s == "total" {
        return Ok(Availability::Total);
    }
    match s.parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(Availability::Fraction(f)),
        _ => Err(format!(
            "{s:?} is not an availability: expected total or a fraction in [0, 1]"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> TestArgs {
        #[derive(clap::Parser)]
        struct Wrap {
            #[command(flatten)]
            args: TestArgs,
        }
        let mut argv = vec!["test"];
        argv.extend(args);
        <Wrap as clap::Parser>::try_parse_from(argv)
            .expect("parses")
            .args
    }

    #[test]
    fn maelstrom_defaults_and_node_ids() {
        let a = parse(&[]);
        assert_eq!(a.workload, WorkloadKind::LinKv);
        assert_eq!(a.node_ids(), ["n1", "n2", "n3", "n4", "n5"]);
        assert_eq!(a.time_limit, 60.0);
        assert_eq!(a.concurrency.resolve(5), 5);
        assert_eq!(a.nemesis_label(), "none");
        assert_eq!(a.test_count, 1);
        assert_eq!(a.topology, Topology::Grid);
        let a = parse(&["--node-count", "3", "--nemesis", "partition"]);
        assert_eq!(a.node_ids(), ["n0", "n1", "n2"]);
        assert!(a.partitions());
        assert_eq!(a.nemesis_label(), "partition");
    }

    #[test]
    fn nemesis_lists_and_the_data_dir_flag() {
        let a = parse(&["--nemesis", "partition,kill,pause,kill"]);
        assert!(a.partitions());
        assert_eq!(
            a.process_faults(),
            [ProcessFault::Kill, ProcessFault::Pause]
        );
        assert_eq!(a.nemesis_label(), "partition,kill,pause,kill");
        let a = parse(&["--nemesis", "pause"]);
        assert!(!a.partitions());
        assert_eq!(a.process_faults(), [ProcessFault::Pause]);
        let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(named(&args(&["--data-dir", "x"]), "--data-dir"));
        assert!(named(&args(&["--data-dir=x"]), "--data-dir"));
        assert!(!named(&args(&["--data-directory", "x"]), "--data-dir"));
        assert!(mentions(
            "  --data-dir <DIR>  where state lives",
            "--data-dir"
        ));
        assert!(!mentions("  --data-directory <DIR>", "--data-dir"));
        assert!(!mentions("  --no-data-dir", "--data-dir"));
        assert!(!mentions("", "--data-dir"));
        // A foreign binary gets the user's arguments only.
        let a = parse(&["--nemesis", "kill", "--", "--flag"]);
        assert_eq!(
            a.node_args_for(Path::new("/bin/sh"), Path::new("/tmp/data")),
            ["--flag"]
        );
    }

    #[test]
    fn availability_forms() {
        assert_eq!(parse_availability("total"), Ok(Availability::Total));
        assert_eq!(parse_availability("0.5"), Ok(Availability::Fraction(0.5)));
        assert!(parse_availability("2").is_err());
    }
}
