//! Benchmarks with real node processes: runs `raft-kv test` at rising rates and
//! reads each run's results.json.

use super::BenchArgs;
use std::path::PathBuf;
use std::process::Command;

/// One ladder on `nodes` nodes.
pub fn ladder(args: &BenchArgs, nodes: usize) -> Result<(), String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find own executable: {e}"))?;
    let bin = args.bin.clone().unwrap_or_else(|| me.clone());
    let store = std::env::temp_dir().join(format!("raft-kv-bench-{}", std::process::id()));
    println!(
        "## process: load ladder ({nodes} nodes of {}, concurrency {}, latency 0, {} s per rate, no faults)",
        bin.display(),
        10 * nodes,
        args.time_limit
    );
    println!(
        "| target ops/s | ok ops/s | p50 ms | p95 ms | p99 ms | msgs/op | node CPU µs/op | valid |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---|");
    for &rate in &args.rates {
        let mut cmd = Command::new(&me);
        cmd.args(["test", "-w", "lin-kv", "--no-progress", "--nemesis", "none"])
            .args(["--node-count", &nodes.to_string()])
            .args(["--concurrency", &format!("{}n", 10)])
            .args(["--rate", &rate.to_string()])
            .args(["--time-limit", &args.time_limit.to_string()])
            .arg("--store")
            .arg(&store)
            .arg("--bin")
            .arg(&bin);
        if !args.node_args.is_empty() {
            cmd.arg("--").args(&args.node_args);
        }
        let out = cmd
            .output()
            .map_err(|e| format!("cannot run raft-kv test: {e}"))?;
        let results: PathBuf = store.join("latest").join("results.json");
        let text = std::fs::read_to_string(&results).map_err(|e| {
            format!(
                "no results at {} ({e}); stderr: {}",
                results.display(),
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
        let r: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("bad results.json: {e}"))?;
        let s = &r["stats"];
        let f = |k: &str| s[k].as_f64().unwrap_or(0.0);
        let ok = f("ok");
        let cpu = r["node_cpu_s"].as_f64().unwrap_or(0.0);
        println!(
            "| {rate} | {:.0} | {:.1} | {:.1} | {:.1} | {:.2} | {:.1} | {} |",
            f("ok_per_sec"),
            f("latency_p50_ms"),
            f("latency_p95_ms"),
            f("latency_p99_ms"),
            f("msgs_per_op"),
            cpu * 1e6 / ok.max(1.0),
            r["valid"]
        );
    }
    let _ = std::fs::remove_dir_all(&store);
    println!();
    Ok(())
}
