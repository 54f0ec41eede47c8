//! The `txn-rw` machine: Maelstrom's txn-rw-register. Registers by key; a
//! transaction `[["r", k, null], ["w", k, v], ...]` is one log entry, so it is
//! atomic and applied in log order on every node (strict serializable): micro-ops
//! run in order, a read sees the transaction's own earlier writes, and a key never
//! written reads `null`. Read-only transactions are served by ReadIndex.

#[cfg(feature = "mutations")]
mod non_atomic;
#[cfg(test)]
mod tests;

#[cfg(feature = "mutations")]
pub use non_atomic::NonAtomicRw;

use super::{Admit, Context, Rejection, StateMachine};
use crate::protocol::ClientBody;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

/// A txn-rw-register request.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RwRequest {
    /// Micro-ops `["r", k, null]` and `["w", k, v]`, validated on decode.
    Txn {
        /// The micro-ops, in order.
        txn: Vec<Value>,
    },
}

/// A transaction in the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RwCommand {
    /// The micro-ops, in order: reads `["r", k, null]` and writes `["w", k, v]`.
    pub txn: Vec<Value>,
}

/// A txn-rw-register reply: the transaction with every read filled in.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RwReply {
    /// The transaction committed.
    TxnOk {
        /// The request's micro-ops, each read with the value it found.
        txn: Vec<Value>,
    },
}

/// Registers by key (keys stored by their canonical JSON text).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RwMachine {
    registers: HashMap<String, Value>,
}

/// One parsed micro-op.
pub(crate) enum MicroOp<'a> {
    Read { key: &'a Value, given: &'a Value },
    Write { key: &'a Value, value: &'a Value },
}

pub(crate) fn parse(mop: &Value) -> Result<MicroOp<'_>, String> {
    let Some([f, key, value]) = mop.as_array().map(Vec::as_slice) else {
        return Err(format!("micro-op {mop} is not [f, key, value]"));
    };
    match f.as_str() {
        Some("r") => Ok(MicroOp::Read { key, given: value }),
        Some("w") => Ok(MicroOp::Write { key, value }),
        _ => Err(format!(
            "micro-op {mop} has unknown function {f}: expected \"r\" or \"w\""
        )),
    }
}

/// Checks every micro-op's shape; a client's reads must carry `null`.
fn validate(txn: &[Value]) -> Result<(), Rejection> {
    for mop in txn {
        match parse(mop) {
            Ok(MicroOp::Read { given, .. }) if !given.is_null() => {
                return Err(Rejection::malformed(format!(
                    "read {mop} must carry null as its value"
                )));
            }
            Ok(_) => {}
            Err(e) => return Err(Rejection::malformed(e)),
        }
    }
    Ok(())
}

impl RwMachine {
    /// The value of `key`, `null` if it was never written.
    pub fn get(&self, key: &Value) -> Value {
        self.registers
            .get(&key.to_string())
            .cloned()
            .unwrap_or(Value::Null)
    }

    pub(crate) fn set(&mut self, key: &Value, value: &Value) {
        self.registers.insert(key.to_string(), value.clone());
    }

    /// The transaction with its reads filled in from the current state, changing
    /// nothing (writes are not applied).
    pub(crate) fn read_all(&self, txn: &[Value]) -> Vec<Value> {
        txn.iter()
            .map(|mop| match parse(mop) {
                Ok(MicroOp::Read { key, .. }) => json!(["r", key, self.get(key)]),
                _ => mop.clone(),
            })
            .collect()
    }
}

impl StateMachine for RwMachine {
    type Request = RwRequest;
    type Command = RwCommand;
    type Reply = RwReply;
    /// Every register by key (canonical JSON text), sorted.
    type Snapshot = BTreeMap<String, Value>;

    const NAME: &'static str = "txn-rw";
    const REQUEST_TYPES: &'static [&'static str] = &["txn"];

    fn decode(body: &ClientBody) -> Result<RwRequest, Rejection> {
        let request: RwRequest = body
            .decode()
            .map_err(|e| Rejection::malformed(format!("bad txn request: {e}")))?;
        let RwRequest::Txn { txn } = &request;
        validate(txn)?;
        Ok(request)
    }

    fn admit(&mut self, request: RwRequest, _ctx: &Context) -> Admit<Self> {
        let RwRequest::Txn { txn } = request;
        if txn
            .iter()
            .all(|m| matches!(parse(m), Ok(MicroOp::Read { .. })))
        {
            Admit::Read
        } else {
            Admit::Propose(RwCommand { txn })
        }
    }

    fn apply(&mut self, _index: u64, command: RwCommand) -> Result<RwReply, Rejection> {
        // Only validated transactions are proposed; still, a malformed one changes
        // nothing.
        validate(&command.txn)?;
        let mut out = Vec::with_capacity(command.txn.len());
        for mop in &command.txn {
            match parse(mop) {
                Ok(MicroOp::Read { key, .. }) => out.push(json!(["r", key, self.get(key)])),
                Ok(MicroOp::Write { key, value }) => {
                    self.set(key, value);
                    out.push(mop.clone());
                }
                // Cannot happen after validation; never panic on request data.
                Err(_) => out.push(mop.clone()),
            }
        }
        Ok(RwReply::TxnOk { txn: out })
    }

    fn query(&self, request: &RwRequest) -> Result<RwReply, Rejection> {
        let RwRequest::Txn { txn } = request;
        Ok(RwReply::TxnOk {
            txn: self.read_all(txn),
        })
    }

    fn snapshot(&self) -> Self::Snapshot {
        self.registers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    fn restore(&mut self, snapshot: Self::Snapshot) {
        self.registers = snapshot.into_iter().collect();
    }
}
