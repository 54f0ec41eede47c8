//! `raft-kv bench --baseline OLD`: this build against another node binary, run
//! alternately in one session on one machine, so that the ratios mean something.
//!
//! Four measurements, each for both binaries:
//! - saturation: 3 nodes, lin-kv, concurrency 10n, latency 0, rate 10,000: ok
//!   ops/s, node CPU µs per ok op (all nodes' CPU seconds ÷ ok ops) and per
//!   completed op (a cas whose `from` does not match fails, yet costs as much),
//!   msgs/op;
//! - floor: the same load on the echo workload (`--machine echo`), where a
//!   request costs one wake-up, one read and one write and no replication: what
//!   any request costs a node process under this harness on this machine, and,
//!   with `--floor-bin`, the same for another echo node (`tools/echo-floor.c`);
//! - memory per log entry: the largest node's RSS growth per operation with
//!   compaction off (`--memory`'s driver), and this build's own accounting of
//!   its log's heap ([`Log::heap_bytes`](crate::raft::Log::heap_bytes));
//! - the latency tail under partitions: 5 nodes, txn-list-append, 20 ms
//!   exponential latency, a partition started or healed every second: ok
//!   latency quantiles and a histogram around multiples of the retry interval.

use super::BenchArgs;
use crate::check::history::{History, Kind};
use crate::node::{Node, NodeConfig};
use crate::protocol::Message;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One saturation run's numbers.
#[derive(Clone, Copy, Debug, Default)]
struct Saturation {
    ok_per_sec: f64,
    cpu_us_per_op: f64,
    cpu_us_per_completed: f64,
    msgs_per_op: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs `raft-kv test` with `args` against `bin`; returns the run's directory.
fn run_test(
    bin: &Path,
    store: &Path,
    args: &[&str],
    node_args: &[&str],
) -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find own executable: {e}"))?;
    let mut cmd = Command::new(me);
    cmd.arg("test")
        .args(args)
        .args(["--no-progress", "--store"])
        .arg(store)
        .arg("--bin")
        .arg(bin);
    if !node_args.is_empty() {
        cmd.arg("--").args(node_args);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run raft-kv test: {e}"))?;
    let dir = store.join("latest");
    if !dir.join("results.json").exists() {
        return Err(format!(
            "no results in {} (exit {:?}); stderr: {}",
            dir.display(),
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(dir)
}

/// One run at saturation: 3 nodes, concurrency 10n, latency 0, rate 10,000.
fn saturation(
    bin: &Path,
    store: &Path,
    secs: f64,
    workload: &str,
    node_args: &[&str],
) -> Result<Saturation, String> {
    let secs = secs.to_string();
    let dir = run_test(
        bin,
        store,
        &[
            "-w",
            workload,
            "--nemesis",
            "none",
            "--node-count",
            "3",
            "--concurrency",
            "10n",
            "--rate",
            "10000",
            "--time-limit",
            &secs,
        ],
        node_args,
    )?;
    let text = std::fs::read_to_string(dir.join("results.json")).map_err(|e| e.to_string())?;
    let r: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let s = &r["stats"];
    let f = |k: &str| s[k].as_f64().unwrap_or(0.0);
    let cpu_us = r["node_cpu_s"].as_f64().unwrap_or(0.0) * 1e6;
    Ok(Saturation {
        ok_per_sec: f("ok_per_sec"),
        cpu_us_per_op: cpu_us / f("ok").max(1.0),
        cpu_us_per_completed: cpu_us / (f("ok") + f("fail") + f("info")).max(1.0),
        msgs_per_op: f("msgs_per_op"),
        p50_ms: f("latency_p50_ms"),
        p99_ms: f("latency_p99_ms"),
    })
}

/// Ok latencies (ms) of a run's history.
fn ok_latencies(dir: &Path) -> Result<Vec<f64>, String> {
    let file = std::fs::File::open(dir.join("history.jsonl")).map_err(|e| e.to_string())?;
    let history = History::read_jsonl(std::io::BufReader::new(file))?;
    Ok(history
        .pairs()?
        .iter()
        .filter_map(|p| {
            p.completion
                .filter(|c| c.kind == Kind::Ok)
                .map(|c| (p.invoke, c))
        })
        .map(|(i, c)| c.time.saturating_sub(i.time) as f64 / 1000.0)
        .collect())
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// The partition run with harness seed `seed` (the same partition schedule and
/// operations for both binaries): the ok latencies in ms.
fn tail(bin: &Path, store: &Path, secs: f64, seed: u64) -> Result<Vec<f64>, String> {
    let secs = secs.to_string();
    let seed = seed.to_string();
    let dir = run_test(
        bin,
        store,
        &[
            "-w",
            "txn-list-append",
            "--node-count",
            "5",
            "--latency",
            "20",
            "--latency-dist",
            "exponential",
            "--nemesis",
            "partition",
            "--nemesis-interval",
            "1",
            "--rate",
            "1000",
            "--concurrency",
            "10n",
            "--time-limit",
            &secs,
            "--seed",
            &seed,
        ],
        &["--machine", "txn"],
    )?;
    ok_latencies(&dir)
}

/// Bytes of this build's log per lin-kv write, as its own accounting counts them:
/// one node (a cluster of one commits at once) with a wall-clock incarnation,
/// `writes` writes over 100 keys from 30 clients, compaction off.
pub fn entry_bytes(writes: u64) -> (f64, f64) {
    let config = NodeConfig {
        snapshot_entries: 0,
        snapshot_bytes: 0,
        ..NodeConfig::default()
    };
    let mut node = Node::new(config, 1).with_incarnation(crate::runtime::incarnation());
    node.handle_line(
        0,
        r#"{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0"]}}"#,
    );
    // The single node elects itself once its election timeout passes.
    for t in 1..=40 {
        node.tick(t * 100_000);
    }
    let mut now = 4_000_000;
    for i in 0..writes {
        now += 10;
        let line = format!(
            r#"{{"src":"c{}","dest":"n0","body":{{"type":"write","msg_id":{},"key":{},"value":{}}}}}"#,
            i % 30,
            i + 2,
            i % 100,
            i
        );
        node.handle_line(now, &line);
        let _: Vec<Message> = node.take_outbox();
    }
    let log = node.raft().map(|r| r.log());
    let (heap, len, text) = log.map_or((0, 1, 0), |l| (l.heap_bytes(), l.len().max(1), l.bytes()));
    (heap as f64 / len as f64, text as f64 / len as f64)
}

/// The parts `--parts` may name.
pub const PARTS: [&str; 4] = ["saturation", "floor", "memory", "tail"];

/// Runs the comparison and prints its tables.
pub fn compare(args: &BenchArgs, baseline: &Path) -> Result<(), String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find own executable: {e}"))?;
    let after = args.bin.clone().unwrap_or(me);
    let store = std::env::temp_dir().join(format!("raft-kv-compare-{}", std::process::id()));
    println!(
        "# before: {}\n# after:  {}\n",
        baseline.display(),
        after.display()
    );
    if let Some(unknown) = args.parts.iter().find(|p| !PARTS.contains(&p.as_str())) {
        return Err(format!(
            "unknown part {unknown:?} in --parts (known: {})",
            PARTS.join(", ")
        ));
    }
    let part = |name: &str| args.parts.iter().any(|p| p == name);
    if part("saturation") {
        saturation_table(args, baseline, &after, &store)?;
    }
    if part("floor") {
        floor_table(args, baseline, &after, &store)?;
    }
    if part("memory") {
        memory_table(baseline, &after)?;
    }
    if part("tail") {
        tail_table(args, baseline, &after, &store)?;
    }
    let _ = std::fs::remove_dir_all(&store);
    Ok(())
}

fn saturation_table(
    args: &BenchArgs,
    baseline: &Path,
    after: &Path,
    store: &Path,
) -> Result<(), String> {
    let runs = args.repeat.max(1);
    println!(
        "## saturation: 3 nodes, lin-kv, concurrency 10n, latency 0, rate 10,000, {} s per run, {runs} runs each, alternating",
        args.time_limit
    );
    println!(
        "| run | binary | ok ops/s | node CPU µs/ok op | node CPU µs/op | msgs/op | p50 ms | p99 ms |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|");
    let mut results: [Vec<Saturation>; 2] = [Vec::new(), Vec::new()];
    for run in 1..=runs {
        for (i, (label, bin)) in [("before", baseline), ("after", after)]
            .into_iter()
            .enumerate()
        {
            let s = saturation(bin, store, args.time_limit, "lin-kv", &[])?;
            println!(
                "| {run} | {label} | {:.0} | {:.1} | {:.1} | {:.2} | {:.1} | {:.1} |",
                s.ok_per_sec,
                s.cpu_us_per_op,
                s.cpu_us_per_completed,
                s.msgs_per_op,
                s.p50_ms,
                s.p99_ms
            );
            results[i].push(s);
        }
    }
    let med = |i: usize, f: fn(&Saturation) -> f64| median(results[i].iter().map(f).collect());
    println!();
    println!("| median | before | after | after / before |");
    println!("|---|---:|---:|---:|");
    type Field = fn(&Saturation) -> f64;
    let rows: [(&str, Field); 6] = [
        ("ok ops/s", |s| s.ok_per_sec),
        ("node CPU µs per ok op", |s| s.cpu_us_per_op),
        ("node CPU µs per completed op", |s| s.cpu_us_per_completed),
        ("msgs/op", |s| s.msgs_per_op),
        ("p50 ms", |s| s.p50_ms),
        ("p99 ms", |s| s.p99_ms),
    ];
    for (name, f) in rows {
        let (b, a) = (med(0, f), med(1, f));
        println!(
            "| {name} | {b:.2} | {a:.2} | {:.3} |",
            a / b.max(f64::MIN_POSITIVE)
        );
    }
    println!();
    Ok(())
}

/// The echo workload at saturation: the cost of a request that needs no other
/// node, for both binaries and for `--floor-bin` if given.
fn floor_table(
    args: &BenchArgs,
    baseline: &Path,
    after: &Path,
    store: &Path,
) -> Result<(), String> {
    let runs = args.repeat.max(1);
    println!(
        "## floor: echo, 3 nodes, concurrency 10n, latency 0, rate 10,000, {} s per run, {runs} runs each, alternating",
        args.time_limit
    );
    let mut bins: Vec<(String, &Path, &[&str])> = vec![
        (
            "before --machine echo".into(),
            baseline,
            &["--machine", "echo"],
        ),
        ("after --machine echo".into(), after, &["--machine", "echo"]),
    ];
    if let Some(floor) = &args.floor_bin {
        bins.push((floor.display().to_string(), floor, &[]));
    }
    let mut cpu: Vec<Vec<f64>> = vec![Vec::new(); bins.len()];
    let mut rate: Vec<Vec<f64>> = vec![Vec::new(); bins.len()];
    for _ in 0..runs {
        for (i, (_, bin, node_args)) in bins.iter().enumerate() {
            let s = saturation(bin, store, args.time_limit, "echo", node_args)?;
            cpu[i].push(s.cpu_us_per_op);
            rate[i].push(s.ok_per_sec);
        }
    }
    println!("| node (medians) | ok ops/s | node CPU µs per op |");
    println!("|---|---:|---:|");
    for (i, (label, _, _)) in bins.iter().enumerate() {
        println!(
            "| {label} | {:.0} | {:.1} |",
            median(rate[i].clone()),
            median(cpu[i].clone())
        );
    }
    println!();
    Ok(())
}

fn memory_table(baseline: &Path, after: &Path) -> Result<(), String> {
    let ops = 30_000;
    println!(
        "## memory per operation: {ops} lin-kv ops on 3 nodes, compaction off, largest node's RSS growth from the 10 % to the last sample"
    );
    println!("| binary | RSS growth bytes/op |");
    println!("|---|---:|");
    let off = [
        "--snapshot-entries".to_owned(),
        "0".into(),
        "--snapshot-bytes".into(),
        "0".into(),
    ];
    for (label, bin) in [("before", baseline), ("after", after)] {
        let run = super::memory::run(bin, &off, 3, ops, 30)?;
        let growth = match (run.samples.first(), run.samples.last()) {
            (Some((o0, r0)), Some((o1, r1))) if o1 > o0 => {
                let max = |v: &Vec<f64>| v.iter().copied().fold(0.0, f64::max);
                (max(r1) - max(r0)) * 1024.0 * 1024.0 / (o1 - o0) as f64
            }
            _ => 0.0,
        };
        println!("| {label} | {growth:.0} |");
    }
    let (heap, text) = entry_bytes(20_000);
    println!(
        "\nThis build's log, by its own accounting, per lin-kv write entry: {heap:.0} bytes of heap ({text:.0} of them the command's JSON text and framing).\n"
    );
    Ok(())
}

fn tail_table(args: &BenchArgs, baseline: &Path, after: &Path, store: &Path) -> Result<(), String> {
    let secs = args.time_limit.max(30.0);
    println!(
        "## latency tail: 5 nodes, txn-list-append, concurrency 10n, 20 ms exponential latency, partition every 1 s, rate 1000, {secs} s; harness seeds 1..={} for both binaries, latencies pooled",
        args.repeat.max(1)
    );
    println!(
        "| binary | ok ops | p50 ms | p99 ms | p99.9 ms | max ms | ok within ±50 ms of 1 s / 2 s / 3 s | same-width windows at 0.75 s / 1.25 s |"
    );
    println!("|---|---:|---:|---:|---:|---:|---|---|");
    let mut hists = Vec::new();
    for (label, bin) in [("before", baseline), ("after", after)] {
        let mut lat = Vec::new();
        for seed in 1..=args.repeat.max(1) as u64 {
            lat.extend(tail(bin, store, secs, seed)?);
        }
        lat.sort_by(f64::total_cmp);
        let near = |c: f64| lat.iter().filter(|l| (**l - c).abs() < 50.0).count();
        println!(
            "| {label} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {} / {} / {} | {} / {} |",
            lat.len(),
            quantile(&lat, 0.5),
            quantile(&lat, 0.99),
            quantile(&lat, 0.999),
            lat.last().copied().unwrap_or(0.0),
            near(1000.0),
            near(2000.0),
            near(3000.0),
            near(750.0),
            near(1250.0),
        );
        hists.push((label, lat));
    }
    println!("\nok latency histogram (100 ms buckets, counts; the first bucket is cut off):");
    println!("| bucket | before | after |");
    println!("|---|---:|---:|");
    for b in 1..35 {
        let (lo, hi) = (b as f64 * 100.0, (b + 1) as f64 * 100.0);
        let count = |lat: &Vec<f64>| lat.iter().filter(|l| **l >= lo && **l < hi).count();
        println!(
            "| {lo:.0}–{hi:.0} ms | {} | {} |",
            count(&hists[0].1),
            count(&hists[1].1)
        );
    }
    println!();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::entry_bytes;

    #[test]
    fn a_lin_kv_write_entry_takes_at_most_200_bytes_of_heap() {
        let (heap, text) = entry_bytes(2_000);
        assert!(
            text > 40.0,
            "the log holds the writes: {text} bytes of text each"
        );
        assert!(heap >= text, "heap {heap} counts the text {text}");
        assert!(
            heap <= 200.0,
            "{heap:.0} bytes per entry ({text:.0} of text)"
        );
    }
}
