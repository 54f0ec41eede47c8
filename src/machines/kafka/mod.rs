//! The `kafka` machine: Maelstrom's kafka workload, append-only logs by string key
//! with committed consumer offsets.
//!
//! - `send {key, msg}` goes through the log; applying it appends `msg` to `key`'s
//!   log and answers `send_ok {offset}`. Offsets are dense per key (0, 1, 2, ...)
//!   and assigned at apply time, so they follow log order on every node.
//! - `poll {offsets: {key: offset}}` is a read (ReadIndex): `poll_ok {msgs: {key:
//!   [[offset, msg], ...]}}` with the messages at and after each requested offset.
//!   A reply carries at most [`POLL_PER_KEY`] messages per key and about
//!   [`POLL_TOTAL`] in all, but at least one for every key that has one, so a
//!   client that polls again from where it stopped never misses a message. Keys
//!   with nothing at or after the offset are left out.
//! - `commit_offsets {offsets}` goes through the log; a committed offset never
//!   moves back (a lower one is ignored). `list_committed_offsets {keys}` is a read
//!   and leaves out keys with no committed offset.

#[cfg(feature = "mutations")]
mod early_offsets;
#[cfg(test)]
mod tests;

#[cfg(feature = "mutations")]
pub use early_offsets::EarlyOffsetsKafka;

use super::{Admit, Context, Rejection, StateMachine};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// At most this many messages per key in one poll reply.
pub const POLL_PER_KEY: usize = 100;
/// About this many messages in one poll reply: with many keys each gets
/// `POLL_TOTAL / keys`, but never fewer than one.
pub const POLL_TOTAL: usize = 1000;

/// A kafka request (Maelstrom's vocabulary).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KafkaRequest {
    /// Append `msg` to the log of `key`.
    Send {
        /// The log to append to.
        key: String,
        /// The message.
        msg: Value,
    },
    /// Read messages from each listed key's log, starting at its offset.
    Poll {
        /// Per key, the first offset wanted.
        offsets: BTreeMap<String, u64>,
    },
    /// Record that the consumers have processed each key's log up to an offset.
    CommitOffsets {
        /// Per key, the offset to commit.
        offsets: BTreeMap<String, u64>,
    },
    /// Ask for the committed offsets of `keys`.
    ListCommittedOffsets {
        /// The keys asked about.
        keys: Vec<String>,
    },
}

/// What kafka appends to the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KafkaCommand {
    /// Append `msg` to the log of `key`; its offset is decided when applied.
    Send {
        /// The log to append to.
        key: String,
        /// The message.
        msg: Value,
    },
    /// Raise each key's committed offset (never lowers one).
    CommitOffsets {
        /// Per key, the offset to commit.
        offsets: BTreeMap<String, u64>,
    },
}

/// A kafka reply.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KafkaReply {
    /// The message was appended.
    SendOk {
        /// Where it was appended in its key's log.
        offset: u64,
    },
    /// The messages found.
    PollOk {
        /// Per key, `[offset, message]` pairs in offset order.
        msgs: BTreeMap<String, Vec<(u64, Value)>>,
    },
    /// The offsets were committed.
    CommitOffsetsOk,
    /// The committed offsets asked about.
    ListCommittedOffsetsOk {
        /// Per key with a committed offset, that offset.
        offsets: BTreeMap<String, u64>,
    },
}

/// The logs (message `i` of a key is at offset `i`) and the committed offsets.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KafkaMachine {
    logs: HashMap<String, Vec<Value>>,
    committed: HashMap<String, u64>,
}

/// The whole kafka state, sorted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KafkaSnapshot {
    /// Per key, its messages; message `i` is at offset `i`.
    pub logs: BTreeMap<String, Vec<Value>>,
    /// Per key, the committed offset.
    pub committed: BTreeMap<String, u64>,
}

impl KafkaMachine {
    /// The log of `key` (empty if nothing was ever sent to it).
    pub fn log(&self, key: &str) -> &[Value] {
        self.logs.get(key).map_or(&[], Vec::as_slice)
    }

    /// The committed offset of `key`, if any.
    pub fn committed(&self, key: &str) -> Option<u64> {
        self.committed.get(key).copied()
    }

    /// Appends `msg` to `key`'s log; returns its offset.
    pub(crate) fn append(&mut self, key: &str, msg: Value) -> u64 {
        let log = self.logs.entry(key.to_owned()).or_default();
        log.push(msg);
        log.len() as u64 - 1
    }

    fn commit(&mut self, offsets: BTreeMap<String, u64>) {
        for (key, offset) in offsets {
            let c = self.committed.entry(key).or_insert(offset);
            *c = (*c).max(offset);
        }
    }

    fn poll(&self, offsets: &BTreeMap<String, u64>) -> BTreeMap<String, Vec<(u64, Value)>> {
        let per_key = (POLL_TOTAL / offsets.len().max(1)).clamp(1, POLL_PER_KEY);
        let mut msgs = BTreeMap::new();
        for (key, &from) in offsets {
            let log = self.log(key);
            let start = usize::try_from(from).unwrap_or(usize::MAX).min(log.len());
            let pairs: Vec<(u64, Value)> = log[start..]
                .iter()
                .take(per_key)
                .enumerate()
                .map(|(i, m)| ((start + i) as u64, m.clone()))
                .collect();
            if !pairs.is_empty() {
                msgs.insert(key.clone(), pairs);
            }
        }
        msgs
    }

    fn list(&self, keys: &[String]) -> BTreeMap<String, u64> {
        keys.iter()
            .filter_map(|k| self.committed(k).map(|c| (k.clone(), c)))
            .collect()
    }
}

impl StateMachine for KafkaMachine {
    type Request = KafkaRequest;
    type Command = KafkaCommand;
    type Reply = KafkaReply;
    type Snapshot = KafkaSnapshot;

    const NAME: &'static str = "kafka";
    const REQUEST_TYPES: &'static [&'static str] =
        &["send", "poll", "commit_offsets", "list_committed_offsets"];

    fn admit(&mut self, request: KafkaRequest, _ctx: &Context) -> Admit<Self> {
        match request {
            KafkaRequest::Send { key, msg } => Admit::Propose(KafkaCommand::Send { key, msg }),
            KafkaRequest::CommitOffsets { offsets } => {
                Admit::Propose(KafkaCommand::CommitOffsets { offsets })
            }
            KafkaRequest::Poll { .. } | KafkaRequest::ListCommittedOffsets { .. } => Admit::Read,
        }
    }

    fn apply(&mut self, _index: u64, command: KafkaCommand) -> Result<KafkaReply, Rejection> {
        Ok(match command {
            KafkaCommand::Send { key, msg } => KafkaReply::SendOk {
                offset: self.append(&key, msg),
            },
            KafkaCommand::CommitOffsets { offsets } => {
                self.commit(offsets);
                KafkaReply::CommitOffsetsOk
            }
        })
    }

    fn query(&self, request: &KafkaRequest) -> Result<KafkaReply, Rejection> {
        match request {
            KafkaRequest::Poll { offsets } => Ok(KafkaReply::PollOk {
                msgs: self.poll(offsets),
            }),
            KafkaRequest::ListCommittedOffsets { keys } => Ok(KafkaReply::ListCommittedOffsetsOk {
                offsets: self.list(keys),
            }),
            // Writes are never admitted as reads.
            KafkaRequest::Send { .. } | KafkaRequest::CommitOffsets { .. } => Err(
                Rejection::not_supported("send and commit_offsets go through the log"),
            ),
        }
    }

    fn snapshot(&self) -> KafkaSnapshot {
        KafkaSnapshot {
            logs: self
                .logs
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            committed: self
                .committed
                .iter()
                .map(|(k, c)| (k.clone(), *c))
                .collect(),
        }
    }

    fn restore(&mut self, snapshot: KafkaSnapshot) {
        self.logs = snapshot.logs.into_iter().collect();
        self.committed = snapshot.committed.into_iter().collect();
    }
}
