//! The `txn` machine: Maelstrom's txn-list-append. A whole transaction is one log
//! entry, so it is atomic and applied in log order on every node: micro-ops run in
//! order, reads see the transaction's own earlier appends, a key never appended to
//! reads `null`, and lists are created on first append. Read-only transactions are
//! served by ReadIndex.

#[cfg(feature = "mutations")]
mod non_atomic;
#[cfg(test)]
mod tests;

#[cfg(feature = "mutations")]
pub use non_atomic::NonAtomicTxn;

use super::{Admit, Context, Rejection, StateMachine};
use crate::protocol::ClientBody;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

/// A txn-list-append request.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TxnRequest {
    /// Micro-ops `["r", k, null]` and `["append", k, v]`, validated on decode.
    Txn {
        /// The micro-ops, in order.
        txn: Vec<Value>,
    },
}

/// A transaction in the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TxnCommand {
    /// The micro-ops, in order: reads `["r", k, null]` and writes `["append", k, v]`.
    pub txn: Vec<Value>,
}

/// A txn-list-append reply: the transaction with every read filled in.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TxnReply {
    /// The transaction committed.
    TxnOk {
        /// The request's micro-ops, each read with the value it found.
        txn: Vec<Value>,
    },
}

/// Lists by key (keys stored by their canonical JSON text).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TxnMachine {
    lists: HashMap<String, Vec<Value>>,
}

/// One parsed micro-op.
pub(crate) enum MicroOp<'a> {
    Read { key: &'a Value, given: &'a Value },
    Append { key: &'a Value, value: &'a Value },
}

pub(crate) fn parse(mop: &Value) -> Result<MicroOp<'_>, String> {
    let Some([f, key, value]) = mop.as_array().map(Vec::as_slice) else {
        return Err(format!("micro-op {mop} is not [f, key, value]"));
    };
    match f.as_str() {
        Some("r") => Ok(MicroOp::Read { key, given: value }),
        Some("append") => Ok(MicroOp::Append { key, value }),
        _ => Err(format!(
            "micro-op {mop} has unknown function {f}: expected \"r\" or \"append\""
        )),
    }
}

/// Checks every micro-op's shape; a client's reads must carry `null`, and appends
/// an integer (Maelstrom's txn-list-append appends integers).
fn validate(txn: &[Value]) -> Result<(), Rejection> {
    for mop in txn {
        match parse(mop) {
            Ok(MicroOp::Read { given, .. }) if !given.is_null() => {
                return Err(Rejection::malformed(format!(
                    "read {mop} must carry null as its value"
                )));
            }
            Ok(MicroOp::Append { value, .. }) if !(value.is_i64() || value.is_u64()) => {
                return Err(Rejection::malformed(format!(
                    "append {mop} must append an integer"
                )));
            }
            Ok(_) => {}
            Err(e) => return Err(Rejection::malformed(e)),
        }
    }
    Ok(())
}

impl TxnMachine {
    /// The list at `key`, if it was ever appended to.
    pub fn list(&self, key: &Value) -> Option<&Vec<Value>> {
        self.lists.get(&key.to_string())
    }

    fn read(&self, key: &Value) -> Value {
        self.list(key)
            .map_or(Value::Null, |l| Value::Array(l.clone()))
    }

    pub(crate) fn append(&mut self, key: &Value, value: &Value) {
        self.lists
            .entry(key.to_string())
            .or_default()
            .push(value.clone());
    }

    /// The transaction with its reads filled in from the current state, changing
    /// nothing (appends are not applied).
    pub(crate) fn read_all(&self, txn: &[Value]) -> Vec<Value> {
        txn.iter()
            .map(|mop| match parse(mop) {
                Ok(MicroOp::Read { key, .. }) => json!(["r", key, self.read(key)]),
                _ => mop.clone(),
            })
            .collect()
    }
}

impl StateMachine for TxnMachine {
    type Request = TxnRequest;
    type Command = TxnCommand;
    type Reply = TxnReply;
    /// Every list by key (canonical JSON text), sorted.
    type Snapshot = BTreeMap<String, Vec<Value>>;

    const NAME: &'static str = "txn";
    const REQUEST_TYPES: &'static [&'static str] = &["txn"];

    fn decode(body: &ClientBody) -> Result<TxnRequest, Rejection> {
        let request: TxnRequest = body
            .decode()
            .map_err(|e| Rejection::malformed(format!("bad txn request: {e}")))?;
        let TxnRequest::Txn { txn } = &request;
        validate(txn)?;
        Ok(request)
    }

    fn admit(&mut self, request: TxnRequest, _ctx: &Context) -> Admit<Self> {
        let TxnRequest::Txn { txn } = request;
        if txn
            .iter()
            .all(|m| matches!(parse(m), Ok(MicroOp::Read { .. })))
        {
            Admit::Read
        } else {
            Admit::Propose(TxnCommand { txn })
        }
    }

    fn apply(&mut self, _index: u64, command: TxnCommand) -> Result<TxnReply, Rejection> {
        // Only validated transactions are proposed; still, a malformed one changes
        // nothing.
        validate(&command.txn)?;
        let mut out = Vec::with_capacity(command.txn.len());
        for mop in &command.txn {
            match parse(mop) {
                Ok(MicroOp::Read { key, .. }) => out.push(json!(["r", key, self.read(key)])),
                Ok(MicroOp::Append { key, value }) => {
                    self.append(key, value);
                    out.push(mop.clone());
                }
                // Cannot happen after validation; never panic on request data.
                Err(_) => out.push(mop.clone()),
            }
        }
        Ok(TxnReply::TxnOk { txn: out })
    }

    fn query(&self, request: &TxnRequest) -> Result<TxnReply, Rejection> {
        let TxnRequest::Txn { txn } = request;
        Ok(TxnReply::TxnOk {
            txn: self.read_all(txn),
        })
    }

    fn snapshot(&self) -> Self::Snapshot {
        self.lists
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    fn restore(&mut self, snapshot: Self::Snapshot) {
        self.lists = snapshot.into_iter().collect();
    }
}
