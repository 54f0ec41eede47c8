//! Non-cycle anomalies and ill-formed input.

use super::Builder;
use crate::check::history::{F, History, Kind, Op};
use crate::check::list_append::{AnomalyKind, ListAppendReport, check};
use serde_json::{Value, json};

fn assert_has(report: &ListAppendReport, kind: AnomalyKind) {
    assert!(!report.valid, "expected {kind}, got valid");
    assert!(report.has(kind), "expected {kind}, got:\n{report}");
}

#[test]
fn incompatible_orders_are_reported() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["append", 1, 1]]))
        .ok(1, 0, 10, json!([["append", 1, 2]]))
        .ok(0, 20, 30, json!([["r", 1, [1, 2]]]))
        .ok(1, 20, 30, json!([["r", 1, [2, 1]]]));
    let report = check(&b.history());
    assert_has(&report, AnomalyKind::IncompatibleOrder);
    assert!(report.anomalies[0].message.contains("[1, 2]"), "{report}");
}

#[test]
fn duplicate_elements_are_reported() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["append", 1, 1]]))
        .ok(0, 20, 30, json!([["r", 1, [1, 1]]]));
    assert_has(&check(&b.history()), AnomalyKind::DuplicateElements);
}

#[test]
fn garbage_reads_are_reported() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["r", 1, [42]]]));
    assert_has(&check(&b.history()), AnomalyKind::GarbageRead);
}

#[test]
fn aborted_read_is_g1a() {
    let mut b = Builder::default();
    b.txn(0, 0, 10, Kind::Fail, json!([["append", 1, 1]]))
        .ok(1, 20, 30, json!([["r", 1, [1]]]));
    let report = check(&b.history());
    assert_has(&report, AnomalyKind::G1a);
    assert_eq!(report.kinds(), vec![AnomalyKind::G1a]);
}

#[test]
fn intermediate_read_is_g1b() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["append", 1, 1], ["append", 1, 2]]))
        .ok(1, 20, 30, json!([["r", 1, [1]]]))
        .ok(1, 40, 50, json!([["r", 1, [1, 2]]]));
    let report = check(&b.history());
    assert_has(&report, AnomalyKind::G1b);
}

#[test]
fn reading_the_final_append_of_a_multi_append_txn_is_not_g1b() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["append", 1, 1], ["append", 1, 2]]))
        .ok(1, 20, 30, json!([["r", 1, [1, 2]]]));
    let report = check(&b.history());
    assert!(report.valid, "{report}");
}

#[test]
fn not_seeing_own_append_is_internal() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["append", 1, 1], ["r", 1, null]]));
    assert_has(&check(&b.history()), AnomalyKind::Internal);
}

#[test]
fn disagreeing_reads_in_one_txn_are_internal() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["append", 1, 1]]))
        .ok(0, 20, 30, json!([["r", 1, [1]], ["r", 1, []]]));
    assert_has(&check(&b.history()), AnomalyKind::Internal);
}

#[test]
fn own_append_after_read_must_be_visible() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["append", 1, 1]])).ok(
        0,
        20,
        30,
        json!([["r", 1, [1]], ["append", 1, 2], ["r", 1, [1, 3]]]),
    );
    assert_has(&check(&b.history()), AnomalyKind::Internal);
}

fn raw(process: u64, kind: Kind, f: F, value: Value) -> Op {
    Op {
        index: 0,
        time: 0,
        process,
        kind,
        f,
        key: None,
        value,
        error: None,
        node: None,
    }
}

fn ill_formed(ops: Vec<Op>) -> ListAppendReport {
    let mut h = History::default();
    for op in ops {
        h.push(op);
    }
    let report = check(&h);
    assert_has(&report, AnomalyKind::IllFormed);
    report
}

#[test]
fn ill_formed_histories_are_invalid_not_panics() {
    // Not a transaction.
    ill_formed(vec![raw(0, Kind::Invoke, F::Read, Value::Null)]);
    // Completion without invocation.
    ill_formed(vec![raw(0, Kind::Ok, F::Txn, json!([]))]);
    // Txn value not a list.
    ill_formed(vec![raw(0, Kind::Invoke, F::Txn, json!({"a": 1}))]);
    // Micro-op of the wrong length / unknown function.
    ill_formed(vec![raw(0, Kind::Invoke, F::Txn, json!([["append", 1]]))]);
    ill_formed(vec![raw(0, Kind::Invoke, F::Txn, json!([["cas", 1, 2]]))]);
    // Read result that is not a list.
    ill_formed(vec![
        raw(0, Kind::Invoke, F::Txn, json!([["r", 1, null]])),
        raw(0, Kind::Ok, F::Txn, json!([["r", 1, 5]])),
    ]);
    // Completion that does not match its invocation.
    ill_formed(vec![
        raw(0, Kind::Invoke, F::Txn, json!([["append", 1, 1]])),
        raw(0, Kind::Ok, F::Txn, json!([["append", 1, 2]])),
    ]);
    // The same element appended twice to one key.
    ill_formed(vec![
        raw(0, Kind::Invoke, F::Txn, json!([["append", 1, 1]])),
        raw(0, Kind::Ok, F::Txn, json!([["append", 1, 1]])),
        raw(1, Kind::Invoke, F::Txn, json!([["append", 1, 1]])),
        raw(1, Kind::Ok, F::Txn, json!([["append", 1, 1]])),
    ]);
}

#[test]
fn report_serializes_with_kebab_names() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["append", 1, 1]]))
        .ok(1, 20, 30, json!([["r", 1, null]]));
    let report = check(&b.history());
    let text = serde_json::to_string(&report).expect("serializes");
    assert!(text.contains("\"G-single-realtime\""), "{text}");
    assert!(format!("{report}").contains("INVALID"));
    let kind: AnomalyKind = serde_json::from_str("\"incompatible-order\"").expect("parses");
    assert_eq!(kind, AnomalyKind::IncompatibleOrder);
}
