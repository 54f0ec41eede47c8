//! Crash-restart safety in simulation: nodes are killed (one, a majority or all)
//! and restarted from what they persisted, alongside partitions. Acknowledged
//! writes survive; a node that persists nothing is caught.

mod common;

use common::{check_seeds, nothing_more};
use raft_kv::sim::{SimConfig, matrix_config, run};
use raft_kv::workload::WorkloadKind;

/// A matrix configuration with kills every 1.5–4 s on top of its partitions.
fn killing(workload: WorkloadKind, seed: u64) -> SimConfig {
    let mut c = matrix_config(workload, seed);
    c.kill_interval = Some(1.5 + (seed % 6) as f64 * 0.5);
    c
}

#[test]
fn lin_kv_survives_kills_and_restarts() {
    check_seeds(
        0..60,
        |seed| killing(WorkloadKind::LinKv, seed),
        nothing_more,
        100,
    );
}

#[test]
fn txn_list_append_survives_kills_and_restarts() {
    check_seeds(
        0..40,
        |seed| killing(WorkloadKind::TxnListAppend, seed),
        nothing_more,
        100,
    );
}

#[test]
fn kills_happen_and_restarted_nodes_catch_up() {
    let outcome = run(&killing(WorkloadKind::LinKv, 3));
    let kills = outcome
        .partitions
        .iter()
        .filter(|p| p.label.starts_with("kill"))
        .count();
    assert!(kills >= 2, "only {kills} kills");
    assert!(outcome.stats.ok > 100);
}

#[cfg(feature = "mutations")]
mod mutations {
    use super::*;
    use common::first_caught;
    use raft_kv::node::Mutation;

    #[test]
    fn a_node_that_persists_nothing_is_caught() {
        for workload in [WorkloadKind::LinKv, WorkloadKind::TxnListAppend] {
            let caught = first_caught(&format!("ForgetOnCrash {workload}"), |seed| {
                let mut c = killing(workload, seed);
                c.node.mutation = Mutation::ForgetOnCrash;
                c
            });
            assert!(caught.is_some(), "ForgetOnCrash survived under {workload}");
        }
    }
}
