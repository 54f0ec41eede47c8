//! The merge rule and local answers.

use super::*;
use crate::machines::testing::{assert_restore_answers_alike, drive};
use crate::machines::{Admission, Machine, MachineKind, Reply};
use crate::protocol::ClientBody;
use crate::raft::Data;
use serde_json::json;

fn stamp(time: u64, node: &str) -> Stamp {
    Stamp {
        time,
        node: node.into(),
    }
}

fn write(key: Value, value: Value, s: Stamp) -> LwwWrite {
    LwwWrite {
        key,
        value,
        stamp: s,
    }
}

fn req(ty: &str, fields: Value) -> ClientBody {
    ClientBody::new(ty, fields)
}

fn code(r: &Reply) -> Option<u64> {
    r.as_ref().err().map(|e| e.code.code())
}

/// Admits `request` at node `node` at time `now`: the reply and the replicated
/// write, decoded.
fn answer(
    m: &mut LwwMachine,
    request: ClientBody,
    node: &str,
    now: u64,
) -> (Reply, Option<LwwWrite>) {
    answer_in(m, request, node, 0, now)
}

/// [`answer`] by a given incarnation of the node.
fn answer_in(
    m: &mut LwwMachine,
    request: ClientBody,
    node: &str,
    incarnation: u64,
    now: u64,
) -> (Reply, Option<LwwWrite>) {
    match m.admit_body(
        &request,
        &Context {
            node,
            now,
            incarnation,
        },
    ) {
        Admission::Local { reply, replicate } => {
            (reply, replicate.map(|d| d.decode::<LwwWrite>().unwrap()))
        }
        other => panic!("lww answers locally, got {other:?}"),
    }
}

fn ok(ty: &str) -> Reply {
    Ok(ClientBody::new(ty, json!({})))
}

/// Every order of these writes, applied to a fresh machine.
fn all_orders(writes: &[LwwWrite]) -> Vec<LwwMachine> {
    fn permute(rest: Vec<LwwWrite>, done: Vec<LwwWrite>, out: &mut Vec<Vec<LwwWrite>>) {
        if rest.is_empty() {
            out.push(done);
            return;
        }
        for i in 0..rest.len() {
            let mut r = rest.clone();
            let w = r.remove(i);
            let mut d = done.clone();
            d.push(w);
            permute(r, d, out);
        }
    }
    let mut orders = Vec::new();
    permute(writes.to_vec(), Vec::new(), &mut orders);
    orders
        .into_iter()
        .map(|order| {
            let mut m = LwwMachine::default();
            for (i, w) in order.into_iter().enumerate() {
                assert_eq!(m.apply(i as u64 + 1, w), Ok(LwwReply::WriteOk));
            }
            m
        })
        .collect()
}

#[test]
fn merge_is_commutative_the_highest_stamp_wins_in_every_order() {
    let writes = vec![
        write(json!("x"), json!(1), stamp(5, "n1")),
        write(json!("x"), json!(2), stamp(7, "n2")),
        write(json!("x"), json!(3), stamp(6, "n3")),
        write(json!("y"), json!(4), stamp(1, "n1")),
    ];
    let machines = all_orders(&writes);
    assert_eq!(machines.len(), 24);
    for m in &machines {
        assert_eq!(m.state(), machines[0].state());
        assert_eq!(m.get(&json!("x")), Some(&json!(2)));
        assert_eq!(m.get(&json!("y")), Some(&json!(4)));
    }
}

#[test]
fn merge_is_idempotent() {
    let w = write(json!(1), json!("a"), stamp(3, "n1"));
    let older = write(json!(1), json!("b"), stamp(2, "n2"));
    let mut once = LwwMachine::default();
    once.merge(w.clone());
    let mut many = LwwMachine::default();
    for p in [&w, &older, &w, &w, &older] {
        many.merge(p.clone());
    }
    assert_eq!(once.state(), many.state());
    assert_eq!(many.get(&json!(1)), Some(&json!("a")));
}

#[test]
fn equal_times_are_broken_by_node_id_in_either_order() {
    let a = write(json!("k"), json!("from-n1"), stamp(9, "n1"));
    let b = write(json!("k"), json!("from-n2"), stamp(9, "n2"));
    for m in all_orders(&[a, b]) {
        assert_eq!(m.get(&json!("k")), Some(&json!("from-n2")));
    }
}

#[test]
fn local_write_is_stamped_applied_and_replicated() {
    let mut m = LwwMachine::default();
    let (reply, replicate) = answer(
        &mut m,
        req("write", json!({"key": "x", "value": 1})),
        "n1",
        100,
    );
    assert_eq!(reply, ok("write_ok"));
    assert_eq!(
        replicate,
        Some(write(json!("x"), json!(1), stamp(100, "n1")))
    );
    assert_eq!(
        m.get(&json!("x")),
        Some(&json!(1)),
        "read your own write at once"
    );
    assert!(
        m.state().is_empty(),
        "not in the log's state before it is applied"
    );
    // Applying its replicated write (twice) delivers it; the value stays.
    m.merge(replicate.clone().unwrap());
    let after = m.state().clone();
    m.merge(replicate.unwrap());
    assert_eq!(m.state(), &after);
    assert_eq!(m.get(&json!("x")), Some(&json!(1)));
    assert!(m.local.is_empty(), "the delivered local write is forgotten");
}

#[test]
fn snapshots_hold_only_what_the_log_delivered() {
    let mut a = LwwMachine::default();
    let mut b = LwwMachine::default();
    let (_, w) = answer(
        &mut a,
        req("write", json!({"key": "k", "value": "a"})),
        "n1",
        5,
    );
    let _ = answer(
        &mut b,
        req("write", json!({"key": "j", "value": "b"})),
        "n2",
        6,
    );
    assert_ne!(a.get(&json!("k")), b.get(&json!("k")));
    assert_eq!(
        a.snapshot(),
        b.snapshot(),
        "neither local write is in the log yet"
    );
    let w = w.unwrap();
    a.merge(w.clone());
    b.merge(w);
    assert_eq!(a.snapshot(), b.snapshot());
    assert_eq!(
        b.get(&json!("j")),
        Some(&json!("b")),
        "b still reads its own write"
    );
}

#[test]
fn a_write_after_observing_a_later_stamp_is_stamped_later() {
    let mut m = LwwMachine::default();
    m.merge(write(json!("x"), json!("remote"), stamp(1_000, "n9")));
    let (_, replicate) = answer(
        &mut m,
        req("write", json!({"key": "x", "value": "local"})),
        "n1",
        10,
    );
    assert_eq!(
        replicate,
        Some(write(json!("x"), json!("local"), stamp(1_001, "n1")))
    );
    assert_eq!(m.get(&json!("x")), Some(&json!("local")));
}

#[test]
fn reads_answer_locally_and_a_missing_key_is_20() {
    let mut m = LwwMachine::default();
    let read = req("read", json!({"key": "x"}));
    let (reply, replicate) = answer(&mut m, read.clone(), "n1", 1);
    assert_eq!((code(&reply), replicate), (Some(20), None));
    m.merge(write(json!("x"), json!(7), stamp(1, "n2")));
    let (reply, _) = answer(&mut m, read, "n1", 2);
    assert_eq!(reply, Ok(ClientBody::new("read_ok", json!({"value": 7}))));
}

#[test]
fn cas_compares_against_the_local_value() {
    let mut m = LwwMachine::default();
    let cas = |from: Value, to: Value| req("cas", json!({"key": "k", "from": from, "to": to}));
    let (reply, replicate) = answer(&mut m, cas(json!(1), json!(2)), "n1", 1);
    assert_eq!((code(&reply), replicate), (Some(20), None));
    m.merge(write(json!("k"), json!(1), stamp(5, "n2")));
    let (reply, replicate) = answer(&mut m, cas(json!(3), json!(4)), "n1", 6);
    assert_eq!((code(&reply), replicate), (Some(22), None));
    assert_eq!(
        m.get(&json!("k")),
        Some(&json!(1)),
        "a failed cas changes nothing"
    );
    let (reply, replicate) = answer(&mut m, cas(json!(1), json!(2)), "n1", 7);
    assert_eq!(reply, ok("cas_ok"));
    assert_eq!(
        replicate,
        Some(write(json!("k"), json!(2), stamp(7, "n1"))),
        "a successful cas becomes a stamped write of `to`"
    );
    assert_eq!(m.get(&json!("k")), Some(&json!(2)));
}

#[test]
fn cas_create_if_not_exists_creates_the_key() {
    let mut m = LwwMachine::default();
    let request = req(
        "cas",
        json!({"key": "k", "from": 9, "to": 4, "create_if_not_exists": true}),
    );
    let (reply, _) = answer(&mut m, request, "n3", 1);
    assert_eq!(reply, ok("cas_ok"));
    assert_eq!(m.get(&json!("k")), Some(&json!(4)));
}

#[test]
fn other_requests_are_refused_and_unstamped_writes_are_not_commands() {
    let mut m = LwwMachine::default();
    let (reply, replicate) = answer(&mut m, req("txn", json!({"txn": []})), "n1", 1);
    assert_eq!((code(&reply), replicate), (Some(10), None));
    let unstamped = Data::encode(&json!({"key": 1, "value": 1})).unwrap();
    assert_eq!(code(&m.apply_data(1, &unstamped)), Some(13));
    assert!(m.state().is_empty());
}

#[test]
fn restore_of_a_snapshot_answers_every_later_request_alike() {
    let mut m = MachineKind::Lww.build();
    let history: Vec<ClientBody> = (0..30)
        .map(|i| match i % 3 {
            0 => req("write", json!({"key": i % 4, "value": i})),
            1 => req("cas", json!({"key": i % 4, "from": i - 1, "to": i})),
            _ => req("read", json!({"key": i % 5})),
        })
        .collect();
    drive(&mut m, &history);
    let later: Vec<ClientBody> = (0..5)
        .flat_map(|k| {
            [
                req("read", json!({"key": k})),
                req("write", json!({"key": k, "value": "late"})),
            ]
        })
        .collect();
    let replies = assert_restore_answers_alike(&m, MachineKind::Lww.build(), &later);
    assert!(
        replies
            .iter()
            .any(|r| r.as_ref().is_ok_and(|b| b.ty == "read_ok"))
    );
}

/// A restarted process's clock (`now`) starts again from 0, but its incarnation
/// is the wall clock at its start: a write it takes after the restart is stamped
/// later than one another node took before, though it never saw that write.
#[test]
fn a_write_after_a_restart_is_stamped_past_earlier_writes_it_never_saw() {
    let started = 1_700_000_000_000_000; // µs since the epoch
    let mut n1 = LwwMachine::default();
    let w = req("write", json!({"key": 1, "value": "before"}));
    let (_, before) = answer_in(&mut n1, w, "n1", started, 5_000_000);
    // n2 was killed and started again 5.1 s after n1 started; 1 ms later it
    // takes a write of its own.
    let mut n2 = LwwMachine::default();
    let w = req("write", json!({"key": 1, "value": "after"}));
    let (_, after) = answer_in(&mut n2, w, "n2", started + 5_100_000, 1_000);
    let (before, after) = (before.unwrap(), after.unwrap());
    assert!(
        after.stamp > before.stamp,
        "{after:?} should be stamped past {before:?}"
    );
    n2.apply(2, before).unwrap();
    assert_eq!(
        n2.read(&json!(1)).unwrap(),
        LwwReply::ReadOk {
            value: json!("after")
        }
    );
}
