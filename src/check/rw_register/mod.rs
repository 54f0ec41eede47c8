//! An Elle-style checker for txn-rw-register histories.
//!
//! Transactions read and write registers; every write to a key is a unique value,
//! and a key never written reads `null`. A read shows one version, so the version
//! order of a key has to be inferred (`order.rs`): `null` comes first, a
//! transaction's write follows its own read of the key, and (for real-time models)
//! a transaction invoked after another completed sees or makes a later version.
//! From those facts come ww, wr and rw dependencies between transactions, and
//! with real-time order, cycles (G0, G1c, G-single, G2 and their `-realtime`
//! variants, G0 included). Anomalies visible directly: internal inconsistency,
//! aborted reads (G1a), intermediate reads (G1b), lost updates, garbage reads.
//! The history is valid when no anomaly found is forbidden by a model checked.
//!
//! The approach follows Kingsbury & Alvaro, "Elle: Inferring Isolation Anomalies
//! from Experimental Observations" (VLDB 2020).

mod anomaly;
mod cycle;
mod generator;
mod graph;
mod order;
mod report;
mod txn;

#[cfg(test)]
mod tests;

pub use generator::{benchmark, synthetic_history};
pub use report::RwRegisterReport;

use crate::check::elle::{Anomaly, AnomalyKind};
use crate::check::fx::FxMap;
use crate::check::history::{F, History, Kind};
use crate::check::models::Models;

/// At most this many anomalies of one kind found without a graph are described;
/// the rest are counted.
const MAX_PER_KIND: usize = 32;

/// Checks a txn-rw-register history against `models`. Ill-formed histories yield
/// an invalid report with `ill-formed` anomalies; never panics on its input.
pub fn check(history: &History, models: Models) -> RwRegisterReport {
    let txns_checked = history
        .ops
        .iter()
        .filter(|o| o.f == F::Txn && o.kind == Kind::Invoke)
        .count();
    let parsed = match txn::parse(history) {
        Ok(p) => p,
        Err(errors) => return RwRegisterReport::new(txns_checked, models, errors),
    };
    let mut anomalies = anomaly::internal(&parsed);
    anomalies.extend(anomaly::read_anomalies(&parsed));
    anomalies.extend(anomaly::lost_updates(&parsed));
    let mut anomalies = capped(anomalies);
    let members = graph::members(&parsed);
    let facts = order::version_facts(&parsed, &members, models.realtime());
    let g = graph::build(&parsed, &members, &facts);
    anomalies.extend(cycle::cycle_anomalies(&parsed, &g));
    RwRegisterReport::new(parsed.txns.len(), models, anomalies)
}

/// Keeps the first [`MAX_PER_KIND`] anomalies of each kind and counts the rest.
fn capped(anomalies: Vec<Anomaly>) -> Vec<Anomaly> {
    let mut counts: FxMap<AnomalyKind, usize> = FxMap::default();
    let mut out = Vec::new();
    for a in anomalies {
        let n = counts.entry(a.kind).or_default();
        *n += 1;
        if *n <= MAX_PER_KIND {
            out.push(a);
        }
    }
    let mut extra: Vec<(AnomalyKind, usize)> = counts
        .into_iter()
        .filter(|&(_, n)| n > MAX_PER_KIND)
        .collect();
    extra.sort();
    for (kind, n) in extra {
        out.push(Anomaly {
            kind,
            message: format!(
                "... and {} more {kind} anomalies not shown",
                n - MAX_PER_KIND
            ),
            ops: Vec::new(),
        });
    }
    out
}
