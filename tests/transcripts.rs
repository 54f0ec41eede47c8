//! Protocol transcripts pinned with insta: one line per delivered message, driven
//! through real nodes on a virtual clock. Review changes with `cargo insta review`.
//!
//! Long scenarios hide idle heartbeats (empty append_entries and their successful
//! answers) so the snapshot shows what changed.

use raft_kv::node::NodeConfig;
use raft_kv::protocol::{ErrorCode, Message, Payload};
use raft_kv::sim::{Cluster, Latency, NetConfig, Partition};
use serde_json::{Value, json};

const MS: u64 = 1000;

fn cluster(seed: u64) -> Cluster {
    let ids = Cluster::node_ids(3);
    let net = NetConfig {
        latency: Latency::Constant(5 * MS),
        ..Default::default()
    };
    Cluster::new(&ids, NodeConfig::default(), net, seed)
}

/// Runs until a leader is elected; returns it.
fn elect(c: &mut Cluster) -> String {
    for _ in 0..100 {
        c.run_for(100 * MS);
        if let Some(l) = c.leader() {
            // Let the first heartbeat round settle so followers know the leader.
            c.run_for(50 * MS);
            return l;
        }
    }
    panic!("no leader elected within 10 s");
}

fn without_heartbeats(lines: &[String]) -> String {
    lines
        .iter()
        .filter(|l| !l.contains(r#""entries":[]"#))
        .filter(|l| !(l.contains("append_entries_res") && l.contains(r#""success":true"#)))
        .cloned()
        .collect::<Vec<_>>()
        .join("\n")
}

fn write(key: Value, value: Value) -> Payload {
    Payload::client("write", json!({"key": key, "value": value}))
}

fn ok(ty: &str) -> Payload {
    Payload::client(ty, json!({}))
}

fn replies_to(msgs: &[(u64, Message)], msg_id: u64) -> Vec<&Payload> {
    msgs.iter()
        .filter(|(_, m)| m.body.in_reply_to == Some(msg_id))
        .map(|(_, m)| &m.body.payload)
        .collect()
}

fn followers(c: &Cluster, leader: &str) -> Vec<String> {
    c.nodes()
        .keys()
        .filter(|id| *id != leader)
        .cloned()
        .collect()
}

#[test]
fn election_of_three_nodes_with_prevote() {
    let mut c = cluster(7);
    c.record_transcript();
    let leader = elect(&mut c);
    assert_eq!(
        c.node(&leader).unwrap().raft().unwrap().term(),
        1,
        "first election wins term 1"
    );
    insta::assert_snapshot!(c.transcript().join("\n"));
}

#[test]
fn write_is_replicated_and_committed_before_the_reply() {
    let mut c = cluster(7);
    let leader = elect(&mut c);
    c.record_transcript();
    let id = c.client_send("c1", &leader, write(json!("x"), json!(1)));
    c.run_for(30 * MS);
    let msgs = c.take_client_messages();
    assert_eq!(replies_to(&msgs, id), vec![&ok("write_ok")]);
    // Commit-then-reply: the write_ok follows a follower's acknowledgement.
    let t = c.transcript();
    let ack = t
        .iter()
        .position(|l| l.contains("append_entries_res"))
        .expect("an ack");
    let ok = t
        .iter()
        .position(|l| l.contains("write_ok"))
        .expect("a reply");
    assert!(ack < ok, "replied before a majority stored the entry");
    for f in followers(&c, &leader) {
        assert_eq!(
            c.node(&f).unwrap().raft().unwrap().log().last_index(),
            2,
            "no-op and the write"
        );
    }
    insta::assert_snapshot!(c.transcript().join("\n"));
}

#[test]
fn follower_forwards_cas_to_the_leader_which_answers_the_client() {
    let mut c = cluster(7);
    let leader = elect(&mut c);
    c.client_send("c1", &leader, write(json!("x"), json!(1)));
    c.run_for(30 * MS);
    c.take_client_messages();
    let follower = followers(&c, &leader)[0].clone();
    c.record_transcript();
    let id = c.client_send(
        "c2",
        &follower,
        Payload::client("cas", json!({"key": "x", "from": 1, "to": 2})),
    );
    c.run_for(40 * MS);
    let msgs = c.take_client_messages();
    assert_eq!(replies_to(&msgs, id), vec![&ok("cas_ok")]);
    let reply = msgs
        .iter()
        .find(|(_, m)| m.body.in_reply_to == Some(id))
        .unwrap();
    assert_eq!(
        reply.1.src, leader,
        "the leader answers the client directly"
    );
    insta::assert_snapshot!(c.transcript().join("\n"));
}

#[test]
fn cas_on_a_missing_key_is_20_and_with_the_wrong_from_is_22() {
    let mut c = cluster(7);
    let leader = elect(&mut c);
    c.record_transcript();
    let cas = |from: Value, to: Value| {
        Payload::client("cas", json!({"key": "k", "from": from, "to": to}))
    };
    let missing = c.client_send("c1", &leader, cas(json!(0), json!(1)));
    c.run_for(30 * MS);
    c.client_send("c1", &leader, write(json!("k"), json!(5)));
    c.run_for(30 * MS);
    let wrong = c.client_send("c1", &leader, cas(json!(4), json!(6)));
    c.run_for(30 * MS);
    let msgs = c.take_client_messages();
    let code = |id| match replies_to(&msgs, id)[..] {
        [Payload::Error { code, .. }] => Some(*code),
        _ => None,
    };
    assert_eq!(code(missing), Some(ErrorCode::KeyDoesNotExist));
    assert_eq!(code(wrong), Some(ErrorCode::PreconditionFailed));
    insta::assert_snapshot!(c.transcript().join("\n"));
}

#[test]
fn partitioned_leader_is_replaced_and_its_unreplicated_entries_truncated() {
    let mut c = cluster(11);
    let old = elect(&mut c);
    let others = followers(&c, &old);
    c.record_transcript();
    c.set_partition(
        Partition::groups(&[vec![old.clone()], others.clone()]),
        "isolate old leader",
    );
    // The old leader appends this write but can never commit it.
    let lost = c.client_send("c1", &old, write(json!("x"), json!("lost")));
    c.run_for(3000 * MS);
    let new = c.leader().expect("the majority elects a new leader");
    assert!(others.contains(&new));
    assert!(
        !c.node(&old).unwrap().raft().unwrap().is_leader(),
        "CheckQuorum deposed the old leader"
    );
    let won = c.client_send("c2", &new, write(json!("x"), json!("won")));
    c.run_for(100 * MS);
    c.set_partition(Partition::none(), "heal");
    c.run_for(2000 * MS);
    let msgs = c.take_client_messages();
    assert_eq!(replies_to(&msgs, won), vec![&ok("write_ok")]);
    for p in replies_to(&msgs, lost) {
        if let Payload::Error { code, .. } = p {
            assert!(
                !code.is_definite(),
                "definite error {code} for a write whose fate was unknown"
            );
        }
    }
    // The old leader's log now matches the new leader's: its stale suffix is gone.
    let log_of = |id: &str| {
        let log = c.node(id).unwrap().raft().unwrap().log();
        (1..=log.last_index())
            .map(|i| log.get(i).unwrap().clone())
            .collect::<Vec<_>>()
    };
    let (old_log, new_log) = (log_of(&old), log_of(&new));
    assert_eq!(old_log, new_log);
    assert!(
        old_log.iter().all(|e| e.term != 1 || e.data.is_none()),
        "the term-1 write was truncated"
    );
    insta::assert_snapshot!(without_heartbeats(c.transcript()));
}

#[test]
fn returning_partitioned_follower_does_not_depose_a_healthy_leader() {
    let mut c = cluster(5);
    let leader = elect(&mut c);
    let term = c.node(&leader).unwrap().raft().unwrap().term();
    let lonely = followers(&c, &leader)[0].clone();
    let rest: Vec<String> = c
        .nodes()
        .keys()
        .filter(|id| **id != lonely)
        .cloned()
        .collect();
    c.record_transcript();
    c.set_partition(
        Partition::groups(&[vec![lonely.clone()], rest]),
        "isolate a follower",
    );
    c.run_for(5000 * MS);
    assert_eq!(
        c.node(&lonely).unwrap().raft().unwrap().term(),
        term,
        "PreVote: an isolated node does not inflate its term"
    );
    c.set_partition(Partition::none(), "heal");
    c.run_for(2000 * MS);
    assert_eq!(
        c.leader().as_deref(),
        Some(leader.as_str()),
        "the healthy leader keeps leading"
    );
    assert_eq!(c.node(&leader).unwrap().raft().unwrap().term(), term);
    insta::assert_snapshot!(without_heartbeats(c.transcript()));
}

#[test]
fn same_seed_gives_the_same_transcript() {
    let run = |seed| {
        let mut c = cluster(seed);
        let leader = elect(&mut c);
        c.client_send("c1", &leader, write(json!(1), json!(2)));
        c.run_for(500 * MS);
        c.transcript_hash()
    };
    assert_eq!(run(3), run(3));
    assert_ne!(run(3), run(4), "different seeds should differ somewhere");
}

#[test]
fn read_index_waits_for_own_term_commit_and_one_heartbeat_round() {
    let mut c = cluster(7);
    // Stop the moment a leader exists, before its no-op can have committed.
    let mut leader = None;
    for _ in 0..10_000 {
        c.run_for(MS);
        if let Some(l) = c.leader() {
            leader = Some(l);
            break;
        }
    }
    let leader = leader.expect("a leader within 10 s");
    c.record_transcript();
    let read = c.client_send("c1", &leader, Payload::client("read", json!({"key": "k"})));
    let read2 = c.client_send("c2", &leader, Payload::client("read", json!({"key": "k"})));
    c.run_for(60 * MS);
    let msgs = c.take_client_messages();
    for id in [read, read2] {
        match replies_to(&msgs, id)[..] {
            [Payload::Error { code, .. }] => assert_eq!(*code, ErrorCode::KeyDoesNotExist),
            ref other => panic!("read {id}: {other:?}"),
        }
    }
    let t = c.transcript();
    let noop_acked = t
        .iter()
        .position(|l| l.contains("append_entries_res") && l.contains(r#""index":1"#))
        .unwrap();
    let round = t
        .iter()
        .position(|l| l.contains(r#""read_round":1"#))
        .expect("a confirmation round");
    assert!(
        noop_acked < round,
        "a new leader must commit its no-op before serving reads"
    );
    let rounds = t
        .iter()
        .filter(|l| l.contains(r#""type":"append_entries""#) && l.contains("read_round"))
        .count();
    assert_eq!(
        rounds, 2,
        "both reads share one round (one heartbeat per follower)"
    );
    assert!(
        !t.iter()
            .any(|l| l.contains(r#""request":{"key":"k","type":"read""#)),
        "reads write no log entry"
    );
    insta::assert_snapshot!(c.transcript().join("\n"));
}

#[test]
fn follower_behind_a_partition_is_caught_up_by_install_snapshot() {
    let ids = Cluster::node_ids(3);
    let net = NetConfig {
        latency: Latency::Constant(5 * MS),
        ..Default::default()
    };
    let config = NodeConfig {
        snapshot_entries: 4,
        snapshot_retain: 0,
        ..NodeConfig::default()
    };
    let mut c = Cluster::new(&ids, config, net, 7);
    let leader = elect(&mut c);
    let lonely = followers(&c, &leader)[0].clone();
    let rest: Vec<String> = ids.iter().filter(|id| **id != lonely).cloned().collect();
    c.set_partition(
        Partition::groups(&[vec![lonely.clone()], rest]),
        "isolate a follower",
    );
    for i in 0..6 {
        c.client_send("c1", &leader, write(json!("k"), json!(i)));
        c.run_for(50 * MS);
    }
    let raft = |c: &Cluster, id: &str| c.node(id).unwrap().raft().unwrap().log().offset();
    assert!(
        raft(&c, &leader) >= 4,
        "the leader compacted the writes away"
    );
    c.record_transcript();
    c.set_partition(Partition::none(), "heal");
    c.run_for(400 * MS);
    let node = |id: &str| c.node(id).unwrap();
    assert_eq!(node(&lonely).snapshots_installed(), 1);
    assert_eq!(
        node(&lonely).replicated().snapshot(),
        node(&leader).replicated().snapshot(),
        "the returning follower holds the leader's state"
    );
    insta::assert_snapshot!(without_heartbeats(c.transcript()));
}
