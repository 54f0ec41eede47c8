//! Pending requests move as soon as a leader is known: the retry interval is
//! only the fallback for losses nobody noticed.

use raft_kv::node::{Node, NodeConfig};
use raft_kv::protocol::{ForwardOp, Message, Payload};

const MS: u64 = 1_000;

fn follower() -> Node {
    let mut node = Node::new(NodeConfig::default(), 1);
    node.handle_line(
        0,
        r#"{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n0","n1","n2"]}}"#,
    );
    node.take_outbox();
    node
}

fn heartbeat(node: &mut Node, now: u64, leader: &str, term: u64) {
    node.handle_line(
        now,
        &format!(
            r#"{{"src":"{leader}","dest":"n1","body":{{"type":"append_entries","msg_id":1,"term":{term},"leader":"{leader}","prev_log_index":0,"prev_log_term":0,"entries":[],"leader_commit":0}}}}"#
        ),
    );
}

/// The client msg_ids of the commands this node forwarded to `leader`.
fn forwarded(node: &mut Node, leader: &str) -> Vec<u64> {
    node.take_outbox()
        .into_iter()
        .filter(|m: &Message| m.dest == leader)
        .flat_map(|m| match m.body.payload {
            Payload::Forward(batch) => batch.requests,
            _ => Vec::new(),
        })
        .filter(|f| matches!(f.op, ForwardOp::Command(_)))
        .map(|f| f.client_msg_id)
        .collect()
}

fn write(node: &mut Node, now: u64, msg_id: u64) {
    node.handle_line(
        now,
        &format!(
            r#"{{"src":"c1","dest":"n1","body":{{"type":"write","msg_id":{msg_id},"key":1,"value":1}}}}"#
        ),
    );
}

#[test]
fn a_forward_is_sent_again_as_soon_as_a_silent_leader_is_heard_from() {
    let mut node = follower();
    heartbeat(&mut node, MS, "n0", 1);
    write(&mut node, 2 * MS, 7);
    assert_eq!(forwarded(&mut node, "n0"), [7]);
    // A partition swallows the forward and the leader's heartbeats; it heals
    // before this follower's election timeout, well before the retry interval.
    let healed = 450 * MS;
    assert!(healed < NodeConfig::default().retry_interval);
    heartbeat(&mut node, healed, "n0", 1);
    assert_eq!(
        forwarded(&mut node, "n0"),
        [7],
        "the request goes to the leader again when contact returns"
    );
}

#[test]
fn a_leader_heard_from_all_along_is_not_sent_requests_twice() {
    let mut node = follower();
    heartbeat(&mut node, MS, "n0", 1);
    write(&mut node, 2 * MS, 7);
    assert_eq!(forwarded(&mut node, "n0"), [7]);
    for t in 1..=8 {
        heartbeat(&mut node, t * 100 * MS, "n0", 1);
        assert!(
            forwarded(&mut node, "n0").is_empty(),
            "no duplicate at {t}00 ms"
        );
    }
}

#[test]
fn requests_move_to_a_new_leader_at_once() {
    let mut node = follower();
    heartbeat(&mut node, MS, "n0", 1);
    write(&mut node, 2 * MS, 7);
    assert_eq!(forwarded(&mut node, "n0"), [7]);
    heartbeat(&mut node, 50 * MS, "n2", 2);
    assert_eq!(forwarded(&mut node, "n2"), [7]);
}

#[test]
fn requests_go_again_to_a_leader_elected_for_a_new_term() {
    let mut node = follower();
    heartbeat(&mut node, MS, "n0", 1);
    write(&mut node, 2 * MS, 7);
    assert_eq!(forwarded(&mut node, "n0"), [7]);
    // n0 lost its majority and won again: what it appended in term 1 may be gone.
    heartbeat(&mut node, 50 * MS, "n0", 3);
    assert_eq!(forwarded(&mut node, "n0"), [7]);
}

mod takeover {
    use raft_kv::node::NodeConfig;
    use raft_kv::protocol::{Message, Payload};
    use raft_kv::sim::{Cluster, Latency, NetConfig, Partition};
    use serde_json::json;

    const MS: u64 = 1_000;

    /// Replies to client `c1`'s request `msg_id`, with who sent them.
    fn replies(cluster: &mut Cluster, msg_id: u64) -> Vec<String> {
        cluster
            .take_client_messages()
            .into_iter()
            .filter(|(_, m): &(u64, Message)| m.dest == "c1" && m.body.in_reply_to == Some(msg_id))
            .map(|(_, m)| {
                assert!(
                    matches!(&m.body.payload, Payload::Client(b) if b.ty == "write_ok"),
                    "{m:?}"
                );
                m.src
            })
            .collect()
    }

    /// The leader appends a write and sends it out, but hears nothing back: it
    /// cannot commit, steps down (CheckQuorum), and the others elect a leader
    /// that commits the write. Nobody answered the client until the old leader
    /// came back; now the new leader does, and the old one does not answer again.
    #[test]
    fn a_write_whose_leader_is_cut_off_is_answered_by_the_next_leader() {
        let ids = Cluster::node_ids(3);
        let net = NetConfig {
            latency: Latency::Constant(2 * MS),
            ..NetConfig::default()
        };
        let mut cluster = Cluster::new(&ids, NodeConfig::default(), net, 5);
        cluster.run_until(3_000 * MS);
        let old = cluster.leader().expect("a leader after 3 s");
        // The old leader still reaches the others, but hears none of them.
        let deaf = old.clone();
        cluster.set_partition(
            Partition::views(&ids, |receiver, sender| receiver != deaf || sender == deaf),
            "the leader hears nobody",
        );
        let msg_id = cluster.client_send(
            "c1",
            &old,
            Payload::client("write", json!({"key": 1, "value": 9})),
        );
        cluster.run_for(4_000 * MS);
        let new = cluster.leader().expect("a new leader");
        assert_ne!(new, old);
        assert_eq!(
            replies(&mut cluster, msg_id),
            [new],
            "the new leader answers while the old one is still cut off"
        );
        cluster.set_partition(Partition::none(), "heal");
        cluster.run_for(3_000 * MS);
        assert!(
            replies(&mut cluster, msg_id).is_empty(),
            "the old leader, back in a later term, does not answer again"
        );
    }
}
