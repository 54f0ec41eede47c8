//! `raft-kv test` on the kafka and txn-rw-register workloads: our binary on 5
//! nodes with partitions is valid; small Python nodes that keep their state to
//! themselves pass on one node and are rejected on two.

use raft_kv::check::history::{F, History};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_raft-kv");

/// Fast elections so short runs with partitions make progress.
const FAST: [&str; 5] = ["--", "--election-timeout-ms", "150", "--heartbeat-ms", "30"];

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs `raft-kv test ARGS` in a fresh store; returns the output, results.json
/// and the history.
fn run(test: &str, args: &[&str]) -> (Output, Value, History) {
    let store: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("harness-{test}"));
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
    let f = std::fs::File::open(dir.join("history.jsonl")).expect("history.jsonl");
    let history = History::read_jsonl(std::io::BufReader::new(f)).expect("history parses");
    (out, results, history)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The anomaly texts of the invalid checkers.
fn anomalies(r: &Value) -> Vec<String> {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["valid"] == false)
        .flat_map(|c| c["anomalies"].as_array().unwrap().clone())
        .map(|a| a.as_str().unwrap_or_default().to_owned())
        .collect()
}

fn five_nodes_with_partitions(test: &str, workload: &str) -> (Value, History) {
    let mut args = vec![
        "-w",
        workload,
        "--node-count",
        "5",
        "--time-limit",
        "3",
        "--rate",
        "100",
        "--nemesis",
        "partition",
        "--nemesis-interval",
        "1",
        "--latency",
        "2",
        "--latency-dist",
        "exponential",
        "--seed",
        "7",
    ];
    args.extend(FAST);
    let (out, r, h) = run(test, &args);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr(&out));
    assert_eq!(r["valid"], true, "{r:#}");
    assert!(r["stats"]["ok"].as_u64().unwrap() > 100, "{r:#}");
    assert!(!r["partitions"].as_array().unwrap().is_empty(), "{r:#}");
    (r, h)
}

#[test]
fn kafka_on_five_nodes_with_partitions_is_valid_and_ends_with_final_polls() {
    let (r, h) = five_nodes_with_partitions("kafka5", "kafka");
    let node_args = r["settings"]["node_args"].as_array().unwrap();
    assert_eq!(node_args[node_args.len() - 2..], ["--machine", "kafka"]);
    let seeks = h
        .ops
        .iter()
        .filter(|o| o.f == F::Assign && o.value["seek_to_beginning"] == true)
        .count();
    assert!(
        seeks >= 10,
        "every client's final polls start from 0: {seeks}"
    );
    let names: Vec<&str> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(names.contains(&"kafka"), "{names:?}");
}

#[test]
fn txn_rw_register_on_five_nodes_with_partitions_is_strict_serializable() {
    let (r, h) = five_nodes_with_partitions("rw5", "txn-rw-register");
    assert!(h.ops.iter().all(|o| o.f == F::Txn));
    let check = &r["checks"][1];
    assert_eq!(check["name"], "strict-serializable (rw-register)", "{r:#}");
}

fn foreign(test: &str, workload: &str, bin: &str, nodes: &str) -> (Output, Value) {
    let bin = fixture(bin);
    let (out, r, _) = run(
        test,
        &[
            "-w",
            workload,
            "--bin",
            &bin,
            "--node-count",
            nodes,
            "--time-limit",
            "2",
            "--rate",
            "100",
            "--seed",
            "1",
        ],
    );
    (out, r)
}

#[test]
fn a_foreign_kafka_node_is_valid_alone_and_rejected_when_nodes_do_not_share_logs() {
    let (out, r) = foreign("kafka-local1", "kafka", "local_kafka.py", "1");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(r["stats"]["ok"].as_u64().unwrap() > 50, "{r:#}");
    let (out, r) = foreign("kafka-local2", "kafka", "local_kafka.py", "2");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(r["valid"], false);
    let found = anomalies(&r);
    assert!(
        found
            .iter()
            .any(|a| a.starts_with("inconsistent-offsets: ")),
        "{found:#?}"
    );
}

#[test]
fn a_foreign_register_node_is_valid_alone_and_rejected_when_nodes_do_not_share_state() {
    let (out, r) = foreign("rw-local1", "txn-rw-register", "local_registers.py", "1");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(r["stats"]["ok"].as_u64().unwrap() > 50, "{r:#}");
    let (out, r) = foreign("rw-local2", "txn-rw-register", "local_registers.py", "2");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(r["valid"], false);
    assert!(!anomalies(&r).is_empty(), "{r:#}");
}

#[test]
fn an_unknown_consistency_model_is_a_bad_argument() {
    let store = Path::new(env!("CARGO_TARGET_TMPDIR")).join("harness-bad-model");
    let out = Command::new(BIN)
        .args([
            "test",
            "-w",
            "txn-rw-register",
            "--consistency-models",
            "linearish",
        ])
        .arg("--store")
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(254),
        "Maelstrom's bad-arguments status"
    );
    assert!(
        stderr(&out).contains("unknown consistency model"),
        "{}",
        stderr(&out)
    );
}
