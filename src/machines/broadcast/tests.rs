//! Local answers, replication, convergence and snapshots.

use super::*;
use crate::machines::testing::{assert_restore_answers_alike, drive};
use crate::machines::{Admission, Machine, MachineKind, Reply};
use crate::protocol::ClientBody;
use serde_json::json;

fn req(ty: &str, fields: Value) -> ClientBody {
    ClientBody::new(ty, fields)
}

/// Admits `request`: the reply and the replicated gossip, decoded.
fn answer(m: &mut BroadcastMachine, request: ClientBody) -> (Reply, Option<Gossip>) {
    let ctx = Context {
        node: "n1",
        now: 0,
        incarnation: 0,
    };
    match m.admit_body(&request, &ctx) {
        Admission::Local { reply, replicate } => {
            (reply, replicate.map(|d| d.decode::<Gossip>().unwrap()))
        }
        other => panic!("broadcast answers locally, got {other:?}"),
    }
}

fn read(m: &mut BroadcastMachine) -> Reply {
    answer(m, req("read", json!({}))).0
}

fn messages(values: Value) -> Reply {
    Ok(ClientBody::new("read_ok", json!({ "messages": values })))
}

#[test]
fn a_new_message_is_acknowledged_held_and_replicated_once() {
    let mut m = BroadcastMachine::default();
    let (reply, gossip) = answer(&mut m, req("broadcast", json!({"message": 7})));
    assert_eq!(reply, Ok(ClientBody::new("broadcast_ok", json!({}))));
    assert_eq!(gossip, Some(Gossip { message: json!(7) }));
    assert_eq!(read(&mut m), messages(json!([7])));
    let (reply, gossip) = answer(&mut m, req("broadcast", json!({"message": 7})));
    assert!(
        reply.is_ok() && gossip.is_none(),
        "a known message costs nothing"
    );
    // Its own command comes back through the log: nothing changes.
    assert!(m.apply(1, Gossip { message: json!(7) }).is_ok());
    assert_eq!(read(&mut m), messages(json!([7])));
    assert_eq!(m.messages().pending_len(), 0);
}

#[test]
fn messages_from_the_log_converge_in_any_order() {
    let gossip: Vec<Gossip> = [3, 1, 2, 1]
        .iter()
        .map(|i| Gossip { message: json!(i) })
        .collect();
    let mut a = BroadcastMachine::default();
    let mut b = BroadcastMachine::default();
    for (i, g) in gossip.iter().enumerate() {
        a.apply(i as u64, g.clone()).unwrap();
    }
    for (i, g) in gossip.iter().rev().enumerate() {
        b.apply(i as u64, g.clone()).unwrap();
    }
    assert_eq!(a, b);
    assert_eq!(read(&mut a), messages(json!([1, 2, 3])));
}

#[test]
fn topology_is_acknowledged_and_bad_requests_are_refused() {
    let mut m = BroadcastMachine::default();
    let topo = json!({"topology": {"n1": ["n2"], "n2": ["n1"]}});
    let (reply, gossip) = answer(&mut m, req("topology", topo));
    assert_eq!(reply, Ok(ClientBody::new("topology_ok", json!({}))));
    assert!(gossip.is_none());
    let code = |r: Reply| r.err().map(|e| e.code.code());
    let bad_topology = req("topology", json!({"topology": {"n1": "n2"}}));
    assert_eq!(code(answer(&mut m, bad_topology).0), Some(12));
    assert_eq!(
        code(answer(&mut m, req("broadcast", json!({}))).0),
        Some(12)
    );
    assert_eq!(
        code(answer(&mut m, req("add", json!({"element": 1}))).0),
        Some(10)
    );
    assert_eq!(read(&mut m), messages(json!([])));
}

#[test]
fn restore_of_a_snapshot_answers_every_later_request_alike() {
    let mut m = MachineKind::Broadcast.build();
    let history: Vec<ClientBody> = (0..20)
        .map(|i| match i % 3 {
            2 => req("read", json!({})),
            _ => req("broadcast", json!({ "message": i % 7 })),
        })
        .collect();
    drive(&mut m, &history);
    let later = [
        req("read", json!({})),
        req("broadcast", json!({"message": 3})),
        req("broadcast", json!({"message": "new"})),
        req("read", json!({})),
    ];
    let replies = assert_restore_answers_alike(&m, MachineKind::Broadcast.build(), &later);
    assert!(replies.iter().all(Result::is_ok));
}
