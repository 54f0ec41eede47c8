//! The `lww` machine: last-write-wins read, write and cas, available under partition.
//!
//! Every node answers client requests at once from its own state
//! ([`Admit::Local`]): a read returns the local value (error 20 when the key is
//! missing); a write is stamped with a [`Stamp`], applied locally, acknowledged,
//! and replicated through the log as an [`LwwWrite`], this machine's command.
//! Applying a replicated write merges it: each key keeps the value with the highest
//! stamp. The merge is commutative and idempotent, so the order in which writes
//! arrive does not matter, and once every write reached every node all nodes hold
//! the same state (convergence).
//!
//! cas compares against the **local** value and, when it matches, becomes an ordinary
//! stamped write of `to`. It is not atomic across nodes: two nodes may both see `from`
//! and both succeed, and the higher stamp wins.

mod stamp;
#[cfg(test)]
mod tests;

pub use stamp::{HybridClock, Stamp};

use super::{Admit, Context, Rejection, StateMachine};
use crate::protocol::ErrorCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// An lww request: the same vocabulary as lin-kv.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LwwRequest {
    /// Read the value at `key` (error 20 if there is none).
    Read {
        /// The key to read.
        key: Value,
    },
    /// Set `key` to `value`.
    Write {
        /// The key to write.
        key: Value,
        /// The value to store.
        value: Value,
    },
    /// Compare-and-set: `key` becomes `to` if it holds `from` at this node (error 22 otherwise).
    Cas {
        /// The key to compare and set.
        key: Value,
        /// The value the client expects at `key`.
        from: Value,
        /// The value `key` takes when it holds `from`.
        to: Value,
        /// The lin-kv service's option: a missing key is created with `to`.
        #[serde(default)]
        create_if_not_exists: Option<bool>,
    },
}

/// The command lww replicates: a stamped write, merged on every node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LwwWrite {
    /// The key written.
    pub key: Value,
    /// The value written.
    pub value: Value,
    /// Its version: the highest stamp at a key wins.
    pub stamp: Stamp,
}

/// An lww reply.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LwwReply {
    /// The value a read found at this node.
    ReadOk {
        /// The value at the key.
        value: Value,
    },
    /// The write took effect here (and is being replicated).
    WriteOk,
    /// The cas took effect here (and is being replicated).
    CasOk,
}

/// One key's value and the stamp of the write that put it there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Versioned {
    /// The key's value.
    pub value: Value,
    /// The stamp of the write that put it there.
    pub stamp: Stamp,
}

/// lww state: per key (by canonical JSON text) the highest-stamped value the log
/// delivered, plus what is this node's alone: its own writes the log has not
/// delivered back yet, and its hybrid clock. Reads see the higher stamp of the two,
/// so a node reads its own writes at once; snapshots hold only the log's part, so
/// every node that applied the same entries has the same snapshot.
#[derive(Clone, Debug, Default)]
pub struct LwwMachine {
    map: BTreeMap<String, Versioned>,
    /// Local writes not yet applied from the log (bounded by the node's pending
    /// requests: each is dropped once its replicated copy is applied).
    local: BTreeMap<String, Versioned>,
    clock: HybridClock,
}

fn key_of(key: &Value) -> String {
    // serde_json objects are sorted maps, so this text is canonical.
    key.to_string()
}

fn missing(key: &Value) -> Rejection {
    Rejection::new(
        ErrorCode::KeyDoesNotExist,
        format!("key {key} does not exist"),
    )
}

impl LwwMachine {
    /// The value this node reads at `key`, if any: the higher-stamped of the log's
    /// and its own unreplicated write.
    pub fn get(&self, key: &Value) -> Option<&Value> {
        let key = key_of(key);
        match (self.map.get(&key), self.local.get(&key)) {
            (Some(r), Some(l)) if l.stamp > r.stamp => Some(&l.value),
            (Some(r), _) => Some(&r.value),
            (None, l) => l.map(|l| &l.value),
        }
    }

    /// The converging state the log delivered: every key with its value and stamp.
    pub fn state(&self) -> &BTreeMap<String, Versioned> {
        &self.map
    }

    /// Merges a stamped write from the log: the key keeps whichever of the two has
    /// the higher stamp. Commutative and idempotent; equal times are decided by
    /// node id.
    pub fn merge(&mut self, write: LwwWrite) {
        self.clock.observe(write.stamp.time);
        let key = key_of(&write.key);
        keep_higher(&mut self.map, key.clone(), write.value, write.stamp);
        self.forget_delivered(&key);
    }

    /// Drops the local write at `key` once the log's value is at least as new.
    fn forget_delivered(&mut self, key: &str) {
        if let (Some(l), Some(r)) = (self.local.get(key), self.map.get(key))
            && l.stamp <= r.stamp
        {
            self.local.remove(key);
        }
    }

    /// Stamps a new local write at physical time `now`, applies it, and returns the
    /// write to replicate.
    fn write_locally(&mut self, key: Value, value: Value, node: &str, now: u64) -> LwwWrite {
        let write = LwwWrite {
            key,
            value,
            stamp: Stamp {
                time: self.clock.tick(now),
                node: node.to_owned(),
            },
        };
        keep_higher(
            &mut self.local,
            key_of(&write.key),
            write.value.clone(),
            write.stamp.clone(),
        );
        write
    }

    fn read(&self, key: &Value) -> Result<LwwReply, Rejection> {
        match self.get(key) {
            Some(value) => Ok(LwwReply::ReadOk {
                value: value.clone(),
            }),
            None => Err(missing(key)),
        }
    }
}

/// Stores `value` at `key` unless a higher stamp is there already.
fn keep_higher(map: &mut BTreeMap<String, Versioned>, key: String, value: Value, stamp: Stamp) {
    match map.get(&key) {
        Some(current) if current.stamp >= stamp => {}
        _ => {
            map.insert(key, Versioned { value, stamp });
        }
    }
}

/// A reply sent at once, and the write to replicate (if any).
fn local(reply: Result<LwwReply, Rejection>, replicate: Option<LwwWrite>) -> Admit<LwwMachine> {
    Admit::Local { reply, replicate }
}

impl StateMachine for LwwMachine {
    type Request = LwwRequest;
    type Command = LwwWrite;
    type Reply = LwwReply;
    /// The converging state the log delivered; the clock is rebuilt from its
    /// stamps, and local writes not yet delivered stay.
    type Snapshot = BTreeMap<String, Versioned>;

    const NAME: &'static str = "lww";
    const REQUEST_TYPES: &'static [&'static str] = &["read", "write", "cas"];

    /// Every request is answered from local state; writes are replicated after.
    fn admit(&mut self, request: LwwRequest, ctx: &Context) -> Admit<Self> {
        match request {
            LwwRequest::Read { key } => local(self.read(&key), None),
            LwwRequest::Write { key, value } => {
                let write = self.write_locally(key, value, ctx.node, ctx.physical_time());
                local(Ok(LwwReply::WriteOk), Some(write))
            }
            LwwRequest::Cas {
                key,
                from,
                to,
                create_if_not_exists,
            } => match self.get(&key) {
                Some(current) if *current == from => {
                    let write = self.write_locally(key, to, ctx.node, ctx.physical_time());
                    local(Ok(LwwReply::CasOk), Some(write))
                }
                Some(current) => local(
                    Err(Rejection::new(
                        ErrorCode::PreconditionFailed,
                        format!("expected {from} at key {key}, but had {current}"),
                    )),
                    None,
                ),
                None if create_if_not_exists == Some(true) => {
                    let write = self.write_locally(key, to, ctx.node, ctx.physical_time());
                    local(Ok(LwwReply::CasOk), Some(write))
                }
                None => local(Err(missing(&key)), None),
            },
        }
    }

    /// Merges a replicated write (nobody waits for this reply).
    fn apply(&mut self, _index: u64, write: LwwWrite) -> Result<LwwReply, Rejection> {
        self.merge(write);
        Ok(LwwReply::WriteOk)
    }

    fn query(&self, request: &LwwRequest) -> Result<LwwReply, Rejection> {
        match request {
            LwwRequest::Read { key } => self.read(key),
            _ => Err(Rejection::not_supported("only reads can be queried")),
        }
    }

    fn snapshot(&self) -> Self::Snapshot {
        self.map.clone()
    }

    fn restore(&mut self, snapshot: Self::Snapshot) {
        for v in snapshot.values() {
            self.clock.observe(v.stamp.time);
        }
        self.map = snapshot;
        let keys: Vec<String> = self.local.keys().cloned().collect();
        for key in keys {
            self.forget_delivered(&key);
        }
    }

    /// A write this node acknowledged before a restart: local again until the
    /// log's value at its key is at least as new.
    fn readmit(&mut self, write: LwwWrite) {
        self.clock.observe(write.stamp.time);
        let key = key_of(&write.key);
        keep_higher(&mut self.local, key.clone(), write.value, write.stamp);
        self.forget_delivered(&key);
    }
}
