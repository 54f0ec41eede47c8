//! Benchmarks on the deterministic simulator (virtual time).

use crate::check::history::{F, History, Kind};
use crate::sim::{Cluster, Latency, SimConfig, run};

/// Median of a list (0 when empty).
fn median(v: &mut [u64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_unstable();
    v[v.len() / 2] as f64
}

/// Low load: 3 nodes, 10 ops/s, constant 10 ms node-to-node latency, no faults.
/// Prints median latency per operation kind and per entry node, against the hop
/// bound (2L at the leader, 3L through a follower, 4L for a follower read).
pub fn low_load_table() {
    let l = 10_000u64;
    println!(
        "## sim: low load (3 nodes, 10 ops/s, constant node-to-node L = 10 ms, clients 0 ms, 60 s, no faults)"
    );
    println!(
        "| op | client's node | read path | ops | median ms | median / L | hop bound | ratio |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|");
    for follower_reads in [false, true] {
        let mut config = SimConfig::lin_kv(7, 3);
        config.rate = 10.0;
        config.concurrency = 3;
        config.latency = Latency::Constant(l);
        config.nemesis_interval = None;
        config.time_limit = 60.0;
        config.node.follower_reads = follower_reads;
        let outcome = run(&config);
        let leader = final_leader(&config);
        let path = if follower_reads {
            "follower read index"
        } else {
            "forward to leader"
        };
        for (name, fs) in [
            ("read", &[F::Read][..]),
            ("write/cas", &[F::Write, F::Cas][..]),
        ] {
            // Follower reads only change reads made through followers.
            if follower_reads && name != "read" {
                continue;
            }
            for at_leader in [true, false] {
                if follower_reads && at_leader {
                    continue;
                }
                let mut lat = latencies(&outcome.history, fs, |node| (node == leader) == at_leader);
                let m = median(&mut lat);
                // Client messages take no time (Maelstrom): only node-to-node
                // hops count.
                let bound = match (at_leader, follower_reads) {
                    (true, _) => 2.0,
                    (false, false) => 3.0,
                    (false, true) => 4.0,
                };
                println!(
                    "| {name} | {} | {path} | {} | {:.1} | {:.2} | {bound}L | {:.3} |",
                    if at_leader { "leader" } else { "follower" },
                    lat.len(),
                    m / 1000.0,
                    m / l as f64,
                    m / l as f64 / bound
                );
            }
        }
    }
    println!();
}

/// The leader at the end of an unpartitioned run (re-derived by replaying to the
/// election; the run is deterministic).
fn final_leader(config: &SimConfig) -> String {
    let ids = Cluster::node_ids(config.node_count);
    let net = crate::sim::NetConfig {
        latency: config.latency,
        ..Default::default()
    };
    let mut node = config.node.clone();
    node.machine = config.workload.machine();
    let mut c = Cluster::new(&ids, node, net, crate::node::mix(config.seed, 1));
    for _ in 0..100 {
        c.run_for(100_000);
        if let Some(l) = c.leader() {
            return l;
        }
    }
    String::new()
}

/// Latencies (µs) of ok operations with `f` in `fs` whose node passes `node_ok`.
fn latencies(h: &History, fs: &[F], node_ok: impl Fn(&str) -> bool) -> Vec<u64> {
    let mut out = Vec::new();
    let Ok(pairs) = h.pairs() else { return out };
    for p in pairs {
        let Some(c) = p.completion else { continue };
        if c.kind != Kind::Ok || !fs.contains(&p.invoke.f) {
            continue;
        }
        // Skip the first two seconds: the initial election.
        if p.invoke.time < 2_000_000 || !node_ok(p.invoke.node.as_deref().unwrap_or("")) {
            continue;
        }
        out.push(c.time - p.invoke.time);
    }
    out
}

/// Under load: concurrency 10n, constant 1 ms latency, rising rates.
pub fn load_ladder(nodes: usize, rates: &[f64]) {
    println!(
        "## sim: load ladder ({nodes} nodes, concurrency {}, constant 1 ms, 10 s, no faults)",
        10 * nodes
    );
    println!("| target ops/s | ok ops/s | p50 ms | p95 ms | p99 ms | msgs/op | node CPU µs/op |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for &rate in rates {
        let mut config = SimConfig::lin_kv(11, nodes);
        config.rate = rate;
        config.concurrency = 10 * nodes;
        config.latency = Latency::Constant(1_000);
        config.nemesis_interval = None;
        config.time_limit = 10.0;
        let o = run(&config);
        let s = &o.stats;
        let cpu_per_op = o.net.node_cpu_ns as f64 / 1000.0 / s.ok.max(1) as f64;
        println!(
            "| {rate} | {:.0} | {:.1} | {:.1} | {:.1} | {:.2} | {:.1} |",
            s.ok_per_sec,
            s.latency_p50_ms,
            s.latency_p95_ms,
            s.latency_p99_ms,
            s.msgs_per_op,
            cpu_per_op
        );
    }
    println!();
}
