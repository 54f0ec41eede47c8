//! Checkers for operation histories, and one entry point that picks the checkers
//! for a workload so every driver (simulator, process harness) reports alike.

pub mod availability;
pub mod history;
mod key_op;
pub mod linearizability;
pub mod list_append;
pub mod lww;
pub mod register;
pub mod synthetic;
pub mod wgl;
mod witness;

use crate::workload::WorkloadKind;
use history::History;
use serde::Serialize;

/// One checker's verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    pub checker: String,
    pub valid: bool,
    /// A one-line summary.
    pub summary: String,
    /// Each anomaly, readable, with its witness.
    pub anomalies: Vec<String>,
}

/// Runs the checkers that apply to `workload` on `history`.
pub fn check_workload(workload: WorkloadKind, history: &History) -> Vec<Verdict> {
    let mut verdicts = vec![well_formed(history)];
    verdicts.extend(consistency_check(workload, history));
    verdicts
}

/// The consistency checker of `workload`: linearizability for lin-kv, strict
/// serializability (Elle-style) for txn-list-append; `None` for lww-kv, whose
/// checks need the cluster's final state: see [`lww::check`].
pub fn consistency_check(workload: WorkloadKind, history: &History) -> Option<Verdict> {
    match workload {
        WorkloadKind::LinKv => {
            let r = linearizability::check(history);
            Some(Verdict {
                checker: "linearizable".into(),
                valid: r.valid,
                summary: format!("{} keys, {} ops checked", r.keys_checked, r.ops_checked),
                anomalies: r
                    .failures
                    .iter()
                    .map(|f| format!("key {}: {}\n{}", f.key, f.message, witness(&f.witness)))
                    .collect(),
            })
        }
        WorkloadKind::TxnListAppend => {
            let r = list_append::check(history);
            Some(Verdict {
                checker: "strict-serializable (list-append)".into(),
                valid: r.valid,
                summary: format!("{} txns checked", r.txns_checked),
                anomalies: r
                    .anomalies
                    .iter()
                    .map(|a| format!("{}: {}", a.kind, a.message))
                    .collect(),
            })
        }
        WorkloadKind::LwwKv => None,
    }
}

fn well_formed(history: &History) -> Verdict {
    let anomalies = match history.pairs() {
        Ok(_) => Vec::new(),
        Err(e) => vec![e],
    };
    Verdict {
        checker: "well-formed".into(),
        valid: anomalies.is_empty(),
        summary: format!("{} records", history.ops.len()),
        anomalies,
    }
}

fn witness(ops: &[history::Op]) -> String {
    ops.iter()
        .map(|op| serde_json::to_string(op).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}
