//! The standard spread of simulated configurations that the test suite and the soak
//! command sweep: 3 and 5 nodes; latency 0, 10 and 100 ms; partitions every 1–10 s;
//! with and without message loss and duplication.

use super::config::SimConfig;
use super::network::Latency;
use crate::node::mix;
use crate::workload::WorkloadKind;

/// The configuration for `seed` in the standard sweep. Every choice is a function
/// of the seed, so `raft-kv soak --matrix` and the test suite agree on it.
pub fn matrix_config(workload: WorkloadKind, seed: u64) -> SimConfig {
    let pick = |salt: u64, n: u64| mix(seed, salt) % n;
    let node_count = if pick(10, 2) == 0 { 3 } else { 5 };
    let latency_ms = [0u64, 10, 100][pick(11, 3) as usize];
    let latency = match pick(12, 3) {
        0 => Latency::Constant(latency_ms * 1000),
        1 => Latency::Uniform(latency_ms * 1000),
        _ => Latency::Exponential(latency_ms * 1000),
    };
    let faulty = pick(13, 2) == 1;
    let mut c = SimConfig::lin_kv(seed, node_count);
    c.workload = workload;
    c.latency = latency;
    c.nemesis_interval = Some(1.0 + pick(14, 10) as f64);
    c.loss = if faulty { 0.05 } else { 0.0 };
    c.duplicate = if faulty { 0.05 } else { 0.0 };
    // High latency makes each op slow: run longer so every run sees real load.
    c.time_limit = if latency_ms >= 100 { 30.0 } else { 15.0 };
    c.concurrency = 2 * node_count;
    c.rate = 100.0;
    // A third of the runs compact every 16 entries, so followers behind a
    // partition come back through InstallSnapshot.
    let (every, retain) = [(16, 4), (64, 0), (4096, 512)][pick(15, 3) as usize];
    c.node.snapshot_entries = every;
    c.node.snapshot_retain = retain;
    c
}
