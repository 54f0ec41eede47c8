//! Requests a driver (simulator or harness) sends outside the client load, from
//! the init client `c0`: set-up messages before the clients start, and the final
//! reads after the last heal and a quiet period. One definition for both drivers.
//!
//! - Set-up: broadcast's `topology` (one per node, each with the whole map, as
//!   Maelstrom's client `setup!` sends it).
//! - Final reads: lww-kv reads every written key on every node; broadcast, g-set
//!   and the counters read the whole state on every node. Their answers go to the
//!   checkers as [`FinalRead`](crate::check::lww::FinalRead)s.

use super::generator::WorkloadKind;
use super::topology::Topology;
use crate::check::history::{F, History};
use crate::protocol::Payload;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The messages to send to each node before the clients start: `(node, body)`.
pub fn setup_requests(
    kind: WorkloadKind,
    topology: Topology,
    nodes: &[String],
) -> Vec<(String, Payload)> {
    if kind != WorkloadKind::Broadcast {
        return Vec::new();
    }
    let map = topology.neighbours(nodes);
    nodes
        .iter()
        .map(|n| {
            (
                n.clone(),
                Payload::client("topology", json!({ "topology": map })),
            )
        })
        .collect()
}

/// Whether runs of `kind` end with final reads.
pub fn has_final_reads(kind: WorkloadKind) -> bool {
    matches!(
        kind,
        WorkloadKind::LwwKv
            | WorkloadKind::Broadcast
            | WorkloadKind::GSet
            | WorkloadKind::GCounter
            | WorkloadKind::PnCounter
    )
}

/// The final reads to send to every node: `(key, body)`, the key `null` for
/// workloads without keys. Empty when `kind` has none.
pub fn final_read_requests(kind: WorkloadKind, history: &History) -> Vec<(Value, Payload)> {
    match kind {
        WorkloadKind::LwwKv => written_keys(history)
            .into_iter()
            .map(|key| {
                let read = Payload::client("read", json!({ "key": key }));
                (key, read)
            })
            .collect(),
        _ if has_final_reads(kind) => vec![(Value::Null, Payload::client("read", json!({})))],
        _ => Vec::new(),
    }
}

/// Every key a write or cas was invoked on, in the history's order of first use.
pub fn written_keys(history: &History) -> Vec<Value> {
    let mut seen = BTreeSet::new();
    history
        .ops
        .iter()
        .filter(|o| matches!(o.f, F::Write | F::Cas))
        .filter_map(|o| o.key.clone())
        .filter(|k| seen.insert(k.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::history::{Kind, Op};

    #[test]
    fn broadcast_alone_is_set_up_and_keyless_workloads_read_once_per_node() {
        let nodes: Vec<String> = ["n1", "n2"].map(String::from).to_vec();
        let setup = setup_requests(WorkloadKind::Broadcast, Topology::Line, &nodes);
        assert_eq!(setup.len(), 2);
        let Payload::Client(body) = &setup[1].1 else {
            panic!("{setup:?}")
        };
        assert_eq!(body.ty, "topology");
        assert_eq!(
            body.get("topology"),
            Some(&json!({"n1": ["n2"], "n2": ["n1"]}))
        );
        assert!(setup_requests(WorkloadKind::GSet, Topology::Grid, &nodes).is_empty());
        let empty = History::default();
        assert_eq!(final_read_requests(WorkloadKind::GCounter, &empty).len(), 1);
        assert!(final_read_requests(WorkloadKind::Echo, &empty).is_empty());
        let mut h = History::default();
        for key in [1, 2, 1] {
            h.push(Op::new(
                0,
                Kind::Invoke,
                F::Write,
                Some(json!(key)),
                json!(0),
            ));
        }
        let keys: Vec<Value> = final_read_requests(WorkloadKind::LwwKv, &h)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, [json!(1), json!(2)]);
    }
}
