//! Turning history records into kafka operations with interned keys and records.
//!
//! The history format (what `raft-kv`'s kafka clients record; Jepsen's shapes
//! plus the offsets a poll asked for):
//!
//! - `send`: `[["send", key, msg]]` on invoke, `[["send", key, [offset, msg]]]`
//!   when ok;
//! - `poll`: `[["poll", null, {key: from}]]` on invoke, `[["poll", {key: [[offset,
//!   msg], ...]}, {key: from}]]` when ok; the third element may be left out. An
//!   ok poll also committed, for each key it read, the highest offset it read;
//! - `txn`: a list of such send and poll micro-ops;
//! - `assign`: `{"keys": [...], "seek_to_beginning": bool}`, and when ok also
//!   `"committed": {key: offset}` (the listing it got; absent when seeking);
//! - `crash`: the client process restarts (always `info`).

use crate::check::fx::FxMap;
use crate::check::history::{F, History, Kind, Op};
use serde_json::{Map, Value};

/// A record: one message of one key, interned.
pub(crate) type Rid = u32;

/// An interned key.
pub(crate) type Key = u32;

/// How a message is recognised: integers directly, anything else by JSON text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum MsgKey {
    Int(i64),
    Text(String),
}

/// Interned keys and records.
#[derive(Debug, Default)]
pub(crate) struct Names {
    keys: Vec<String>,
    key_ids: FxMap<String, Key>,
    records: FxMap<(Key, MsgKey), Rid>,
    /// Per record: its key and its message's JSON text.
    pub record_key: Vec<Key>,
    record_text: Vec<String>,
}

impl Names {
    fn key(&mut self, name: &str) -> Key {
        if let Some(&k) = self.key_ids.get(name) {
            return k;
        }
        let k = self.keys.len() as Key;
        self.keys.push(name.to_owned());
        self.key_ids.insert(name.to_owned(), k);
        k
    }

    fn record(&mut self, key: Key, msg: &Value) -> Rid {
        let mk = match msg.as_i64() {
            Some(i) => MsgKey::Int(i),
            None => MsgKey::Text(msg.to_string()),
        };
        if let Some(&r) = self.records.get(&(key, mk.clone())) {
            return r;
        }
        let r = self.record_key.len() as Rid;
        self.record_key.push(key);
        self.record_text.push(msg.to_string());
        self.records.insert((key, mk), r);
        r
    }

    /// Number of keys.
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// Number of records.
    pub fn record_count(&self) -> usize {
        self.record_key.len()
    }

    /// The key's name.
    pub fn key_name(&self, k: Key) -> &str {
        self.keys.get(k as usize).map_or("?", String::as_str)
    }

    /// The key for messages: its name in quotes.
    pub fn label(&self, k: Key) -> String {
        format!("{:?}", self.key_name(k))
    }

    /// The record's message as JSON text.
    pub fn msg(&self, r: Rid) -> &str {
        self.record_text.get(r as usize).map_or("?", String::as_str)
    }
}

/// What a poll read: per key, (offset, record) pairs in reply order.
pub(crate) type PollReads = Vec<(Key, Vec<(u64, Rid)>)>;

/// One micro-operation.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Mop {
    /// A send of `rid` to `key`; `offset` when acknowledged.
    Send {
        key: Key,
        rid: Rid,
        offset: Option<u64>,
    },
    /// A poll: what it read per key (ok operations only), and the offsets it
    /// asked for, if recorded.
    Poll {
        reads: PollReads,
        from: Option<Vec<(Key, u64)>>,
    },
}

/// An assign: keys, whether it seeked to the beginning, the committed offsets
/// it listed (ok only).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Assign {
    pub keys: Vec<Key>,
    pub seek: bool,
    pub committed: Option<Vec<(Key, u64)>>,
}

/// One operation: invocation and completion.
#[derive(Clone, Debug)]
pub(crate) struct KOp<'a> {
    pub invoke: &'a Op,
    pub completion: Option<&'a Op>,
    pub outcome: Kind,
    pub f: F,
    pub mops: Vec<Mop>,
    pub assign: Option<Assign>,
}

impl KOp<'_> {
    /// The invoke and completion records, cloned.
    pub fn records(&self) -> Vec<Op> {
        let mut ops = vec![self.invoke.clone()];
        ops.extend(self.completion.cloned());
        ops
    }

    /// `process p, op <index>`: how messages name an operation.
    pub fn name(&self) -> String {
        format!(
            "{} by process {} (op {})",
            match self.f {
                F::Send => "send",
                F::Poll => "poll",
                F::Assign => "assign",
                _ => "txn",
            },
            self.invoke.process,
            self.invoke.index
        )
    }

    /// Time of invocation.
    pub fn start(&self) -> u64 {
        self.invoke.time
    }

    /// Time of an ok completion.
    pub fn end(&self) -> Option<u64> {
        match (self.outcome, self.completion) {
            (Kind::Ok, Some(c)) => Some(c.time),
            _ => None,
        }
    }

    /// Every (key, offset, record) this operation read, in order.
    pub fn reads(&self) -> impl Iterator<Item = (Key, u64, Rid)> + '_ {
        self.mops.iter().flat_map(|m| match m {
            Mop::Poll { reads, .. } => reads
                .iter()
                .flat_map(|(k, pairs)| pairs.iter().map(move |&(o, r)| (*k, o, r)))
                .collect::<Vec<_>>(),
            Mop::Send { .. } => Vec::new(),
        })
    }

    /// Every (key, record, offset) this operation sent, in order.
    pub fn sends(&self) -> impl Iterator<Item = (Key, Rid, Option<u64>)> + '_ {
        self.mops.iter().filter_map(|m| match *m {
            Mop::Send { key, rid, offset } => Some((key, rid, offset)),
            Mop::Poll { .. } => None,
        })
    }
}

/// A parsed history, and the records that could not be parsed.
#[derive(Debug)]
pub(crate) struct Parsed<'a> {
    pub ops: Vec<KOp<'a>>,
    pub names: Names,
    /// (message, records) of every ill-formed operation.
    pub ill_formed: Vec<(String, Vec<Op>)>,
}

fn key_name(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn offset(v: &Value) -> Result<u64, String> {
    v.as_u64()
        .ok_or_else(|| format!("offset {v} is not a non-negative integer"))
}

fn offsets_map(names: &mut Names, v: &Value) -> Result<Vec<(Key, u64)>, String> {
    let Value::Object(map) = v else {
        return Err(format!("offsets {v} are not a map"));
    };
    map.iter()
        .map(|(k, o)| Ok((names.key(k), offset(o)?)))
        .collect()
}

fn poll_reads(names: &mut Names, msgs: &Map<String, Value>) -> Result<PollReads, String> {
    let mut reads = Vec::with_capacity(msgs.len());
    for (k, pairs) in msgs {
        let key = names.key(k);
        let Value::Array(pairs) = pairs else {
            return Err(format!("poll of {k} is not a list: {pairs}"));
        };
        let mut out = Vec::with_capacity(pairs.len());
        for pair in pairs {
            let Some([o, m]) = pair.as_array().map(Vec::as_slice) else {
                return Err(format!("poll of {k} has {pair}, not [offset, msg]"));
            };
            out.push((offset(o)?, names.record(key, m)));
        }
        reads.push((key, out));
    }
    Ok(reads)
}

/// Micro-ops of a send, poll or txn record pair.
fn mops(names: &mut Names, invoke: &Op, done: Option<&Op>) -> Result<Vec<Mop>, String> {
    let source = done.unwrap_or(invoke);
    let Value::Array(items) = &source.value else {
        return Err(format!("value {} is not a list of micro-ops", source.value));
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let parts = item.as_array().map(Vec::as_slice).unwrap_or(&[]);
        match parts {
            [f, k, v] if f == "send" => {
                let key = names.key(&key_name(k));
                let (msg, off) = match (done, v.as_array().map(Vec::as_slice)) {
                    (Some(_), Some([o, m])) => (m, Some(offset(o)?)),
                    (Some(_), _) => {
                        return Err(format!("acknowledged send {item} has no [offset, msg]"));
                    }
                    (None, _) => (v, None),
                };
                out.push(Mop::Send {
                    key,
                    rid: names.record(key, msg),
                    offset: off,
                });
            }
            [f, rest @ ..] if f == "poll" && rest.len() <= 2 => {
                let reads = match (done, rest.first()) {
                    (Some(_), Some(Value::Object(msgs))) => poll_reads(names, msgs)?,
                    (Some(_), other) => {
                        return Err(format!("ok poll {item} has no map of messages ({other:?})"));
                    }
                    (None, _) => Vec::new(),
                };
                let from = match rest.get(1) {
                    Some(v) if !v.is_null() => Some(offsets_map(names, v)?),
                    _ => None,
                };
                out.push(Mop::Poll { reads, from });
            }
            _ => return Err(format!("micro-op {item} is not a send or poll")),
        }
    }
    Ok(out)
}

fn assign(names: &mut Names, invoke: &Op, done: Option<&Op>) -> Result<Assign, String> {
    let value = &done.unwrap_or(invoke).value;
    let keys = match value.get("keys") {
        Some(Value::Array(ks)) => ks.iter().map(|k| names.key(&key_name(k))).collect(),
        _ => return Err(format!("assign value {value} has no list of keys")),
    };
    let seek = value
        .get("seek_to_beginning")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let committed = match (done, value.get("committed")) {
        (Some(_), Some(c)) if !c.is_null() => Some(offsets_map(names, c)?),
        _ => None,
    };
    Ok(Assign {
        keys,
        seek,
        committed,
    })
}

/// Parses a history. Records that cannot be read are set aside as ill-formed;
/// the rest is still checked.
pub(crate) fn parse(history: &History) -> Result<Parsed<'_>, String> {
    let pairs = history.pairs()?;
    let mut names = Names::default();
    let mut ops = Vec::with_capacity(pairs.len());
    let mut ill_formed = Vec::new();
    for pair in pairs {
        let outcome = pair.outcome();
        let done = pair.completion.filter(|_| outcome == Kind::Ok);
        let f = pair.invoke.f;
        let parsed = match f {
            F::Send | F::Poll | F::Txn => mops(&mut names, pair.invoke, done).map(|m| (m, None)),
            F::Assign => assign(&mut names, pair.invoke, done).map(|a| (Vec::new(), Some(a))),
            F::Crash => Ok((Vec::new(), None)),
            other => Err(format!("{other:?} is not a kafka operation")),
        };
        match parsed {
            Ok((mops, assign)) => ops.push(KOp {
                invoke: pair.invoke,
                completion: pair.completion,
                outcome,
                f,
                mops,
                assign,
            }),
            Err(e) => {
                let mut records = vec![pair.invoke.clone()];
                records.extend(pair.completion.cloned());
                ill_formed.push((format!("op {}: {e}", pair.invoke.index), records));
            }
        }
    }
    Ok(Parsed {
        ops,
        names,
        ill_formed,
    })
}
