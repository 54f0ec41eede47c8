//! Broken txn-rw-register nodes must be caught by the simulator and the
//! rw-register checker.
#![cfg(feature = "mutations")]

mod common;

use common::{first_caught, mutation_config};
use raft_kv::node::Mutation;
use raft_kv::workload::WorkloadKind;

fn seeds_to_catch(mutation: Mutation) -> Option<u64> {
    first_caught(&format!("txn-rw {mutation:?}"), |seed| {
        let mut config = mutation_config(seed, WorkloadKind::TxnRwRegister);
        config.node.mutation = mutation;
        config
    })
}

#[test]
fn non_atomic_micro_ops_are_caught() {
    assert!(seeds_to_catch(Mutation::NonAtomicRw).is_some());
}

#[test]
fn read_only_txns_from_a_followers_local_state_are_caught() {
    assert!(seeds_to_catch(Mutation::FollowerLocalReads).is_some());
}

#[test]
fn the_unmutated_txn_rw_node_passes_the_same_seeds() {
    assert_eq!(seeds_to_catch(Mutation::None), None);
}

#[test]
fn a_node_that_persists_nothing_is_caught_when_nodes_are_killed() {
    let caught = first_caught("ForgetOnCrash TxnRwRegister", |seed| {
        let mut config = mutation_config(seed, WorkloadKind::TxnRwRegister);
        config.node.mutation = Mutation::ForgetOnCrash;
        config.kill_interval = Some(2.0);
        config
    });
    assert!(caught.is_some());
}
