//! Checkers for operation histories, and one entry point that picks the checkers
//! for a consistency model so every driver (simulator, process harness) reports
//! alike. The checkers know nothing of workloads: a driver maps its workload to a
//! [`Consistency`] (`WorkloadKind::consistency`).

pub mod availability;
mod fx;
pub mod history;
mod key_op;
pub mod linearizability;
pub mod list_append;
pub mod lww;
pub mod register;
pub mod synthetic;
pub mod wgl;
mod witness;

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

/// What a history must satisfy beyond being well formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consistency {
    /// Every key is a linearizable compare-and-set register (lin-kv).
    Linearizable,
    /// Transactions over append-only lists are strictly serializable (txn-list-append).
    StrictSerializable,
    /// Replicas converge on the last write; judged from the cluster's final reads as
    /// well as the history, by [`lww::check`] (lww-kv).
    Convergent,
}

/// Runs the history checkers for `consistency` on `history`: well-formedness, then
/// [`consistency_check`].
pub fn check_history(consistency: Consistency, history: &History) -> Vec<Verdict> {
    let mut verdicts = vec![well_formed(history)];
    verdicts.extend(consistency_check(consistency, history));
    verdicts
}

/// The checker of `consistency` that needs only the history: linearizability, or
/// strict serializability (Elle-style); `None` for [`Consistency::Convergent`],
/// whose checks need the cluster's final state: see [`lww::check`].
pub fn consistency_check(consistency: Consistency, history: &History) -> Option<Verdict> {
    match consistency {
        Consistency::Linearizable => {
            let r = linearizability::check(history);
            Some(Verdict {
                checker: "linearizable".into(),
                valid: r.valid,
                summary: format!(
                    "{} keys, {} of {} operations checked (ok ops, and writes and cas of unknown outcome; failed ops and timed-out reads did not happen)",
                    r.keys_checked,
                    r.ops_checked,
                    history
                        .ops
                        .iter()
                        .filter(|o| o.kind != history::Kind::Invoke)
                        .count()
                ),
                anomalies: r
                    .failures
                    .iter()
                    .map(|f| format!("key {}: {}\n{}", f.key, f.message, witness(&f.witness)))
                    .collect(),
            })
        }
        Consistency::StrictSerializable => {
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
        Consistency::Convergent => None,
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
