//! Hand-made transactional histories for the Elle-style checkers' tests.

use crate::check::history::{F, History, Kind, Op};
use serde_json::Value;

/// Builds hand-made histories; records are sorted by time when finished
/// (completions before invocations at equal times, then insertion order).
#[derive(Default)]
pub(crate) struct Builder {
    events: Vec<(u64, u8, usize, Op)>,
}

/// The invocation form of a txn value: reads become `null`.
fn invocation(value: &Value) -> Value {
    match value {
        Value::Array(mops) => Value::Array(
            mops.iter()
                .map(|m| match m {
                    Value::Array(parts) if parts.len() == 3 && parts[0] == "r" => {
                        Value::Array(vec![parts[0].clone(), parts[1].clone(), Value::Null])
                    }
                    other => other.clone(),
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn record(process: u64, time: u64, kind: Kind, value: Value) -> Op {
    Op {
        index: 0,
        time,
        process,
        kind,
        f: F::Txn,
        key: None,
        value,
        error: None,
        node: None,
    }
}

impl Builder {
    /// A transaction on `process` from `start` to `end` with outcome `kind`; `value`
    /// is the completion's value (reads filled in), the invocation is derived.
    pub fn txn(
        &mut self,
        process: u64,
        start: u64,
        end: u64,
        kind: Kind,
        value: Value,
    ) -> &mut Self {
        let seq = self.events.len();
        let inv = record(process, start, Kind::Invoke, invocation(&value));
        self.events.push((start, 1, seq, inv));
        let done_value = if kind == Kind::Ok {
            value
        } else {
            invocation(&value)
        };
        self.events
            .push((end, 0, seq + 1, record(process, end, kind, done_value)));
        self
    }

    /// An `ok` transaction.
    pub fn ok(&mut self, process: u64, start: u64, end: u64, value: Value) -> &mut Self {
        self.txn(process, start, end, Kind::Ok, value)
    }

    /// A transaction that was invoked and never completed.
    pub fn open(&mut self, process: u64, start: u64, value: Value) -> &mut Self {
        let seq = self.events.len();
        let inv = record(process, start, Kind::Invoke, invocation(&value));
        self.events.push((start, 1, seq, inv));
        self
    }

    /// The history.
    pub fn history(&self) -> History {
        let mut events = self.events.clone();
        events.sort_by_key(|(t, tag, seq, _)| (*t, *tag, *seq));
        let mut h = History::default();
        for (_, _, _, op) in events {
            h.push(op);
        }
        h
    }
}
