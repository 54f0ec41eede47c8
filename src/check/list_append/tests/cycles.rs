//! Dependency cycles, with and without real-time edges.

use super::Builder;
use crate::check::list_append::{AnomalyKind, ListAppendReport, check};
use serde_json::json;

/// Asserts the report is invalid with exactly one anomaly, of `kind`.
fn only(b: &Builder, kind: AnomalyKind) -> ListAppendReport {
    let report = check(&b.history());
    assert!(!report.valid, "expected {kind}, got valid");
    assert_eq!(report.kinds(), vec![kind], "{report}");
    report
}

#[test]
fn write_cycle_is_g0() {
    let mut b = Builder::default();
    b.ok(0, 0, 100, json!([["append", 1, 1], ["append", 2, 1]]))
        .ok(1, 0, 100, json!([["append", 1, 2], ["append", 2, 2]]))
        .ok(2, 200, 210, json!([["r", 1, [1, 2]], ["r", 2, [2, 1]]]));
    let report = only(&b, AnomalyKind::G0);
    let msg = &report.anomalies[0].message;
    assert!(
        msg.starts_with("G0 cycle: T0 -ww(k1)-> T1 -ww(k2)-> T0.")
            || msg.starts_with("G0 cycle: T1 -ww(k2)-> T0 -ww(k1)-> T1."),
        "{msg}"
    );
    assert_eq!(report.anomalies[0].ops.len(), 4);
}

#[test]
fn circular_information_flow_is_g1c() {
    let mut b = Builder::default();
    b.ok(0, 0, 100, json!([["append", 1, 1], ["r", 2, [1]]]))
        .ok(1, 0, 100, json!([["append", 2, 1], ["r", 1, [1]]]));
    only(&b, AnomalyKind::G1c);
}

#[test]
fn read_skew_is_g_single() {
    let mut b = Builder::default();
    b.ok(0, 0, 100, json!([["append", 1, 1], ["append", 2, 1]]))
        .ok(1, 0, 100, json!([["r", 1, null], ["r", 2, [1]]]))
        .ok(2, 200, 210, json!([["r", 1, [1]]]));
    let report = only(&b, AnomalyKind::GSingle);
    let msg = &report.anomalies[0].message;
    assert!(
        msg.contains("-rw(k1)->") && msg.contains("-wr(k2)->"),
        "{msg}"
    );
    assert!(
        msg.contains("T1 read k1 empty, but T0 appended 1 after that"),
        "{msg}"
    );
}

#[test]
fn write_skew_is_g2() {
    let mut b = Builder::default();
    b.ok(0, 0, 100, json!([["r", 1, null], ["append", 2, 1]]))
        .ok(1, 0, 100, json!([["r", 2, null], ["append", 1, 1]]))
        .ok(2, 200, 210, json!([["r", 1, [1]], ["r", 2, [1]]]));
    only(&b, AnomalyKind::G2);
}

#[test]
fn stale_read_is_g_single_realtime() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["append", 1, 1]]))
        .ok(1, 20, 30, json!([["r", 1, null]]));
    let report = only(&b, AnomalyKind::GSingleRealtime);
    let msg = &report.anomalies[0].message;
    assert!(
        msg.contains("-rt->") && msg.contains("completed (t=10)"),
        "{msg}"
    );
}

#[test]
fn stale_read_of_a_prefix_is_g_single_realtime() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["append", 1, 1]]))
        .ok(0, 20, 30, json!([["append", 1, 2]]))
        .ok(1, 40, 50, json!([["r", 1, [1]]]))
        .ok(1, 60, 70, json!([["r", 1, [1, 2]]]));
    only(&b, AnomalyKind::GSingleRealtime);
}

#[test]
fn appends_out_of_real_time_order_are_g0_realtime() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["append", 1, 1]]))
        .ok(0, 20, 30, json!([["append", 1, 2]]))
        .ok(0, 40, 50, json!([["r", 1, [2, 1]]]));
    only(&b, AnomalyKind::G0Realtime);
}

#[test]
fn reading_the_future_is_g1c_realtime() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["r", 1, [1]]]))
        .ok(1, 20, 30, json!([["append", 1, 1]]));
    only(&b, AnomalyKind::G1cRealtime);
}

#[test]
fn two_anti_dependencies_and_real_time_is_g2_realtime() {
    let mut b = Builder::default();
    b.ok(3, 0, 10, json!([["append", 2, 1]]))
        .ok(1, 20, 40, json!([["r", 1, null]]))
        .ok(2, 5, 50, json!([["r", 2, null], ["append", 1, 1]]))
        .ok(4, 60, 70, json!([["r", 1, [1]], ["r", 2, [1]]]));
    only(&b, AnomalyKind::G2Realtime);
}

#[test]
fn unobserved_append_still_orders_after_final_read() {
    // T1's append of 2 is never read, yet T2 (invoked after T1 completed) read
    // the list without it: T2 -rw-> T1 -rt-> T2.
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["append", 1, 1]]))
        .ok(0, 20, 30, json!([["append", 1, 2]]))
        .ok(1, 40, 50, json!([["r", 1, [1]]]));
    only(&b, AnomalyKind::GSingleRealtime);
}

#[test]
fn info_txn_seen_takes_part_in_cycles() {
    // The info T0 was observed (by T2), so it happened; T1 read the key as empty
    // after T0's append was visible to T2, which completed before T1 began.
    let mut b = Builder::default();
    b.txn(
        0,
        0,
        10,
        crate::check::history::Kind::Info,
        json!([["append", 1, 1]]),
    )
    .ok(2, 20, 30, json!([["r", 1, [1]]]))
    .ok(1, 40, 50, json!([["r", 1, null]]));
    let report = check(&b.history());
    assert!(report.has(AnomalyKind::GSingleRealtime), "{report}");
}

#[test]
fn many_cycles_of_one_kind_are_capped() {
    let mut b = Builder::default();
    for i in 0..40u64 {
        let t = i * 100;
        b.ok(0, t, t + 10, json!([["append", i, 1]])).ok(
            1,
            t + 20,
            t + 30,
            json!([["r", i, null]]),
        );
    }
    let report = only(&b, AnomalyKind::GSingleRealtime);
    assert_eq!(report.anomalies.len(), 33, "{report}");
    let last = &report.anomalies[32];
    assert!(
        last.message.contains("and 8 more G-single-realtime cycles"),
        "{}",
        last.message
    );
}

#[test]
fn several_classes_are_reported() {
    // A G0 write cycle between T0 and T1, and a stale read by T3 of T2's append,
    // which needs real time.
    let mut b = Builder::default();
    b.ok(0, 0, 100, json!([["append", 1, 1], ["append", 2, 1]]))
        .ok(
            1,
            0,
            100,
            json!([["append", 1, 2], ["append", 2, 2], ["r", 3, null]]),
        )
        .ok(2, 110, 120, json!([["append", 3, 1]]))
        .ok(
            3,
            200,
            210,
            json!([["r", 1, [1, 2]], ["r", 2, [2, 1]], ["r", 3, null]]),
        );
    let report = check(&b.history());
    assert!(report.has(AnomalyKind::G0), "{report}");
    assert!(report.has(AnomalyKind::GSingleRealtime), "{report}");
}
