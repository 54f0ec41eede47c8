//! A checker for kafka histories with the anomalies of Jepsen's kafka workload
//! (`jepsen.tests.kafka`), each reported with a witness: the key, the offsets and
//! the operations involved.
//!
//! From every acknowledged send and every poll it builds each key's version
//! order (offset -> messages; `order.rs`) and then looks for:
//!
//! - `inconsistent-offsets` (two messages at one offset) and `duplicate` (one
//!   message at two offsets);
//! - `lost-write` (an acknowledged send no poll saw, although polls saw later
//!   offsets of its key) and `unseen` (an acknowledged send no poll saw by the
//!   end; the clients' final polls read every key from the start);
//! - per process: `poll-skip`, `nonmonotonic-poll`, `nonmonotonic-send`; within
//!   one operation: `int-poll-skip`, `int-nonmonotonic-poll`,
//!   `int-nonmonotonic-send`, `precommitted-read`;
//! - `G1a` (a poll saw a message whose send failed) and `G1c-realtime` (a poll
//!   saw a message sent only after it completed: Jepsen finds this as a wr + rt
//!   cycle; with single-message sends and polls no other cycle can form);
//! - ours: `garbage-read` (a message nobody sent), and with real-time models
//!   `stale-poll` and `stale-committed-offsets` (`realtime.rs`).
//!
//! Every kind makes the history invalid (Jepsen's allowed kinds, `int-send-skip`
//! and `G0`, are not reported). Work is linear in the history's size, plus
//! sorting.

mod index;
mod lost;
mod order;
mod parse;
mod process;
mod reads;
mod realtime;
mod report;
mod within;

#[cfg(test)]
mod tests;

pub mod generator;

pub use generator::{benchmark, synthetic_history};
pub use report::{KafkaAnomaly, KafkaAnomalyKind, KafkaReport};

use crate::check::fx::FxMap;
use crate::check::history::{History, Kind};

/// At most this many anomalies of one kind are described; the rest are counted.
const MAX_PER_KIND: usize = 32;

/// Checks a kafka history; `realtime` adds the real-time checks (stale polls
/// and listings). Never panics on its input: records it cannot read are
/// `ill-formed` anomalies, and the rest is still checked.
pub fn check(history: &History, realtime: bool) -> KafkaReport {
    let ops_checked = history
        .ops
        .iter()
        .filter(|o| o.kind == Kind::Invoke)
        .count();
    let p = match parse::parse(history) {
        Ok(p) => p,
        Err(e) => {
            let a = KafkaAnomaly {
                kind: KafkaAnomalyKind::IllFormed,
                key: None,
                offsets: Vec::new(),
                message: format!("history: {e}"),
                ops: Vec::new(),
            };
            return KafkaReport::new(ops_checked, realtime, vec![a]);
        }
    };
    let mut anomalies: Vec<KafkaAnomaly> = p
        .ill_formed
        .iter()
        .map(|(message, ops)| KafkaAnomaly {
            kind: KafkaAnomalyKind::IllFormed,
            key: None,
            offsets: Vec::new(),
            message: message.clone(),
            ops: ops.clone(),
        })
        .collect();
    let (orders, found) = order::orders(&p);
    anomalies.extend(found);
    let ix = index::Index::new(&p);
    anomalies.extend(lost::lost_writes(&p, &orders, &ix));
    anomalies.extend(lost::unseen(&p, &ix));
    anomalies.extend(process::process_anomalies(&p, &orders));
    anomalies.extend(within::within_ops(&p, &orders));
    anomalies.extend(reads::origin_anomalies(&p, &ix));
    if realtime {
        anomalies.extend(realtime::realtime_anomalies(&p));
    }
    KafkaReport::new(ops_checked, realtime, capped(anomalies))
}

/// Keeps the first [`MAX_PER_KIND`] anomalies of each kind and counts the rest.
fn capped(anomalies: Vec<KafkaAnomaly>) -> Vec<KafkaAnomaly> {
    let mut counts: FxMap<KafkaAnomalyKind, usize> = FxMap::default();
    let mut out = Vec::new();
    for a in anomalies {
        let n = counts.entry(a.kind).or_default();
        *n += 1;
        if *n <= MAX_PER_KIND {
            out.push(a);
        }
    }
    let mut extra: Vec<(KafkaAnomalyKind, usize)> = counts
        .into_iter()
        .filter(|&(_, n)| n > MAX_PER_KIND)
        .collect();
    extra.sort();
    for (kind, n) in extra {
        out.push(KafkaAnomaly {
            kind,
            key: None,
            offsets: Vec::new(),
            message: format!(
                "... and {} more {kind} anomalies not shown",
                n - MAX_PER_KIND
            ),
            ops: Vec::new(),
        });
    }
    out
}
