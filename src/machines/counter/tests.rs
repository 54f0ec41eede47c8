//! Adds through the log, reads by ReadIndex, the g-counter's sign rule, overflow,
//! and snapshots.

use super::*;
use crate::machines::testing::{assert_restore_answers_alike, drive};
use crate::machines::{Admission, Machine, MachineKind, Reply};
use crate::protocol::ClientBody;
use serde_json::json;

fn add(delta: i64) -> ClientBody {
    ClientBody::new("add", json!({ "delta": delta }))
}

fn read() -> ClientBody {
    ClientBody::new("read", json!({}))
}

fn code(r: &Reply) -> Option<u64> {
    r.as_ref().err().map(|e| e.code.code())
}

#[test]
fn adds_go_through_the_log_and_reads_are_read_index_reads() {
    let mut m = PnCounterMachine::default();
    let ctx = Context {
        node: "n1",
        now: 0,
        incarnation: 0,
    };
    assert!(matches!(
        m.admit_body(&add(-3), &ctx),
        Admission::Propose(_)
    ));
    assert_eq!(m.admit_body(&read(), &ctx), Admission::Read);
    let replies = drive(&mut m, &[add(5), add(-3), read()]);
    assert_eq!(
        replies[2],
        Ok(ClientBody::new("read_ok", json!({"value": 2})))
    );
}

#[test]
fn a_g_counter_refuses_negative_deltas_and_a_pn_counter_takes_them() {
    let mut g = MachineKind::GCounter.build();
    let replies = drive(&mut g, &[add(4), add(-1), add(0), read()]);
    assert_eq!(code(&replies[1]), Some(12));
    assert_eq!(
        replies[3],
        Ok(ClientBody::new("read_ok", json!({"value": 4})))
    );
    let mut pn = MachineKind::PnCounter.build();
    let replies = drive(&mut pn, &[add(4), add(-5), read()]);
    assert_eq!(
        replies[2],
        Ok(ClientBody::new("read_ok", json!({"value": -1})))
    );
}

#[test]
fn bad_deltas_are_malformed_and_overflow_changes_nothing() {
    let mut m = MachineKind::PnCounter.build();
    let bad = [
        ClientBody::new("add", json!({"delta": 1.5})),
        ClientBody::new("add", json!({"delta": "1"})),
        ClientBody::new("add", json!({"delta": u64::MAX})),
        ClientBody::new("add", json!({})),
    ];
    for r in drive(&mut m, &bad) {
        assert_eq!(code(&r), Some(12), "{r:?}");
    }
    let replies = drive(&mut m, &[add(i64::MAX), add(1), read()]);
    assert_eq!(code(&replies[1]), Some(22));
    assert_eq!(
        replies[2],
        Ok(ClientBody::new("read_ok", json!({ "value": i64::MAX })))
    );
}

#[test]
fn restore_of_a_snapshot_answers_every_later_request_alike() {
    for kind in [MachineKind::GCounter, MachineKind::PnCounter] {
        let mut m = kind.build();
        let history: Vec<ClientBody> = (0..20).map(|i| add(i % 5)).collect();
        drive(&mut m, &history);
        let later = [read(), add(3), read()];
        let replies = assert_restore_answers_alike(&m, kind.build(), &later);
        assert_eq!(
            replies[0],
            Ok(ClientBody::new("read_ok", json!({"value": 40})))
        );
    }
}
