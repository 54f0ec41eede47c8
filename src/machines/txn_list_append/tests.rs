use super::*;
use crate::machines::testing::{assert_restore_answers_alike, drive};
use crate::machines::{Admission, Machine, MachineKind, Reply};

fn txn(ops: Value) -> ClientBody {
    ClientBody::new("txn", json!({ "txn": ops }))
}

fn txn_ok(ops: Value) -> Reply {
    Ok(ClientBody::new("txn_ok", json!({ "txn": ops })))
}

fn code(r: &Reply) -> Option<u64> {
    r.as_ref().err().map(|e| e.code.code())
}

#[test]
fn never_appended_key_reads_null_and_reads_see_own_appends() {
    let mut m = TxnMachine::default();
    let r = drive(
        &mut m,
        &[
            txn(json!([
                ["r", 1, null],
                ["append", 1, 5],
                ["r", 1, null],
                ["append", 1, 6],
                ["r", 1, null]
            ])),
            txn(json!([["r", 1, null], ["r", 2, null]])),
        ],
    );
    assert_eq!(
        r[0],
        txn_ok(json!([
            ["r", 1, null],
            ["append", 1, 5],
            ["r", 1, [5]],
            ["append", 1, 6],
            ["r", 1, [5, 6]]
        ]))
    );
    assert_eq!(r[1], txn_ok(json!([["r", 1, [5, 6]], ["r", 2, null]])));
}

#[test]
fn malformed_micro_ops_get_12_and_change_nothing() {
    let mut m = TxnMachine::default();
    let bad = [
        json!([["append", 1, 2], ["w", 1, 2]]),
        json!([["append", 1]]),
        json!([["append", 1, 2], ["r", 1, [2]]]),
        json!([["append", 1, 2], "r"]),
        json!("not a list"),
    ];
    let requests: Vec<ClientBody> = bad.iter().map(|b| txn(b.clone())).collect();
    for (b, r) in bad.iter().zip(drive(&mut m, &requests)) {
        assert_eq!(code(&r), Some(12), "{b}");
    }
    // A malformed command that reached the log anyway changes nothing either.
    let command = crate::raft::Data::encode(&TxnCommand {
        txn: vec![json!(["append", 1, 2]), json!(["w", 1, 2])],
    })
    .unwrap();
    assert_eq!(code(&m.apply_data(1, &command)), Some(12));
    assert_eq!(m.list(&json!(1)), None, "nothing was appended");
}

#[test]
fn append_of_a_non_integer_value_gets_12() {
    let mut m = TxnMachine::default();
    let bad = [
        json!([["append", 1, "a"]]),
        json!([["append", 1, 1.5]]),
        json!([["append", 1, [1]]]),
        json!([["append", 1, null]]),
        json!([["append", 1, 2], ["append", 1, {"x": 1}]]),
    ];
    let requests: Vec<ClientBody> = bad.iter().map(|b| txn(b.clone())).collect();
    for (b, r) in bad.iter().zip(drive(&mut m, &requests)) {
        assert_eq!(code(&r), Some(12), "{b}");
    }
    assert_eq!(m.list(&json!(1)), None, "nothing was appended");
    let ok = [txn(json!([
        ["append", 1, -3],
        ["append", 1, 18446744073709551615u64]
    ]))];
    assert_eq!(code(&drive(&mut m, &ok)[0]), None);
}

#[test]
fn read_only_transactions_are_reads_and_others_go_through_the_log() {
    let mut m = TxnMachine::default();
    let ctx = Context {
        node: "n1",
        now: 0,
        incarnation: 0,
    };
    assert_eq!(
        m.admit_body(&txn(json!([["r", 1, null], ["r", 2, null]])), &ctx),
        Admission::Read
    );
    assert!(matches!(
        m.admit_body(&txn(json!([["r", 1, null], ["append", 2, 1]])), &ctx),
        Admission::Propose(_)
    ));
    let r = drive(&mut m, &[ClientBody::new("read", json!({"key": 1}))]);
    assert_eq!(code(&r[0]), Some(10));
}

#[test]
fn restore_of_a_snapshot_answers_every_later_request_alike() {
    let mut m = MachineKind::Txn.build();
    let history: Vec<ClientBody> = (0..30)
        .map(|i| txn(json!([["append", i % 4, i], ["r", (i + 1) % 4, null]])))
        .collect();
    drive(&mut m, &history);
    let later: Vec<ClientBody> = (0..5)
        .map(|k| {
            txn(json!([
                ["r", k, null],
                ["append", k, 100 + k],
                ["r", k, null]
            ]))
        })
        .collect();
    let replies = assert_restore_answers_alike(&m, MachineKind::Txn.build(), &later);
    assert!(
        replies.iter().all(Result::is_ok),
        "every later transaction committed"
    );
}
