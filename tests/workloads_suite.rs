//! Maelstrom's echo, unique-ids, broadcast, g-set, g-counter and pn-counter
//! workloads on raft-kv's machines, under the simulator's standard matrix (3 and 5
//! nodes; latency 0, 10 and 100 ms; partitions every 1–10 s; with and without 5 %
//! loss and duplication). Every run must keep Raft's invariants and pass its
//! workload's checkers; a failure prints the command that replays it.
//!
//! - echo, unique-ids, broadcast and g-set answer locally: every request must be
//!   answered even during partitions (the allowance of `common::availability_failure`
//!   aside: client timeouts caused by the latency model's long tail alone);
//! - broadcast and g-set: set-full over every read and every node's final read;
//! - the counters go through the log: strict mode (every read within its window)
//!   and Maelstrom's rule on every node's final read.
//!
//! With nodes killed and restarted from what they persisted, unique-ids stays
//! unique (a restarted process has a new incarnation) and the counters stay strict.
//! (Broadcast and g-set, like lww, lose what a node acknowledged and was killed
//! before replicating; they are not run with kills.)
//!
//! And at 25 nodes with 100 ms latency, broadcast stays within the targets of
//! Maelstrom's course (msgs-per-op < 20, stabilisation median < 1 s and max < 2 s)
//! in virtual time, which is deterministic.

mod common;

use common::{availability_failure, check_seeds};
use raft_kv::check::set_full;
use raft_kv::sim::cli::{Checked, run_checked};
use raft_kv::sim::{Latency, SimConfig, matrix_config};
use raft_kv::workload::WorkloadKind;

/// Partitions happened, and the run ended with final reads if the workload has them.
fn faults_and_final_reads(checked: &Checked) -> Vec<String> {
    let seed = checked.config.seed;
    let mut problems = Vec::new();
    if checked.outcome.partitions.is_empty() {
        problems.push(format!("seed {seed}: no partition happened"));
    }
    let needs = checked.config.workload.consistency().needs_final_reads();
    if needs && checked.outcome.final_reads.is_empty() {
        problems.push(format!("seed {seed}: no final reads"));
    }
    problems
}

/// Totally available, on top of the above.
fn available(checked: &Checked) -> Vec<String> {
    let mut problems = faults_and_final_reads(checked);
    problems.extend(availability_failure(checked));
    problems
}

fn matrix(workload: WorkloadKind, seeds: u64, extra: fn(&Checked) -> Vec<String>) {
    let config = |seed| matrix_config(workload, seed);
    check_seeds(1..seeds + 1, config, extra, 100);
}

#[test]
fn echo_matrix_seeds_1_to_100_totally_available() {
    matrix(WorkloadKind::Echo, 100, available);
}

#[test]
fn unique_ids_matrix_seeds_1_to_100_totally_available() {
    matrix(WorkloadKind::UniqueIds, 100, available);
}

#[test]
fn broadcast_matrix_seeds_1_to_60_available_and_set_full() {
    matrix(WorkloadKind::Broadcast, 60, available);
}

#[test]
fn g_set_matrix_seeds_1_to_60_available_and_set_full() {
    matrix(WorkloadKind::GSet, 60, available);
}

#[test]
fn g_counter_matrix_seeds_1_to_100_strict_and_final_reads_agree() {
    matrix(WorkloadKind::GCounter, 100, faults_and_final_reads);
}

#[test]
fn pn_counter_matrix_seeds_1_to_100_strict_and_final_reads_agree() {
    matrix(WorkloadKind::PnCounter, 100, faults_and_final_reads);
}

#[test]
fn the_counters_are_checked_strictly_and_sets_by_set_full() {
    let names = |w| -> Vec<String> {
        let checked = run_checked(matrix_config(w, 7));
        checked.verdicts.iter().map(|v| v.checker.clone()).collect()
    };
    assert!(names(WorkloadKind::PnCounter).contains(&"counter reads (strict)".to_string()));
    assert!(names(WorkloadKind::GSet).contains(&"set-full".to_string()));
}

/// A matrix configuration with kills every 1.5–4 s on top of its partitions.
fn killing(workload: WorkloadKind, seed: u64) -> SimConfig {
    let mut c = matrix_config(workload, seed);
    c.kill_interval = Some(1.5 + (seed % 6) as f64 * 0.5);
    c
}

/// Kills happened, as well as the usual.
fn restarted(checked: &Checked) -> Vec<String> {
    let mut problems = faults_and_final_reads(checked);
    let kills = checked.outcome.partitions.iter();
    if !kills.clone().any(|p| p.label.starts_with("kill")) {
        problems.push(format!("seed {}: no kill", checked.config.seed));
    }
    problems
}

#[test]
fn unique_ids_stay_unique_across_kills_and_restarts() {
    let config = |seed| killing(WorkloadKind::UniqueIds, seed);
    check_seeds(1..31, config, restarted, 100);
}

#[test]
fn counters_stay_strict_across_kills_and_restarts() {
    let config = |seed| killing(WorkloadKind::PnCounter, seed);
    check_seeds(1..31, config, restarted, 100);
}

/// Maelstrom's course, broadcast 3d/3e: 25 nodes, 100 ms latency, 100 ops/s.
fn broadcast_25_nodes(seed: u64) -> SimConfig {
    let mut c = SimConfig::lin_kv(seed, 25);
    c.workload = WorkloadKind::Broadcast;
    c.latency = Latency::Constant(100_000);
    c.nemesis_interval = None;
    c.time_limit = 20.0;
    c.rate = 100.0;
    c
}

#[test]
fn broadcast_at_25_nodes_and_100_ms_meets_the_course_targets() {
    for seed in 1..=3 {
        let checked = run_checked(broadcast_25_nodes(seed));
        assert!(checked.valid(), "{}", checked.failure_report());
        let report = set_full::analyse(&checked.outcome.history, &checked.outcome.final_reads);
        let msgs = checked.outcome.stats.msgs_per_op;
        let (median, max) = (report.latency_ms(0.5), report.latency_ms(1.0));
        eprintln!(
            "seed {seed}: {msgs:.2} msgs/op, stable latency median {median} ms, max {max} ms"
        );
        assert!(report.stable > 500, "{report:?}");
        assert!(msgs < 20.0, "seed {seed}: {msgs} msgs/op");
        assert!(
            median < 1000.0 && max < 2000.0,
            "seed {seed}: {median} / {max} ms"
        );
    }
}
