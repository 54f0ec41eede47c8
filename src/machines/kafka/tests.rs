use super::*;
use crate::machines::testing::{assert_restore_answers_alike, drive};
use crate::machines::{Admission, Machine, MachineKind, Reply};
use crate::protocol::ClientBody;
use serde_json::json;

fn req(ty: &str, fields: Value) -> ClientBody {
    ClientBody::new(ty, fields)
}

fn send(key: &str, msg: i64) -> ClientBody {
    req("send", json!({"key": key, "msg": msg}))
}

fn poll(offsets: Value) -> ClientBody {
    req("poll", json!({ "offsets": offsets }))
}

fn ok(ty: &str, fields: Value) -> Reply {
    Ok(ClientBody::new(ty, fields))
}

fn code(r: &Reply) -> Option<u64> {
    r.as_ref().err().map(|e| e.code.code())
}

#[test]
fn offsets_are_dense_per_key_in_log_order_and_polls_start_at_the_requested_offset() {
    let mut m = KafkaMachine::default();
    let r = drive(
        &mut m,
        &[
            send("a", 10),
            send("b", 20),
            send("a", 11),
            send("a", 12),
            poll(json!({"a": 1, "b": 0, "c": 0})),
            poll(json!({"a": 3, "b": 5})),
        ],
    );
    assert_eq!(r[0], ok("send_ok", json!({"offset": 0})));
    assert_eq!(r[1], ok("send_ok", json!({"offset": 0})));
    assert_eq!(r[3], ok("send_ok", json!({"offset": 2})));
    assert_eq!(
        r[4],
        ok(
            "poll_ok",
            json!({"msgs": {"a": [[1, 11], [2, 12]], "b": [[0, 20]]}})
        ),
        "keys with nothing are left out"
    );
    assert_eq!(r[5], ok("poll_ok", json!({"msgs": {}})));
}

#[test]
fn committed_offsets_never_move_back_and_listings_leave_out_unknown_keys() {
    let mut m = KafkaMachine::default();
    let commit = |o: Value| req("commit_offsets", json!({ "offsets": o }));
    let list = req("list_committed_offsets", json!({"keys": ["a", "b", "z"]}));
    let r = drive(
        &mut m,
        &[
            commit(json!({"a": 5, "b": 1})),
            commit(json!({"a": 3, "b": 2})),
            list.clone(),
        ],
    );
    assert_eq!(r[0], ok("commit_offsets_ok", json!({})));
    assert_eq!(
        r[2],
        ok(
            "list_committed_offsets_ok",
            json!({"offsets": {"a": 5, "b": 2}})
        )
    );
    assert_eq!(m.committed("a"), Some(5));
}

#[test]
fn polls_and_listings_are_reads_and_sends_and_commits_go_through_the_log() {
    let mut m = KafkaMachine::default();
    let ctx = Context {
        node: "n1",
        incarnation: 0,
        now: 0,
    };
    assert_eq!(m.admit_body(&poll(json!({"a": 0})), &ctx), Admission::Read);
    assert_eq!(
        m.admit_body(&req("list_committed_offsets", json!({"keys": []})), &ctx),
        Admission::Read
    );
    assert!(matches!(
        m.admit_body(&send("a", 1), &ctx),
        Admission::Propose(_)
    ));
    assert!(matches!(
        m.admit_body(&req("commit_offsets", json!({"offsets": {"a": 1}})), &ctx),
        Admission::Propose(_)
    ));
}

#[test]
fn a_poll_reply_is_bounded_but_gives_every_key_with_messages_at_least_one() {
    let mut m = KafkaMachine::default();
    let sends: Vec<ClientBody> = (0..(POLL_PER_KEY as i64 + 50))
        .map(|i| send("a", i))
        .collect();
    drive(&mut m, &sends);
    let r = drive(&mut m, &[poll(json!({"a": 0}))]);
    let msgs = r[0].as_ref().unwrap().get("msgs").unwrap().clone();
    assert_eq!(msgs["a"].as_array().unwrap().len(), POLL_PER_KEY);
    // Many keys: the total stays near POLL_TOTAL, yet each key gets one.
    let keys: Vec<String> = (0..2 * POLL_TOTAL).map(|i| format!("k{i}")).collect();
    let sends: Vec<ClientBody> = keys.iter().map(|k| send(k, 1)).collect();
    drive(&mut m, &sends);
    let offsets: serde_json::Map<String, Value> =
        keys.iter().map(|k| (k.clone(), json!(0))).collect();
    let r = drive(&mut m, &[poll(Value::Object(offsets))]);
    let msgs = r[0].as_ref().unwrap().get("msgs").unwrap().clone();
    assert_eq!(msgs.as_object().unwrap().len(), 2 * POLL_TOTAL);
}

#[test]
fn malformed_requests_get_12_and_change_nothing() {
    let mut m = KafkaMachine::default();
    let bad = [
        req("send", json!({"key": 1, "msg": 1})),
        req("send", json!({"key": "a"})),
        poll(json!({"a": -1})),
        poll(json!(["a"])),
        req("commit_offsets", json!({"offsets": {"a": "x"}})),
        req("list_committed_offsets", json!({"keys": "a"})),
    ];
    for (b, r) in bad.iter().zip(drive(&mut m, &bad)) {
        assert_eq!(code(&r), Some(12), "{b:?}");
    }
    assert_eq!(m, KafkaMachine::default());
}

#[test]
fn restore_of_a_snapshot_answers_every_later_request_alike() {
    let mut m = MachineKind::Kafka.build();
    let history: Vec<ClientBody> = (0..40)
        .map(|i| match i % 3 {
            0 | 1 => send(&format!("k{}", i % 4), i),
            _ => req("commit_offsets", json!({"offsets": {"k1": i}})),
        })
        .collect();
    drive(&mut m, &history);
    let later = vec![
        poll(json!({"k0": 0, "k1": 2, "k2": 100})),
        req("list_committed_offsets", json!({"keys": ["k1", "k3"]})),
        send("k0", 99),
        req("commit_offsets", json!({"offsets": {"k1": 0, "k3": 4}})),
        req("list_committed_offsets", json!({"keys": ["k1", "k3"]})),
        poll(json!({"k0": 5})),
    ];
    let replies = assert_restore_answers_alike(&m, MachineKind::Kafka.build(), &later);
    assert!(replies.iter().all(Result::is_ok), "{replies:?}");
}
