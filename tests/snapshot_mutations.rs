//! Broken snapshots must be caught: with compaction every 16 entries, followers
//! behind a partition come back through InstallSnapshot, and the simulator's
//! invariants (snapshot agreement, state machine safety) and checkers must notice
//! when a snapshot is wrong. Needs `--features mutations`.
#![cfg(feature = "mutations")]

mod common;

use common::{MAX_SEEDS, first_caught, mutation_config};
use raft_kv::node::Mutation;
use raft_kv::sim::{SimConfig, run};
use raft_kv::workload::WorkloadKind;

fn compacting(seed: u64, workload: WorkloadKind, mutation: Mutation) -> SimConfig {
    let mut config = mutation_config(seed, workload);
    config.node.snapshot_entries = 16;
    config.node.snapshot_retain = 4;
    config.node.mutation = mutation;
    config
}

#[test]
fn the_unmutated_node_installs_snapshots_and_passes() {
    let mut installed = 0;
    for seed in 1..=5 {
        let outcome = run(&compacting(seed, WorkloadKind::LinKv, Mutation::None));
        assert!(
            outcome.invariant_violations.is_empty(),
            "seed {seed}: {:?}",
            outcome.invariant_violations
        );
        installed += outcome.snapshots_installed;
    }
    assert!(
        installed >= 5,
        "only {installed} snapshots installed: the mutation tests below would prove little"
    );
    assert_eq!(
        first_caught("unmutated", |seed| compacting(
            seed,
            WorkloadKind::LinKv,
            Mutation::None
        )),
        None
    );
}

#[test]
fn a_snapshot_without_the_session_table_is_caught() {
    let caught = first_caught("SnapshotWithoutSessions", |seed| {
        compacting(seed, WorkloadKind::LinKv, Mutation::SnapshotWithoutSessions)
    });
    assert!(
        caught.is_some(),
        "SnapshotWithoutSessions survived {MAX_SEEDS} seeds"
    );
}

/// Figure 13, rule 6, driven directly: a follower holding entries 1..=10 (commit
/// 5) gets a snapshot ending at 8 whose term matches its entry 8: it must keep 9
/// and 10. Returns the follower's last index after installing.
fn last_index_after_a_rule_6_snapshot(discard_log_on_snapshot: bool) -> u64 {
    use raft_kv::raft::{AppendEntries, Config, Data, Entry, InstallSnapshot, Message, Raft};
    let members: Vec<String> = ["n1", "n2", "n3"].map(String::from).to_vec();
    let config = Config {
        discard_log_on_snapshot,
        ..Config::default()
    };
    let mut follower = Raft::new("n2".into(), &members, config, 1, 0).unwrap();
    let entry = |i: u64| Entry {
        term: 1,
        data: Some(Data::encode(&i).unwrap()),
    };
    follower.step(
        1,
        "n1",
        Message::AppendEntries(AppendEntries {
            term: 1,
            leader: "n1".into(),
            prev_log_index: 0,
            prev_log_term: 0,
            entries: (1..=10).map(entry).collect(),
            leader_commit: 5,
            read_round: None,
        }),
    );
    follower.step(
        2,
        "n1",
        Message::InstallSnapshot(InstallSnapshot {
            term: 1,
            leader: "n1".into(),
            last_included_index: 8,
            last_included_term: 1,
            offset: 0,
            data: "{}".into(),
            done: true,
        }),
    );
    assert_eq!(follower.commit_index(), 8);
    follower.log().last_index()
}

#[test]
fn a_correct_follower_keeps_the_log_after_a_matching_snapshot() {
    assert_eq!(last_index_after_a_rule_6_snapshot(false), 10);
}

#[test]
fn discarding_the_log_when_rule_6_applies_is_caught() {
    // Rarely reachable in random runs (the follower must hold the snapshot's last
    // entry without knowing it is committed), so the rule is checked directly.
    assert_ne!(
        last_index_after_a_rule_6_snapshot(true),
        10,
        "the mutant kept entries 9 and 10"
    );
}
