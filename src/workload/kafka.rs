//! The kafka workload's clients, shaped like Maelstrom's (`maelstrom.workload.kafka`
//! over `jepsen.tests.kafka`): each client process keeps a position per assigned
//! key. `assign` lists the keys' committed offsets and starts each newly assigned
//! key there (a key it keeps stays where it was); `poll` asks for the messages
//! from its positions, advances them past what it got and commits the highest
//! offset it read of each key (`commit_offsets`) before the operation completes;
//! `send` sends a unique message to a random key; a rare `crash` restarts the
//! process with no positions. At the end every client crashes, assigns every key
//! from the beginning and polls until it has read up to the highest offset any
//! client saw (Jepsen's final polls), so an acknowledged message nobody polled is
//! `unseen`.
//!
//! History values: see [`crate::check::kafka`].

use super::generator::{Invocation, Step};
use crate::check::history::{F, Kind};
use crate::protocol::{ClientBody, Payload};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Per key: an offset.
type Offsets = BTreeMap<String, u64>;

/// The final phase of one client.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Final {
    Crash,
    Assign,
    Polling,
    Done,
}

/// What a client's operation in flight is waiting for.
#[derive(Clone, Debug, Default)]
enum Pending {
    #[default]
    None,
    /// `list_committed_offsets` for these keys.
    Assign { keys: Vec<String> },
    /// `poll` from these positions.
    Poll { from: Offsets },
    /// `commit_offsets` after a poll that returned `msgs`; `before` are the
    /// positions to go back to if the commit fails.
    Commit {
        from: Offsets,
        msgs: Value,
        before: Offsets,
    },
}

/// One client worker's state.
#[derive(Clone, Debug, Default)]
struct Session {
    /// Assigned keys and the offset to poll each from next.
    positions: Offsets,
    /// A fresh process: its first operation is an assign.
    fresh: bool,
    pending: Pending,
    /// Final phase: where the client is, and what it still has to read.
    stage: Option<Final>,
    targets: Offsets,
}

/// Every kafka client's state, and what the clients know of the logs.
#[derive(Clone, Debug)]
pub struct KafkaClients {
    keys: Vec<String>,
    next_msg: u64,
    sessions: Vec<Session>,
    /// The highest offset any reply showed, per key.
    seen: Offsets,
    final_phase: bool,
}

fn outcome_of_error(payload: &Payload) -> (Kind, String) {
    match payload {
        Payload::Error { code, text } if code.is_definite() => {
            (Kind::Fail, format!("{}: {text}", code.code()))
        }
        Payload::Error { code, text } => (Kind::Info, format!("{}: {text}", code.code())),
        other => (Kind::Info, format!("unexpected reply {other:?}")),
    }
}

fn done(kind: Kind, value: Value, error: Option<String>) -> Step {
    Step::Complete { kind, value, error }
}

/// The reply if it is a client body of type `ty`.
fn reply<'a>(payload: &'a Payload, ty: &str) -> Option<&'a ClientBody> {
    match payload {
        Payload::Client(b) if b.ty == ty => Some(b),
        _ => None,
    }
}

/// A map of keys to non-negative offsets.
fn offsets_of(v: Option<&Value>) -> Option<Offsets> {
    v?.as_object()?
        .iter()
        .map(|(k, o)| Some((k.clone(), o.as_u64()?)))
        .collect()
}

/// The highest offset per key of a poll's `msgs`, if they are well formed.
fn highest(msgs: &Value) -> Option<Offsets> {
    let mut out = Offsets::new();
    for (k, pairs) in msgs.as_object()? {
        for pair in pairs.as_array()? {
            let [o, _] = pair.as_array()?.as_slice() else {
                return None;
            };
            let o = o.as_u64()?;
            let h = out.entry(k.clone()).or_insert(o);
            *h = (*h).max(o);
        }
    }
    Some(out)
}

impl KafkaClients {
    /// Clients over `key_count` keys, named "0", "1", ...
    pub fn new(key_count: usize) -> KafkaClients {
        KafkaClients {
            keys: (0..key_count.max(1)).map(|k| k.to_string()).collect(),
            next_msg: 0,
            sessions: Vec::new(),
            seen: Offsets::new(),
            final_phase: false,
        }
    }

    fn session(&mut self, worker: usize) -> &mut Session {
        if self.sessions.len() <= worker {
            self.sessions.resize_with(worker + 1, || Session {
                fresh: true,
                ..Session::default()
            });
        }
        &mut self.sessions[worker]
    }

    fn note(&mut self, key: &str, offset: u64) {
        let s = self.seen.entry(key.to_owned()).or_insert(offset);
        *s = (*s).max(offset);
    }

    fn random_keys(&self, rng: &mut StdRng) -> Vec<String> {
        let n = rng.gen_range(1..=self.keys.len().min(4));
        let mut keys = self.keys.clone();
        for i in 0..n {
            let j = rng.gen_range(i..keys.len());
            keys.swap(i, j);
        }
        keys.truncate(n);
        keys.sort();
        keys
    }

    fn assign(keys: Vec<String>, seek: bool) -> Invocation {
        Invocation {
            f: F::Assign,
            key: None,
            value: json!({"keys": keys, "seek_to_beginning": seek}),
            request: Payload::client("list_committed_offsets", json!({ "keys": keys })),
        }
    }

    fn poll(from: &Offsets) -> Invocation {
        Invocation {
            f: F::Poll,
            key: None,
            value: json!([["poll", null, from]]),
            request: Payload::client("poll", json!({ "offsets": from })),
        }
    }

    /// The next operation of `worker`.
    pub fn next(&mut self, worker: usize, rng: &mut StdRng) -> Invocation {
        let all = self.keys.clone();
        let roll: f64 = rng.r#gen();
        let s = self.session(worker);
        match s.stage {
            Some(Final::Crash) => {
                s.stage = Some(Final::Assign);
                return crash();
            }
            Some(Final::Assign) => {
                s.stage = Some(Final::Polling);
                return KafkaClients::assign(s.targets.keys().cloned().collect(), true);
            }
            Some(_) => {
                s.pending = Pending::Poll {
                    from: s.positions.clone(),
                };
                return KafkaClients::poll(&s.positions);
            }
            None => {}
        }
        if s.fresh || (0.01..0.04).contains(&roll) {
            s.fresh = false;
            let keys = self.random_keys(rng);
            self.session(worker).pending = Pending::Assign { keys: keys.clone() };
            return KafkaClients::assign(keys, false);
        }
        if roll < 0.01 {
            return crash();
        }
        if roll < 0.52 {
            self.next_msg += 1;
            let key = all[rng.gen_range(0..all.len())].clone();
            let msg = self.next_msg;
            return Invocation {
                f: F::Send,
                key: None,
                value: json!([["send", key, msg]]),
                request: Payload::client("send", json!({"key": key, "msg": msg})),
            };
        }
        let s = self.session(worker);
        s.pending = Pending::Poll {
            from: s.positions.clone(),
        };
        KafkaClients::poll(&s.positions)
    }

    /// Completes operations that need no request: a crash, and an assign that
    /// seeks to the beginning.
    pub fn on_invoke(&mut self, worker: usize, inv: &Invocation) -> Option<Step> {
        match inv.f {
            F::Crash => Some(done(Kind::Info, Value::Null, Some("crash".into()))),
            F::Assign if inv.value["seek_to_beginning"] == true => {
                let s = self.session(worker);
                s.positions = s.targets.keys().map(|k| (k.clone(), 0)).collect();
                s.pending = Pending::None;
                Some(done(Kind::Ok, inv.value.clone(), None))
            }
            _ => None,
        }
    }

    /// Handles the reply to `worker`'s request for `inv`.
    pub fn on_reply(&mut self, worker: usize, inv: &Invocation, payload: &Payload) -> Step {
        let pending = std::mem::take(&mut self.session(worker).pending);
        match (inv.f, pending) {
            (F::Send, _) => self.on_send(inv, payload),
            (F::Assign, Pending::Assign { keys }) => self.on_assign(worker, inv, keys, payload),
            (F::Poll, Pending::Poll { from }) => self.on_poll(worker, inv, from, payload),
            (F::Poll, Pending::Commit { from, msgs, before }) => {
                if reply(payload, "commit_offsets_ok").is_some() {
                    return done(Kind::Ok, json!([["poll", msgs, from]]), None);
                }
                let (kind, error) = outcome_of_error(payload);
                // The commit did not happen: read those messages again.
                self.session(worker).positions = before;
                done(kind, inv.value.clone(), Some(error))
            }
            _ => done(
                Kind::Info,
                inv.value.clone(),
                Some(format!("unexpected reply {payload:?}")),
            ),
        }
    }

    fn on_send(&mut self, inv: &Invocation, payload: &Payload) -> Step {
        let Some(body) = reply(payload, "send_ok") else {
            let (kind, error) = outcome_of_error(payload);
            return done(kind, inv.value.clone(), Some(error));
        };
        let [key, msg] = [&inv.value[0][1], &inv.value[0][2]];
        match body.get("offset").and_then(Value::as_u64) {
            Some(offset) => {
                self.note(key.as_str().unwrap_or_default(), offset);
                done(Kind::Ok, json!([["send", key, [offset, msg]]]), None)
            }
            None => done(
                Kind::Info,
                inv.value.clone(),
                Some(format!("malformed send_ok {body:?}")),
            ),
        }
    }

    fn on_assign(
        &mut self,
        worker: usize,
        inv: &Invocation,
        keys: Vec<String>,
        payload: &Payload,
    ) -> Step {
        let Some(body) = reply(payload, "list_committed_offsets_ok") else {
            let (kind, error) = outcome_of_error(payload);
            return done(kind, inv.value.clone(), Some(error));
        };
        let Some(committed) = offsets_of(body.get("offsets")) else {
            return done(
                Kind::Info,
                inv.value.clone(),
                Some(format!("malformed list_committed_offsets_ok {body:?}")),
            );
        };
        let s = self.session(worker);
        let old = std::mem::take(&mut s.positions);
        for k in &keys {
            let at = old.get(k).or(committed.get(k)).copied().unwrap_or(0);
            s.positions.insert(k.clone(), at);
        }
        let listed: Map<String, Value> = committed
            .iter()
            .filter(|(k, _)| keys.contains(k))
            .map(|(k, o)| (k.clone(), json!(o)))
            .collect();
        done(
            Kind::Ok,
            json!({"keys": keys, "seek_to_beginning": false, "committed": listed}),
            None,
        )
    }

    fn on_poll(
        &mut self,
        worker: usize,
        inv: &Invocation,
        from: Offsets,
        payload: &Payload,
    ) -> Step {
        let Some(body) = reply(payload, "poll_ok") else {
            let (kind, error) = outcome_of_error(payload);
            return done(kind, inv.value.clone(), Some(error));
        };
        let msgs = body.get("msgs").cloned().unwrap_or(Value::Null);
        let Some(top) = highest(&msgs) else {
            return done(
                Kind::Info,
                inv.value.clone(),
                Some(format!("malformed poll_ok {body:?}")),
            );
        };
        for (k, o) in &top {
            self.note(k, *o);
        }
        let s = self.session(worker);
        let before = s.positions.clone();
        for (k, o) in &top {
            let p = s.positions.entry(k.clone()).or_insert(0);
            *p = (*p).max(o + 1);
        }
        if s.stage.is_some() {
            s.targets.retain(|k, t| top.get(k).is_none_or(|o| o < t));
            if s.targets.is_empty() {
                s.stage = Some(Final::Done);
            }
        }
        if top.is_empty() {
            return done(Kind::Ok, json!([["poll", msgs, from]]), None);
        }
        s.pending = Pending::Commit { from, msgs, before };
        Step::Continue(Payload::client("commit_offsets", json!({ "offsets": top })))
    }

    /// The worker's process was retired (an `info`): the next one starts afresh.
    pub fn on_retire(&mut self, worker: usize) {
        let s = self.session(worker);
        s.positions.clear();
        s.pending = Pending::None;
        s.fresh = true;
        if matches!(s.stage, Some(Final::Polling | Final::Assign)) {
            s.stage = Some(Final::Assign);
        }
    }

    /// Starts the final polls (every client: crash, assign every key from the
    /// beginning, poll until caught up). False when no message was ever seen.
    pub fn start_final(&mut self, workers: usize) -> bool {
        if self.seen.is_empty() {
            return false;
        }
        self.final_phase = true;
        for w in 0..workers {
            let targets = self.seen.clone();
            let s = self.session(w);
            s.stage = Some(Final::Crash);
            s.targets = targets;
            s.pending = Pending::None;
        }
        true
    }

    /// Whether `worker` has more to do (always, until its final polls caught up).
    pub fn wants(&self, worker: usize) -> bool {
        !self.final_phase
            || self
                .sessions
                .get(worker)
                .is_some_and(|s| s.stage != Some(Final::Done))
    }

    /// True once every client's final polls caught up.
    pub fn exhausted(&self) -> bool {
        self.final_phase && (0..self.sessions.len()).all(|w| !self.wants(w))
    }
}

fn crash() -> Invocation {
    Invocation {
        f: F::Crash,
        key: None,
        value: Value::Null,
        request: Payload::client("crash", json!({})),
    }
}
