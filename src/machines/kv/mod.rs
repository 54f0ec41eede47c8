//! The lin-kv machine: a map from JSON keys to JSON values with read, write and cas.

use super::StateMachine;
use crate::protocol::{ErrorCode, Payload};
use serde_json::Value;
use std::collections::HashMap;

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

impl KvMachine {
    /// The value stored at `key`, if any.
    pub fn get(&self, key: &Value) -> Option<&Value> {
        self.map.get(&key_of(key))
    }
}

impl StateMachine for KvMachine {
    fn check(&self, request: &Payload) -> Result<(), Payload> {
        match request {
            Payload::Read { .. } | Payload::Write { .. } | Payload::Cas { .. } => Ok(()),
            _ => Err(Payload::error(
                ErrorCode::NotSupported,
                "the kv machine serves read, write and cas",
            )),
        }
    }

    fn apply(&mut self, request: &Payload) -> Payload {
        match request {
            Payload::Read { .. } => self.query(request),
            Payload::Write { key, value } => {
                self.map.insert(key_of(key), value.clone());
                Payload::WriteOk
            }
            Payload::Cas {
                key,
                from,
                to,
                create_if_not_exists,
            } => match self.map.get_mut(&key_of(key)) {
                Some(current) if current == from => {
                    *current = to.clone();
                    Payload::CasOk
                }
                Some(current) => Payload::error(
                    ErrorCode::PreconditionFailed,
                    format!("expected {from} at key {key}, but had {current}"),
                ),
                None if create_if_not_exists == &Some(true) => {
                    self.map.insert(key_of(key), to.clone());
                    Payload::CasOk
                }
                None => Payload::error(
                    ErrorCode::KeyDoesNotExist,
                    format!("key {key} does not exist"),
                ),
            },
            _ => Payload::error(
                ErrorCode::NotSupported,
                "the kv machine serves read, write and cas",
            ),
        }
    }

    fn is_read_only(&self, request: &Payload) -> bool {
        matches!(request, Payload::Read { .. })
    }

    fn query(&self, request: &Payload) -> Payload {
        match request {
            Payload::Read { key } => match self.get(key) {
                Some(value) => Payload::ReadOk {
                    value: value.clone(),
                },
                None => Payload::error(
                    ErrorCode::KeyDoesNotExist,
                    format!("key {key} does not exist"),
                ),
            },
            _ => Payload::error(ErrorCode::NotSupported, "only reads can be queried"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn code(p: &Payload) -> Option<u64> {
        match p {
            Payload::Error { code, .. } => Some(code.code()),
            _ => None,
        }
    }

    #[test]
    fn read_of_missing_key_is_20_and_write_then_read_returns_value() {
        let mut m = KvMachine::default();
        assert_eq!(code(&m.apply(&Payload::Read { key: json!("x") })), Some(20));
        assert_eq!(
            m.apply(&Payload::Write {
                key: json!("x"),
                value: json!(1)
            }),
            Payload::WriteOk
        );
        assert_eq!(
            m.apply(&Payload::Read { key: json!("x") }),
            Payload::ReadOk { value: json!(1) }
        );
    }

    #[test]
    fn cas_checks_missing_key_and_precondition() {
        let mut m = KvMachine::default();
        let cas = |from, to| Payload::Cas {
            key: json!(1),
            from,
            to,
            create_if_not_exists: None,
        };
        assert_eq!(code(&m.apply(&cas(json!(0), json!(1)))), Some(20));
        m.apply(&Payload::Write {
            key: json!(1),
            value: json!(2),
        });
        assert_eq!(code(&m.apply(&cas(json!(0), json!(1)))), Some(22));
        assert_eq!(
            m.get(&json!(1)),
            Some(&json!(2)),
            "a failed cas changes nothing"
        );
        assert_eq!(m.apply(&cas(json!(2), json!(3))), Payload::CasOk);
        assert_eq!(m.get(&json!(1)), Some(&json!(3)));
    }

    #[test]
    fn cas_create_if_not_exists_creates_the_key() {
        let mut m = KvMachine::default();
        let req = Payload::Cas {
            key: json!("k"),
            from: json!(9),
            to: json!(4),
            create_if_not_exists: Some(true),
        };
        assert_eq!(m.apply(&req), Payload::CasOk);
        assert_eq!(m.get(&json!("k")), Some(&json!(4)));
    }

    #[test]
    fn keys_of_different_json_types_are_distinct() {
        let mut m = KvMachine::default();
        m.apply(&Payload::Write {
            key: json!(1),
            value: json!("int"),
        });
        m.apply(&Payload::Write {
            key: json!("1"),
            value: json!("str"),
        });
        assert_eq!(m.get(&json!(1)), Some(&json!("int")));
        assert_eq!(m.get(&json!("1")), Some(&json!("str")));
    }

    #[test]
    fn only_reads_are_read_only_and_txn_is_refused() {
        let m = KvMachine::default();
        assert!(m.is_read_only(&Payload::Read { key: json!(1) }));
        assert!(!m.is_read_only(&Payload::Write {
            key: json!(1),
            value: json!(1)
        }));
        assert!(m.check(&Payload::Txn { txn: vec![] }).is_err());
    }
}
