//! lin-kv under the simulator: 504 seeds across the standard matrix (3 and 5 nodes;
//! latency 0, 10 and 100 ms; partitions every 1–10 s; with and without 5 % loss and
//! duplication; 15–30 simulated seconds each). Every run must be linearizable and
//! keep Raft's safety invariants. A failure prints the command that replays it.
//!
//! Split into several tests so the test runner spreads them over cores.

mod common;

use common::{check_seeds, nothing_more};
use raft_kv::sim::cli::run_checked;
use raft_kv::sim::matrix_config;
use raft_kv::workload::WorkloadKind;

const SEEDS_PER_SHARD: u64 = 84;

fn shard(index: u64) {
    let first = 1 + index * SEEDS_PER_SHARD;
    let config = |seed| matrix_config(WorkloadKind::LinKv, seed);
    check_seeds(first..first + SEEDS_PER_SHARD, config, nothing_more, 100);
}

#[test]
fn lin_kv_matrix_seeds_1_to_84() {
    shard(0);
}

#[test]
fn lin_kv_matrix_seeds_85_to_168() {
    shard(1);
}

#[test]
fn lin_kv_matrix_seeds_169_to_252() {
    shard(2);
}

#[test]
fn lin_kv_matrix_seeds_253_to_336() {
    shard(3);
}

#[test]
fn lin_kv_matrix_seeds_337_to_420() {
    shard(4);
}

#[test]
fn lin_kv_matrix_seeds_421_to_504() {
    shard(5);
}

#[test]
fn a_seed_replays_to_the_same_transcript() {
    let a = run_checked(matrix_config(WorkloadKind::LinKv, 42));
    let b = run_checked(matrix_config(WorkloadKind::LinKv, 42));
    assert_eq!(a.outcome.transcript_hash, b.outcome.transcript_hash);
    assert_eq!(a.outcome.history, b.outcome.history);
}
