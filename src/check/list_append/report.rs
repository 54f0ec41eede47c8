//! The result of a list-append check: the report over the shared Elle anomalies.

pub use crate::check::elle::{Anomaly, AnomalyKind};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The outcome of [`check`](super::check) on a txn-list-append history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListAppendReport {
    /// True when no anomaly was found.
    pub valid: bool,
    /// Number of transactions (invocations) in the history.
    pub txns_checked: usize,
    /// Everything found, most fundamental first.
    pub anomalies: Vec<Anomaly>,
}

impl ListAppendReport {
    /// Builds a report whose validity follows from the anomalies.
    pub fn new(txns_checked: usize, mut anomalies: Vec<Anomaly>) -> Self {
        anomalies.sort_by_key(|a| a.kind);
        ListAppendReport {
            valid: anomalies.is_empty(),
            txns_checked,
            anomalies,
        }
    }

    /// True if some anomaly of the given kind was found.
    pub fn has(&self, kind: AnomalyKind) -> bool {
        self.anomalies.iter().any(|a| a.kind == kind)
    }

    /// The distinct anomaly kinds found, in order.
    pub fn kinds(&self) -> Vec<AnomalyKind> {
        let mut kinds: Vec<AnomalyKind> = self.anomalies.iter().map(|a| a.kind).collect();
        kinds.dedup();
        kinds
    }
}

impl fmt::Display for ListAppendReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.valid { "valid" } else { "INVALID" };
        writeln!(
            f,
            "list-append: {verdict} ({} txns checked, {} anomalies)",
            self.txns_checked,
            self.anomalies.len()
        )?;
        for a in &self.anomalies {
            let indices: Vec<String> = a.ops.iter().map(|o| o.index.to_string()).collect();
            writeln!(f, "  [{}] {}", a.kind, a.message)?;
            if !indices.is_empty() {
                writeln!(f, "      ops at history indices: {}", indices.join(", "))?;
            }
        }
        Ok(())
    }
}
