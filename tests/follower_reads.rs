//! Follower-served ReadIndex reads (`follower_reads`): linearizable across the
//! standard matrix, and a follower that answers before applying the read index
//! is caught.

use raft_kv::sim::cli::run_checked;
use raft_kv::sim::{SimConfig, matrix_config};
use raft_kv::workload::WorkloadKind;

fn with_follower_reads(seed: u64) -> SimConfig {
    let mut c = matrix_config(WorkloadKind::LinKv, seed);
    c.node.follower_reads = true;
    c
}

#[test]
fn follower_reads_are_linearizable_on_120_matrix_seeds() {
    let mut failures = Vec::new();
    let mut ok = 0;
    for seed in 30_001..30_121 {
        let checked = run_checked(with_follower_reads(seed));
        ok += checked.outcome.stats.ok;
        if !checked.valid() {
            failures.push(checked.failure_report());
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(ok > 12_000, "only {ok} ok operations");
}

#[cfg(feature = "mutations")]
mod mutation {
    use super::*;
    use raft_kv::node::Mutation;
    use raft_kv::sim::Latency;

    fn seeds_to_catch(mutation: Mutation) -> Option<u64> {
        for seed in 1..=20 {
            let mut c = SimConfig::lin_kv(seed, 3);
            c.latency = Latency::Exponential(10_000);
            c.nemesis_interval = Some(3.0);
            c.node.follower_reads = true;
            c.node.mutation = mutation;
            let checked = run_checked(c);
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
    fn a_follower_answering_before_applying_the_read_index_is_caught() {
        assert!(seeds_to_catch(Mutation::FollowerReadIgnoresIndex).is_some());
    }

    #[test]
    fn correct_follower_reads_pass_the_same_seeds() {
        assert_eq!(seeds_to_catch(Mutation::None), None);
    }
}
