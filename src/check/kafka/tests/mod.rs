//! Tests for the kafka checker: hand-made histories for every anomaly, and
//! valid ones.

mod anomalies;
mod valid;

use crate::check::history::{F, History, Kind, Op};
use crate::check::kafka::{KafkaAnomalyKind, KafkaReport, check};
use serde_json::{Value, json};

/// Builds hand-made kafka histories; records are sorted by time when finished
/// (completions first at equal times, then insertion order).
#[derive(Default)]
pub(super) struct Kafka {
    events: Vec<(u64, u8, usize, Op)>,
}

impl Kafka {
    #[allow(clippy::too_many_arguments)]
    fn op(
        &mut self,
        process: u64,
        start: u64,
        end: u64,
        f: F,
        kind: Kind,
        inv: Value,
        done: Value,
    ) -> &mut Self {
        let seq = self.events.len();
        let mut i = Op::new(process, Kind::Invoke, f, None, inv);
        i.time = start;
        let mut d = Op::new(process, kind, f, None, done);
        d.time = end;
        self.events.push((start, 1, seq, i));
        self.events.push((end, 0, seq + 1, d));
        self
    }

    /// An acknowledged send of `msg` to `key` at `offset`.
    pub fn send(
        &mut self,
        process: u64,
        start: u64,
        end: u64,
        key: &str,
        msg: i64,
        offset: u64,
    ) -> &mut Self {
        self.op(
            process,
            start,
            end,
            F::Send,
            Kind::Ok,
            json!([["send", key, msg]]),
            json!([["send", key, [offset, msg]]]),
        )
    }

    /// A send that ended `kind` (fail or info).
    pub fn send_not_ok(
        &mut self,
        process: u64,
        start: u64,
        end: u64,
        kind: Kind,
        key: &str,
        msg: i64,
    ) -> &mut Self {
        let v = json!([["send", key, msg]]);
        self.op(process, start, end, F::Send, kind, v.clone(), v)
    }

    /// An ok poll from offsets `from` that returned `msgs`.
    pub fn poll(
        &mut self,
        process: u64,
        start: u64,
        end: u64,
        from: Value,
        msgs: Value,
    ) -> &mut Self {
        self.op(
            process,
            start,
            end,
            F::Poll,
            Kind::Ok,
            json!([["poll", null, from]]),
            json!([["poll", msgs, from]]),
        )
    }

    /// An ok assign of `keys` that listed `committed`.
    pub fn assign(
        &mut self,
        process: u64,
        start: u64,
        end: u64,
        keys: Value,
        committed: Value,
    ) -> &mut Self {
        let inv = json!({"keys": keys, "seek_to_beginning": false});
        let done = json!({"keys": keys, "seek_to_beginning": false, "committed": committed});
        self.op(process, start, end, F::Assign, Kind::Ok, inv, done)
    }

    /// An ok operation of `f` with explicit values.
    pub fn raw(
        &mut self,
        process: u64,
        start: u64,
        end: u64,
        f: F,
        inv: Value,
        done: Value,
    ) -> &mut Self {
        self.op(process, start, end, f, Kind::Ok, inv, done)
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

    /// Checks with real-time checks.
    pub fn check(&self) -> KafkaReport {
        check(&self.history(), true)
    }
}

/// Asserts the history is invalid with exactly the anomaly kinds `kinds`.
pub(super) fn exactly(k: &Kafka, kinds: &[KafkaAnomalyKind]) -> KafkaReport {
    let r = k.check();
    assert!(!r.valid, "expected {kinds:?}, got valid");
    assert_eq!(r.anomaly_types, kinds, "{r}");
    for a in &r.anomalies {
        assert!(!a.ops.is_empty(), "no witness ops: {a:?}");
    }
    r
}
