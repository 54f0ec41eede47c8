//! `raft-kv test` on Maelstrom's echo, unique-ids, broadcast, g-set, g-counter and
//! pn-counter workloads, with real processes: our node on 5 nodes with partitions
//! (valid, and totally available where it answers locally), and a naive Python
//! node (tests/fixtures/naive_workloads.py) that is right on one node and that
//! each checker must reject when it is broken.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_raft-kv");

/// Fast elections so short runs with partitions make progress.
const FAST: [&str; 5] = ["--", "--election-timeout-ms", "150", "--heartbeat-ms", "30"];

fn naive() -> String {
    format!(
        "{}/tests/fixtures/naive_workloads.py",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Runs `raft-kv test ARGS` in a fresh store named after `test`; returns the
/// output, the run directory and its results.json.
fn run(test: &str, args: &[&str]) -> (Output, PathBuf, Value) {
    let store = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("harness-wl-{test}"));
    let _ = std::fs::remove_dir_all(&store);
    let (flags, node_args) = match args.iter().position(|a| *a == "--") {
        Some(i) => (&args[..i], &args[i..]),
        None => (args, &[][..]),
    };
    let out = Command::new(BIN)
        .arg("test")
        .args(flags)
        .arg("--store")
        .arg(&store)
        .arg("--no-progress")
        .args(node_args)
        .output()
        .expect("run raft-kv test");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let dir = std::fs::canonicalize(store.join("latest"))
        .unwrap_or_else(|e| panic!("no store/latest ({e}); stderr:\n{err}"));
    let text = std::fs::read_to_string(dir.join("results.json")).expect("results.json");
    let results = serde_json::from_str(&text).expect("results.json is JSON");
    (out, dir, results)
}

fn check<'a>(results: &'a Value, name: &str) -> &'a Value {
    results["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} check: {results:#}"))
}

/// Our node, 5 nodes, partitions every second: valid; `extra` flags added.
fn ours_on_five_nodes(workload: &str, extra: &[&str], checker: &str) -> (PathBuf, Value) {
    let mut args = vec![
        "-w",
        workload,
        "--node-count",
        "5",
        "--time-limit",
        "3",
        "--rate",
        "50",
        "--nemesis",
        "partition",
        "--nemesis-interval",
        "1",
        "--seed",
        "7",
    ];
    args.extend(extra);
    args.extend(FAST);
    let (out, dir, r) = run(workload, &args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{err}");
    assert_eq!(r["valid"], true, "{r:#}");
    assert_eq!(check(&r, checker)["valid"], true, "{r:#}");
    assert!(!r["partitions"].as_array().unwrap().is_empty(), "{r:#}");
    assert!(r["stats"]["ok"].as_u64().unwrap() > 50, "{r:#}");
    (dir, r)
}

/// Totally available: every request answered, partitions or not.
fn totally_available(workload: &str, checker: &str) {
    let (_, r) = ours_on_five_nodes(workload, &["--availability", "total"], checker);
    assert_eq!(check(&r, "availability")["valid"], true, "{r:#}");
}

#[test]
fn echo_on_five_nodes_with_partitions_is_totally_available() {
    totally_available("echo", "echo");
}

#[test]
fn unique_ids_on_five_nodes_with_partitions_is_totally_available() {
    totally_available("unique-ids", "unique-ids");
}

#[test]
fn broadcast_on_five_nodes_with_partitions_is_available_and_set_full() {
    let (dir, r) = ours_on_five_nodes(
        "broadcast",
        &["--availability", "total", "--topology", "tree4"],
        "set-full",
    );
    assert_eq!(check(&r, "availability")["valid"], true, "{r:#}");
    let finals = std::fs::read_to_string(dir.join("final-reads.jsonl")).expect("final reads");
    assert_eq!(finals.lines().count(), 5, "{finals}");
}

#[test]
fn g_set_on_five_nodes_with_partitions_is_available_and_set_full() {
    totally_available("g-set", "set-full");
}

#[test]
fn g_counter_on_five_nodes_with_partitions_is_linearizable() {
    let lin = ["--consistency-models", "linearizable"];
    let (_, r) = ours_on_five_nodes("g-counter", &lin, "counter reads (strict)");
    assert_eq!(check(&r, "counter final reads")["valid"], true, "{r:#}");
}

#[test]
fn pn_counter_on_five_nodes_with_partitions_is_linearizable() {
    let lin = ["--consistency-models", "linearizable"];
    let (_, r) = ours_on_five_nodes("pn-counter", &lin, "counter reads (strict)");
    assert_eq!(check(&r, "counter final reads")["valid"], true, "{r:#}");
}

/// The naive node on `nodes` nodes for one second; returns results.json and the
/// run directory.
fn naive_run(test: &str, workload: &str, nodes: &str, node_args: &[&str]) -> (Value, PathBuf) {
    let bin = naive();
    let mut args = vec![
        "-w",
        workload,
        "--bin",
        &bin,
        "--node-count",
        nodes,
        "--time-limit",
        "1",
        "--rate",
        "100",
        "--seed",
        "3",
    ];
    if !node_args.is_empty() {
        args.push("--");
        args.extend(node_args);
    }
    let (out, dir, r) = run(test, &args);
    let code = if r["valid"] == true { 0 } else { 1 };
    assert_eq!(out.status.code(), Some(code), "{r:#}");
    (r, dir)
}

#[test]
fn a_foreign_node_on_one_node_passes_and_gets_the_topology() {
    let (r, dir) = naive_run("naive-broadcast-1", "broadcast", "1", &[]);
    assert_eq!(r["valid"], true, "{r:#}");
    let log = std::fs::read_to_string(dir.join("node-logs/n0.log")).unwrap();
    assert!(log.contains(r#"topology: {"n0": []}"#), "{log}");
    let (r, _) = naive_run("naive-pn-1", "pn-counter", "1", &["--counter"]);
    assert_eq!(r["valid"], true, "{r:#}");
}

#[test]
fn set_full_rejects_a_foreign_broadcast_that_does_not_gossip() {
    let (r, _) = naive_run("naive-broadcast-2", "broadcast", "2", &[]);
    let c = check(&r, "set-full");
    assert_eq!(c["valid"], false, "{r:#}");
    assert!(
        c["anomalies"][0].as_str().unwrap().starts_with("lost:"),
        "{c:#}"
    );
}

#[test]
fn the_counter_checker_rejects_a_foreign_per_node_counter() {
    let (r, _) = naive_run("naive-pn-2", "pn-counter", "2", &["--counter"]);
    assert_eq!(check(&r, "counter final reads")["valid"], false, "{r:#}");
}

#[test]
fn the_echo_and_unique_ids_checkers_reject_broken_foreign_nodes() {
    let (r, _) = naive_run("naive-echo", "echo", "1", &["--bad-echo"]);
    assert_eq!(check(&r, "echo")["valid"], false, "{r:#}");
    let (r, _) = naive_run("naive-ids", "unique-ids", "2", &["--bad-ids"]);
    assert_eq!(check(&r, "unique-ids")["valid"], false, "{r:#}");
    let (r, _) = naive_run("naive-ids-ok", "unique-ids", "2", &[]);
    assert_eq!(r["valid"], true, "{r:#}");
}
