//! Follower-served ReadIndex reads (`follower_reads`): linearizable across the
//! standard matrix, and a follower that answers before applying the read index
//! is caught.

mod common;

use common::{check_seeds, nothing_more};
use raft_kv::sim::{SimConfig, matrix_config};
use raft_kv::workload::WorkloadKind;

fn with_follower_reads(seed: u64) -> SimConfig {
    let mut c = matrix_config(WorkloadKind::LinKv, seed);
    c.node.follower_reads = true;
    c
}

#[test]
fn follower_reads_are_linearizable_on_120_matrix_seeds() {
    check_seeds(30_001..30_121, with_follower_reads, nothing_more, 100);
}

#[cfg(feature = "mutations")]
mod mutation {
    use super::common::{first_caught, mutation_config};
    use raft_kv::node::Mutation;
    use raft_kv::workload::WorkloadKind;

    fn seeds_to_catch(mutation: Mutation) -> Option<u64> {
        first_caught(&format!("{mutation:?}"), |seed| {
            let mut c = mutation_config(seed, WorkloadKind::LinKv);
            c.node.follower_reads = true;
            c.node.mutation = mutation;
            c
        })
    }

    #[test]
    fn a_follower_answering_before_applying_the_read_index_is_caught() {
        assert!(seeds_to_catch(Mutation::FollowerReadIgnoresIndex).is_some());
    }

    #[test]
    fn correct_follower_reads_pass_the_same_seeds() {
        assert_eq!(seeds_to_catch(Mutation::None), None);
    }
}
