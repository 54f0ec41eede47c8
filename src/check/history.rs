//! Operation histories in the Jepsen style: every client operation is an `invoke`
//! followed (maybe) by one completion (`ok`, `fail` or `info`) from the same process.
//!
//! Histories are written and read as JSON lines, one [`Op`] per line.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::io::{self, BufRead, Write};

/// What an operation record says about the operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The client sent the request.
    Invoke,
    /// The operation happened, with the completion's value.
    Ok,
    /// The operation definitely did not happen.
    Fail,
    /// The operation may or may not have happened (timeout or indefinite error).
    Info,
}

/// The operation's function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum F {
    /// Read a key: value is `null` on invoke, the value read (or `null` if absent) on ok.
    Read,
    /// Write a key: value is the value written.
    Write,
    /// Compare-and-set: value is `[from, to]`.
    Cas,
    /// A list-append transaction: value is `[[f, k, v], ...]`; on ok, reads are filled in.
    Txn,
    /// echo: value is the payload sent; on ok, the payload that came back.
    Echo,
    /// unique-ids: value is `null`; on ok, the id handed out.
    Generate,
    /// g-set add (value: the element) or counter add (value: the delta).
    Add,
    /// broadcast: value is the message.
    Broadcast,
    /// kafka: send a message to a key (see [`crate::check::kafka`] for values).
    Send,
    /// kafka: poll the assigned keys from the process's positions.
    Poll,
    /// kafka: assign keys to the process (listing their committed offsets).
    Assign,
    /// kafka: the client process restarts, losing its positions (always `info`).
    Crash,
}

impl F {
    /// The name histories use (`read`, `cas`, `broadcast`, …).
    pub fn name(self) -> &'static str {
        match self {
            F::Read => "read",
            F::Write => "write",
            F::Cas => "cas",
            F::Txn => "txn",
            F::Echo => "echo",
            F::Generate => "generate",
            F::Add => "add",
            F::Broadcast => "broadcast",
            F::Send => "send",
            F::Poll => "poll",
            F::Assign => "assign",
            F::Crash => "crash",
        }
    }
}

/// One history record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Op {
    /// Position in the history (0-based, dense).
    pub index: usize,
    /// Time in microseconds since the start of the test (virtual or real).
    pub time: u64,
    /// Logical client process. A process has at most one operation outstanding;
    /// after an `info` the process is retired and never used again.
    pub process: u64,
    #[serde(rename = "type")]
    pub kind: Kind,
    pub f: F,
    /// The key for single-key operations (lin-kv, lww-kv); `None` for transactions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<Value>,
    #[serde(default)]
    pub value: Value,
    /// Error code or description on `fail` / `info`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The node the client talked to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

impl Op {
    /// A record at time 0 with no error or node (index is filled in by
    /// [`History::push`]).
    pub fn new(process: u64, kind: Kind, f: F, key: Option<Value>, value: Value) -> Op {
        Op {
            index: 0,
            time: 0,
            process,
            kind,
            f,
            key,
            value,
            error: None,
            node: None,
        }
    }

    /// The same record with an error description.
    pub fn with_error(mut self, error: Option<&str>) -> Op {
        self.error = error.map(str::to_owned);
        self
    }

    /// The same record, made through `node`.
    pub fn with_node(mut self, node: &str) -> Op {
        self.node = Some(node.to_owned());
        self
    }
}

/// A whole history, in record order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    pub ops: Vec<Op>,
}

/// An operation together with its completion, if it has one.
#[derive(Clone, Copy, Debug)]
pub struct Pair<'a> {
    pub invoke: &'a Op,
    /// `None` means the operation never completed: treat it like `info`.
    pub completion: Option<&'a Op>,
}

impl<'a> Pair<'a> {
    /// The outcome: `Ok`, `Fail` or `Info` (an unfinished op counts as `Info`).
    pub fn outcome(&self) -> Kind {
        self.completion.map_or(Kind::Info, |c| c.kind)
    }
}

impl History {
    /// Appends a record, filling in its index.
    pub fn push(&mut self, mut op: Op) {
        op.index = self.ops.len();
        self.ops.push(op);
    }

    /// Pairs every invoke with the next record of the same process.
    /// Returns an error if the history is ill-formed (a completion with no invoke,
    /// or two invokes outstanding for one process).
    pub fn pairs(&self) -> Result<Vec<Pair<'_>>, String> {
        use std::collections::HashMap;
        let mut open: HashMap<u64, usize> = HashMap::new();
        let mut pairs: Vec<Pair<'_>> = Vec::new();
        for op in &self.ops {
            match op.kind {
                Kind::Invoke => {
                    if open.contains_key(&op.process) {
                        return Err(format!(
                            "process {} invoked op {} while another was outstanding",
                            op.process, op.index
                        ));
                    }
                    open.insert(op.process, pairs.len());
                    pairs.push(Pair {
                        invoke: op,
                        completion: None,
                    });
                }
                _ => {
                    let Some(i) = open.remove(&op.process) else {
                        return Err(format!(
                            "op {} completes process {} which has nothing outstanding",
                            op.index, op.process
                        ));
                    };
                    pairs[i].completion = Some(op);
                }
            }
        }
        Ok(pairs)
    }

    /// Writes the history as JSON lines.
    pub fn write_jsonl(&self, mut out: impl Write) -> io::Result<()> {
        for op in &self.ops {
            serde_json::to_writer(&mut out, op)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Reads a history from JSON lines; blank lines are skipped.
    pub fn read_jsonl(input: impl BufRead) -> Result<History, String> {
        let mut ops = Vec::new();
        for (n, line) in input.lines().enumerate() {
            let line = line.map_err(|e| format!("line {}: {e}", n + 1))?;
            if line.trim().is_empty() {
                continue;
            }
            let op: Op = serde_json::from_str(&line).map_err(|e| format!("line {}: {e}", n + 1))?;
            ops.push(op);
        }
        Ok(History { ops })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(process: u64, kind: Kind, f: F, value: Value) -> Op {
        Op::new(process, kind, f, Some(json!(1)), value)
    }

    #[test]
    fn jsonl_round_trip_and_pairs() {
        let mut h = History::default();
        h.push(op(0, Kind::Invoke, F::Write, json!(3)));
        h.push(op(1, Kind::Invoke, F::Read, Value::Null));
        h.push(op(0, Kind::Ok, F::Write, json!(3)));
        let mut buf = Vec::new();
        h.write_jsonl(&mut buf).unwrap();
        let back = History::read_jsonl(&buf[..]).unwrap();
        assert_eq!(back, h);
        let pairs = back.pairs().unwrap();
        assert_eq!(pairs.len(), 2);
        assert_eq!(pairs[0].outcome(), Kind::Ok);
        assert_eq!(pairs[1].outcome(), Kind::Info);
    }

    #[test]
    fn function_names_are_the_serialized_names() {
        let all = [
            F::Read,
            F::Write,
            F::Cas,
            F::Txn,
            F::Echo,
            F::Generate,
            F::Add,
            F::Broadcast,
        ];
        for f in all {
            assert_eq!(serde_json::to_value(f).unwrap(), json!(f.name()));
        }
    }

    #[test]
    fn ill_formed_histories_are_rejected() {
        let mut h = History::default();
        h.push(op(0, Kind::Ok, F::Write, json!(3)));
        assert!(h.pairs().is_err());
        let mut h = History::default();
        h.push(op(0, Kind::Invoke, F::Write, json!(3)));
        h.push(op(0, Kind::Invoke, F::Write, json!(4)));
        assert!(h.pairs().is_err());
    }
}
