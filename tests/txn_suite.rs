//! txn-list-append under the simulator: 240 seeds of the standard matrix (3 and 5
//! nodes; latency 0, 10 and 100 ms; partitions every 1–10 s; with and without loss
//! and duplication). Every run must be strict serializable (Elle-style checker) and
//! keep Raft's safety invariants.

use raft_kv::sim::cli::run_checked;
use raft_kv::sim::matrix_config;
use raft_kv::workload::WorkloadKind;

const SEEDS_PER_SHARD: u64 = 80;

fn shard(index: u64) {
    let first = 10_001 + index * SEEDS_PER_SHARD;
    let mut failures = Vec::new();
    let mut ok = 0;
    for seed in first..first + SEEDS_PER_SHARD {
        let checked = run_checked(matrix_config(WorkloadKind::TxnListAppend, seed));
        ok += checked.outcome.stats.ok;
        if !checked.valid() {
            failures.push(checked.failure_report());
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {SEEDS_PER_SHARD} seeds failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        ok > SEEDS_PER_SHARD * 100,
        "only {ok} ok transactions in the shard"
    );
}

#[test]
fn txn_matrix_shard_1() {
    shard(0);
}

#[test]
fn txn_matrix_shard_2() {
    shard(1);
}

#[test]
fn txn_matrix_shard_3() {
    shard(2);
}
