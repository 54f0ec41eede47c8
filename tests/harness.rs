//! End-to-end tests of `raft-kv test`: real node processes (ours and scripted
//! Python nodes), real clock, a few seconds each.

use raft_kv::check::history::{History, Kind};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_raft-kv");

/// Fast elections so short runs with partitions make progress.
const FAST: [&str; 5] = ["--", "--election-timeout-ms", "150", "--heartbeat-ms", "30"];

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn store(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("harness-{test}"));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Runs `raft-kv test ARGS --store STORE --no-progress`; returns the output and
/// the run directory (through `STORE/latest`).
fn run(store: &Path, args: &[&str]) -> (Output, PathBuf) {
    run_with(store, args, false)
}

/// As [`run`], with progress lines on stderr when `progress`.
fn run_with(store: &Path, args: &[&str], progress: bool) -> (Output, PathBuf) {
    let (flags, node_args) = match args.iter().position(|a| *a == "--") {
        Some(i) => (&args[..i], &args[i..]),
        None => (args, &[][..]),
    };
    let out = Command::new(BIN)
        .arg("test")
        .args(flags)
        .arg("--store")
        .arg(store)
        .args(if progress {
            None
        } else {
            Some("--no-progress")
        })
        .args(node_args)
        .output()
        .expect("run raft-kv test");
    let dir = std::fs::canonicalize(store.join("latest")).unwrap_or_else(|e| {
        panic!(
            "no store/latest ({e}); stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, dir)
}

fn results(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("results.json")).expect("results.json");
    serde_json::from_str(&text).expect("results.json is JSON")
}

fn history(dir: &Path) -> History {
    let f = std::fs::File::open(dir.join("history.jsonl")).expect("history.jsonl");
    History::read_jsonl(std::io::BufReader::new(f)).expect("history parses")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The artefacts every run writes.
const ARTEFACTS: [&str; 7] = [
    "results.json",
    "history.jsonl",
    "latency-raw.svg",
    "latency-quantiles.svg",
    "rate.svg",
    "timeline.html",
    "messages.svg",
];

/// A valid lin-kv run with partitions on our own binary: `nodes` is
/// `--node-count` (`None`: Maelstrom's default five nodes n1..n5).
fn lin_kv_with_partitions(test: &str, nodes: Option<&str>) {
    let store = store(test);
    let mut args = vec![
        "-w",
        "lin-kv",
        "--time-limit",
        "4",
        "--rate",
        "50",
        "--concurrency",
        "2n",
        "--nemesis",
        "partition",
        "--nemesis-interval",
        "1",
        "--seed",
        "7",
    ];
    if let Some(n) = nodes {
        args.extend(["--node-count", n]);
    }
    args.extend(FAST);
    let (out, dir) = run_with(&store, &args, true);
    let (err, summary) = (stderr(&out), stdout(&out));
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{summary}\nstderr:\n{err}"
    );
    let r = results(&dir);
    assert_eq!(r["valid"], true, "{r:#}");
    assert_eq!(r["protocol_violation_count"], 0);
    assert!(r["stats"]["ok"].as_u64().unwrap() > 0, "{r:#}");
    assert_eq!(r["settings"]["seed"], 7);
    let ids: Vec<String> = match nodes {
        Some(n) => (0..n.parse().unwrap()).map(|i| format!("n{i}")).collect(),
        None => (1..=5).map(|i| format!("n{i}")).collect(),
    };
    assert_eq!(r["settings"]["node_ids"], serde_json::json!(ids), "{r:#}");
    let h = history(&dir);
    let ok = h.ops.iter().filter(|o| o.kind == Kind::Ok).count() as u64;
    assert_eq!(Some(ok), r["stats"]["ok"].as_u64());
    assert!(h.pairs().is_ok());
    for f in ARTEFACTS {
        assert!(dir.join(f).exists(), "{f} missing");
    }
    for id in &ids {
        assert!(dir.join(format!("node-logs/{id}.log")).exists(), "{id}");
    }
    let spans = r["partitions"].as_array().unwrap();
    assert!(!spans.is_empty(), "partitions happened: {r:#}");
    if nodes != Some("1") {
        assert!(r["net"]["dropped"].as_u64().unwrap() > 0, "{r:#}");
        assert!(r["stats"]["msgs_per_op"].as_f64().unwrap() > 0.0);
        // Faults are shown as they happen.
        assert!(err.contains("partition starts: "), "{err}");
    }
    // The summary goes to stdout, progress to stderr.
    assert!(summary.contains("Everything looks good"), "{summary}");
    assert!(!err.contains("Everything looks good"), "{err}");
    // Nodes exited cleanly on stdin EOF.
    for e in r["node_exits"].as_array().unwrap() {
        assert_eq!(e["status"], "exit status: 0", "{r:#}");
    }
}

#[test]
fn lin_kv_one_node_with_partitions() {
    lin_kv_with_partitions("lin1", Some("1"));
}

#[test]
fn lin_kv_three_nodes_with_partitions() {
    lin_kv_with_partitions("lin3", Some("3"));
}

#[test]
fn lin_kv_default_five_nodes_with_partitions() {
    lin_kv_with_partitions("lin5", None);
}

#[test]
fn foreign_single_node_map_passes() {
    let store = store("single-map");
    let bin = fixture("single_map.py");
    let (out, dir) = run(
        &store,
        &[
            "-w",
            "lin-kv",
            "--bin",
            &bin,
            "--node-count",
            "1",
            "--time-limit",
            "2",
            "--rate",
            "100",
            "--latency",
            "2",
            "--latency-dist",
            "exponential",
            "--log-net-send",
            "--log-stderr",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let r = results(&dir);
    assert_eq!(r["valid"], true, "{r:#}");
    assert!(r["stats"]["ok"].as_u64().unwrap() > 50, "{r:#}");
    assert_eq!(r["stats"]["info"], 0, "{r:#}");
    // --log-net-send: every message, as sent.
    assert!(err.contains("send c0 -> n0 "), "{err}");
    assert!(err.contains("send n0 -> c1 "), "{err}");
    let svg = std::fs::read_to_string(dir.join("messages.svg")).unwrap();
    assert!(
        svg.contains(">init_ok</text>"),
        "the Lamport diagram shows init"
    );
}

// Maelstrom's availability is ok ÷ invoked: a correct map that refuses a cas
// with the wrong `from` (error 22) is not totally available, though it answered
// every request.
#[test]
fn availability_is_ok_over_invoked() {
    let store = store("availability");
    let bin = fixture("single_map.py");
    let (out, dir) = run(
        &store,
        &[
            "--bin",
            &bin,
            "--node-count",
            "1",
            "--time-limit",
            "2",
            "--rate",
            "100",
            "--availability",
            "total",
            "--seed",
            "3",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let r = results(&dir);
    assert_eq!(r["valid"], false, "{r:#}");
    let check = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "availability")
        .expect("the availability checker ran");
    assert_eq!(check["valid"], false, "{check:#}");
    let anomalies = check["anomalies"].as_array().unwrap();
    assert!(
        anomalies
            .iter()
            .all(|a| a["error"].as_str().unwrap().starts_with("2")),
        "only refusals about the data: {check:#}"
    );
    assert!(r["stats"]["availability"].as_f64().unwrap() < 1.0, "{r:#}");
    assert_eq!(r["stats"]["answered"], 1.0, "{r:#}");
}

#[test]
fn test_count_runs_the_test_again() {
    let store = store("test-count");
    let bin = fixture("single_map.py");
    let (out, _) = run(
        &store,
        &[
            "--bin",
            &bin,
            "--node-count",
            "1",
            "--time-limit",
            "0.5",
            "--test-count",
            "2",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let runs = std::fs::read_dir(store.join("lin-kv")).unwrap().count();
    assert_eq!(runs, 2);
    assert_eq!(stdout(&out).matches("Everything looks good").count(), 2);
}

// Two nodes that never talk: each client sees only its node's map, which the
// linearizability checker must reject.
#[test]
fn foreign_unreplicated_map_is_rejected() {
    let store = store("unreplicated-map");
    let bin = fixture("unreplicated_map.py");
    let (out, dir) = run(
        &store,
        &[
            "-w",
            "lin-kv",
            "--bin",
            &bin,
            "--node-count",
            "2",
            "--time-limit",
            "3",
            "--rate",
            "100",
            "--seed",
            "1",
        ],
    );
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = results(&dir);
    assert_eq!(r["valid"], false, "{r:#}");
    let lin = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["valid"] == false)
        .expect("an invalid checker");
    assert!(!lin["anomalies"].as_array().unwrap().is_empty(), "{r:#}");
}

#[test]
fn foreign_node_to_node_bodies_are_forwarded() {
    // unreplicated_map.py greets its peer with a body type raft-kv does not know.
    let store = store("foreign-bodies");
    let bin = fixture("unreplicated_map.py");
    let (out, dir) = run(
        &store,
        &[
            "-w",
            "lin-kv",
            "--bin",
            &bin,
            "--node-count",
            "2",
            "--time-limit",
            "1",
        ],
    );
    let r = results(&dir);
    assert_eq!(r["protocol_violation_count"], 0, "{r:#}");
    assert_eq!(r["net"]["server_messages"], 2, "{r:#}");
    let log = std::fs::read_to_string(dir.join("node-logs/n1.log")).unwrap();
    assert!(log.contains("hello from n0"), "{log}");
    let _ = out;
}

#[test]
fn non_json_stdout_is_reported() {
    let store = store("bad-stdout");
    let bin = fixture("bad_stdout.py");
    let (out, dir) = run(
        &store,
        &[
            "-w",
            "lin-kv",
            "--bin",
            &bin,
            "--node-count",
            "1",
            "--time-limit",
            "1",
            "--rate",
            "20",
        ],
    );
    let err = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("protocol violation"), "{err}");
    assert!(err.contains("DEBUG: got my first request"), "{err}");
    let r = results(&dir);
    assert_eq!(r["valid"], false);
    assert_eq!(r["protocol_violation_count"], 1, "{r:#}");
    let v = &r["protocol_violations"][0];
    assert_eq!(v["node"], "n0");
    assert_eq!(v["line"], "DEBUG: got my first request");
    assert!(v["error"].as_str().unwrap().starts_with("not JSON"), "{v}");
}

#[test]
fn crashing_node_is_reported() {
    let store = store("crash");
    let bin = fixture("crash_node.py");
    let (out, dir) = run(
        &store,
        &[
            "-w",
            "lin-kv",
            "--bin",
            &bin,
            "--node-count",
            "1",
            "--time-limit",
            "3",
            "--rate",
            "50",
        ],
    );
    let err = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("node n0 exited early"), "{err}");
    assert!(err.contains("about to crash on request 3"), "{err}");
    let r = results(&dir);
    assert_eq!(r["valid"], false);
    let c = &r["crashes"][0];
    assert_eq!(c["node"], "n0");
    assert!(c["status"].as_str().unwrap().contains('3'), "{c}");
    assert!(c["log_tail"].as_str().unwrap().contains("about to crash"));
    // The run stopped early rather than waiting out the time limit.
    assert!(r["stats"]["duration_s"].as_f64().unwrap() < 2.0, "{r:#}");
}

#[test]
fn missing_binary_and_bad_flags_are_clear_errors() {
    let store = store("bad-flags");
    let out = Command::new(BIN)
        .args(["test", "-w", "lin-kv", "--concurrency", "0"])
        .arg("--store")
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(254), "bad arguments");
    assert!(stderr(&out).contains("--concurrency"), "{}", stderr(&out));
    let out = Command::new(BIN)
        .args(["test", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(254), "{}", stderr(&out));
    let out = Command::new(BIN)
        .args(["test", "-w", "lin-kv", "--bin", "/nonexistent/node"])
        .arg("--store")
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(255), "the test could not run");
    assert!(
        stderr(&out).contains("cannot start node n1 from /nonexistent/node"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn node_that_never_answers_init_is_reported() {
    // `sleep 30` reads nothing and prints nothing: init times out after 10 s.
    let store = store("no-init");
    let (out, dir) = run(
        &store,
        &[
            "-w",
            "lin-kv",
            "--bin",
            "sleep",
            "--node-count",
            "2",
            "--",
            "30",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(255), "{err}");
    assert!(err.contains("no init_ok from n0, n1 within 10 s"), "{err}");
    let r = results(&dir);
    assert_eq!(r["valid"], "unknown");
    assert_eq!(r["stats"]["ok"], 0);
    // Both were killed: they never exit on their own.
    for e in r["node_exits"].as_array().unwrap() {
        let status = e["status"].as_str().unwrap();
        assert!(status.starts_with("killed (still running"), "{r:#}");
    }
}

#[test]
fn lww_kv_five_nodes_with_partitions_is_totally_available_and_converges() {
    let store = store("lww5");
    let mut args = vec![
        "-w",
        "lww-kv",
        "--node-count",
        "5",
        "--time-limit",
        "4",
        "--rate",
        "50",
        "--nemesis",
        "partition",
        "--nemesis-interval",
        "1",
        "--concurrency",
        "2n",
        "--seed",
        "7",
    ];
    args.extend(FAST);
    let (out, dir) = run(&store, &args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{err}");
    let r = results(&dir);
    assert_eq!(r["valid"], true, "{r:#}");
    // Every request answered (ok, or a definite answer about the data), even in
    // a minority; a cas refused with error 22 still lowers Maelstrom's availability.
    assert_eq!(r["stats"]["answered"], 1.0, "{r:#}");
    let node_args = r["settings"]["node_args"].as_array().unwrap();
    assert_eq!(
        node_args[node_args.len() - 2..],
        ["--machine", "lww"],
        "added"
    );
    let checks: Vec<&str> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(checks.contains(&"lww convergence"), "{checks:?}");
    let finals = std::fs::read_to_string(dir.join("final-reads.jsonl")).expect("final reads");
    assert!(finals.lines().count() >= 5, "{finals}");
    assert!(!r["partitions"].as_array().unwrap().is_empty(), "{r:#}");
}

/// Node events of `results.json` as (node, event) pairs, in order.
fn node_events(r: &Value) -> Vec<(String, String)> {
    r["node_events"]
        .as_array()
        .expect("node_events")
        .iter()
        .map(|e| {
            (
                e["node"].as_str().unwrap_or("").to_owned(),
                e["event"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// Every node the nemesis killed was restarted and answered `init` again (or
/// was killed again first), and its log marks the restart.
fn assert_restarts_answered(r: &Value, dir: &Path) -> usize {
    let events = node_events(r);
    let mut restarts = 0;
    for (i, (node, event)) in events.iter().enumerate() {
        if event != "restarted" {
            continue;
        }
        restarts += 1;
        let next = events[i + 1..]
            .iter()
            .find(|(n, e)| n == node && (e == "init_ok" || e == "killed"));
        assert!(next.is_some(), "{node} restarted, never answered: {r:#}");
        let log = std::fs::read_to_string(dir.join(format!("node-logs/{node}.log"))).unwrap();
        assert!(log.contains("killed; restarted (incarnation"), "{log}");
    }
    let killed = events.iter().filter(|(_, e)| e == "killed").count();
    assert_eq!(killed, restarts, "everything killed is restarted: {r:#}");
    restarts
}

// Pauses (with partitions on their own schedule) lose nothing: the run is valid,
// and every paused node is resumed.
#[test]
fn lin_kv_with_pauses_and_partitions_is_valid() {
    let store = store("pause");
    let mut args = vec![
        "-w",
        "lin-kv",
        "--node-count",
        "3",
        "--time-limit",
        "4",
        "--rate",
        "50",
        "--concurrency",
        "2n",
        "--nemesis",
        "partition,pause",
        "--nemesis-interval",
        "1",
        // Seed 7 pauses a majority twice.
        "--seed",
        "7",
    ];
    args.extend(FAST);
    let (out, dir) = run_with(&store, &args, true);
    let (err, summary) = (stderr(&out), stdout(&out));
    assert_eq!(out.status.code(), Some(0), "{summary}\n{err}");
    let r = results(&dir);
    assert_eq!(r["valid"], true, "{r:#}");
    let faults = r["node_faults"].as_array().unwrap();
    assert!(faults.iter().all(|f| f["fault"] == "pause"), "{r:#}");
    assert!(
        faults
            .iter()
            .any(|f| f["nodes"].as_array().unwrap().len() >= 2),
        "a majority was paused: {r:#}"
    );
    let events = node_events(&r);
    let paused = events.iter().filter(|(_, e)| e == "paused").count();
    let resumed = events.iter().filter(|(_, e)| e == "resumed").count();
    assert!(paused >= 2 && paused == resumed, "{events:?}");
    assert!(!r["partitions"].as_array().unwrap().is_empty(), "{r:#}");
    assert!(
        err.contains("pause majority: "),
        "shown as it happens: {err}"
    );
    assert!(summary.contains("node faults: 0 kills, "), "{summary}");
    for e in r["node_exits"].as_array().unwrap() {
        assert_eq!(
            e["status"], "exit status: 0",
            "resumed before the end: {r:#}"
        );
    }
}

// Kills: the node is SIGKILLed, started again with the same command, sent init
// again, and takes traffic once it answers. A raft-kv with durable storage
// (`--data-dir` in its --help) gets a data directory in the run and must stay
// valid; one without loses what it kept in memory, which may be caught.
#[test]
fn lin_kv_with_kills_restarts_the_nodes() {
    let store = store("kill");
    let mut args = vec![
        "-w",
        "lin-kv",
        "--node-count",
        "3",
        "--time-limit",
        "4",
        "--rate",
        "50",
        "--concurrency",
        "2n",
        "--nemesis",
        "kill",
        "--nemesis-interval",
        "1",
        // Seed 7 kills one node, then a majority twice.
        "--seed",
        "7",
    ];
    args.extend(FAST);
    let (out, dir) = run_with(&store, &args, true);
    let (err, summary) = (stderr(&out), stdout(&out));
    let r = results(&dir);
    let node_args: Vec<&str> = r["settings"]["node_args"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let help = Command::new(BIN).arg("--help").output().unwrap();
    let durable = stdout(&help).contains("--data-dir");
    let data_dir = node_args
        .windows(2)
        .find(|w| w[0] == "--data-dir")
        .map(|w| std::fs::canonicalize(w[1]).expect("the nodes created it"));
    assert_eq!(
        data_dir.is_some(),
        durable,
        "--data-dir exactly when the node has it: {node_args:?}"
    );
    if let Some(d) = data_dir {
        assert_eq!(d, dir.join("data"), "inside the run: {node_args:?}");
        for id in ["n0", "n1", "n2"] {
            assert!(d.join(id).is_dir(), "{id} kept its state there");
        }
    }
    if durable {
        assert_eq!(out.status.code(), Some(0), "{summary}\n{err}");
        assert_eq!(r["valid"], true, "{r:#}");
    } else {
        assert!(matches!(out.status.code(), Some(0 | 1)), "{summary}\n{err}");
    }
    assert_eq!(r["errors"], serde_json::json!([]), "{r:#}");
    assert_eq!(
        r["crashes"],
        serde_json::json!([]),
        "a kill is no crash: {r:#}"
    );
    assert!(assert_restarts_answered(&r, &dir) >= 5, "{r:#}");
    assert!(r["net"]["dropped_node_down"].as_u64().unwrap() > 0, "{r:#}");
    assert!(err.contains("kill majority: "), "{err}");
    assert!(err.contains("is back (init_ok"), "{err}");
    assert!(summary.contains("init_ok again: "), "{summary}");
    for e in r["node_exits"].as_array().unwrap() {
        assert_eq!(e["status"], "exit status: 0", "restarted and exited: {r:#}");
    }
}

// A foreign node that keeps its map only in memory loses every acknowledged
// write when killed; the harness sees it, as a read of nothing after a write.
// (Maelstrom's lin-kv checker drops error-20 reads as failures; ours records them
// as ok reads of nothing, which a register that was written cannot return.)
#[test]
fn foreign_in_memory_node_loses_acknowledged_writes_under_kill() {
    let store = store("kill-in-memory");
    let bin = fixture("single_map.py");
    let (out, dir) = run(
        &store,
        &[
            "-w",
            "lin-kv",
            "--bin",
            &bin,
            "--node-count",
            "1",
            "--time-limit",
            "5",
            "--rate",
            "200",
            "--concurrency",
            "10",
            "--key-count",
            "8",
            "--nemesis",
            "kill",
            "--nemesis-interval",
            "1",
            // Seed 4 kills n0 at 1.7 s and restarts it at 2.4 s: writes
            // before, reads after.
            "--seed",
            "4",
        ],
    );
    let summary = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{summary}\n{}", stderr(&out));
    let r = results(&dir);
    assert_eq!(r["valid"], false, "{r:#}");
    // Nothing but our own flags: a foreign node gets no --data-dir.
    assert_eq!(r["settings"]["node_args"], serde_json::json!([]), "{r:#}");
    assert!(assert_restarts_answered(&r, &dir) >= 2, "{r:#}");
    let lin = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "linearizable")
        .expect("the linearizability checker ran");
    assert_eq!(lin["valid"], false, "{lin:#}");
    assert!(
        lin["anomalies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a.as_str().unwrap().contains(" ok read null ")),
        "a lost write shows as a read of nothing: {lin:#}"
    );
}
