//! Hostile input and hostile peers (issue 11): one regression test per defect found
//! by trying the node as an adversary would. Each drives a real [`Node`] with raw
//! protocol lines (or the binary, where the defect was in the process shell).

use raft_kv::machines::MachineKind;
use raft_kv::node::{Node, NodeConfig};
use raft_kv::sim::{Cluster, NetConfig};
use serde_json::{Value, json};
use std::io::Write;
use std::process::{Command, Stdio};

const INIT_N1: &str = r#"{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}"#;

/// A node of `machine`, initialized as the only member `n1`.
fn single(machine: MachineKind) -> Node {
    let mut node = Node::new(
        NodeConfig {
            machine,
            ..NodeConfig::default()
        },
        7,
    );
    let out = feed(&mut node, INIT_N1);
    assert_eq!(out[0]["body"]["type"], "init_ok");
    node
}

/// Hands `line` to the node; returns what it sent, each line parsed (stdout must
/// carry JSON only) and checked to be an envelope.
fn feed(node: &mut Node, line: &str) -> Vec<Value> {
    feed_bytes(node, line.as_bytes())
}

fn feed_bytes(node: &mut Node, bytes: &[u8]) -> Vec<Value> {
    node.handle_bytes(0, bytes);
    node.take_outbox()
        .iter()
        .map(|m| {
            let line = m.to_line();
            let v: Value = serde_json::from_str(&line).expect("stdout is JSON only");
            assert!(v["src"].is_string() && v["dest"].is_string(), "{line}");
            assert!(v["body"]["type"].is_string(), "{line}");
            v
        })
        .collect()
}

/// The one reply `out` holds, as its body.
fn only(out: &[Value]) -> &Value {
    assert_eq!(out.len(), 1, "expected one reply, got {out:?}");
    &out[0]["body"]
}

fn write(msg_id: u64, key: &str, value: Value) -> String {
    json!({"src": "c1", "dest": "n1",
           "body": {"type": "write", "msg_id": msg_id, "key": key, "value": value}})
    .to_string()
}

fn read(msg_id: u64, key: &str) -> String {
    json!({"src": "c1", "dest": "n1", "body": {"type": "read", "msg_id": msg_id, "key": key}})
        .to_string()
}

/// Runs the binary with `args` on `stdin`: (stdout, stderr, exit code).
fn run_binary(args: &[&str], stdin: &[u8]) -> (String, String, Option<i32>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_raft-kv"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn raft-kv");
    // The process may exit before reading (bad flags): a broken pipe is fine.
    let _ = child.stdin.take().expect("stdin").write_all(stdin);
    let out = child.wait_with_output().expect("wait");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

// 1. Invalid UTF-8 stopped the node.
#[test]
fn invalid_utf8_line_gets_12_and_the_node_keeps_serving() {
    let mut input = Vec::new();
    input.extend_from_slice(INIT_N1.as_bytes());
    input.extend_from_slice(b"\n{\"src\":\"c1\",\"dest\":\"n1\",\"body\":{\"type\":\"write\",\"msg_id\":2,\"key\":\"caf\xE9\",\"value\":1}}\n");
    input.extend_from_slice(b"\xFF\xFE garbage without a msg_id \xC0\n");
    input.extend_from_slice(write(3, "x", json!(5)).as_bytes());
    input.push(b'\n');
    input.extend_from_slice(read(4, "x").as_bytes());
    input.extend_from_slice(b"\r\n");
    let (stdout, stderr, code) = run_binary(&[], &input);
    assert_eq!(code, Some(0), "{stderr}");
    let replies: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("stdout is JSON only"))
        .collect();
    let reply = |id: u64| {
        replies
            .iter()
            .find(|r| r["body"]["in_reply_to"] == id)
            .map(|r| r["body"].clone())
            .unwrap_or_else(|| panic!("no reply to {id} in {stdout}\n{stderr}"))
    };
    assert_eq!(reply(2)["code"], 12);
    assert!(reply(2)["text"].as_str().unwrap().contains("UTF-8"));
    assert_eq!(reply(3)["type"], "write_ok");
    assert_eq!(reply(4)["value"], 5, "still serving after the bad bytes");
    assert_eq!(replies.len(), 4, "init_ok + 3 replies: {stdout}");
    assert!(stderr.contains("not valid UTF-8"), "{stderr}");
}

// 2. Deeply nested values wedged the cluster.
#[test]
fn deeply_nested_values_get_12_and_the_cluster_keeps_answering() {
    use raft_kv::protocol::limits::MAX_CLIENT_DEPTH;
    let ids = Cluster::node_ids(3);
    let mut cluster = Cluster::new(&ids, NodeConfig::default(), NetConfig::default(), 3);
    cluster.over_the_wire();
    cluster.run_for(3_000_000);
    let leader = cluster.leader().expect("a leader after 3 s");
    let follower = ids.iter().find(|id| **id != leader).unwrap().clone();
    let nested = |levels: usize| -> Value {
        serde_json::from_str(&format!("{}1{}", "[".repeat(levels), "]".repeat(levels)))
            .expect("test JSON")
    };
    let line = |dest: &str, msg_id: u64, body: Value| {
        let mut body = body;
        body["msg_id"] = json!(msg_id);
        json!({"src": "c1", "dest": dest, "body": body}).to_string()
    };
    // Too deep (the body object counts as one level): refused up front, wherever sent.
    let too_deep = nested(MAX_CLIENT_DEPTH);
    let deepest = nested(MAX_CLIENT_DEPTH - 2);
    let requests = [
        (
            &leader,
            1,
            json!({"type": "write", "key": 1, "value": too_deep}),
        ),
        (
            &follower,
            2,
            json!({"type": "write", "key": 1, "value": too_deep}),
        ),
        (&follower, 3, json!({"type": "read", "key": too_deep})),
        // The deepest accepted: must travel to the leader and back into every log.
        (
            &follower,
            4,
            json!({"type": "write", "key": 1, "value": {"v": deepest}}),
        ),
        (&follower, 5, json!({"type": "read", "key": {"k": deepest}})),
        (&follower, 6, json!({"type": "write", "key": 2, "value": 7})),
    ];
    for (dest, msg_id, body) in requests {
        assert!(cluster.inject_line(dest, line(dest, msg_id, body).as_bytes()));
    }
    cluster.run_for(2_000_000);
    assert_eq!(
        cluster.wire_errors(),
        &[] as &[String],
        "a peer could not read a message"
    );
    let replies: Vec<Value> = cluster
        .take_client_messages()
        .iter()
        .filter(|(_, m)| m.dest == "c1")
        .map(|(_, m)| serde_json::from_str(&m.to_line()).unwrap())
        .collect();
    let reply = |id: u64| {
        let matching: Vec<&Value> = replies
            .iter()
            .filter(|r| r["body"]["in_reply_to"] == id)
            .collect();
        assert_eq!(matching.len(), 1, "replies to {id}: {replies:?}");
        matching[0]["body"].clone()
    };
    for id in [1, 2, 3] {
        assert_eq!(reply(id)["code"], 12, "request {id}");
    }
    assert_eq!(reply(4)["type"], "write_ok");
    assert_eq!(reply(5)["code"], 20, "a deep key that was never written");
    assert_eq!(reply(6)["type"], "write_ok", "the cluster keeps answering");
    for id in &ids {
        let m = cluster.node(id).unwrap().machine();
        let raft_kv::machines::Builtin::Kv(kv) = m else {
            panic!("kv machine")
        };
        assert_eq!(kv.get(&json!(1)), Some(&json!({"v": deepest})), "{id}");
    }
}

// 3. Big timeouts panicked, or wrapped around.
#[test]
fn flags_too_large_or_inconsistent_exit_2_with_a_clear_error() {
    let init = format!("{INIT_N1}\n");
    for args in [
        &["--election-timeout-ms", "9223372036854776"][..],
        &["--heartbeat-ms", "18446744073709552"],
        &["--election-timeout-ms", "0"],
        &["--election-timeout-ms", "600", "--heartbeat-ms", "301"],
        &["--retry-ms", "0"],
        &["--unavailable-ms", "18446744073709551615"],
        &["--forward-linger-us", "18446744073709551615"],
    ] {
        let (stdout, stderr, code) = run_binary(args, init.as_bytes());
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(stderr.starts_with("raft-kv: "), "{args:?}: {stderr}");
    }
    let (stdout, stderr, code) = run_binary(
        &[
            "--election-timeout-ms",
            "86400000",
            "--heartbeat-ms",
            "43200000",
        ],
        init.as_bytes(),
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("init_ok"), "the largest timeouts work");
}

// 4. Duplicate node ids that were not adjacent inflated the quorum.
#[test]
fn duplicate_node_ids_anywhere_are_refused_at_init() {
    let mut node = Node::new(NodeConfig::default(), 1);
    for ids in [
        json!(["n1", "n2", "n3", "n2"]),
        json!(["n1", "n2", "n1"]),
        json!(["n1", ""]),
    ] {
        let init = json!({"src": "c0", "dest": "n1",
            "body": {"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": ids}});
        let out = feed(&mut node, &init.to_string());
        assert_eq!(only(&out)["code"], 12, "{ids}");
        assert_eq!(out[0]["src"], "n1");
        assert!(node.raft().is_none(), "not initialized by {ids}");
    }
    let out = feed(&mut node, INIT_N1);
    assert_eq!(only(&out)["type"], "init_ok", "a good init still works");
}

// 5. Spoofed internal messages were trusted.
#[test]
fn forged_forward_from_a_client_gets_10_and_forges_no_request_id() {
    let mut node = single(MachineKind::Kv);
    let forged = json!({"src": "c1", "dest": "n1", "body": {"type": "forward", "msg_id": 5,
        "requests": [{"id": {"node": "n1", "seq": 0}, "client": "c1", "client_msg_id": 77,
                      "op": {"command": {"type": "write", "key": "x", "value": 666}}}]}});
    let out = feed(&mut node, &forged.to_string());
    assert_eq!(only(&out)["code"], 10);
    assert_eq!(out[0]["dest"], "c1");
    // The node's own first request (seq 0) is not mistaken for a duplicate.
    let out = feed(&mut node, &write(6, "x", json!(1)));
    assert_eq!(only(&out)["type"], "write_ok");
    let out = feed(&mut node, &read(7, "x"));
    assert_eq!(only(&out)["value"], 1);
}

#[test]
fn internal_messages_from_non_members_are_refused() {
    let mut node = Node::new(NodeConfig::default(), 1);
    let init = r#"{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1","n2","n3"]}}"#;
    feed(&mut node, init);
    let bodies = [
        json!({"type": "request_vote", "term": 99, "candidate": "n7", "last_log_index": 9,
               "last_log_term": 9, "pre_vote": false}),
        json!({"type": "request_vote_res", "term": 99, "vote_granted": true, "pre_vote": false}),
        json!({"type": "append_entries", "term": 99, "leader": "n7", "prev_log_index": 0,
               "prev_log_term": 0, "entries": [], "leader_commit": 0}),
        json!({"type": "append_entries_res", "term": 99, "success": true, "index": 5}),
        json!({"type": "install_snapshot", "term": 99, "leader": "n7", "last_included_index": 9,
               "last_included_term": 9, "offset": 0, "data": "{}", "done": true}),
        json!({"type": "install_snapshot_res", "term": 99, "index": 9, "offset": 2, "done": true}),
        json!({"type": "forward", "requests": []}),
        json!({"type": "forward_nack", "ids": [{"node": "n1", "seq": 0}], "leader": "n7"}),
        json!({"type": "read_index", "ctx": 1}),
        json!({"type": "read_index_ok", "ctx": 1, "index": 1}),
    ];
    for src in ["c1", "n7", "n1"] {
        for (i, body) in bodies.iter().enumerate() {
            let mut with_id = body.clone();
            with_id["msg_id"] = json!(100 + i);
            let line = json!({"src": src, "dest": "n1", "body": with_id}).to_string();
            let out = feed(&mut node, &line);
            assert_eq!(only(&out)["code"], 10, "{src}: {body}");
            assert_eq!(out[0]["dest"], src);
            let line = json!({"src": src, "dest": "n1", "body": body}).to_string();
            assert!(
                feed(&mut node, &line).is_empty(),
                "no msg_id, no reply: {body}"
            );
        }
    }
    let raft = node.raft().unwrap();
    assert_eq!(raft.term(), 0, "no forged term was taken");
}

#[test]
fn forged_lww_write_cannot_pin_the_hybrid_clock() {
    let mut node = single(MachineKind::Lww);
    let stamp = json!({"time": u64::MAX, "node": "n9"});
    let lww_write = json!({"src": "c1", "dest": "n1", "body": {"type": "lww_write",
        "msg_id": 2, "key": "x", "value": 9, "stamp": stamp}});
    assert_eq!(only(&feed(&mut node, &lww_write.to_string()))["code"], 10);
    let forward = json!({"src": "c1", "dest": "n1", "body": {"type": "forward", "msg_id": 3,
        "requests": [{"id": {"node": "n1", "seq": 9}, "client": "", "client_msg_id": 0,
                      "op": {"command": {"key": "x", "value": 9, "stamp": stamp}}}]}});
    assert_eq!(only(&feed(&mut node, &forward.to_string()))["code"], 10);
    // A stamp smuggled into a plain write is ignored: the node stamps it.
    let mut smuggled = serde_json::from_str::<Value>(&write(4, "x", json!(1))).unwrap();
    smuggled["body"]["stamp"] = stamp;
    assert_eq!(
        only(&feed(&mut node, &smuggled.to_string()))["type"],
        "write_ok"
    );
    assert_eq!(
        only(&feed(&mut node, &write(5, "x", json!(2))))["type"],
        "write_ok"
    );
    assert_eq!(
        only(&feed(&mut node, &read(6, "x")))["value"],
        2,
        "the later write wins"
    );
}

// 6. Smaller: addressing, msg_ids, numbers, txn values.
#[test]
fn message_addressed_to_another_node_is_refused() {
    let mut node = single(MachineKind::Kv);
    let line = write(2, "x", json!(1)).replace(r#""dest":"n1""#, r#""dest":"n7""#);
    let out = feed(&mut node, &line);
    assert_eq!(only(&out)["code"], 12);
    assert_eq!(out[0]["src"], "n1");
    assert_eq!(
        only(&feed(&mut node, &read(3, "x")))["code"],
        20,
        "nothing written"
    );
    let init_other = INIT_N1.replace(r#""dest":"n1""#, r#""dest":"n2""#);
    let mut fresh = Node::new(NodeConfig::default(), 1);
    let out = feed(&mut fresh, &init_other);
    assert_eq!(only(&out)["code"], 12, "init addressed to n2 naming n1");
    assert!(fresh.raft().is_none());
}

#[test]
fn errors_before_init_come_from_the_addressed_node() {
    let mut node = Node::new(NodeConfig::default(), 1);
    let out = feed(&mut node, &read(2, "x"));
    assert_eq!(only(&out)["code"], 11);
    assert_eq!(out[0]["src"], "n1");
    let out = feed(&mut node, r#"{"src":"c1","dest":"n1","body":{"msg_id":3}}"#);
    assert_eq!(only(&out)["code"], 12);
    assert_eq!(out[0]["src"], "n1");
    let out = feed(
        &mut node,
        r#"{"src":"c1","body":{"type":"read","msg_id":4,"key":1}}"#,
    );
    assert!(out.is_empty(), "no dest and no id yet: nobody to answer as");
}

#[test]
fn unusable_msg_ids_are_echoed_in_error_12() {
    let mut node = single(MachineKind::Kv);
    for raw in [
        r#""abc""#,
        "-1",
        "1.5",
        "1e30",
        "18446744073709551616",
        r#""\u0000\"""#,
    ] {
        let line = format!(
            r#"{{"src":"c1","dest":"n1","body":{{"type":"read","key":"x","msg_id":{raw}}}}}"#
        );
        node.handle_line(0, &line);
        let out = node.take_outbox();
        assert_eq!(out.len(), 1, "{raw}");
        let text = out[0].to_line();
        assert!(
            text.starts_with(&format!(
                r#"{{"src":"n1","dest":"c1","body":{{"type":"error","in_reply_to":{raw},"msg_id":"#
            )),
            "{raw}: {text}"
        );
        assert!(text.contains(r#""code":12"#), "{text}");
        serde_json::from_str::<Value>(&text).expect("valid JSON");
    }
    for raw in ["true", "{}", "[1]", "1e400"] {
        let line = format!(
            r#"{{"src":"c1","dest":"n1","body":{{"type":"read","key":"x","msg_id":{raw}}}}}"#
        );
        assert!(feed(&mut node, &line).is_empty(), "{raw}: nothing to echo");
    }
}

#[test]
fn non_integer_in_reply_to_gets_12_except_on_an_error() {
    let mut node = single(MachineKind::Kv);
    let line =
        r#"{"src":"c1","dest":"n1","body":{"type":"read","msg_id":5,"in_reply_to":"x","key":1}}"#;
    assert_eq!(only(&feed(&mut node, line))["code"], 12);
    let error =
        r#"{"src":"c1","dest":"n1","body":{"type":"error","msg_id":6,"in_reply_to":"x","code":1}}"#;
    assert!(
        feed(&mut node, error).is_empty(),
        "an error is never answered"
    );
}

#[test]
fn missing_dest_with_a_msg_id_gets_12() {
    let mut node = single(MachineKind::Kv);
    for line in [
        r#"{"src":"c1","body":{"type":"read","msg_id":5,"key":1}}"#,
        r#"{"src":"c1","dest":7,"body":{"type":"read","msg_id":5,"key":1}}"#,
        r#"{"src":"c1","dest":"","body":{"type":"read","msg_id":5,"key":1}}"#,
    ] {
        let out = feed(&mut node, line);
        assert_eq!(only(&out)["code"], 12, "{line}");
        assert_eq!(out[0]["src"], "n1");
        assert_eq!(out[0]["dest"], "c1");
        assert_eq!(out[0]["body"]["in_reply_to"], 5);
    }
}

#[test]
fn integers_beyond_64_bits_are_refused_with_12() {
    let mut node = single(MachineKind::Kv);
    for (msg_id, value) in [(2, "18446744073709551616"), (3, "-9223372036854775809")] {
        let line = format!(
            r#"{{"src":"c1","dest":"n1","body":{{"type":"write","msg_id":{msg_id},"key":"x","value":{value}}}}}"#
        );
        assert_eq!(only(&feed(&mut node, &line))["code"], 12, "{value}");
    }
    assert_eq!(only(&feed(&mut node, &read(4, "x")))["code"], 20);
    let max = r#"{"src":"c1","dest":"n1","body":{"type":"write","msg_id":5,"key":"x","value":18446744073709551615}}"#;
    assert_eq!(only(&feed(&mut node, max))["type"], "write_ok");
    node.handle_line(0, &read(6, "x"));
    let text = node.take_outbox()[0].to_line();
    assert!(
        text.contains(r#""value":18446744073709551615"#),
        "exact: {text}"
    );
}

#[test]
fn floats_are_stored_and_read_back_exactly() {
    let mut node = single(MachineKind::Kv);
    // Without exact float parsing the first reads back as 954.1806346548212.
    for (i, text) in ["954.1806346548211", "417.84615743650755", "1e30", "-0.1"]
        .iter()
        .enumerate()
    {
        let id = 10 * i as u64;
        let line = format!(
            r#"{{"src":"c1","dest":"n1","body":{{"type":"write","msg_id":{id},"key":"f","value":{text}}}}}"#
        );
        assert_eq!(only(&feed(&mut node, &line))["type"], "write_ok");
        node.handle_line(0, &read(id + 1, "f"));
        let reply = node.take_outbox()[0].to_line();
        let value = reply
            .split(r#""value":"#)
            .nth(1)
            .and_then(|v| v.strip_suffix("}}"))
            .unwrap_or_else(|| panic!("{reply}"));
        let (sent, got): (f64, f64) = (text.parse().unwrap(), value.parse().unwrap());
        assert_eq!(sent.to_bits(), got.to_bits(), "{text} came back as {value}");
    }
}

#[test]
fn txn_append_of_a_non_integer_value_gets_12() {
    let mut node = single(MachineKind::Txn);
    let txn = |msg_id: u64, txn: Value| {
        json!({"src": "c1", "dest": "n1", "body": {"type": "txn", "msg_id": msg_id, "txn": txn}})
            .to_string()
    };
    for (i, v) in [json!("a"), json!(1.5), json!([1]), json!(null)]
        .into_iter()
        .enumerate()
    {
        let out = feed(&mut node, &txn(i as u64, json!([["append", 1, v]])));
        assert_eq!(only(&out)["code"], 12, "{v}");
    }
    let out = feed(
        &mut node,
        &txn(9, json!([["append", 1, 3], ["r", 1, null]])),
    );
    assert_eq!(only(&out)["txn"], json!([["append", 1, 3], ["r", 1, [3]]]));
}

// Found by the fuzzer: entry payloads were re-serialized through `Value` on the
// way out (keys sorted), so followers stored different text than the leader.
#[test]
fn followers_store_the_leaders_entries_byte_for_byte_over_the_wire() {
    let ids = Cluster::node_ids(3);
    let mut cluster = Cluster::new(&ids, NodeConfig::default(), NetConfig::default(), 5);
    cluster.over_the_wire();
    cluster.run_for(3_000_000);
    for (i, value) in [json!({"z": 1, "a": [2.5, {"y": 1, "b": 2}]}), json!(3)]
        .into_iter()
        .enumerate()
    {
        let line = json!({"src": "c1", "dest": "n2",
            "body": {"type": "write", "msg_id": i, "key": "k", "value": value}});
        assert!(cluster.inject_line("n2", line.to_string().as_bytes()));
    }
    cluster.run_for(2_000_000);
    assert_eq!(cluster.wire_errors(), &[] as &[String]);
    let logs: Vec<_> = ids
        .iter()
        .map(|id| {
            let raft = cluster.node(id).unwrap().raft().unwrap();
            (1..=raft.log().last_index())
                .map(|i| raft.log().get(i).cloned())
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        logs[0].len() >= 3,
        "the writes were appended: {:?}",
        logs[0]
    );
    assert_eq!(logs[0], logs[1]);
    assert_eq!(logs[0], logs[2]);
}

// Found by the fuzzer: a peer claiming term 2^64 - 2 was believed, and the next
// election's `term + 1` overflowed (a panic in debug builds, term 0 in release).
#[test]
fn terms_near_u64_max_from_a_peer_are_ignored() {
    let mut node = Node::new(NodeConfig::default(), 1);
    let init = r#"{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1","n2","n3"]}}"#;
    feed(&mut node, init);
    let term = u64::MAX - 1;
    let forged = json!({"src": "n2", "dest": "n1", "body": {"type": "append_entries_res",
        "term": term, "success": false, "index": 0}});
    feed(&mut node, &forged.to_string());
    for t in 1..50 {
        node.tick(t * 1_000_000);
    }
    let raft = node.raft().unwrap();
    assert!(
        raft.term() < 100,
        "term {} taken from a lying peer",
        raft.term()
    );
}

/// Node `n1` of three, made leader by votes from `n2`.
fn leader_of_three() -> Node {
    let mut node = Node::new(NodeConfig::default(), 1);
    let init = r#"{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1","n2","n3"]}}"#;
    feed(&mut node, init);
    node.tick(2_000_000);
    for pre_vote in [true, false] {
        let vote = json!({"src": "n2", "dest": "n1", "body": {"type": "request_vote_res",
            "term": 1, "vote_granted": true, "pre_vote": pre_vote}});
        node.handle_line(2_000_000, &vote.to_string());
    }
    node.take_outbox();
    assert!(node.raft().unwrap().is_leader());
    node
}

// Found by the fuzzer: an acknowledgement of index 2^64 - 1 overflowed the
// leader's bookkeeping (`index + 1`).
#[test]
fn acknowledgements_beyond_the_leaders_log_are_ignored() {
    let mut node = leader_of_three();
    for success in [true, false] {
        let ack = json!({"src": "n2", "dest": "n1", "body": {"type": "append_entries_res",
            "term": 1, "success": success, "index": u64::MAX}});
        feed(&mut node, &ack.to_string());
    }
    let raft = node.raft().unwrap();
    let last = raft.log().last_index();
    for (peer, p) in raft.progress() {
        assert!(
            p.match_index <= last,
            "{peer}: match {} > {last}",
            p.match_index
        );
        assert!(p.next_index <= last + 1, "{peer}: next {}", p.next_index);
    }
}

// Found by the fuzzer (debug builds): a peer claiming to lead our own term, or
// asking to overwrite committed entries, tripped a debug assertion.
#[test]
fn impossible_claims_from_a_peer_do_not_panic() {
    let mut node = leader_of_three();
    let rival = json!({"src": "n2", "dest": "n1", "body": {"type": "append_entries",
        "term": 1, "leader": "n2", "prev_log_index": 0, "prev_log_term": 0,
        "entries": [{"term": 1}], "leader_commit": 0}});
    feed(&mut node, &rival.to_string());
    assert!(node.raft().unwrap().is_leader(), "still leads its term");
    let mut follower = Node::new(NodeConfig::default(), 1);
    let init = r#"{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1","n2","n3"]}}"#;
    feed(&mut follower, init);
    let append = |term: u64, entry_term: u64, commit: u64| {
        json!({"src": "n3", "dest": "n1", "body": {"type": "append_entries", "term": term,
            "leader": "n3", "prev_log_index": 0, "prev_log_term": 0,
            "entries": [{"term": entry_term}], "leader_commit": commit}})
        .to_string()
    };
    feed(&mut follower, &append(1, 1, 1));
    assert_eq!(follower.raft().unwrap().commit_index(), 1);
    feed(&mut follower, &append(2, 2, 0));
    let raft = follower.raft().unwrap();
    assert_eq!(
        raft.log().get(1).map(|e| e.term),
        Some(1),
        "committed entry kept"
    );
}

// The node id from `init` names a directory under --data-dir: a hostile first
// `init` could have created directories anywhere ("../x", "/tmp/x"), and even a
// refused init created one before the member list was checked.
#[test]
fn init_is_checked_before_anything_touches_the_data_dir() {
    let base = std::env::temp_dir().join(format!("raft-kv-hostile-{}", std::process::id()));
    let dir = base.join("data");
    std::fs::create_dir_all(&dir).unwrap();
    let config = NodeConfig {
        data_dir: Some(dir.clone()),
        ..NodeConfig::default()
    };
    let inits = [
        ("../escape", json!(["../escape"])),
        ("/tmp", json!(["/tmp"])),
        ("..", json!([".."])),
        ("n1", json!(["n2", "n3"])),
        ("n1", json!(["n1", "n1"])),
    ];
    for (id, ids) in inits {
        let mut node = Node::new(config.clone(), 1);
        let init = json!({"src": "c0", "dest": id,
            "body": {"type": "init", "msg_id": 1, "node_id": id, "node_ids": ids}});
        let out = feed(&mut node, &init.to_string());
        assert_eq!(only(&out)["code"], 12, "{id} {ids}");
        assert!(node.raft().is_none());
    }
    let entries: Vec<_> = std::fs::read_dir(&base).unwrap().flatten().collect();
    assert_eq!(entries.len(), 1, "only data/ under {base:?}: {entries:?}");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "nothing stored"
    );
    std::fs::remove_dir_all(&base).unwrap();
}

// Found by the fuzzer: a reply may nest what a request carried deeper (a g-set's
// read returns its elements in an array; kafka's poll wraps messages in
// [offset, msg] pairs), so the request depth limit made the node's own replies
// unreadable by its own decoder (the harness's clients use it).
#[test]
fn replies_nesting_accepted_values_deeper_still_decode() {
    use raft_kv::protocol::Message;
    use raft_kv::protocol::limits::MAX_CLIENT_DEPTH;
    // The deepest a request may carry: the body is level 1.
    let deepest: Value = serde_json::from_str(&format!(
        "{}1{}",
        "[".repeat(MAX_CLIENT_DEPTH - 1),
        "]".repeat(MAX_CLIENT_DEPTH - 1)
    ))
    .unwrap();
    for (machine, add, read) in [
        (
            MachineKind::GSet,
            json!({"type": "add", "element": deepest}),
            json!({"type": "read"}),
        ),
        (
            MachineKind::Kafka,
            json!({"type": "send", "key": "k", "msg": deepest}),
            json!({"type": "poll", "offsets": {"k": 0}}),
        ),
    ] {
        let mut node = single(machine);
        let line = |mut body: Value, id: u64| {
            body["msg_id"] = json!(id);
            json!({"src": "c1", "dest": "n1", "body": body}).to_string()
        };
        let out = feed(&mut node, &line(add, 2));
        assert!(only(&out)["code"].is_null(), "{machine}: {out:?}");
        node.handle_line(0, &line(read, 3));
        let reply = node.take_outbox()[0].to_line();
        let decoded = Message::from_line(&reply);
        assert!(decoded.is_ok(), "{machine}: {decoded:?}");
    }
}

#[test]
fn a_request_carrying_in_reply_to_is_a_reply_and_is_not_executed() {
    let mut node = single(MachineKind::Kv);
    let line = r#"{"src":"c1","dest":"n1","body":{"type":"write","msg_id":4,"in_reply_to":3,"key":"x","value":1}}"#;
    assert!(feed(&mut node, line).is_empty(), "not answered");
    assert_eq!(
        only(&feed(&mut node, &read(5, "x")))["code"],
        20,
        "not executed"
    );
}
