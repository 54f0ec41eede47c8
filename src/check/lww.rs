//! Checks for lww-kv, the available, eventually consistent workload.
//!
//! What lww-kv promises, and what is checked:
//! - **Reads return written values**: every ok read returns a value some client
//!   wrote to that key (a write, or a cas's `to`, that did not definitely fail), or
//!   nothing (error 20, recorded as an ok read of `null`).
//! - **Convergence**: after the final heal and a quiet period, the driver reads every
//!   written key on every node ([`FinalRead`]); all nodes must return the same result,
//!   that result must be a value written to the key, and a key with an acknowledged
//!   write must not be missing (an acknowledged write may be overwritten by another
//!   write, but not vanish).
//! - **Last write wins**, in real time (`lww/last_write.rs`): a key
//!   must not converge to a write that an acknowledged write of another value,
//!   invoked after it completed, supersedes.
//! - **Availability** is reported by [`super::availability`]; with `--availability
//!   total` every request must have been answered.

pub use super::final_read::{FinalRead, FinalValue};

mod last_write;
pub use last_write::MARGIN;

use super::Verdict;
use super::history::{F, History, Kind, Op};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Per key (canonical JSON text): the values that may have been written, and
/// whether any write was acknowledged.
#[derive(Default)]
struct Writes {
    values: BTreeSet<String>,
    acknowledged: bool,
}

/// The value a write or cas (its `to`) puts at its key; `None` for a read.
fn written_value(op: &Op) -> Option<Value> {
    match op.f {
        F::Write => Some(op.value.clone()),
        F::Cas => Some(op.value.get(1).cloned().unwrap_or(Value::Null)),
        _ => None,
    }
}

fn writes_of(history: &History) -> Result<BTreeMap<String, Writes>, String> {
    let mut out: BTreeMap<String, Writes> = BTreeMap::new();
    for pair in history.pairs()? {
        let op = pair.invoke;
        let outcome = pair.outcome();
        if outcome == Kind::Fail {
            continue;
        }
        let Some(written) = written_value(op) else {
            continue;
        };
        let Some(key) = &op.key else { continue };
        let w = out.entry(key.to_string()).or_default();
        w.values.insert(written.to_string());
        w.acknowledged |= outcome == Kind::Ok;
    }
    Ok(out)
}

/// The lww-kv checkers: reads return written values, convergence of the final
/// reads, and last write wins in real time. `final_reads` empty with writes in
/// the history is a convergence failure: the driver did not look.
pub fn check(history: &History, final_reads: &[FinalRead]) -> Vec<Verdict> {
    let writes = match writes_of(history) {
        Ok(w) => w,
        Err(e) => {
            return vec![Verdict {
                checker: "lww reads".into(),
                valid: false,
                summary: "ill-formed history".into(),
                anomalies: vec![e],
            }];
        }
    };
    vec![
        reads(history, &writes),
        convergence(&writes, final_reads),
        last_write::last_write_wins(history, final_reads),
    ]
}

fn reads(history: &History, writes: &BTreeMap<String, Writes>) -> Verdict {
    let mut checked = 0;
    let mut anomalies = Vec::new();
    for op in &history.ops {
        if op.kind != Kind::Ok || op.f != F::Read || op.value.is_null() {
            continue;
        }
        checked += 1;
        let key = op.key.as_ref().map_or("null".into(), Value::to_string);
        let ok = writes
            .get(&key)
            .is_some_and(|w| w.values.contains(&op.value.to_string()));
        if !ok {
            anomalies.push(format!(
                "op {} (process {}, node {}): read {} from key {key}, which no client wrote",
                op.index,
                op.process,
                op.node.as_deref().unwrap_or("?"),
                op.value
            ));
        }
    }
    Verdict {
        checker: "lww reads return written values".into(),
        valid: anomalies.is_empty(),
        summary: format!("{checked} non-empty reads checked"),
        anomalies,
    }
}

fn convergence(writes: &BTreeMap<String, Writes>, final_reads: &[FinalRead]) -> Verdict {
    let mut by_key: BTreeMap<String, Vec<&FinalRead>> = BTreeMap::new();
    for r in final_reads {
        by_key.entry(r.key.to_string()).or_default().push(r);
    }
    let mut anomalies = Vec::new();
    for key in writes.keys().filter(|k| !by_key.contains_key(*k)) {
        anomalies.push(format!("key {key} was written but never read at the end"));
    }
    for (key, reads) in &by_key {
        let results: BTreeSet<&FinalValue> = reads.iter().map(|r| &r.value).collect();
        let listing = || {
            reads
                .iter()
                .map(|r| format!("{}: {:?}", r.node, r.value))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if results.iter().any(|r| matches!(r, FinalValue::NoAnswer(_))) {
            anomalies.push(format!(
                "key {key} was not readable everywhere: {}",
                listing()
            ));
            continue;
        }
        if results.len() != 1 {
            anomalies.push(format!("key {key} did not converge: {}", listing()));
            continue;
        }
        let w = writes.get(key);
        match reads[0].value {
            FinalValue::NoAnswer(_) => {}
            FinalValue::Missing if w.is_some_and(|w| w.acknowledged) => anomalies.push(format!(
                "key {key} lost every acknowledged write: missing on every node"
            )),
            FinalValue::Missing => {}
            FinalValue::Value(ref v) if !w.is_some_and(|w| w.values.contains(v)) => {
                anomalies.push(format!("key {key} converged to {v}, which no client wrote"));
            }
            FinalValue::Value(_) => {}
        }
    }
    let nodes: BTreeSet<&str> = final_reads.iter().map(|r| r.node.as_str()).collect();
    Verdict {
        checker: "lww convergence".into(),
        valid: anomalies.is_empty(),
        summary: format!(
            "{} keys read on {} nodes after the final heal",
            by_key.len(),
            nodes.len()
        ),
        anomalies,
    }
}

#[cfg(test)]
mod tests;
