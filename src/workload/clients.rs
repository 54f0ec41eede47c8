//! Maelstrom-style clients, independent of what carries the messages (the simulator
//! or real processes).
//!
//! Rules, as Maelstrom's clients apply them: an ok reply means the operation
//! happened; a definite error means it did not (`fail`); an indefinite error or no
//! reply within the timeout means it may have (`info`), and that process is retired
//! and the worker continues as a fresh process. A read that times out is `fail`
//! (reads change nothing), and a read of a missing key (error 20) is an ok read of
//! nothing.

use super::generator::{Generator, Invocation, Step};
use crate::check::history::{F, History, Kind, Op};
use crate::protocol::{ErrorCode, Message, Payload};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::Value;
use std::collections::HashMap;

/// Client settings.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientConfig {
    /// Worker threads (`--concurrency`).
    pub concurrency: usize,
    /// Target operations per second over all workers (`--rate`); 0 means as fast as
    /// workers free up.
    pub rate: f64,
    /// How long to wait for a reply, in microseconds.
    pub timeout: u64,
    /// Nodes; worker `i` talks to node `i mod n`.
    pub nodes: Vec<String>,
}

/// A request to send.
#[derive(Clone, Debug, PartialEq)]
pub struct Outgoing {
    pub client: String,
    pub node: String,
    pub msg_id: u64,
    pub request: Payload,
}

impl Outgoing {
    /// The request as a protocol message.
    pub fn to_message(&self) -> Message {
        Message {
            src: self.client.clone(),
            dest: self.node.clone(),
            body: crate::protocol::Body {
                in_reply_to: None,
                msg_id: Some(self.msg_id),
                payload: self.request.clone(),
            },
        }
    }
}

#[derive(Clone, Debug)]
struct Busy {
    msg_id: u64,
    invocation: Invocation,
    deadline: u64,
}

#[derive(Clone, Debug)]
struct Worker {
    process: u64,
    node: String,
    next_msg_id: u64,
    busy: Option<Busy>,
}

impl Worker {
    fn client(&self) -> String {
        format!("c{}", self.process + 1)
    }
}

/// All client workers of one test, and the history they record.
pub struct Clients {
    config: ClientConfig,
    generator: Generator,
    rng: StdRng,
    workers: Vec<Worker>,
    by_client: HashMap<String, usize>,
    next_op_at: u64,
    stopped: bool,
    history: History,
    unexpected_replies: u64,
    /// The worker that invoked most recently.
    last_invoker: usize,
    /// Requests that continue an operation (a reply asked for more), to send.
    followups: Vec<Outgoing>,
}

impl Clients {
    /// Workers that start issuing operations at time `start`.
    pub fn new(config: ClientConfig, generator: Generator, rng: StdRng, start: u64) -> Clients {
        let n = config.nodes.len().max(1);
        let workers: Vec<Worker> = (0..config.concurrency.max(1))
            .map(|i| Worker {
                process: i as u64,
                node: config.nodes.get(i % n).cloned().unwrap_or_default(),
                next_msg_id: 1,
                busy: None,
            })
            .collect();
        let last_invoker = workers.len() - 1;
        let by_client = workers
            .iter()
            .enumerate()
            .map(|(i, w)| (w.client(), i))
            .collect();
        Clients {
            config,
            generator,
            rng,
            workers,
            by_client,
            next_op_at: start,
            stopped: false,
            history: History::default(),
            unexpected_replies: 0,
            last_invoker,
            followups: Vec::new(),
        }
    }

    /// Expires timed-out requests and issues new operations due by `now`.
    pub fn poll(&mut self, now: u64) -> Vec<Outgoing> {
        for w in 0..self.workers.len() {
            if self.workers[w]
                .busy
                .as_ref()
                .is_some_and(|b| b.deadline <= now)
            {
                self.complete_timeout(w, now);
            }
        }
        let mut out = std::mem::take(&mut self.followups);
        while !self.stopped && now >= self.next_op_at {
            let Some(w) = self.idle_worker() else { break };
            out.extend(self.invoke(w, now));
            let gap = if self.config.rate > 0.0 {
                // Jepsen's stagger: uniform in [0, 2/rate], mean 1/rate.
                (self.rng.gen_range(0.0..2.0) * 1e6 / self.config.rate) as u64
            } else {
                0
            };
            self.next_op_at = self.next_op_at.max(now.saturating_sub(gap)) + gap;
            if gap == 0 && self.idle_worker().is_none() {
                break;
            }
        }
        out
    }

    /// The next time `poll` has something to do, if any.
    pub fn next_wakeup(&self) -> Option<u64> {
        if !self.followups.is_empty() {
            return Some(0);
        }
        let deadlines = self
            .workers
            .iter()
            .filter_map(|w| w.busy.as_ref().map(|b| b.deadline))
            .min();
        let next_op = (!self.stopped && self.idle_worker().is_some()).then_some(self.next_op_at);
        match (deadlines, next_op) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Handles a message addressed to a client. Replies to retired processes or
    /// unknown requests are counted and otherwise ignored.
    pub fn on_reply(&mut self, now: u64, msg: &Message) {
        let Some(&w) = self.by_client.get(&msg.dest) else {
            self.unexpected_replies += 1;
            return;
        };
        let matches = self.workers[w]
            .busy
            .as_ref()
            .is_some_and(|b| Some(b.msg_id) == msg.body.in_reply_to);
        if !matches {
            self.unexpected_replies += 1;
            return;
        }
        let Some(busy) = self.workers[w].busy.take() else {
            return;
        };
        let inv = busy.invocation;
        match self.generator.on_reply(w, &inv, &msg.body.payload) {
            Some(Step::Continue(request)) => return self.continue_with(w, now, inv, request),
            Some(Step::Complete { kind, value, error }) => {
                return self.record(w, now, kind, inv, value, error);
            }
            None => {}
        }
        let (kind, value, error) = match &msg.body.payload {
            Payload::Client(reply) => match (reply.ty.as_str(), inv.f) {
                ("read_ok", F::Read) => (
                    Kind::Ok,
                    // broadcast's read_ok carries `messages`, every other `value`.
                    reply
                        .get("value")
                        .or_else(|| reply.get("messages"))
                        .cloned()
                        .unwrap_or(Value::Null),
                    None,
                ),
                ("write_ok", F::Write) | ("cas_ok", F::Cas) => (Kind::Ok, inv.value.clone(), None),
                ("add_ok", F::Add) | ("broadcast_ok", F::Broadcast) => {
                    (Kind::Ok, inv.value.clone(), None)
                }
                // What came back, for the echo and unique-ids checkers to judge.
                ("echo_ok", F::Echo) => (
                    Kind::Ok,
                    reply.get("echo").cloned().unwrap_or(Value::Null),
                    None,
                ),
                ("generate_ok", F::Generate) => (
                    Kind::Ok,
                    reply.get("id").cloned().unwrap_or(Value::Null),
                    None,
                ),
                ("txn_ok", F::Txn) => (
                    Kind::Ok,
                    reply.get("txn").cloned().unwrap_or(Value::Null),
                    None,
                ),
                _ => (
                    Kind::Info,
                    inv.value.clone(),
                    Some(format!("unexpected reply {reply:?}")),
                ),
            },
            Payload::Error {
                code: ErrorCode::KeyDoesNotExist,
                ..
            } if inv.f == F::Read => (Kind::Ok, Value::Null, None),
            Payload::Error { code, text } if code.is_definite() => (
                Kind::Fail,
                inv.value.clone(),
                Some(format!("{}: {text}", code.code())),
            ),
            Payload::Error { code, text } => (
                Kind::Info,
                inv.value.clone(),
                Some(format!("{}: {text}", code.code())),
            ),
            other => (
                Kind::Info,
                inv.value.clone(),
                Some(format!("unexpected reply {other:?}")),
            ),
        };
        self.record(w, now, kind, inv, value, error);
    }

    /// Stops issuing new operations.
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// Operations awaiting a reply.
    pub fn outstanding(&self) -> usize {
        self.workers.iter().filter(|w| w.busy.is_some()).count()
    }

    /// Starts the workload's final phase (kafka's final polls), if it has one:
    /// outstanding operations complete as timeouts, then workers issue the
    /// phase's operations, about ten per second each, until the generator is
    /// done ([`Clients::exhausted`]). Returns false when there is none.
    pub fn start_final(&mut self, now: u64) -> bool {
        for w in 0..self.workers.len() {
            if self.workers[w].busy.is_some() {
                self.complete_timeout(w, now);
            }
        }
        self.followups.clear();
        if !self.generator.start_final(self.workers.len()) {
            return false;
        }
        self.stopped = false;
        self.config.rate = 10.0 * self.workers.len() as f64;
        self.next_op_at = now;
        true
    }

    /// True when the final phase has nothing more to issue.
    pub fn exhausted(&self) -> bool {
        self.generator.exhausted()
    }

    /// Ends the test: every outstanding operation completes as a timeout.
    pub fn finish(&mut self, now: u64) {
        self.stop();
        for w in 0..self.workers.len() {
            if self.workers[w].busy.is_some() {
                self.complete_timeout(w, now);
            }
        }
    }

    /// The history so far.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Takes the history.
    pub fn into_history(self) -> History {
        self.history
    }

    /// Replies that matched no outstanding request (late or duplicate).
    pub fn unexpected_replies(&self) -> u64 {
        self.unexpected_replies
    }

    /// The next idle worker after the one that last invoked, round-robin, so that
    /// load spreads over every worker (and so every node) even when replies are
    /// fast enough for one worker to keep up.
    fn idle_worker(&self) -> Option<usize> {
        let n = self.workers.len();
        (1..=n)
            .map(|i| (self.last_invoker + i) % n)
            .find(|&w| self.workers[w].busy.is_none() && self.generator.wants(w))
    }

    /// Sends `request` as the next step of worker `w`'s operation `inv`.
    fn continue_with(
        &mut self,
        w: usize,
        now: u64,
        inv: Invocation,
        request: crate::protocol::Payload,
    ) {
        let worker = &mut self.workers[w];
        let msg_id = worker.next_msg_id;
        worker.next_msg_id += 1;
        self.followups.push(Outgoing {
            client: worker.client(),
            node: worker.node.clone(),
            msg_id,
            request,
        });
        worker.busy = Some(Busy {
            msg_id,
            invocation: inv,
            deadline: now + self.config.timeout,
        });
    }

    fn invoke(&mut self, w: usize, now: u64) -> Option<Outgoing> {
        self.last_invoker = w;
        let inv = self.generator.next_for(w, &mut self.rng);
        let worker = &mut self.workers[w];
        let msg_id = worker.next_msg_id;
        worker.next_msg_id += 1;
        let out = Outgoing {
            client: worker.client(),
            node: worker.node.clone(),
            msg_id,
            request: inv.request.clone(),
        };
        let process = worker.process;
        let node = worker.node.clone();
        self.history.push(Op {
            index: 0,
            time: now,
            process,
            kind: Kind::Invoke,
            f: inv.f,
            key: inv.key.clone(),
            value: inv.value.clone(),
            error: None,
            node: Some(node),
        });
        if let Some(Step::Complete { kind, value, error }) = self.generator.on_invoke(w, &inv) {
            self.record(w, now, kind, inv, value, error);
            return None;
        }
        self.workers[w].busy = Some(Busy {
            msg_id,
            invocation: inv,
            deadline: now + self.config.timeout,
        });
        Some(out)
    }

    fn complete_timeout(&mut self, w: usize, now: u64) {
        let Some(busy) = self.workers[w].busy.take() else {
            return;
        };
        let inv = busy.invocation;
        let kind = if inv.f == F::Read {
            Kind::Fail
        } else {
            Kind::Info
        };
        let value = inv.value.clone();
        self.record(w, now, kind, inv, value, Some("timeout".into()));
    }

    fn record(
        &mut self,
        w: usize,
        now: u64,
        kind: Kind,
        inv: Invocation,
        value: Value,
        error: Option<String>,
    ) {
        let worker = &self.workers[w];
        self.history.push(Op {
            index: 0,
            time: now,
            process: worker.process,
            kind,
            f: inv.f,
            key: inv.key,
            value,
            error,
            node: Some(worker.node.clone()),
        });
        if kind == Kind::Info {
            self.generator.on_retire(w);
            // The process may have crashed mid-operation: retire it.
            let old = self.workers[w].client();
            self.by_client.remove(&old);
            self.workers[w].process += self.workers.len() as u64;
            self.workers[w].next_msg_id = 1;
            let new = self.workers[w].client();
            self.by_client.insert(new, w);
        }
    }
}
