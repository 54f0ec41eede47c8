//! The end of a run with final reads (lww-kv, broadcast, g-set, counters): after
//! the final heal, a quiet period with no client load, then the workload's final
//! reads (`workload::probes`) on every node, straight through the cluster. The
//! convergence checkers compare the answers.

use super::cluster::Cluster;
use super::config::SimConfig;
use crate::check::lww::{FinalRead, FinalValue};
use crate::machines::Machine;
use crate::protocol::{ErrorCode, Payload};
use serde_json::Value;
use std::collections::BTreeMap;

pub use crate::workload::probes::written_keys;

/// The client id the final reads come from.
pub const FINAL_CLIENT: &str = "c0";

/// How long the cluster runs without load before the final reads: a few election
/// timeouts (a leader to hand buffered writes to), two retry intervals (writes
/// forwarded into a partition are re-sent), and time for a few dozen message hops.
pub fn quiet_period(config: &SimConfig) -> u64 {
    3 * 2 * config.node.raft.election_timeout
        + 2 * config.node.retry_interval
        + 40 * config.latency.mean()
}

/// How long the final reads may take: they are the test's own probe, not client
/// load, so they wait out even the long tail of an exponential latency.
pub fn read_timeout(config: &SimConfig) -> u64 {
    10 * config.client_timeout()
}

/// Waits `quiet` µs, then sends every `(key, request)` of `requests` to every
/// node, waiting up to `timeout` µs for the answers.
pub fn final_reads<M: Machine>(
    cluster: &mut Cluster<M>,
    requests: &[(Value, Payload)],
    quiet: u64,
    timeout: u64,
) -> Vec<FinalRead> {
    cluster.run_for(quiet);
    // Late replies to the test's clients are of no interest now.
    cluster.take_client_messages();
    let nodes: Vec<String> = cluster.nodes().keys().cloned().collect();
    let mut asked: BTreeMap<u64, (String, Value)> = BTreeMap::new();
    for node in &nodes {
        for (key, request) in requests {
            let msg_id = cluster.client_send(FINAL_CLIENT, node, request.clone());
            asked.insert(msg_id, (node.clone(), key.clone()));
        }
    }
    let mut answers: BTreeMap<u64, FinalValue> = BTreeMap::new();
    let deadline = cluster.now() + timeout;
    while answers.len() < asked.len() {
        let Some(t) = cluster.next_event_time().filter(|t| *t <= deadline) else {
            break;
        };
        cluster.run_until(t);
        for (_, msg) in cluster.take_client_messages() {
            if msg.dest != FINAL_CLIENT {
                continue;
            }
            if let Some(id) = msg.body.in_reply_to.filter(|id| asked.contains_key(id)) {
                answers.insert(id, final_value(&msg.body.payload));
            }
        }
    }
    asked
        .into_iter()
        .map(|(id, (node, key))| FinalRead {
            node,
            key,
            value: answers
                .remove(&id)
                .unwrap_or_else(|| FinalValue::NoAnswer("no reply in time".into())),
        })
        .collect()
}

/// What a reply to a final read says.
pub fn final_value(reply: &Payload) -> FinalValue {
    match reply {
        // broadcast's read_ok carries `messages`, every other `value`.
        Payload::Client(body) if body.ty == "read_ok" => {
            match body.get("value").or_else(|| body.get("messages")) {
                Some(value) => FinalValue::of(value),
                None => FinalValue::NoAnswer("read_ok without a value".into()),
            }
        }
        Payload::Error {
            code: ErrorCode::KeyDoesNotExist,
            ..
        } => FinalValue::Missing,
        other => FinalValue::NoAnswer(format!("{other:?}")),
    }
}
