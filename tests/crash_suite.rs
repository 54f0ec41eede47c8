//! Crash-restart safety in simulation: nodes are killed (one, a majority or all)
//! and restarted from what they persisted, alongside partitions. Acknowledged
//! writes survive, including those the totally available machines (broadcast,
//! g-set, lww) acknowledge before replicating; a node that persists nothing, or
//! not those handoffs, is caught.

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

/// Elements acknowledged by a node that is killed while no leader is reachable
/// (so before the log has them) come back after its restart: set-full sees none
/// lost.
#[test]
fn g_set_and_broadcast_lose_no_acknowledged_element_to_kills() {
    for workload in [WorkloadKind::GSet, WorkloadKind::Broadcast] {
        check_seeds(0..20, |seed| killing(workload, seed), nothing_more, 50);
    }
}

#[test]
fn lww_kv_survives_kills_and_restarts() {
    check_seeds(
        0..20,
        |seed| killing(WorkloadKind::LwwKv, seed),
        nothing_more,
        50,
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

    /// The handoffs are what saves g-set's elements and lww's writes: without
    /// them a kill loses what a cut-off node acknowledged (for lww, the real-time
    /// check sees a key converge to a value a later acknowledged write replaced).
    #[test]
    fn a_node_that_keeps_no_handoffs_is_caught() {
        for workload in [WorkloadKind::GSet, WorkloadKind::LwwKv] {
            let caught = first_caught(&format!("VolatileHandoffs {workload}"), |seed| {
                let mut c = killing(workload, seed);
                c.node.mutation = Mutation::VolatileHandoffs;
                c
            });
            assert!(
                caught.is_some(),
                "VolatileHandoffs survived under {workload}"
            );
        }
    }
}
