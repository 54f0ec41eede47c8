//! The `lww` machine: last-write-wins read, write and cas, available under partition.
//!
//! Every node answers client requests at once from its own state (see
//! [`StateMachine::answer_locally`]): a read returns the local value (error 20 when the
//! key is missing); a write is stamped with a [`Stamp`], applied locally, acknowledged,
//! and handed to the node as a [`Payload::LwwWrite`] to replicate through the log.
//! Applying a replicated write merges it: each key keeps the value with the highest
//! stamp. The merge is commutative and idempotent, so the order in which writes arrive
//! does not matter, and once every write reached every node all nodes hold the same
//! state (convergence).
//!
//! cas compares against the **local** value and, when it matches, becomes an ordinary
//! stamped write of `to`. It is not atomic across nodes: two nodes may both see `from`
//! and both succeed, and the higher stamp wins.

mod stamp;

pub use stamp::{HybridClock, Stamp};

use super::{LocalAnswer, StateMachine};
use crate::protocol::{ErrorCode, Payload};
use serde_json::Value;
use std::collections::BTreeMap;

/// One key's value and the stamp of the write that put it there.
#[derive(Clone, Debug, PartialEq)]
pub struct Versioned {
    pub value: Value,
    pub stamp: Stamp,
}

/// lww state: per key (by canonical JSON text) the highest-stamped value, plus this
/// node's hybrid clock (local, not part of the converging state).
#[derive(Clone, Debug, Default)]
pub struct LwwMachine {
    map: BTreeMap<String, Versioned>,
    clock: HybridClock,
}

fn key_of(key: &Value) -> String {
    // serde_json objects are sorted maps, so this text is canonical.
    key.to_string()
}

impl LwwMachine {
    /// The value stored at `key`, if any.
    pub fn get(&self, key: &Value) -> Option<&Value> {
        self.map.get(&key_of(key)).map(|v| &v.value)
    }

    /// The converging state: every key with its value and stamp.
    pub fn state(&self) -> &BTreeMap<String, Versioned> {
        &self.map
    }

    /// Merges a stamped write: the key keeps whichever of the two has the higher
    /// stamp. Commutative and idempotent; equal times are decided by node id.
    pub fn merge(&mut self, key: &Value, value: &Value, stamp: &Stamp) {
        self.clock.observe(stamp.time);
        let incoming = Versioned {
            value: value.clone(),
            stamp: stamp.clone(),
        };
        match self.map.get_mut(&key_of(key)) {
            Some(current) if current.stamp >= *stamp => {}
            Some(current) => *current = incoming,
            None => {
                self.map.insert(key_of(key), incoming);
            }
        }
    }

    /// Stamps a new local write at physical time `now`, applies it, and returns the
    /// write to replicate.
    fn write_locally(&mut self, key: &Value, value: &Value, node: &str, now: u64) -> Payload {
        let stamp = Stamp {
            time: self.clock.tick(now),
            node: node.to_owned(),
        };
        self.merge(key, value, &stamp);
        Payload::LwwWrite {
            key: key.clone(),
            value: value.clone(),
            stamp,
        }
    }

    fn read(&self, key: &Value) -> Payload {
        match self.get(key) {
            Some(value) => Payload::ReadOk {
                value: value.clone(),
            },
            None => missing(key),
        }
    }
}

fn missing(key: &Value) -> Payload {
    Payload::error(
        ErrorCode::KeyDoesNotExist,
        format!("key {key} does not exist"),
    )
}

fn not_supported() -> Payload {
    Payload::error(
        ErrorCode::NotSupported,
        "the lww machine serves read, write and cas",
    )
}

impl StateMachine for LwwMachine {
    fn check(&self, request: &Payload) -> Result<(), Payload> {
        match request {
            Payload::Read { .. } | Payload::Write { .. } | Payload::Cas { .. } => Ok(()),
            _ => Err(not_supported()),
        }
    }

    /// Applies a replicated [`Payload::LwwWrite`] by merging it. Client requests are
    /// answered locally and never reach the log; a read that does anyway is answered
    /// from the state, and an unstamped write is refused (it cannot be stamped the
    /// same way on every node).
    fn apply(&mut self, request: &Payload) -> Payload {
        match request {
            Payload::LwwWrite { key, value, stamp } => {
                self.merge(key, value, stamp);
                Payload::WriteOk
            }
            Payload::Read { key } => self.read(key),
            _ => not_supported(),
        }
    }

    fn is_read_only(&self, request: &Payload) -> bool {
        matches!(request, Payload::Read { .. })
    }

    fn query(&self, request: &Payload) -> Payload {
        match request {
            Payload::Read { key } => self.read(key),
            _ => not_supported(),
        }
    }

    fn answer_locally(&mut self, request: &Payload, node: &str, now: u64) -> Option<LocalAnswer> {
        let answer = match request {
            Payload::Read { key } => LocalAnswer {
                reply: self.read(key),
                replicate: None,
            },
            Payload::Write { key, value } => LocalAnswer {
                reply: Payload::WriteOk,
                replicate: Some(self.write_locally(key, value, node, now)),
            },
            Payload::Cas {
                key,
                from,
                to,
                create_if_not_exists,
            } => match self.get(key) {
                Some(current) if current == from => LocalAnswer {
                    reply: Payload::CasOk,
                    replicate: Some(self.write_locally(key, to, node, now)),
                },
                Some(current) => LocalAnswer {
                    reply: Payload::error(
                        ErrorCode::PreconditionFailed,
                        format!("expected {from} at key {key}, but had {current}"),
                    ),
                    replicate: None,
                },
                None if create_if_not_exists == &Some(true) => LocalAnswer {
                    reply: Payload::CasOk,
                    replicate: Some(self.write_locally(key, to, node, now)),
                },
                None => LocalAnswer {
                    reply: missing(key),
                    replicate: None,
                },
            },
            _ => return None,
        };
        Some(answer)
    }
}

#[cfg(test)]
mod tests;
