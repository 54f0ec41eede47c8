//! Last write wins, in real time: what the final reads converged to must be a
//! write that no later acknowledged write supersedes.
//!
//! lww stamps a write with the wall clock at the node that takes it (see
//! `machines::lww`), and every node of a run shares that clock. So when write `W`
//! is invoked after write `C` completed, `W` is stamped later and `C` cannot be
//! the value a key converges to, unless `W` writes the same value. A key that
//! converged to a superseded value lost the later write: the node that
//! acknowledged it forgot it (killed before handing it to the log, say).
//!
//! Only acknowledged writes supersede; a write that timed out (`info`) may have
//! taken effect at any time, so it is never superseded. "After" means more than
//! [`MARGIN`] later, which absorbs the microseconds by which two processes'
//! clocks may differ.

use super::{FinalRead, FinalValue, Verdict};
use crate::check::history::{History, Kind};
use std::collections::BTreeMap;

/// How much later (µs) a write must be invoked than another completed for it to
/// count as later in real time.
pub const MARGIN: u64 = 10_000;

/// One write to a key that may have taken effect.
struct Write {
    index: usize,
    value: String,
    invoked: u64,
    /// `None` when the outcome is unknown.
    completed: Option<u64>,
}

/// The lww real-time verdict over the converged keys of `final_reads`.
pub fn last_write_wins(history: &History, final_reads: &[FinalRead]) -> Verdict {
    let checker = "lww last write wins".to_string();
    let pairs = match history.pairs() {
        Ok(p) => p,
        Err(e) => {
            return Verdict {
                checker,
                valid: false,
                summary: "ill-formed history".into(),
                anomalies: vec![e],
            };
        }
    };
    let mut writes: BTreeMap<String, Vec<Write>> = BTreeMap::new();
    for pair in &pairs {
        let op = pair.invoke;
        let outcome = pair.outcome();
        let Some(value) = super::written_value(op) else {
            continue;
        };
        let (Some(key), true) = (&op.key, outcome != Kind::Fail) else {
            continue;
        };
        writes.entry(key.to_string()).or_default().push(Write {
            index: op.index,
            value: value.to_string(),
            invoked: op.time,
            completed: pair
                .completion
                .filter(|c| c.kind == Kind::Ok)
                .map(|c| c.time),
        });
    }
    // The value each key converged to (the convergence check reports the rest).
    let mut converged: BTreeMap<String, Option<&str>> = BTreeMap::new();
    for r in final_reads {
        let v = match &r.value {
            FinalValue::Value(v) => Some(v.as_str()),
            _ => None,
        };
        converged
            .entry(r.key.to_string())
            .and_modify(|seen| {
                if *seen != v {
                    *seen = None;
                }
            })
            .or_insert(v);
    }
    let mut anomalies = Vec::new();
    let mut checked = 0;
    for (key, value) in &converged {
        let (Some(value), Some(ws)) = (value, writes.get(key)) else {
            continue;
        };
        checked += 1;
        // The latest acknowledged write of another value, by invocation.
        let superseding = |c: &Write| {
            let done = c.completed?;
            ws.iter()
                .filter(|w| w.completed.is_some() && w.value != *value)
                .filter(|w| w.invoked > done.saturating_add(MARGIN))
                .max_by_key(|w| w.invoked)
        };
        let candidates: Vec<&Write> = ws.iter().filter(|w| w.value == *value).collect();
        if candidates.is_empty() || candidates.iter().any(|c| superseding(c).is_none()) {
            continue;
        }
        let c = candidates
            .iter()
            .max_by_key(|c| c.completed)
            .copied()
            .unwrap_or(candidates[0]);
        if let Some(w) = superseding(c) {
            anomalies.push(format!(
                "key {key} converged to {value} (op {}, done at {:.3} s), but op {} wrote {} from {:.3} s and was acknowledged: that later write was lost",
                c.index,
                c.completed.unwrap_or(0) as f64 / 1e6,
                w.index,
                w.value,
                w.invoked as f64 / 1e6
            ));
        }
    }
    Verdict {
        checker,
        valid: anomalies.is_empty(),
        summary: format!("{checked} converged keys checked against the real-time order of writes"),
        anomalies,
    }
}
