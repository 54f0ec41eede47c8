//! Histories that must check valid.

use super::Builder;
use crate::check::history::{History, Kind};
use crate::check::list_append::check;
use serde_json::json;

fn assert_valid(h: &History) {
    let report = check(h);
    assert!(report.valid, "expected valid, got:\n{report}");
}

#[test]
fn empty_history_is_valid() {
    let report = check(&History::default());
    assert!(report.valid);
    assert_eq!(report.txns_checked, 0);
}

#[test]
fn sequential_appends_and_reads_are_valid() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["append", 1, 1]]))
        .ok(
            0,
            20,
            30,
            json!([["r", 1, [1]], ["append", 1, 2], ["r", 1, [1, 2]]]),
        )
        .ok(1, 40, 50, json!([["r", 1, [1, 2]], ["r", 2, null]]));
    let report = check(&b.history());
    assert!(report.valid, "{report}");
    assert_eq!(report.txns_checked, 3);
}

#[test]
fn concurrent_txns_may_serialize_either_way() {
    let mut b = Builder::default();
    // T1 overlaps T0 and did not see its append: fine, T1 serializes first.
    b.ok(0, 0, 100, json!([["append", 1, 1], ["append", 2, 1]]))
        .ok(1, 10, 90, json!([["r", 1, null], ["append", 2, 2]]))
        .ok(2, 200, 210, json!([["r", 1, [1]], ["r", 2, [2, 1]]]));
    assert_valid(&b.history());
}

#[test]
fn info_txn_whose_append_is_seen_is_valid() {
    let mut b = Builder::default();
    b.txn(
        0,
        0,
        10,
        Kind::Info,
        json!([["append", 1, 1], ["append", 2, 7]]),
    )
    .ok(1, 20, 30, json!([["r", 1, [1]], ["append", 1, 2]]))
    .ok(2, 40, 50, json!([["r", 1, [1, 2]], ["r", 2, [7]]]));
    assert_valid(&b.history());
}

#[test]
fn info_txn_whose_append_is_never_seen_is_valid() {
    let mut b = Builder::default();
    b.txn(0, 0, 10, Kind::Info, json!([["append", 1, 1]]))
        .open(3, 5, json!([["append", 1, 9]]))
        .ok(1, 20, 30, json!([["r", 1, null], ["append", 1, 2]]))
        .ok(2, 40, 50, json!([["r", 1, [2]]]));
    assert_valid(&b.history());
}

#[test]
fn info_append_applied_late_is_valid() {
    // The info txn's append took effect after a later txn's: allowed, since an
    // indeterminate txn has no completion time.
    let mut b = Builder::default();
    b.txn(0, 0, 10, Kind::Info, json!([["append", 1, 1]]))
        .ok(1, 20, 30, json!([["append", 1, 2]]))
        .ok(2, 40, 50, json!([["r", 1, [2, 1]]]));
    assert_valid(&b.history());
}

#[test]
fn read_of_never_appended_key_is_null() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["r", 5, null]]))
        .ok(0, 20, 30, json!([["append", 6, 1]]))
        .ok(0, 40, 50, json!([["r", 5, null], ["r", 6, [1]]]));
    assert_valid(&b.history());
}

#[test]
fn read_only_txns_are_valid() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["append", 1, 1], ["append", 2, 1]]));
    for p in 1..5u64 {
        b.ok(
            p,
            20 + p,
            40 + p,
            json!([["r", 1, [1]], ["r", 2, [1]], ["r", 3, null]]),
        );
    }
    assert_valid(&b.history());
}

#[test]
fn failed_txn_that_is_never_read_is_valid() {
    let mut b = Builder::default();
    b.txn(0, 0, 10, Kind::Fail, json!([["append", 1, 1]]))
        .ok(1, 20, 30, json!([["append", 1, 2]]))
        .ok(1, 40, 50, json!([["r", 1, [2]]]));
    assert_valid(&b.history());
}

#[test]
fn string_keys_and_values_are_fine() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["append", "x", "a"]]))
        .ok(0, 20, 30, json!([["r", "x", ["a"]], ["append", "x", "b"]]))
        .ok(0, 40, 50, json!([["r", "x", ["a", "b"]]]));
    assert_valid(&b.history());
}
