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

use common::{availability_failure, check_seeds};
use raft_kv::check::availability;
use raft_kv::sim::cli::{Checked, run_checked};
use raft_kv::sim::{Latency, SimConfig, matrix_config};
use raft_kv::workload::WorkloadKind;

const SEEDS_PER_SHARD: u64 = 100;

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
