//! The cluster's state read at the end of a run: after the final heal and a quiet
//! period, the driver sends reads to every node (see `workload::probes`), and the
//! answers go to the checkers that judge convergence (lww-kv, set-full, counters).

use super::history::History;
use super::{Consistency, Verdict, counter, lww, set_full};
use serde::Serialize;
use serde_json::Value;

impl Consistency {
    /// Whether this model is judged on the cluster's final reads as well as the
    /// history (the driver must then read every node at the end).
    pub fn needs_final_reads(self) -> bool {
        matches!(
            self,
            Consistency::Convergent | Consistency::SetFull { .. } | Consistency::Counter { .. }
        )
    }
}

/// The checkers of `consistency` that need the final reads (lww-kv convergence,
/// set-full, counters); empty for the others, whose checker needs the history
/// alone ([`super::consistency_check`]).
pub fn final_state_check(
    consistency: Consistency,
    history: &History,
    final_reads: &[FinalRead],
) -> Vec<Verdict> {
    match consistency {
        Consistency::Convergent => lww::check(history, final_reads),
        Consistency::SetFull { linearizable } => {
            vec![set_full::check(history, final_reads, linearizable)]
        }
        Consistency::Counter { strict } => counter::check(history, final_reads, strict),
        _ => Vec::new(),
    }
}

/// The result of one final read of `key` on `node` (`key` is `null` for workloads
/// without keys: a read of the whole state).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FinalRead {
    pub node: String,
    pub key: Value,
    pub value: FinalValue,
}

/// What a final read returned.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FinalValue {
    /// `read_ok` with this value (JSON text, so results compare exactly).
    Value(String),
    /// Error 20: the key does not exist on that node.
    Missing,
    /// Any other reply, or none in time.
    NoAnswer(String),
}

impl FinalValue {
    /// The final value for a `read_ok` of `value`.
    pub fn of(value: &Value) -> FinalValue {
        FinalValue::Value(value.to_string())
    }
}
