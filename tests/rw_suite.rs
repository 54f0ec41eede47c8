//! txn-rw-register under the simulator: 160 seeds of the standard matrix (3 and
//! 5 nodes; latency 0, 10 and 100 ms; partitions every 1–10 s; with and without
//! loss and duplication), and 30 more with nodes killed and restarted. Every run
//! must be strict serializable (the Elle-style rw-register checker) and keep
//! Raft's safety invariants.

mod common;

use common::{check_seeds, nothing_more};
use raft_kv::sim::matrix_config;
use raft_kv::workload::WorkloadKind;

const SEEDS_PER_SHARD: u64 = 80;

fn shard(index: u64) {
    let first = 30_001 + index * SEEDS_PER_SHARD;
    let config = |seed| matrix_config(WorkloadKind::TxnRwRegister, seed);
    check_seeds(first..first + SEEDS_PER_SHARD, config, nothing_more, 100);
}

#[test]
fn rw_register_matrix_shard_1() {
    shard(0);
}

#[test]
fn rw_register_matrix_shard_2() {
    shard(1);
}

#[test]
fn rw_register_survives_kills_and_restarts() {
    // Matrix configurations with nodes killed and restarted from their storage
    // every 1.5–4 s on top of the partitions.
    let killing = |seed: u64| {
        let mut c = matrix_config(WorkloadKind::TxnRwRegister, seed);
        c.kill_interval = Some(1.5 + (seed % 6) as f64 * 0.5);
        c
    };
    check_seeds(0..30, killing, nothing_more, 100);
}
