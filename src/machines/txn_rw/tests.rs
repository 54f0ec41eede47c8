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
fn never_written_key_reads_null_and_reads_see_own_writes() {
    let mut m = RwMachine::default();
    let r = drive(
        &mut m,
        &[
            txn(json!([
                ["r", 1, null],
                ["w", 1, 5],
                ["r", 1, null],
                ["w", 1, 6],
                ["r", 1, null]
            ])),
            txn(json!([["r", 1, null], ["r", 2, null]])),
        ],
    );
    assert_eq!(
        r[0],
        txn_ok(json!([
            ["r", 1, null],
            ["w", 1, 5],
            ["r", 1, 5],
            ["w", 1, 6],
            ["r", 1, 6]
        ]))
    );
    assert_eq!(r[1], txn_ok(json!([["r", 1, 6], ["r", 2, null]])));
}

#[test]
fn malformed_micro_ops_get_12_and_change_nothing() {
    let mut m = RwMachine::default();
    let bad = [
        json!([["w", 1, 2], ["append", 1, 2]]),
        json!([["w", 1]]),
        json!([["w", 1, 2], ["r", 1, 2]]),
        json!([["w", 1, 2], "r"]),
        json!("not a list"),
    ];
    let requests: Vec<ClientBody> = bad.iter().map(|b| txn(b.clone())).collect();
    for (b, r) in bad.iter().zip(drive(&mut m, &requests)) {
        assert_eq!(code(&r), Some(12), "{b}");
    }
    let command = crate::raft::Data::encode(&RwCommand {
        txn: vec![json!(["w", 1, 2]), json!(["append", 1, 2])],
    })
    .unwrap();
    assert_eq!(code(&m.apply_data(1, &command)), Some(12));
    assert_eq!(m.get(&json!(1)), Value::Null, "nothing was written");
}

#[test]
fn read_only_transactions_are_reads_and_others_go_through_the_log() {
    let mut m = RwMachine::default();
    let ctx = Context {
        node: "n1",
        incarnation: 0,
        now: 0,
    };
    assert_eq!(
        m.admit_body(&txn(json!([["r", 1, null], ["r", 2, null]])), &ctx),
        Admission::Read
    );
    assert!(matches!(
        m.admit_body(&txn(json!([["r", 1, null], ["w", 2, 1]])), &ctx),
        Admission::Propose(_)
    ));
    let r = drive(&mut m, &[ClientBody::new("read", json!({"key": 1}))]);
    assert_eq!(code(&r[0]), Some(10));
}

#[test]
fn restore_of_a_snapshot_answers_every_later_request_alike() {
    let mut m = MachineKind::TxnRw.build();
    let history: Vec<ClientBody> = (0..30)
        .map(|i| txn(json!([["w", i % 4, i], ["r", (i + 1) % 4, null]])))
        .collect();
    drive(&mut m, &history);
    let later: Vec<ClientBody> = (0..5)
        .map(|k| txn(json!([["r", k, null], ["w", k, 100 + k], ["r", k, null]])))
        .collect();
    let replies = assert_restore_answers_alike(&m, MachineKind::TxnRw.build(), &later);
    assert!(replies.iter().all(Result::is_ok));
    assert_eq!(
        replies[0],
        txn_ok(json!([["r", 0, 28], ["w", 0, 100], ["r", 0, 100]]))
    );
}
