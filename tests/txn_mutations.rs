//! Broken txn nodes must be caught by the simulator and the Elle-style checker.
#![cfg(feature = "mutations")]

use raft_kv::node::Mutation;
use raft_kv::sim::cli::run_checked;
use raft_kv::sim::{Latency, SimConfig};
use raft_kv::workload::WorkloadKind;

const MAX_SEEDS: u64 = 20;

fn seeds_to_catch(mutation: Mutation) -> Option<u64> {
    for seed in 1..=MAX_SEEDS {
        let mut config = SimConfig::lin_kv(seed, 3);
        config.workload = WorkloadKind::TxnListAppend;
        config.latency = Latency::Exponential(10_000);
        config.nemesis_interval = Some(3.0);
        config.node.mutation = mutation;
        let checked = run_checked(config);
        if !checked.valid() {
            eprintln!(
                "{mutation:?} caught at seed {seed}:\n{}",
                checked.failure_report()
            );
            return Some(seed);
        }
    }
    None
}

#[test]
fn read_only_txns_from_a_followers_local_state_are_caught() {
    assert!(seeds_to_catch(Mutation::FollowerLocalReads).is_some());
}

#[test]
fn non_atomic_micro_ops_are_caught() {
    assert!(seeds_to_catch(Mutation::NonAtomicTxn).is_some());
}

#[test]
fn the_unmutated_txn_node_passes_the_same_seeds() {
    assert_eq!(seeds_to_catch(Mutation::None), None);
}
