//! Dependency cycles, with and without real-time edges.

use super::{Builder, only, under};
use crate::check::elle::AnomalyKind;
use crate::check::models::Model;
use serde_json::json;

#[test]
fn write_cycle_inferred_from_writes_following_reads_is_g0() {
    // T0 wrote y after reading T1's y; T1 wrote x after reading T0's x.
    let mut b = Builder::default();
    b.ok(
        0,
        0,
        100,
        json!([["r", "y", 2], ["w", "y", 1], ["w", "x", 1]]),
    )
    .ok(
        1,
        0,
        100,
        json!([["r", "x", 1], ["w", "x", 2], ["w", "y", 2]]),
    );
    let r = under(&b, &[Model::ReadUncommitted]);
    assert!(!r.valid && r.has(AnomalyKind::G0), "{r}");
    let g0 = r
        .anomalies
        .iter()
        .find(|a| a.kind == AnomalyKind::G0)
        .unwrap();
    assert!(
        g0.message.contains("-ww(x)->") && g0.message.contains("-ww(y)->"),
        "{r}"
    );
}

#[test]
fn dirty_writes_seen_by_a_later_reader_are_g0_realtime() {
    // Two blind writers of x and y; a reader after both sees x from T1 but y
    // from T0: each overwrote the other on one key. Maelstrom's checker misses
    // this G0; with real-time order the version orders follow.
    let mut b = Builder::default();
    b.ok(0, 0, 100, json!([["w", "x", 1], ["w", "y", 1]]))
        .ok(1, 0, 100, json!([["w", "x", 2], ["w", "y", 2]]))
        .ok(2, 200, 210, json!([["r", "x", 2], ["r", "y", 1]]));
    let r = only(&b, AnomalyKind::G0Realtime);
    assert!(
        r.anomalies[0].message.contains("known from real time"),
        "{r}"
    );
    assert!(
        under(&b, &[Model::Serializable]).valid,
        "no order without real time"
    );
}

#[test]
fn circular_information_flow_is_g1c() {
    let mut b = Builder::default();
    b.ok(0, 0, 100, json!([["w", "x", 1], ["r", "y", 1]])).ok(
        1,
        0,
        100,
        json!([["w", "y", 1], ["r", "x", 1]]),
    );
    only(&b, AnomalyKind::G1c);
}

#[test]
fn read_skew_is_g_single() {
    // T0 writes x=1 after reading x=null; T1 reads x=null (before T0) but y=1
    // from T2, which read x=1 (after T0) before writing y.
    let mut b = Builder::default();
    b.ok(0, 0, 100, json!([["r", "x", null], ["w", "x", 1]]))
        .ok(2, 0, 100, json!([["r", "x", 1], ["w", "y", 1]]))
        .ok(1, 0, 100, json!([["r", "x", null], ["r", "y", 1]]));
    let r = under(&b, &[Model::Serializable]);
    assert!(!r.valid && r.has(AnomalyKind::GSingle), "{r}");
    let g = r
        .anomalies
        .iter()
        .find(|a| a.kind == AnomalyKind::GSingle)
        .unwrap();
    assert!(
        g.message.contains("-rw(x)->") && g.message.contains("-wr(y)->"),
        "{g:?}"
    );
}

#[test]
fn write_skew_is_g2_which_snapshot_isolation_allows() {
    let mut b = Builder::default();
    b.ok(0, 0, 100, json!([["r", "x", null], ["w", "y", 1]]))
        .ok(1, 0, 100, json!([["r", "y", null], ["w", "x", 1]]));
    let r = only(&b, AnomalyKind::G2);
    assert!(r.not.contains(&Model::Serializable), "{r}");
    assert!(under(&b, &[Model::SnapshotIsolation]).valid);
    assert!(!under(&b, &[Model::Serializable]).valid);
}

#[test]
fn stale_read_after_a_completed_write_is_g_single_realtime() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["w", "x", 1]]))
        .ok(1, 20, 30, json!([["r", "x", null]]));
    let r = only(&b, AnomalyKind::GSingleRealtime);
    assert!(r.anomalies[0].message.contains("-rt->"), "{r}");
    assert!(under(&b, &[Model::Serializable]).valid);
}

#[test]
fn stale_read_of_an_older_version_is_g_single_realtime() {
    // x: 1 then 2, ordered by real time; a later reader still sees 1.
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["w", "x", 1]]))
        .ok(1, 20, 30, json!([["w", "x", 2]]))
        .ok(2, 40, 50, json!([["r", "x", 1]]));
    only(&b, AnomalyKind::GSingleRealtime);
}

#[test]
fn reading_a_write_that_had_not_started_is_g1c_realtime() {
    let mut b = Builder::default();
    b.ok(0, 0, 10, json!([["r", "x", 1]]))
        .ok(1, 20, 30, json!([["w", "x", 1]]));
    only(&b, AnomalyKind::G1cRealtime);
}

#[test]
fn two_anti_dependencies_closed_by_real_time_are_g2_realtime() {
    // T0 misses T1's x, T1 misses T2's y, and T2 completed before T0 began.
    let mut b = Builder::default();
    b.ok(2, 0, 10, json!([["w", "y", 1]]))
        .ok(0, 20, 30, json!([["r", "x", null]]))
        .ok(1, 0, 100, json!([["r", "y", null], ["w", "x", 1]]));
    let r = only(&b, AnomalyKind::G2Realtime);
    let msg = &r.anomalies[0].message;
    assert!(
        msg.contains("-rw(x)->") && msg.contains("-rw(y)->") && msg.contains("-rt->"),
        "{msg}"
    );
    assert!(under(&b, &[Model::Serializable]).valid);
}
