//! What a node keeps is bounded: pending requests, and the log (compaction).

use raft_kv::node::{Node, NodeConfig};
use raft_kv::protocol::{ErrorCode, Message, Payload};

fn replies(node: &mut Node) -> Vec<Message> {
    node.take_outbox()
        .into_iter()
        .filter(|m| m.dest.starts_with('c'))
        .collect()
}

#[test]
fn requests_beyond_max_pending_get_a_definite_11_at_once() {
    let config = NodeConfig {
        max_pending: 2,
        ..NodeConfig::default()
    };
    let mut node = Node::new(config, 1);
    node.handle_line(
        0,
        r#"{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0","n1","n2"]}}"#,
    );
    replies(&mut node);
    // No peer answers: no leader, so every write stays pending.
    for id in 2..=4 {
        node.handle_line(
            1,
            &format!(r#"{{"src":"c1","dest":"n0","body":{{"type":"write","msg_id":{id},"key":1,"value":1}}}}"#),
        );
    }
    let out = replies(&mut node);
    assert_eq!(
        out.len(),
        1,
        "only the request over the bound is answered now: {out:?}"
    );
    assert_eq!(out[0].body.in_reply_to, Some(4));
    assert!(matches!(
        out[0].body.payload,
        Payload::Error {
            code: ErrorCode::TemporarilyUnavailable,
            ..
        }
    ));
    assert_eq!(node.pending_count(), 2);
}

#[test]
fn a_fresh_node_waits_out_its_first_election_before_answering_11() {
    let mut node = Node::new(NodeConfig::default(), 1);
    node.handle_line(
        0,
        r#"{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0","n1","n2"]}}"#,
    );
    replies(&mut node);
    node.handle_line(
        1,
        r#"{"src":"c1","dest":"n0","body":{"type":"write","msg_id":2,"key":1,"value":1}}"#,
    );
    // Past --unavailable-ms (500 ms) but within the first election window
    // (twice the 600 ms election timeout): still waiting for a leader.
    node.tick(700_000);
    assert!(
        replies(&mut node).is_empty(),
        "no error 11 while the first election may still end"
    );
    node.tick(1_300_000);
    let out = replies(&mut node);
    assert!(
        matches!(
            out.first().map(|m| &m.body.payload),
            Some(Payload::Error {
                code: ErrorCode::TemporarilyUnavailable,
                ..
            })
        ),
        "after the window, still no leader: a definite 11 ({out:?})"
    );
}
