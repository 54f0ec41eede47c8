//! Anomalies found without cycles: internal, G1a, G1b, lost-update, garbage and
//! ill-formed histories.

use super::{Builder, only, under};
use crate::check::elle::AnomalyKind;
use crate::check::models::Model;
use serde_json::json;

#[test]
fn a_read_that_misses_its_own_write_is_internal() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["w", "x", 1], ["r", "x", 2]]))
        .ok(1, 0, 10, json!([["w", "x", 2]]));
    let r = only(&b, AnomalyKind::Internal);
    assert!(
        r.anomalies[0]
            .message
            .contains("but its own write makes it 1"),
        "{r}"
    );
}

#[test]
fn two_reads_of_one_key_that_disagree_are_internal() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["w", "x", 1]]))
        .ok(1, 20, 30, json!([["r", "x", 1], ["r", "x", null]]));
    let r = only(&b, AnomalyKind::Internal);
    assert!(r.anomalies[0].message.contains("its earlier read"), "{r}");
}

#[test]
fn reading_a_failed_write_is_g1a() {
    let mut b = Builder::default();
    b.txn(
        0,
        0,
        10,
        crate::check::history::Kind::Fail,
        json!([["w", "x", 1]]),
    )
    .ok(1, 20, 30, json!([["r", "x", 1]]));
    let r = only(&b, AnomalyKind::G1a);
    assert!(r.anomalies[0].message.contains("failed T0"), "{r}");
    assert_eq!(r.anomalies[0].ops.len(), 4, "reader and writer records");
}

#[test]
fn reading_an_overwritten_version_of_a_transaction_is_g1b() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["w", "x", 1], ["w", "x", 2]]))
        .ok(1, 20, 30, json!([["r", "x", 1]]));
    // The read of 1 is also stale in real time (T0 completed having written 2):
    // only G1b is forbidden by read-committed; the strict check sees both.
    let rc = under(&b, &[Model::ReadCommitted]);
    assert!(!rc.valid && rc.has(AnomalyKind::G1b), "{rc}");
    let r = under(&b, &[Model::StrictSerializable]);
    assert!(r.has(AnomalyKind::G1b), "{r}");
    assert!(
        r.anomalies.iter().any(|a| a
            .message
            .contains("an intermediate write of T0, which went on to write 2")),
        "{r}"
    );
}

#[test]
fn two_transactions_that_read_one_version_and_both_write_it_are_a_lost_update() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["w", "x", 1]]))
        .ok(1, 20, 40, json!([["r", "x", 1], ["w", "x", 2]]))
        .ok(2, 20, 40, json!([["r", "x", 1], ["w", "x", 3]]));
    // Also a G-single cycle (each overwrote the version the other read).
    let r = under(&b, &[Model::SnapshotIsolation]);
    assert!(!r.valid && r.has(AnomalyKind::LostUpdate), "{r}");
    let lost = r
        .anomalies
        .iter()
        .find(|a| a.kind == AnomalyKind::LostUpdate)
        .unwrap();
    assert!(lost.message.starts_with("T1, T2 each read x = 1"), "{r}");
    assert!(
        under(&b, &[Model::ReadCommitted]).valid,
        "read committed allows lost updates"
    );
}

#[test]
fn reading_a_value_nobody_wrote_is_garbage() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["r", "x", 99]]));
    only(&b, AnomalyKind::GarbageRead);
}

#[test]
fn malformed_records_are_ill_formed_not_a_panic() {
    for value in [
        json!([["append", "x", 1]]),
        json!([["w", "x", null]]),
        json!("nope"),
        json!([["r", "x"]]),
    ] {
        let mut b = Builder::default();
        b.ok(0, 0, 10, value.clone());
        only(&b, AnomalyKind::IllFormed);
    }
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["w", "x", 1]]))
        .ok(1, 0, 10, json!([["w", "x", 1]]));
    only(&b, AnomalyKind::IllFormed);
}
