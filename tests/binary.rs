//! Tests that run the built `raft-kv` binary on stdin/stdout.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SAMPLE_IN: &str = r#"{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}
{"src":"c1","dest":"n1","body":{"type":"write","msg_id":2,"key":"x","value":1}}
{"src":"c1","dest":"n1","body":{"type":"read","msg_id":3,"key":"x"}}
"#;

const SAMPLE_OUT: &str = r#"{"src":"n1","dest":"c0","body":{"type":"init_ok","in_reply_to":1,"msg_id":0}}
{"src":"n1","dest":"c1","body":{"type":"write_ok","in_reply_to":2,"msg_id":1}}
{"src":"n1","dest":"c1","body":{"type":"read_ok","in_reply_to":3,"msg_id":2,"value":1}}
"#;

fn run_with_input(input: &str) -> (String, String, Option<i32>, Duration) {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_raft-kv"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn raft-kv");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code(),
        start.elapsed(),
    )
}

#[test]
fn sample_transcript_matches_byte_for_byte_within_five_seconds() {
    let (stdout, _stderr, code, elapsed) = run_with_input(SAMPLE_IN);
    assert_eq!(stdout, SAMPLE_OUT);
    assert_eq!(code, Some(0), "exits 0 on stdin EOF");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
}

#[test]
fn bad_input_is_answered_or_logged_and_the_node_keeps_serving() {
    let input = [
        r#"{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}"#,
        "this is not json",
        r#"{"src":"c1","dest":"n1","body":{"type":"write","msg_id":2,"key":"x","val"#,
        r#"{"src":"c1","dest":"n1","body":{"msg_id":3,"key":"x"}}"#,
        r#"{"src":"c1","dest":"n1","body":{"type":"read","msg_id":4}}"#,
        r#"{"src":"c1","dest":"n1","body":{"type":"frobnicate","msg_id":5}}"#,
        r#"[1,2,3]"#,
        r#"{"src":"c1","dest":"n1","body":{"type":"read"}}"#,
        r#"{"src":"c1","dest":"n1","body":{"type":"write","msg_id":6,"key":"x","value":7}}"#,
        r#"{"src":"c1","dest":"n1","body":{"type":"read","msg_id":7,"key":"x"}}"#,
        "",
    ]
    .join("\n");
    let (stdout, stderr, code, _) = run_with_input(&input);
    assert_eq!(code, Some(0));
    let replies: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("stdout is JSON only"))
        .collect();
    let reply = |id: u64| {
        replies
            .iter()
            .find(|r| r["body"]["in_reply_to"] == id)
            .map(|r| r["body"].clone())
    };
    assert_eq!(
        reply(3).unwrap()["code"],
        12,
        "a body without type is malformed"
    );
    assert_eq!(
        reply(4).unwrap()["code"],
        12,
        "a read without key is malformed"
    );
    assert_eq!(
        reply(5).unwrap()["code"],
        10,
        "an unknown type is not supported"
    );
    assert_eq!(reply(6).unwrap()["type"], "write_ok");
    assert_eq!(
        reply(7).unwrap()["value"],
        7,
        "still serving after the garbage"
    );
    assert_eq!(
        replies.len(),
        6,
        "init_ok + 5 replies; unanswerable lines get no reply"
    );
    assert!(
        stderr.contains("skipped unreadable line"),
        "garbage without msg_id is logged: {stderr}"
    );
}

#[test]
fn three_node_cluster_process_answers_init_and_waits_for_a_leader() {
    // One process of a 3-node cluster, alone: it must answer init, and a request it
    // could never hand to a leader gets the definite error 11, not a hang.
    let mut child = Command::new(env!("CARGO_BIN_EXE_raft-kv"))
        .args([
            "--election-timeout-ms",
            "200",
            "--heartbeat-ms",
            "50",
            "--unavailable-ms",
            "300",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, r#"{{"src":"c0","dest":"n1","body":{{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1","n2","n3"]}}}}"#).unwrap();
    writeln!(
        stdin,
        r#"{{"src":"c1","dest":"n1","body":{{"type":"read","msg_id":2,"key":1}}}}"#
    )
    .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut got_11 = false;
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        if v["body"]["in_reply_to"] == 2 {
            assert_eq!(v["body"]["code"], 11);
            got_11 = true;
            break;
        }
    }
    drop(stdin);
    let status = child.wait().unwrap();
    assert!(got_11, "no error 11 for a request no leader could take");
    assert!(status.success());
}
