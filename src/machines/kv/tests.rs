use super::*;
use crate::machines::testing::{assert_restore_answers_alike, drive};
use crate::machines::{Builtin, Machine, MachineKind};
use crate::protocol::ClientBody;
use serde_json::json;

fn req(ty: &str, fields: Value) -> ClientBody {
    ClientBody::new(ty, fields)
}

fn code(r: &crate::machines::Reply) -> Option<u64> {
    r.as_ref().err().map(|e| e.code.code())
}

#[test]
fn read_of_missing_key_is_20_and_write_then_read_returns_value() {
    let mut m = KvMachine::default();
    let r = drive(
        &mut m,
        &[
            req("read", json!({"key": "x"})),
            req("write", json!({"key": "x", "value": 1})),
            req("read", json!({"key": "x"})),
        ],
    );
    assert_eq!(code(&r[0]), Some(20));
    assert_eq!(r[1].as_ref().unwrap().ty, "write_ok");
    assert_eq!(r[2], Ok(ClientBody::new("read_ok", json!({"value": 1}))));
}

#[test]
fn cas_checks_missing_key_and_precondition() {
    let mut m = KvMachine::default();
    let cas = |from, to| req("cas", json!({"key": 1, "from": from, "to": to}));
    let r = drive(
        &mut m,
        &[
            cas(json!(0), json!(1)),
            req("write", json!({"key": 1, "value": 2})),
            cas(json!(0), json!(1)),
        ],
    );
    assert_eq!((code(&r[0]), code(&r[2])), (Some(20), Some(22)));
    assert_eq!(
        m.get(&json!(1)),
        Some(&json!(2)),
        "a failed cas changes nothing"
    );
    let r = drive(&mut m, &[cas(json!(2), json!(3))]);
    assert_eq!(r[0].as_ref().unwrap().ty, "cas_ok");
    assert_eq!(m.get(&json!(1)), Some(&json!(3)));
}

#[test]
fn cas_create_if_not_exists_creates_the_key() {
    let mut m = KvMachine::default();
    let r = drive(
        &mut m,
        &[req(
            "cas",
            json!({"key": "k", "from": 9, "to": 4, "create_if_not_exists": true}),
        )],
    );
    assert!(r[0].is_ok());
    assert_eq!(m.get(&json!("k")), Some(&json!(4)));
}

#[test]
fn keys_of_different_json_types_are_distinct() {
    let mut m = KvMachine::default();
    drive(
        &mut m,
        &[
            req("write", json!({"key": 1, "value": "int"})),
            req("write", json!({"key": "1", "value": "str"})),
        ],
    );
    assert_eq!(m.get(&json!(1)), Some(&json!("int")));
    assert_eq!(m.get(&json!("1")), Some(&json!("str")));
}

#[test]
fn reads_are_reads_writes_are_proposed_and_other_types_are_refused() {
    let mut m = KvMachine::default();
    let ctx = Context {
        node: "n1",
        now: 0,
        incarnation: 0,
    };
    assert_eq!(
        m.admit_body(&req("read", json!({"key": 1})), &ctx),
        crate::machines::Admission::Read
    );
    assert!(matches!(
        m.admit_body(&req("write", json!({"key": 1, "value": 1})), &ctx),
        crate::machines::Admission::Propose(_)
    ));
    let refused = drive(
        &mut m,
        &[
            req("txn", json!({"txn": []})),
            req("read", json!({})),
            req("cas", json!({"key": 1, "from": 1})),
        ],
    );
    let codes: Vec<_> = refused.iter().map(code).collect();
    assert_eq!(codes, vec![Some(10), Some(12), Some(12)]);
}

#[test]
fn restore_of_a_snapshot_answers_every_later_request_alike() {
    let mut m = MachineKind::Kv.build();
    let history: Vec<ClientBody> = (0..40)
        .map(|i| match i % 3 {
            0 => req("write", json!({"key": i % 5, "value": i})),
            1 => req("cas", json!({"key": i % 5, "from": i - 1, "to": i})),
            _ => req("read", json!({"key": i % 7})),
        })
        .collect();
    drive(&mut m, &history);
    let later: Vec<ClientBody> = (0..7)
        .flat_map(|k| {
            [
                req("read", json!({"key": k})),
                req("cas", json!({"key": k, "from": 39, "to": 0})),
            ]
        })
        .collect();
    let replies = assert_restore_answers_alike(&m, MachineKind::Kv.build(), &later);
    assert!(
        replies.iter().any(Result::is_ok),
        "the check saw real values"
    );
    assert!(matches!(m, Builtin::Kv(_)));
}
