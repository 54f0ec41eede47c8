//! Local answers, replication, convergence and snapshots.

use super::*;
use crate::machines::testing::{assert_restore_answers_alike, drive};
use crate::machines::{Admission, Machine, MachineKind, Reply};
use crate::protocol::ClientBody;
use serde_json::json;

fn req(ty: &str, fields: Value) -> ClientBody {
    ClientBody::new(ty, fields)
}

/// Admits `request`: the reply and the replicated add, decoded.
fn answer(m: &mut GSetMachine, request: ClientBody) -> (Reply, Option<GSetAdd>) {
    let ctx = Context {
        node: "n2",
        now: 0,
        incarnation: 0,
    };
    match m.admit_body(&request, &ctx) {
        Admission::Local { reply, replicate } => {
            (reply, replicate.map(|d| d.decode::<GSetAdd>().unwrap()))
        }
        other => panic!("g-set answers locally, got {other:?}"),
    }
}

fn read(m: &mut GSetMachine) -> Reply {
    answer(m, req("read", json!({}))).0
}

fn value(values: Value) -> Reply {
    Ok(ClientBody::new("read_ok", json!({ "value": values })))
}

#[test]
fn adds_are_local_replicated_and_merged_from_the_log() {
    let mut m = GSetMachine::default();
    let (reply, add) = answer(&mut m, req("add", json!({"element": "a"})));
    assert_eq!(reply, Ok(ClientBody::new("add_ok", json!({}))));
    assert_eq!(
        add,
        Some(GSetAdd {
            element: json!("a")
        })
    );
    assert_eq!(
        read(&mut m),
        value(json!(["a"])),
        "read your own add at once"
    );
    let (_, again) = answer(&mut m, req("add", json!({"element": "a"})));
    assert_eq!(again, None);
    m.apply(
        1,
        GSetAdd {
            element: json!("b"),
        },
    )
    .unwrap();
    m.apply(
        2,
        GSetAdd {
            element: json!("a"),
        },
    )
    .unwrap();
    assert_eq!(read(&mut m), value(json!(["a", "b"])));
    assert_eq!(m.elements().pending_len(), 0);
    let code = |r: Reply| r.err().map(|e| e.code.code());
    assert_eq!(code(answer(&mut m, req("add", json!({}))).0), Some(12));
    assert_eq!(
        code(answer(&mut m, req("broadcast", json!({"message": 1}))).0),
        Some(10)
    );
}

#[test]
fn restore_of_a_snapshot_answers_every_later_request_alike() {
    let mut m = MachineKind::GSet.build();
    let history: Vec<ClientBody> = (0..20)
        .map(|i| match i % 4 {
            3 => req("read", json!({})),
            _ => req("add", json!({ "element": i % 9 })),
        })
        .collect();
    drive(&mut m, &history);
    let later = [
        req("add", json!({"element": 100})),
        req("read", json!({})),
        req("add", json!({"element": 1})),
    ];
    let replies = assert_restore_answers_alike(&m, MachineKind::GSet.build(), &later);
    assert!(replies.iter().all(Result::is_ok));
}
