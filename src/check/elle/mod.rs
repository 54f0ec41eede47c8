//! The machinery the Elle-style transactional checkers share (list-append and
//! rw-register): the anomaly vocabulary, a dependency graph with ww / wr / rw /
//! real-time edges, strongly connected components, and the search that finds and
//! classifies cycles. Each checker infers its own version orders and edges and
//! explains them in its own words.
//!
//! The approach follows Kingsbury & Alvaro, "Elle: Inferring Isolation Anomalies
//! from Experimental Observations" (VLDB 2020).

mod anomaly;
pub(crate) mod cycle;
pub(crate) mod graph;
pub(crate) mod intern;
pub(crate) mod scc;
#[cfg(test)]
pub(crate) mod testing;

pub use anomaly::{Anomaly, AnomalyKind};
