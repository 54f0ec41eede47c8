//! The lin-kv machine: a map from JSON keys to JSON values with read, write and cas.
//! Reads are served by ReadIndex; writes and cas go through the log.

use super::{Admit, Context, Rejection, StateMachine};
use crate::protocol::ErrorCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// A lin-kv request (Maelstrom's vocabulary).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KvRequest {
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
    /// Compare-and-set: `key` becomes `to` if it holds `from` (error 22 otherwise).
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

/// What lin-kv appends to the log: the requests that change state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KvCommand {
    /// Set `key` to `value`.
    Write {
        /// The key to write.
        key: Value,
        /// The value to store.
        value: Value,
    },
    /// Compare-and-set, decided when applied.
    Cas {
        /// The key to compare and set.
        key: Value,
        /// The value the client expects at `key`.
        from: Value,
        /// The value `key` takes when it holds `from`.
        to: Value,
        /// A missing key is created with `to` (absent from the log entry when false).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        create_if_not_exists: bool,
    },
}

/// A lin-kv reply.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KvReply {
    /// The value a read found.
    ReadOk {
        /// The value at the key.
        value: Value,
    },
    /// The write took effect.
    WriteOk,
    /// The cas took effect.
    CasOk,
}

/// lin-kv state: keys are stored by their canonical JSON text, so any JSON value
/// can be a key (`1` and `"1"` are different keys).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KvMachine {
    map: HashMap<String, Value>,
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

impl KvMachine {
    /// The value stored at `key`, if any.
    pub fn get(&self, key: &Value) -> Option<&Value> {
        self.map.get(&key_of(key))
    }
}

impl StateMachine for KvMachine {
    type Request = KvRequest;
    type Command = KvCommand;
    type Reply = KvReply;
    /// Every key (canonical JSON text) with its value, sorted.
    type Snapshot = BTreeMap<String, Value>;

    const NAME: &'static str = "kv";
    const REQUEST_TYPES: &'static [&'static str] = &["read", "write", "cas"];

    fn admit(&mut self, request: KvRequest, _ctx: &Context) -> Admit<Self> {
        match request {
            KvRequest::Read { .. } => Admit::Read,
            KvRequest::Write { key, value } => Admit::Propose(KvCommand::Write { key, value }),
            KvRequest::Cas {
                key,
                from,
                to,
                create_if_not_exists,
            } => Admit::Propose(KvCommand::Cas {
                key,
                from,
                to,
                create_if_not_exists: create_if_not_exists == Some(true),
            }),
        }
    }

    fn apply(&mut self, _index: u64, command: KvCommand) -> Result<KvReply, Rejection> {
        match command {
            KvCommand::Write { key, value } => {
                self.map.insert(key_of(&key), value);
                Ok(KvReply::WriteOk)
            }
            KvCommand::Cas {
                key,
                from,
                to,
                create_if_not_exists,
            } => match self.map.get_mut(&key_of(&key)) {
                Some(current) if *current == from => {
                    *current = to;
                    Ok(KvReply::CasOk)
                }
                Some(current) => Err(Rejection::new(
                    ErrorCode::PreconditionFailed,
                    format!("expected {from} at key {key}, but had {current}"),
                )),
                None if create_if_not_exists => {
                    self.map.insert(key_of(&key), to);
                    Ok(KvReply::CasOk)
                }
                None => Err(missing(&key)),
            },
        }
    }

    fn query(&self, request: &KvRequest) -> Result<KvReply, Rejection> {
        match request {
            KvRequest::Read { key } => match self.get(key) {
                Some(value) => Ok(KvReply::ReadOk {
                    value: value.clone(),
                }),
                None => Err(missing(key)),
            },
            _ => Err(Rejection::not_supported("only reads can be queried")),
        }
    }

    fn snapshot(&self) -> Self::Snapshot {
        self.map
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    fn restore(&mut self, snapshot: Self::Snapshot) {
        self.map = snapshot.into_iter().collect();
    }
}

#[cfg(test)]
mod tests;
