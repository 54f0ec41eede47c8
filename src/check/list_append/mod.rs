//! An Elle-style checker for txn-list-append histories.
//!
//! Every key holds a list; transactions append unique elements and read whole
//! lists. Because a read shows the entire list, the order in which elements were
//! appended (the key's version order) can be recovered from the reads, and with it
//! who wrote after whom (ww), who read whose write (wr) and who read a version that
//! someone else later extended (rw). A cycle in these dependencies, plus real-time
//! order for strict serializability, is an anomaly; so are reads that no serial
//! execution could produce (aborted or intermediate reads, duplicates, reads that
//! are not prefixes of one order, transactions that do not see their own writes).
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

pub use generator::synthetic_history;
pub use report::{Anomaly, AnomalyKind, ListAppendReport};

use crate::check::history::{F, History};

/// Checks a txn-list-append history for strict serializability.
///
/// Ill-formed histories (non-transaction operations, malformed micro-ops, unpaired
/// records, an element appended twice to one key) yield an invalid report with
/// `ill-formed` anomalies; the checker never panics on its input.
pub fn check(history: &History) -> ListAppendReport {
    let txns_checked = history
        .ops
        .iter()
        .filter(|o| o.f == F::Txn && o.kind == crate::check::history::Kind::Invoke)
        .count();
    let parsed = match txn::parse(history) {
        Ok(p) => p,
        Err(errors) => return ListAppendReport::new(txns_checked, errors),
    };
    let (orders, mut anomalies) = order::version_orders(&parsed);
    anomalies.extend(anomaly::aborted_reads(&parsed, &orders));
    anomalies.extend(anomaly::intermediate_reads(&parsed));
    anomalies.extend(anomaly::internal_anomalies(&parsed));
    let graph = graph::build(&parsed, &orders);
    anomalies.extend(cycle::cycle_anomalies(&parsed, &graph));
    ListAppendReport::new(parsed.txns.len(), anomalies)
}
