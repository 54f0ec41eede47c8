//! The `g-counter` and `pn-counter` machines (Maelstrom's counter workloads):
//! `add {delta}` → `add_ok`, `read` → `read_ok {value}`.
//!
//! **Through the log, linearizable**: an add is a log entry applied on every node,
//! a read is served after ReadIndex like lin-kv's. Maelstrom only asks that the
//! final reads after healing equal the acknowledged sum plus some of the
//! indefinite adds; a linearizable counter promises more (every read lies between
//! what was acknowledged before it began and what was attempted before it ended),
//! which the counter checker's strict mode verifies. The price is availability:
//! a node cut off from the majority answers error 11 or nothing.
//!
//! g-counter refuses a negative delta (error 12); pn-counter takes any. A sum that
//! would leave the 64-bit range is refused when applied (error 22, definite: the
//! counter did not change).

#[cfg(test)]
mod tests;

use super::{Admit, Context, Rejection, StateMachine};
use crate::protocol::ErrorCode;
use serde::{Deserialize, Serialize};

/// A counter request.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CounterRequest {
    /// Add `delta` to the counter.
    Add {
        /// The amount (negative only for pn-counter).
        delta: i64,
    },
    /// Read the counter.
    Read,
}

/// What a counter appends to the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CounterAdd {
    /// The amount to add.
    pub delta: i64,
}

/// A counter reply.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CounterReply {
    /// The add took effect.
    AddOk,
    /// The counter's value.
    ReadOk {
        /// The sum of every add applied.
        value: i64,
    },
}

/// A counter; `SIGNED` allows negative deltas (pn-counter).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CounterMachine<const SIGNED: bool> {
    value: i64,
}

/// Maelstrom's g-counter: non-negative deltas only.
pub type GCounterMachine = CounterMachine<false>;
/// Maelstrom's pn-counter: any delta.
pub type PnCounterMachine = CounterMachine<true>;

impl<const SIGNED: bool> CounterMachine<SIGNED> {
    /// The applied sum.
    pub fn value(&self) -> i64 {
        self.value
    }
}

impl<const SIGNED: bool> StateMachine for CounterMachine<SIGNED> {
    type Request = CounterRequest;
    type Command = CounterAdd;
    type Reply = CounterReply;
    /// The sum.
    type Snapshot = i64;

    const NAME: &'static str = if SIGNED { "pn-counter" } else { "g-counter" };
    const REQUEST_TYPES: &'static [&'static str] = &["add", "read"];

    fn admit(&mut self, request: CounterRequest, _ctx: &Context) -> Admit<Self> {
        match request {
            CounterRequest::Add { delta } if delta < 0 && !SIGNED => Admit::reject(
                Rejection::malformed(format!("a g-counter only grows: delta {delta} is negative")),
            ),
            CounterRequest::Add { delta } => Admit::Propose(CounterAdd { delta }),
            CounterRequest::Read => Admit::Read,
        }
    }

    fn apply(&mut self, _index: u64, add: CounterAdd) -> Result<CounterReply, Rejection> {
        match self.value.checked_add(add.delta) {
            Some(sum) => {
                self.value = sum;
                Ok(CounterReply::AddOk)
            }
            None => Err(Rejection::new(
                ErrorCode::PreconditionFailed,
                format!("{} + {} leaves the 64-bit range", self.value, add.delta),
            )),
        }
    }

    fn query(&self, request: &CounterRequest) -> Result<CounterReply, Rejection> {
        match request {
            CounterRequest::Read => Ok(CounterReply::ReadOk { value: self.value }),
            CounterRequest::Add { .. } => {
                Err(Rejection::not_supported("only reads can be queried"))
            }
        }
    }

    fn snapshot(&self) -> i64 {
        self.value
    }

    fn restore(&mut self, value: i64) {
        self.value = value;
    }
}
