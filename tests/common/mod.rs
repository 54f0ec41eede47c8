//! Helpers shared by the simulation suites and the mutation tests.
#![allow(dead_code)] // each test crate uses a subset

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
