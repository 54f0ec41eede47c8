//! Helpers shared by the simulation suites and the mutation tests.
#![allow(dead_code)] // each test crate uses a subset

use raft_kv::check::{availability, history::Kind};
use raft_kv::sim::cli::{Checked, run_checked};
use raft_kv::sim::{Latency, SimConfig};
use raft_kv::workload::WorkloadKind;
use std::ops::Range;

/// Runs `make(seed)` for every seed; every run must be valid and pass `extra`
/// (which returns problems), and together they must make more than
/// `min_ok_per_seed` ok operations per seed (a suite that ran nothing proves
/// nothing). Fails with every problem and the command that replays it.
pub fn check_seeds(
    seeds: Range<u64>,
    make: impl Fn(u64) -> SimConfig,
    extra: impl Fn(&Checked) -> Vec<String>,
    min_ok_per_seed: u64,
) {
    let count = seeds.end - seeds.start;
    let mut failures = Vec::new();
    let mut ok = 0;
    for seed in seeds {
        let checked = run_checked(make(seed));
        ok += checked.outcome.stats.ok;
        if !checked.valid() {
            failures.push(checked.failure_report());
        }
        failures.extend(extra(&checked));
    }
    assert!(
        failures.is_empty(),
        "{} problems in {count} seeds:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        ok > count * min_ok_per_seed,
        "only {ok} ok operations in {count} seeds"
    );
}

/// No extra checks.
pub fn nothing_more(_: &Checked) -> Vec<String> {
    Vec::new()
}

/// Seeds a mutation gets to show itself in.
pub const MAX_SEEDS: u64 = 20;

/// The base configuration of the mutation tests: 3 nodes, exponential latency with a
/// 10 ms mean, a partition started or healed every 3 s, 20 s of load.
pub fn mutation_config(seed: u64, workload: WorkloadKind) -> SimConfig {
    let mut c = SimConfig::lin_kv(seed, 3);
    c.workload = workload;
    c.time_limit = 20.0;
    c.latency = Latency::Exponential(10_000);
    c.nemesis_interval = Some(3.0);
    c
}

/// The first of seeds 1..=MAX_SEEDS whose run is invalid, printing why.
pub fn first_caught(label: &str, make: impl Fn(u64) -> SimConfig) -> Option<u64> {
    for seed in 1..=MAX_SEEDS {
        let checked = run_checked(make(seed));
        if !checked.valid() {
            eprintln!(
                "{label} caught at seed {seed}:\n{}",
                checked.failure_report()
            );
            return Some(seed);
        }
    }
    None
}

/// True when the latency model alone can exceed the client timeout.
pub fn long_tail(config: &SimConfig) -> bool {
    matches!(config.latency, Latency::Exponential(m) if 20 * m >= config.client_timeout())
}

/// What is wrong with this run's availability, if anything.
pub fn availability_failure(checked: &Checked) -> Option<String> {
    let history = &checked.outcome.history;
    let total = availability::answered_check(history, Some(1.0));
    if total.valid {
        return None;
    }
    let only_timeouts = history
        .ops
        .iter()
        .filter(|o| o.kind != Kind::Invoke && !availability::answered(o))
        .all(|o| o.error.as_deref() == Some("timeout"));
    let relaxed = availability::answered_check(history, Some(0.99));
    if long_tail(&checked.config) && only_timeouts && relaxed.valid {
        return None;
    }
    Some(format!(
        "seed {} not totally available: {}\n  replay: {}\n  {}",
        checked.config.seed,
        total.summary,
        checked.config.replay_command(),
        total.anomalies.join("\n  ")
    ))
}

/// The first run of seeds 1..=MAX_SEEDS that is invalid, printing why; `run`
/// makes and checks the run for a seed (for machines that are not built in).
pub fn first_invalid(label: &str, run: impl Fn(u64) -> Checked) -> Option<Checked> {
    for seed in 1..=MAX_SEEDS {
        let checked = run(seed);
        if !checked.valid() {
            eprintln!(
                "{label} caught at seed {seed}:\n{}",
                checked.failure_report()
            );
            return Some(checked);
        }
    }
    None
}
