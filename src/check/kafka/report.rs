//! The result of a kafka check: anomaly kinds with Jepsen's names, anomalies with
//! their witnesses, and the report.

use crate::check::history::Op;
use serde::Serialize;
use std::fmt;

/// The class of an anomaly in a kafka history. Jepsen's names; the last few are
/// ours (see each).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KafkaAnomalyKind {
    /// A record the checker cannot read (not ours: Jepsen's checker throws).
    IllFormed,
    /// One offset of a key holds two or more different messages.
    InconsistentOffsets,
    /// One message of a key appears at two or more offsets.
    Duplicate,
    /// An acknowledged send that no poll saw, although polls saw later offsets
    /// of its key.
    LostWrite,
    /// An acknowledged send that no poll saw by the end of the test.
    Unseen,
    /// A process's poll of a key skipped offsets known to exist after what it
    /// read last (or after the offset it asked for).
    PollSkip,
    /// A process's poll of a key went back to (or repeated) offsets it had read.
    NonmonotonicPoll,
    /// A process's send got an offset at or before that of its previous send
    /// to the key.
    NonmonotonicSend,
    /// One poll skipped offsets known to exist between two messages of a key.
    IntPollSkip,
    /// One poll returned a key's messages out of offset order, or one twice.
    IntNonmonotonicPoll,
    /// One operation's sends to a key got offsets out of order.
    IntNonmonotonicSend,
    /// An operation polled a message it sent itself.
    PrecommittedRead,
    /// A poll saw a message whose only sends failed (aborted read).
    #[serde(rename = "G1a")]
    G1a,
    /// A poll saw a message that was sent only after the poll completed.
    #[serde(rename = "G1c-realtime")]
    G1cRealtime,
    /// A poll saw a message nobody sent (ours).
    GarbageRead,
    /// A poll returned nothing for a key from an offset at or before one whose
    /// send had been acknowledged before the poll began (ours; real-time models
    /// only; assumes a poll returns at least one message for every key that has
    /// one).
    StalePoll,
    /// A listing of committed offsets returned less than an offset whose commit
    /// had been acknowledged before the listing began (ours; real-time models
    /// only).
    StaleCommittedOffsets,
}

impl KafkaAnomalyKind {
    /// The name in reports, e.g. `lost-write`.
    pub fn name(self) -> &'static str {
        use KafkaAnomalyKind::*;
        match self {
            IllFormed => "ill-formed",
            InconsistentOffsets => "inconsistent-offsets",
            Duplicate => "duplicate",
            LostWrite => "lost-write",
            Unseen => "unseen",
            PollSkip => "poll-skip",
            NonmonotonicPoll => "nonmonotonic-poll",
            NonmonotonicSend => "nonmonotonic-send",
            IntPollSkip => "int-poll-skip",
            IntNonmonotonicPoll => "int-nonmonotonic-poll",
            IntNonmonotonicSend => "int-nonmonotonic-send",
            PrecommittedRead => "precommitted-read",
            G1a => "G1a",
            G1cRealtime => "G1c-realtime",
            GarbageRead => "garbage-read",
            StalePoll => "stale-poll",
            StaleCommittedOffsets => "stale-committed-offsets",
        }
    }
}

impl fmt::Display for KafkaAnomalyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One anomaly and its witness.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KafkaAnomaly {
    pub kind: KafkaAnomalyKind,
    /// The key (log) it is about, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The offsets involved.
    pub offsets: Vec<u64>,
    /// What was observed, readable.
    pub message: String,
    /// The records of the operations involved (invocation, then completion).
    pub ops: Vec<Op>,
}

/// The outcome of [`check`](super::check) on a kafka history.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KafkaReport {
    /// True when no anomaly was found.
    pub valid: bool,
    /// Operations (invocations) in the history.
    pub ops_checked: usize,
    /// Whether the real-time checks ran (stale polls and listings).
    pub realtime: bool,
    /// The distinct anomaly kinds found, in order.
    pub anomaly_types: Vec<KafkaAnomalyKind>,
    /// Everything found, most fundamental first; at most a few per kind are
    /// described, with a count of the rest.
    pub anomalies: Vec<KafkaAnomaly>,
}

impl KafkaReport {
    /// A report whose validity follows from the anomalies.
    pub fn new(ops_checked: usize, realtime: bool, mut anomalies: Vec<KafkaAnomaly>) -> Self {
        anomalies.sort_by_key(|a| a.kind);
        let mut anomaly_types: Vec<KafkaAnomalyKind> = anomalies.iter().map(|a| a.kind).collect();
        anomaly_types.dedup();
        KafkaReport {
            valid: anomalies.is_empty(),
            ops_checked,
            realtime,
            anomaly_types,
            anomalies,
        }
    }

    /// Whether some anomaly of `kind` was found.
    pub fn has(&self, kind: KafkaAnomalyKind) -> bool {
        self.anomaly_types.contains(&kind)
    }
}

impl fmt::Display for KafkaReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.valid { "valid" } else { "INVALID" };
        writeln!(
            f,
            "kafka: {verdict} ({} ops checked, {} anomalies)",
            self.ops_checked,
            self.anomalies.len()
        )?;
        for a in &self.anomalies {
            writeln!(f, "  [{}] {}", a.kind, a.message)?;
        }
        Ok(())
    }
}
