//! Checkers for operation histories, and one entry point that picks the checkers
//! for a consistency model so every driver (simulator, process harness) reports
//! alike. The checkers know nothing of workloads: a driver maps its workload to a
//! [`Consistency`] (`WorkloadKind::consistency`).

pub mod availability;
pub mod counter;
pub mod echo;
pub mod elle;
pub mod final_read;
mod fx;
pub mod history;
pub mod kafka;
mod key_op;
pub mod linearizability;
pub mod list_append;
pub mod lww;
pub mod models;
pub mod register;
pub mod rw_register;
pub mod set_full;
pub mod synthetic;
pub mod unique_ids;
pub mod wgl;
mod witness;

pub use final_read::final_state_check;

use history::History;
use models::Models;
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

impl Verdict {
    /// The verdict of `checker` on a history that does not pair up.
    pub fn ill_formed(checker: &str, error: String) -> Verdict {
        Verdict {
            checker: checker.into(),
            valid: false,
            summary: "ill-formed history".into(),
            anomalies: vec![error],
        }
    }
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
    /// Every ok echo returns its request's payload ([`echo::check`]).
    Echo,
    /// No id is handed out twice ([`unique_ids::check`]).
    UniqueIds,
    /// A grow-only set: set-full over the history and the final reads
    /// ([`set_full::check`]; broadcast, g-set). `linearizable`: stale reads are
    /// anomalies too.
    SetFull { linearizable: bool },
    /// A counter: Maelstrom's rule on the final reads, every read's window
    /// reported ([`counter::check`]; g-counter, pn-counter). `strict`: a read
    /// outside its window is an anomaly (linearizable counters).
    Counter { strict: bool },
    /// Append-only logs with consumer offsets show none of Jepsen's kafka
    /// anomalies; with a real-time model (strict serializability), polls and
    /// offset listings are also fresh (kafka).
    Kafka(Models),
    /// Transactions over read/write registers satisfy these models (txn-rw-register).
    RwRegister(Models),
}

impl Consistency {
    /// This model, made stricter when `models` (`--consistency-models`) asks for
    /// `linearizable` or `strict-serializable`: set-full then treats stale reads
    /// as anomalies, and counters check every read's window. kafka and
    /// rw-register are judged against the models named (unknown names are
    /// rejected when the flags are read; none keeps the default).
    pub fn with_models(self, models: &[String]) -> Consistency {
        let strong = models
            .iter()
            .any(|m| m == "linearizable" || m == "strict-serializable");
        match self {
            Consistency::SetFull { .. } if strong => Consistency::SetFull { linearizable: true },
            Consistency::Counter { .. } if strong => Consistency::Counter { strict: true },
            Consistency::Kafka(_) | Consistency::RwRegister(_) if models.is_empty() => self,
            Consistency::Kafka(m) => Consistency::Kafka(Models::parse(models).unwrap_or(m)),
            Consistency::RwRegister(m) => {
                Consistency::RwRegister(Models::parse(models).unwrap_or(m))
            }
            other => other,
        }
    }
}

/// Runs the history checkers for `consistency` on `history`: well-formedness, then
/// [`consistency_check`].
pub fn check_history(consistency: Consistency, history: &History) -> Vec<Verdict> {
    let mut verdicts = vec![well_formed(history)];
    verdicts.extend(consistency_check(consistency, history));
    verdicts
}

/// The checker of `consistency` that needs only the history: linearizability,
/// strict serializability (Elle-style), echo or unique-ids; `None` for the models
/// whose checks need the cluster's final state: see [`final_state_check`].
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
        Consistency::Echo => Some(echo::check(history)),
        Consistency::UniqueIds => Some(unique_ids::check(history)),
        Consistency::Convergent | Consistency::SetFull { .. } | Consistency::Counter { .. } => None,
        Consistency::Kafka(models) => {
            let r = kafka::check(history, models.realtime());
            Some(Verdict {
                checker: "kafka".into(),
                valid: r.valid,
                summary: format!(
                    "{} ops checked{}",
                    r.ops_checked,
                    if r.realtime {
                        ", real-time checks on"
                    } else {
                        ""
                    }
                ),
                anomalies: r
                    .anomalies
                    .iter()
                    .map(|a| format!("{}: {}", a.kind, a.message))
                    .collect(),
            })
        }
        Consistency::RwRegister(models) => {
            let r = rw_register::check(history, models);
            let not: Vec<&str> = r.not.iter().map(|m| m.name()).collect();
            Some(Verdict {
                checker: format!("{models} (rw-register)"),
                valid: r.valid,
                summary: if not.is_empty() {
                    format!("{} txns checked", r.txns_checked)
                } else {
                    format!("{} txns checked; not {}", r.txns_checked, not.join(", "))
                },
                anomalies: r
                    .anomalies
                    .iter()
                    .map(|a| format!("{}: {}", a.kind, a.message))
                    .collect(),
            })
        }
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
