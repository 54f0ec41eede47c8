use raft_kv::sim::{Latency, SimConfig, run};
fn main() {
    let mut c = SimConfig::lin_kv(1, 3);
    c.latency = Latency::Exponential(10_000);
    let t = std::time::Instant::now();
    let o = run(&c);
    println!("{o} | {:?}", t.elapsed());
}
