//! lww-kv must catch a node that loses writes made while no leader was reachable.
//! Needs `--features mutations`.
#![cfg(feature = "mutations")]

mod common;

use common::{MAX_SEEDS, first_caught, mutation_config};
use raft_kv::node::Mutation;
use raft_kv::workload::WorkloadKind;

/// The first seed at which the mutation was caught.
fn seeds_to_catch(mutation: Mutation) -> Option<u64> {
    first_caught(&format!("{mutation:?}"), |seed| {
        let mut config = mutation_config(seed, WorkloadKind::LwwKv);
        config.node.mutation = mutation;
        config
    })
}

#[test]
fn dropping_writes_buffered_during_a_partition_is_caught() {
    assert!(
        seeds_to_catch(Mutation::DropBufferedWrites).is_some(),
        "dropped buffered writes survived {MAX_SEEDS} seeds"
    );
}

#[test]
fn the_unmutated_lww_node_passes_the_same_seeds() {
    assert_eq!(seeds_to_catch(Mutation::None), None);
}
