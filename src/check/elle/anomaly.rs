//! The anomaly vocabulary shared by the Elle-style checkers (list-append,
//! rw-register): kinds with Elle's names, and one anomaly with its witness.

use crate::check::history::Op;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The class of an anomaly found in a transactional history (list-append or
/// rw-register).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AnomalyKind {
    /// The history does not have the expected shape (not a txn op, bad micro-op, ...).
    #[serde(rename = "ill-formed")]
    IllFormed,
    /// Two reads of one key are not prefixes of a single version order.
    #[serde(rename = "incompatible-order")]
    IncompatibleOrder,
    /// A read contains the same element twice.
    #[serde(rename = "duplicate-elements")]
    DuplicateElements,
    /// A read contains an element (a value) that no transaction ever appended
    /// (wrote).
    #[serde(rename = "garbage-read")]
    GarbageRead,
    /// Aborted read: a read saw an element appended only by a failed transaction.
    #[serde(rename = "G1a")]
    G1a,
    /// Intermediate read: a read ends in an element that its writer later overwrote
    /// (appended after) within the same transaction.
    #[serde(rename = "G1b")]
    G1b,
    /// A transaction's reads disagree with each other or with its own appends
    /// (writes).
    #[serde(rename = "internal")]
    Internal,
    /// Two committed transactions read the same version of a key and both wrote
    /// it (rw-register).
    #[serde(rename = "lost-update")]
    LostUpdate,
    /// Write cycle (ww edges only).
    #[serde(rename = "G0")]
    G0,
    /// Circular information flow (ww and wr edges).
    #[serde(rename = "G1c")]
    G1c,
    /// Read skew: a cycle with exactly one anti-dependency (rw) edge.
    #[serde(rename = "G-single")]
    GSingle,
    /// A cycle with two or more anti-dependency (rw) edges.
    #[serde(rename = "G2")]
    G2,
    /// [`AnomalyKind::G0`] that needs a real-time edge.
    #[serde(rename = "G0-realtime")]
    G0Realtime,
    /// [`AnomalyKind::G1c`] that needs a real-time edge.
    #[serde(rename = "G1c-realtime")]
    G1cRealtime,
    /// [`AnomalyKind::GSingle`] that needs a real-time edge.
    #[serde(rename = "G-single-realtime")]
    GSingleRealtime,
    /// [`AnomalyKind::G2`] that needs a real-time edge.
    #[serde(rename = "G2-realtime")]
    G2Realtime,
}

impl AnomalyKind {
    /// The name used in JSON and in the report text, e.g. `G-single-realtime`.
    pub fn name(self) -> &'static str {
        match self {
            AnomalyKind::IllFormed => "ill-formed",
            AnomalyKind::IncompatibleOrder => "incompatible-order",
            AnomalyKind::DuplicateElements => "duplicate-elements",
            AnomalyKind::GarbageRead => "garbage-read",
            AnomalyKind::G1a => "G1a",
            AnomalyKind::G1b => "G1b",
            AnomalyKind::Internal => "internal",
            AnomalyKind::LostUpdate => "lost-update",
            AnomalyKind::G0 => "G0",
            AnomalyKind::G1c => "G1c",
            AnomalyKind::GSingle => "G-single",
            AnomalyKind::G2 => "G2",
            AnomalyKind::G0Realtime => "G0-realtime",
            AnomalyKind::G1cRealtime => "G1c-realtime",
            AnomalyKind::GSingleRealtime => "G-single-realtime",
            AnomalyKind::G2Realtime => "G2-realtime",
        }
    }

    /// True for the dependency-cycle kinds (G0 ... G2-realtime).
    pub fn is_cycle(self) -> bool {
        matches!(
            self,
            AnomalyKind::G0
                | AnomalyKind::G1c
                | AnomalyKind::GSingle
                | AnomalyKind::G2
                | AnomalyKind::G0Realtime
                | AnomalyKind::G1cRealtime
                | AnomalyKind::GSingleRealtime
                | AnomalyKind::G2Realtime
        )
    }
}

impl fmt::Display for AnomalyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One anomaly: its class, a human-readable explanation and the operations involved
/// (for each transaction involved, its invoke and then its completion, if any).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Anomaly {
    /// The anomaly class.
    pub kind: AnomalyKind,
    /// What was observed, naming transactions as `T<n>` (n = position of the
    /// transaction among all transaction invocations, from 0).
    pub message: String,
    /// The records of the transactions involved.
    pub ops: Vec<Op>,
}
