//! lww-kv under the simulator: 300 seeds across the standard matrix (3 and 5 nodes;
//! latency 0, 10 and 100 ms; partitions every 1–10 s; with and without 5 % loss and
//! duplication). Every run must keep Raft's invariants, read only written values,
//! converge after the final heal (every written key reads the same on every node),
//! and be totally available: every request answered, even during partitions.
//!
//! The one allowance: with exponential latency of 100 ms mean, a request and its
//! reply can take longer than the 1 s client timeout on their own (probability about
//! 5e-4 per request), so there the only unanswered requests allowed are client
//! timeouts, never an error from a node.

mod common;

use common::check_seeds;
use raft_kv::check::{availability, history::Kind};
use raft_kv::sim::cli::{Checked, run_checked};
use raft_kv::sim::{Latency, SimConfig, matrix_config};
use raft_kv::workload::WorkloadKind;

const SEEDS_PER_SHARD: u64 = 100;

/// True when the latency model alone can exceed the client timeout.
fn long_tail(config: &SimConfig) -> bool {
    matches!(config.latency, Latency::Exponential(m) if 20 * m >= config.client_timeout())
}

/// What is wrong with this run's availability, if anything.
fn availability_failure(checked: &Checked) -> Option<String> {
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

/// Availability, partitions and final reads, on top of the usual checks.
fn lww_checks(checked: &Checked) -> Vec<String> {
    let seed = checked.config.seed;
    let mut problems: Vec<String> = availability_failure(checked).into_iter().collect();
    if checked.outcome.partitions.is_empty() {
        problems.push(format!("seed {seed}: no partition happened"));
    }
    if checked.outcome.final_reads.is_empty() {
        problems.push(format!("seed {seed}: no final reads"));
    }
    problems
}

fn shard(index: u64) {
    let first = 1 + index * SEEDS_PER_SHARD;
    let config = |seed| matrix_config(WorkloadKind::LwwKv, seed);
    check_seeds(first..first + SEEDS_PER_SHARD, config, lww_checks, 100);
}

#[test]
fn lww_matrix_seeds_1_to_100_available_and_convergent() {
    shard(0);
}

#[test]
fn lww_matrix_seeds_101_to_200_available_and_convergent() {
    shard(1);
}

#[test]
fn lww_matrix_seeds_201_to_300_available_and_convergent() {
    shard(2);
}

#[test]
fn lww_partitioned_minority_keeps_answering_and_converges() {
    // Long partitions on 5 nodes with low latency: no timeout can be blamed on the
    // network, so every single request must be answered.
    for seed in 1..=10 {
        let mut config = SimConfig::lin_kv(seed, 5);
        config.workload = WorkloadKind::LwwKv;
        config.latency = Latency::Exponential(5_000);
        config.nemesis_interval = Some(4.0);
        let checked = run_checked(config);
        assert!(checked.valid(), "{}", checked.failure_report());
        let total = availability::answered_check(&checked.outcome.history, Some(1.0));
        assert!(total.valid, "seed {seed}: {total:?}");
        assert_eq!(
            checked.outcome.stats.info, 0,
            "seed {seed}: a write's fate was left unknown"
        );
    }
}

#[test]
fn lww_seed_replays_to_the_same_final_reads() {
    let a = run_checked(matrix_config(WorkloadKind::LwwKv, 42));
    let b = run_checked(matrix_config(WorkloadKind::LwwKv, 42));
    assert_eq!(a.outcome.transcript_hash, b.outcome.transcript_hash);
    assert_eq!(a.outcome.history, b.outcome.history);
    assert_eq!(a.outcome.final_reads, b.outcome.final_reads);
}
