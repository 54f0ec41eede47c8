//! The result of an rw-register check, judged against a set of consistency models.

use crate::check::elle::{Anomaly, AnomalyKind};
use crate::check::models::{Model, Models};
use serde::Serialize;
use std::fmt;

/// The outcome of [`check`](super::check).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RwRegisterReport {
    /// True when no anomaly found is forbidden by a model checked.
    pub valid: bool,
    /// Number of transactions (invocations) in the history.
    pub txns_checked: usize,
    /// The models checked (`--consistency-models`).
    pub models: Vec<Model>,
    /// The distinct anomaly kinds found, whether or not the models forbid them.
    pub anomaly_types: Vec<AnomalyKind>,
    /// Every known model the anomalies rule out, weakest first (Elle's `not`).
    pub not: Vec<Model>,
    /// Everything found, most fundamental first.
    pub anomalies: Vec<Anomaly>,
}

impl RwRegisterReport {
    /// Builds a report whose validity follows from the anomalies and the models.
    pub fn new(txns_checked: usize, models: Models, mut anomalies: Vec<Anomaly>) -> Self {
        anomalies.sort_by_key(|a| a.kind);
        let mut anomaly_types: Vec<AnomalyKind> = anomalies.iter().map(|a| a.kind).collect();
        anomaly_types.dedup();
        RwRegisterReport {
            valid: !anomaly_types.iter().any(|k| models.forbid(*k)),
            txns_checked,
            models: models.iter().collect(),
            not: Models::ruled_out(&anomaly_types),
            anomaly_types,
            anomalies,
        }
    }

    /// True if some anomaly of the given kind was found.
    pub fn has(&self, kind: AnomalyKind) -> bool {
        self.anomaly_types.contains(&kind)
    }
}

impl fmt::Display for RwRegisterReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.valid { "valid" } else { "INVALID" };
        let models: Vec<&str> = self.models.iter().map(|m| m.name()).collect();
        writeln!(
            f,
            "rw-register ({}): {verdict} ({} txns checked, {} anomalies)",
            models.join(", "),
            self.txns_checked,
            self.anomalies.len()
        )?;
        if !self.not.is_empty() {
            let not: Vec<&str> = self.not.iter().map(|m| m.name()).collect();
            writeln!(f, "  not {}", not.join(", "))?;
        }
        for a in &self.anomalies {
            writeln!(f, "  [{}] {}", a.kind, a.message)?;
        }
        Ok(())
    }
}
