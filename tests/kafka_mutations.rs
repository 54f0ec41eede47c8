//! Broken kafka nodes must be caught by the simulator and the kafka checker.
#![cfg(feature = "mutations")]

mod common;

use common::{first_caught, mutation_config};
use raft_kv::node::Mutation;
use raft_kv::workload::WorkloadKind;

fn seeds_to_catch(mutation: Mutation) -> Option<u64> {
    first_caught(&format!("kafka {mutation:?}"), |seed| {
        let mut config = mutation_config(seed, WorkloadKind::Kafka);
        config.node.mutation = mutation;
        config
    })
}

#[test]
fn polls_served_from_a_followers_local_state_are_caught() {
    assert!(seeds_to_catch(Mutation::FollowerLocalReads).is_some());
}

#[test]
fn offsets_assigned_before_commit_are_caught() {
    assert!(seeds_to_catch(Mutation::EarlyKafkaOffsets).is_some());
}

#[test]
fn sends_acknowledged_before_commit_are_caught() {
    assert!(seeds_to_catch(Mutation::ReplyBeforeCommit).is_some());
}

#[test]
fn the_unmutated_kafka_node_passes_the_same_seeds() {
    assert_eq!(seeds_to_catch(Mutation::None), None);
}

#[test]
fn a_node_that_persists_nothing_is_caught_when_nodes_are_killed() {
    let caught = first_caught("ForgetOnCrash Kafka", |seed| {
        let mut config = mutation_config(seed, WorkloadKind::Kafka);
        config.node.mutation = Mutation::ForgetOnCrash;
        config.kill_interval = Some(2.0);
        config
    });
    assert!(caught.is_some());
}
