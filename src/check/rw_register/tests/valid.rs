//! Histories every model accepts.

use super::{Builder, under};
use crate::check::history::Kind;
use crate::check::models::{Model, Models};
use crate::check::rw_register::{check, synthetic_history};
use serde_json::json;

#[test]
fn a_serial_history_with_failures_and_timeouts_is_valid() {
    let mut b = Builder::default();
    b.ok(
        0,
        0,
        10,
        json!([["r", "x", null], ["w", "x", 1], ["r", "x", 1]]),
    )
    .txn(1, 5, 15, Kind::Fail, json!([["w", "x", 9]]))
    .txn(2, 20, 30, Kind::Info, json!([["w", "y", 1]]))
    .ok(
        3,
        40,
        50,
        json!([["r", "x", 1], ["w", "x", 2], ["r", "y", 1]]),
    )
    .ok(
        4,
        60,
        70,
        json!([["r", "x", 2], ["r", "y", 1], ["r", "z", null]]),
    )
    .open(5, 80, json!([["w", "z", 1]]));
    let r = under(&b, &[Model::StrictSerializable]);
    assert!(r.valid, "{r}");
    assert!(r.anomalies.is_empty() && r.not.is_empty(), "{r}");
}

#[test]
fn concurrent_transactions_may_take_effect_in_either_order() {
    let mut b = Builder::default();
    b.ok(0, 0, 100, json!([["w", "x", 1]]))
        .ok(1, 0, 100, json!([["r", "x", null]]))
        .ok(2, 0, 100, json!([["r", "x", 1], ["w", "x", 2]]))
        .ok(3, 200, 210, json!([["r", "x", 2]]));
    assert!(under(&b, &[Model::StrictSerializable]).valid);
}

#[test]
fn synthetic_strict_serializable_histories_are_valid() {
    for seed in 0..20 {
        let h = synthetic_history(2_000, 4, 6, seed);
        let r = check(&h, Models::STRICT);
        assert!(r.valid, "seed {seed}:\n{r}");
        assert!(r.txns_checked == 2_000);
    }
}

#[test]
fn an_info_write_nobody_read_stays_out_of_the_graph() {
    // An info write that may never have happened must not order anything.
    let mut b = Builder::default();
    b.txn(0, 0, 10, Kind::Info, json!([["w", "x", 1]]))
        .ok(1, 20, 30, json!([["r", "x", null]]));
    assert!(under(&b, &[Model::StrictSerializable]).valid);
}
