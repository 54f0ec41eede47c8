//! kafka under the simulator: 160 seeds of the standard matrix (3 and 5 nodes;
//! latency 0, 10 and 100 ms; partitions every 1–10 s; with and without loss and
//! duplication), and 30 more with nodes killed and restarted. Every run must
//! show none of Jepsen's kafka anomalies nor a stale poll or listing, keep Raft's
//! safety invariants, and end with final polls that read every key from the start.

mod common;

use common::check_seeds;
use raft_kv::check::history::{F, Kind};
use raft_kv::sim::cli::Checked;
use raft_kv::sim::matrix_config;
use raft_kv::workload::WorkloadKind;

const SEEDS_PER_SHARD: u64 = 80;

/// A run that acknowledged a send polled messages and ended with final polls.
fn polled_to_the_end(c: &Checked) -> Vec<String> {
    let ops = &c.outcome.history.ops;
    let count = |f: F| {
        ops.iter()
            .filter(|o| o.f == f && o.kind == Kind::Ok)
            .count()
    };
    let seeked = ops
        .iter()
        .any(|o| o.f == F::Assign && o.value["seek_to_beginning"] == true);
    let (sent, polled) = (count(F::Send), count(F::Poll));
    if sent > 0 && (polled == 0 || !seeked) {
        vec![format!(
            "seed {}: {sent} ok sends, {polled} ok polls, final polls {seeked}",
            c.config.seed
        )]
    } else {
        Vec::new()
    }
}

fn shard(index: u64) {
    let first = 20_001 + index * SEEDS_PER_SHARD;
    let config = |seed| matrix_config(WorkloadKind::Kafka, seed);
    check_seeds(
        first..first + SEEDS_PER_SHARD,
        config,
        polled_to_the_end,
        100,
    );
}

#[test]
fn kafka_matrix_shard_1() {
    shard(0);
}

#[test]
fn kafka_matrix_shard_2() {
    shard(1);
}

#[test]
fn kafka_survives_kills_and_restarts() {
    // Matrix configurations with nodes killed and restarted from their storage
    // every 1.5–4 s on top of the partitions.
    let killing = |seed: u64| {
        let mut c = matrix_config(WorkloadKind::Kafka, seed);
        c.kill_interval = Some(1.5 + (seed % 6) as f64 * 0.5);
        c
    };
    check_seeds(0..30, killing, polled_to_the_end, 100);
}
