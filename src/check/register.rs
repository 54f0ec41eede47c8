//! The compare-and-set register model used by the linearizability checker.
//!
//! Values are interned per key into small integers ([`ValueId`]) so that states can be
//! compared and hashed cheaply. [`ABSENT`] is the empty register (key not present); a JSON
//! `null` value is treated as absent too. [`UNKNOWN`] is a register whose initial value is
//! not fixed yet: the first operation that observes it binds it (used when checking a window
//! of a history that starts in an arbitrary state).

use serde_json::Value;
use std::collections::HashMap;

/// An interned register value.
pub type ValueId = u32;

/// The empty register: the key does not exist.
pub const ABSENT: ValueId = 0;

/// A register whose value is not known yet; the first observation decides it.
pub const UNKNOWN: ValueId = u32::MAX;

/// Interns JSON values to [`ValueId`]s. JSON `null` interns to [`ABSENT`].
#[derive(Debug, Default)]
pub struct Interner {
    ids: HashMap<String, ValueId>,
}

impl Interner {
    /// Returns the id of `v`, allocating a new one on first sight.
    pub fn intern(&mut self, v: &Value) -> ValueId {
        if v.is_null() {
            return ABSENT;
        }
        let next = self.ids.len() as ValueId + 1;
        *self.ids.entry(v.to_string()).or_insert(next)
    }
}

/// One register operation with interned arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegOp {
    /// A read that returned this value ([`ABSENT`] for a missing key).
    Read(ValueId),
    /// A write of this value.
    Write(ValueId),
    /// A successful compare-and-set `from -> to`.
    Cas(ValueId, ValueId),
}

impl RegOp {
    /// Applies the operation to `state`; `None` if it cannot have happened in that state.
    pub fn step(self, state: ValueId) -> Option<ValueId> {
        match self {
            RegOp::Read(v) => {
                if state == v {
                    Some(state)
                } else if state == UNKNOWN {
                    Some(v)
                } else {
                    None
                }
            }
            RegOp::Write(v) => Some(v),
            RegOp::Cas(from, to) => {
                // A cas on an absent key fails, so `from` can never match ABSENT.
                if from != ABSENT && (state == from || state == UNKNOWN) {
                    Some(to)
                } else {
                    None
                }
            }
        }
    }

    /// The value this operation writes, if it writes one.
    pub fn written(self) -> Option<ValueId> {
        match self {
            RegOp::Read(_) => None,
            RegOp::Write(v) | RegOp::Cas(_, v) => Some(v),
        }
    }

    /// True for operations that do not change the state.
    pub fn is_read(self) -> bool {
        matches!(self, RegOp::Read(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn register_steps() {
        let mut i = Interner::default();
        let one = i.intern(&json!(1));
        let two = i.intern(&json!(2));
        assert_eq!(i.intern(&Value::Null), ABSENT);
        assert_eq!(i.intern(&json!(1)), one);
        assert_eq!(RegOp::Read(ABSENT).step(ABSENT), Some(ABSENT));
        assert_eq!(RegOp::Read(one).step(ABSENT), None);
        assert_eq!(RegOp::Write(one).step(ABSENT), Some(one));
        assert_eq!(RegOp::Cas(one, two).step(one), Some(two));
        assert_eq!(RegOp::Cas(one, two).step(two), None);
        assert_eq!(RegOp::Cas(ABSENT, two).step(ABSENT), None);
        assert_eq!(RegOp::Read(two).step(UNKNOWN), Some(two));
        assert_eq!(RegOp::Cas(one, two).step(UNKNOWN), Some(two));
    }
}
