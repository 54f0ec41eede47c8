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
/// node, waiting up to `timeout` µs for the answers. A request without an answer
/// (its reply or a forward was lost) or answered with an error is sent again every
/// `retry` µs: the reads are the test's own probe and change nothing.
pub fn final_reads<M: Machine>(
    cluster: &mut Cluster<M>,
    requests: &[(Value, Payload)],
    quiet: u64,
    timeout: u64,
    retry: u64,
) -> Vec<FinalRead> {
    cluster.run_for(quiet);
    // Late replies to the test's clients are of no interest now.
    cluster.take_client_messages();
    let nodes: Vec<String> = cluster.nodes().keys().cloned().collect();
    // (node, request) slot -> its answer, or the last error.
    let slots: Vec<(usize, usize)> = (0..nodes.len())
        .flat_map(|n| (0..requests.len()).map(move |r| (n, r)))
        .collect();
    let mut answers: BTreeMap<(usize, usize), FinalValue> = BTreeMap::new();
    let mut errors: BTreeMap<(usize, usize), FinalValue> = BTreeMap::new();
    let mut asked: BTreeMap<u64, (usize, usize)> = BTreeMap::new();
    let deadline = cluster.now() + timeout;
    let mut next_send = cluster.now();
    while answers.len() < slots.len() {
        if cluster.now() >= next_send {
            for &(n, r) in slots.iter().filter(|s| !answers.contains_key(s)) {
                let msg_id = cluster.client_send(FINAL_CLIENT, &nodes[n], requests[r].1.clone());
                asked.insert(msg_id, (n, r));
            }
            next_send = cluster.now() + retry.max(1);
        }
        let next = cluster
            .next_event_time()
            .map_or(next_send, |t| t.min(next_send));
        if next > deadline {
            break;
        }
        cluster.run_until(next);
        for (_, msg) in cluster.take_client_messages() {
            let Some(&slot) = msg.body.in_reply_to.and_then(|id| asked.get(&id)) else {
                continue;
            };
            if msg.dest != FINAL_CLIENT || answers.contains_key(&slot) {
                continue;
            }
            match final_value(&msg.body.payload) {
                FinalValue::NoAnswer(e) => {
                    errors.insert(slot, FinalValue::NoAnswer(e));
                }
                answer => {
                    answers.insert(slot, answer);
                }
            }
        }
    }
    slots
        .into_iter()
        .map(|slot| FinalRead {
            node: nodes[slot.0].clone(),
            key: requests[slot.1].0.clone(),
            value: answers
                .remove(&slot)
                .or_else(|| errors.remove(&slot))
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
