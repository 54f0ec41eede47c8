//! lww-kv must catch a node that loses writes made while no leader was reachable.
//! Needs `--features mutations`.
#![cfg(feature = "mutations")]

use raft_kv::node::Mutation;
use raft_kv::sim::cli::run_checked;
use raft_kv::sim::{Latency, SimConfig};
use raft_kv::workload::WorkloadKind;

const MAX_SEEDS: u64 = 20;

/// The first seed at which the mutation was caught.
fn seeds_to_catch(mutation: Mutation) -> Option<u64> {
    for seed in 1..=MAX_SEEDS {
        let mut config = SimConfig::lin_kv(seed, 3);
        config.workload = WorkloadKind::LwwKv;
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
