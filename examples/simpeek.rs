use raft_kv::sim::{Latency, SimConfig, run};
fn main() {
    for (n, lat, loss) in [
        (3, 0, 0.0),
        (3, 10_000, 0.0),
        (5, 100_000, 0.0),
        (3, 10_000, 0.05),
    ] {
        let mut c = SimConfig::lin_kv(1, n);
        c.latency = Latency::Exponential(lat);
        c.loss = loss;
        c.duplicate = loss;
        let t = std::time::Instant::now();
        let o = run(&c);
        println!(
            "n={n} lat={lat} loss={loss}: {o} | invariants {:?} | {:?} wall, {} ops",
            o.invariant_violations,
            t.elapsed(),
            o.history.ops.len()
        );
    }
}
