//! The `txn` machine: Maelstrom's txn-list-append. A whole transaction is one log
//! entry, so it is atomic and applied in log order on every node: micro-ops run in
//! order, reads see the transaction's own earlier appends, a key never appended to
//! reads `null`, and lists are created on first append.

use super::StateMachine;
use crate::protocol::{ErrorCode, Payload};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Lists by key (keys stored by their canonical JSON text).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TxnMachine {
    lists: HashMap<String, Vec<Value>>,
}

/// One parsed micro-op.
enum MicroOp<'a> {
    Read { key: &'a Value, given: &'a Value },
    Append { key: &'a Value, value: &'a Value },
}

fn parse(mop: &Value) -> Result<MicroOp<'_>, String> {
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

/// Checks a request's shape; `filled_reads` allows reads carrying a value.
fn validate(request: &Payload, filled_reads: bool) -> Result<(), Payload> {
    let Payload::Txn { txn } = request else {
        return Err(Payload::error(
            ErrorCode::NotSupported,
            "the txn machine serves txn requests",
        ));
    };
    for mop in txn {
        match parse(mop) {
            Ok(MicroOp::Read { given, .. }) if !given.is_null() && !filled_reads => {
                return Err(Payload::error(
                    ErrorCode::MalformedRequest,
                    format!("read {mop} must carry null as its value"),
                ));
            }
            Ok(_) => {}
            Err(e) => return Err(Payload::error(ErrorCode::MalformedRequest, e)),
        }
    }
    Ok(())
}

impl TxnMachine {
    /// The list at `key`, if it was ever appended to.
    pub fn list(&self, key: &Value) -> Option<&Vec<Value>> {
        self.lists.get(&key.to_string())
    }
}

impl StateMachine for TxnMachine {
    fn check(&self, request: &Payload) -> Result<(), Payload> {
        validate(request, false)
    }

    fn apply(&mut self, request: &Payload) -> Payload {
        // Only checked requests are proposed; still, a malformed one changes nothing.
        // Reads filled in before commit come only from the test-only NonAtomicTxn
        // mutation.
        if let Err(reply) = validate(request, cfg!(feature = "mutations")) {
            return reply;
        }
        let Payload::Txn { txn } = request else {
            return Payload::error(
                ErrorCode::NotSupported,
                "the txn machine serves txn requests",
            );
        };
        let mut out = Vec::with_capacity(txn.len());
        for mop in txn {
            match parse(mop) {
                Ok(MicroOp::Read { key, given }) => {
                    // A non-null value here was filled in before commit; only the
                    // test-only NonAtomicTxn mutation proposes such reads.
                    let value = if given.is_null() {
                        self.list(key)
                            .map_or(Value::Null, |l| Value::Array(l.clone()))
                    } else {
                        given.clone()
                    };
                    out.push(json!(["r", key, value]));
                }
                Ok(MicroOp::Append { key, value }) => {
                    self.lists
                        .entry(key.to_string())
                        .or_default()
                        .push(value.clone());
                    out.push(mop.clone());
                }
                // Cannot happen after validation; never panic on request data.
                Err(_) => out.push(mop.clone()),
            }
        }
        Payload::TxnOk { txn: out }
    }

    fn query(&self, request: &Payload) -> Payload {
        if !self.is_read_only(request) {
            return Payload::error(
                ErrorCode::NotSupported,
                "only read-only transactions can be queried",
            );
        }
        let Payload::Txn { txn } = request else {
            return Payload::error(
                ErrorCode::NotSupported,
                "the txn machine serves txn requests",
            );
        };
        let out = txn
            .iter()
            .map(|mop| match parse(mop) {
                Ok(MicroOp::Read { key, .. }) => {
                    json!([
                        "r",
                        key,
                        self.list(key)
                            .map_or(Value::Null, |l| Value::Array(l.clone()))
                    ])
                }
                _ => mop.clone(),
            })
            .collect();
        Payload::TxnOk { txn: out }
    }

    fn is_read_only(&self, request: &Payload) -> bool {
        match request {
            Payload::Txn { txn } => txn
                .iter()
                .all(|m| matches!(parse(m), Ok(MicroOp::Read { .. }))),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txn(ops: Value) -> Payload {
        Payload::Txn {
            txn: ops.as_array().unwrap().clone(),
        }
    }

    fn code(p: &Payload) -> Option<u64> {
        match p {
            Payload::Error { code, .. } => Some(code.code()),
            _ => None,
        }
    }

    #[test]
    fn never_appended_key_reads_null_and_reads_see_own_appends() {
        let mut m = TxnMachine::default();
        let reply = m.apply(&txn(json!([
            ["r", 1, null],
            ["append", 1, 5],
            ["r", 1, null],
            ["append", 1, 6],
            ["r", 1, null]
        ])));
        assert_eq!(
            reply,
            txn(json!([
                ["r", 1, null],
                ["append", 1, 5],
                ["r", 1, [5]],
                ["append", 1, 6],
                ["r", 1, [5, 6]]
            ]))
            .into_txn_ok()
        );
        let reply = m.apply(&txn(json!([["r", 1, null], ["r", 2, null]])));
        assert_eq!(
            reply,
            txn(json!([["r", 1, [5, 6]], ["r", 2, null]])).into_txn_ok()
        );
    }

    #[test]
    fn malformed_micro_ops_get_12_and_change_nothing() {
        let mut m = TxnMachine::default();
        for bad in [
            json!([["append", 1, 2], ["w", 1, 2]]),
            json!([["append", 1]]),
            json!([["append", 1, 2], ["r", 1, [2]]]),
            json!([["append", 1, 2], "r"]),
        ] {
            assert_eq!(
                code(&m.check(&txn(bad.clone())).unwrap_err()),
                Some(12),
                "{bad}"
            );
            if !cfg!(feature = "mutations") || !bad.to_string().contains("[2]]") {
                assert_eq!(code(&m.apply(&txn(bad))), Some(12));
            }
        }
        assert_eq!(m.list(&json!(1)), None, "nothing was appended");
    }

    #[test]
    fn read_only_means_only_reads() {
        let m = TxnMachine::default();
        assert!(m.is_read_only(&txn(json!([["r", 1, null], ["r", 2, null]]))));
        assert!(!m.is_read_only(&txn(json!([["r", 1, null], ["append", 2, 1]]))));
        assert!(m.check(&Payload::Read { key: json!(1) }).is_err());
    }

    trait IntoTxnOk {
        fn into_txn_ok(self) -> Payload;
    }

    impl IntoTxnOk for Payload {
        fn into_txn_ok(self) -> Payload {
            match self {
                Payload::Txn { txn } => Payload::TxnOk { txn },
                other => other,
            }
        }
    }
}
