//! The node: glue between the Maelstrom protocol, the Raft core and a state machine.
//!
//! Deterministic like the core: messages and time come in, messages and log lines
//! go out. The binary's runtime, the simulator and the tests all drive this type.
//!
//! A client request's path: the node that receives it (its *origin*) keeps it as
//! [`Pending`] and hands it to the leader it knows: proposes it itself when it
//! leads, else forwards it. The leader appends a [`Command`] naming itself as
//! `reply_from`. Every node applies committed commands in order; the `reply_from`
//! leader answers the client (commit-then-reply), and the origin drops its pending
//! copy. A request whose leader changed is handed to the new one; duplicates in the
//! log are applied once.

mod command;
mod config;
mod local;
#[cfg(feature = "mutations")]
mod mutation;
mod pending;
mod reads;

pub use command::{AppliedRequests, Command};
#[cfg(feature = "mutations")]
pub use config::Mutation;
pub use config::NodeConfig;
pub use pending::Pending;

use crate::machines::{Machine, StateMachine};
use crate::protocol::{
    Body, DecodeError, ErrorCode, Forward, ForwardBatch, ForwardNack, Message, Payload, RequestId,
};
use crate::raft::{Raft, Role};
use std::collections::BTreeMap;

/// One raft-kv node.
#[derive(Debug)]
pub struct Node {
    config: NodeConfig,
    seed: u64,
    cluster: Option<Cluster>,
    next_msg_id: u64,
    outbox: Vec<Message>,
    logs: Vec<String>,
}

/// State that exists once `init` arrived.
#[derive(Debug)]
struct Cluster {
    id: String,
    raft: Raft,
    machine: Machine,
    applied: AppliedRequests,
    pending: BTreeMap<u64, Pending>,
    next_seq: u64,
    last_role: (Role, u64, Option<String>),
    /// Index of the last entry applied to the machine.
    applied_index: u64,
    /// ReadIndex reads this leader is answering, by context.
    read_waiters: BTreeMap<u64, reads::ReadWaiter>,
    /// Reads this follower serves itself (`follower_reads`), by context.
    local_reads: BTreeMap<u64, reads::LocalRead>,
    next_read_ctx: u64,
    /// Forwards waiting to go out, by leader.
    forward_queue: BTreeMap<String, Vec<Forward>>,
    last_forward_at: Option<u64>,
}

impl Node {
    /// A node waiting for `init`. `seed` drives its election jitter.
    pub fn new(config: NodeConfig, seed: u64) -> Node {
        Node {
            config,
            seed,
            cluster: None,
            next_msg_id: 0,
            outbox: Vec::new(),
            logs: Vec::new(),
        }
    }

    /// This node's id, once initialized.
    pub fn id(&self) -> Option<&str> {
        self.cluster.as_ref().map(|c| c.id.as_str())
    }

    /// The Raft core, once initialized.
    pub fn raft(&self) -> Option<&Raft> {
        self.cluster.as_ref().map(|c| &c.raft)
    }

    /// The state machine, once initialized.
    pub fn machine(&self) -> Option<&Machine> {
        self.cluster.as_ref().map(|c| &c.machine)
    }

    /// Number of client requests this node is still tracking.
    pub fn pending_count(&self) -> usize {
        self.cluster.as_ref().map_or(0, |c| c.pending.len())
    }

    /// Messages to send, in order.
    pub fn take_outbox(&mut self) -> Vec<Message> {
        std::mem::take(&mut self.outbox)
    }

    /// Log lines (for stderr).
    pub fn take_logs(&mut self) -> Vec<String> {
        std::mem::take(&mut self.logs)
    }

    /// The earliest time at which `tick` has something to do.
    pub fn next_deadline(&self) -> Option<u64> {
        let c = self.cluster.as_ref()?;
        let mut t = c.raft.next_deadline();
        if let (false, Some(last)) = (c.forward_queue.is_empty(), c.last_forward_at) {
            t = t.min(last + self.config.forward_linger);
        }
        for p in c.pending.values() {
            if p.answered {
                t = t.min(local::retry_at(p, &self.config));
                continue;
            }
            let due = if p.handed {
                p.last_attempt + self.config.retry_interval
            } else {
                p.received + self.config.unavailable_timeout
            };
            t = t.min(due).min(p.received + self.config.request_expiry);
        }
        Some(t)
    }

    /// Handles one raw protocol line. Bad input never panics: it gets an error reply
    /// when it carried a `msg_id` to answer, and a log line otherwise.
    pub fn handle_line(&mut self, now: u64, line: &str) {
        if line.trim().is_empty() {
            return;
        }
        match Message::from_line(line) {
            Ok(msg) => self.handle(now, msg),
            Err(DecodeError {
                reply_to: Some((src, dest, msg_id)),
                code,
                text,
            }) => {
                self.logs
                    .push(format!("rejected message {msg_id} from {src}: {text}"));
                let from = self.id().map_or(dest, str::to_owned);
                self.send(from, src, Some(msg_id), Payload::error(code, text));
            }
            Err(e) => self.logs.push(format!(
                "skipped unreadable line ({}): {}",
                e.text,
                truncate(line, 200)
            )),
        }
    }

    /// Handles one message.
    pub fn handle(&mut self, now: u64, msg: Message) {
        let Message { src, dest: _, body } = msg;
        let Body {
            msg_id,
            in_reply_to: _,
            payload,
        } = body;
        if let Payload::Init { node_id, node_ids } = payload {
            self.init(now, src, msg_id, node_id, node_ids);
            return;
        }
        if self.cluster.is_none() {
            self.reply_error(
                &src,
                msg_id,
                ErrorCode::TemporarilyUnavailable,
                "node not initialized yet",
            );
            return;
        }
        let payload = match payload.into_raft() {
            Ok(raft_msg) => {
                if let Some(c) = self.cluster.as_mut() {
                    c.raft.step(now, &src, raft_msg);
                }
                self.after(now);
                return;
            }
            Err(p) => p,
        };
        match payload {
            Payload::Read { .. }
            | Payload::Write { .. }
            | Payload::Cas { .. }
            | Payload::Txn { .. } => self.on_client_request(now, src, msg_id, payload),
            Payload::Forward(f) => self.on_forward(src, f),
            Payload::ForwardNack(n) => self.on_forward_nack(now, n),
            Payload::ReadIndex { ctx } => self.on_read_index(src, ctx),
            Payload::ReadIndexOk { ctx, index } => self.on_read_index_ok(ctx, index),
            other => self
                .logs
                .push(format!("ignored unexpected {other:?} from {src}")),
        }
        self.after(now);
    }

    /// Time passes.
    pub fn tick(&mut self, now: u64) {
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        c.raft.tick(now);
        let retry = self.config.retry_interval;
        self.expire_local_reads(now, retry);
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        let cfg = &self.config;
        let mut unavailable = Vec::new();
        let mut retry = Vec::new();
        let mut expired = Vec::new();
        for (&seq, p) in &c.pending {
            if p.answered {
                if now >= local::retry_at(p, cfg) {
                    retry.push(seq);
                }
                continue;
            }
            if now >= p.received + cfg.request_expiry {
                expired.push(seq);
            } else if !p.handed && now >= p.received + cfg.unavailable_timeout {
                unavailable.push(seq);
            } else if p.handed && now >= p.last_attempt + cfg.retry_interval {
                retry.push(seq);
            }
        }
        for seq in expired {
            c.pending.remove(&seq);
        }
        let refused: Vec<Pending> = unavailable
            .iter()
            .filter_map(|seq| c.pending.remove(seq))
            .collect();
        for p in refused {
            // Definite: this request was never handed to any leader, so it is in no
            // log and can never take effect.
            self.reply_error(
                &p.client,
                Some(p.client_msg_id),
                ErrorCode::TemporarilyUnavailable,
                "no leader known",
            );
        }
        for seq in retry {
            self.route(now, seq);
        }
        self.after(now);
    }

    fn init(
        &mut self,
        now: u64,
        src: String,
        msg_id: Option<u64>,
        node_id: String,
        node_ids: Vec<String>,
    ) {
        if let Some(c) = &self.cluster {
            let text = format!("already initialized as {}", c.id);
            self.reply_error(&src, msg_id, ErrorCode::MalformedRequest, &text);
            return;
        }
        let seed = mix(self.seed, fnv1a(node_id.as_bytes()));
        #[allow(unused_mut)]
        let mut raft_config = self.config.raft.clone();
        #[cfg(feature = "mutations")]
        if self.config.mutation == Mutation::StaleLeaderReads {
            raft_config.pre_vote = false;
            raft_config.check_quorum = false;
        }
        #[cfg(feature = "mutations")]
        if self.config.mutation == Mutation::ReadIndexSkipsConfirmation {
            raft_config.skip_read_confirmation = true;
        }
        match Raft::new(node_id.clone(), &node_ids, raft_config, seed, now) {
            Ok(raft) => {
                let last_role = (raft.role(), raft.term(), raft.leader().map(str::to_owned));
                self.cluster = Some(Cluster {
                    id: node_id.clone(),
                    raft,
                    machine: self.config.machine.build(),
                    applied: AppliedRequests::default(),
                    pending: BTreeMap::new(),
                    next_seq: 0,
                    last_role,
                    applied_index: 0,
                    read_waiters: BTreeMap::new(),
                    local_reads: BTreeMap::new(),
                    next_read_ctx: 0,
                    forward_queue: BTreeMap::new(),
                    last_forward_at: None,
                });
                self.logs.push(format!(
                    "initialized {node_id} of {node_ids:?}, machine {}",
                    self.config.machine
                ));
                self.send(node_id, src, msg_id, Payload::InitOk);
                self.after(now);
            }
            Err(e) => self.reply_error(
                &src,
                msg_id,
                ErrorCode::MalformedRequest,
                &format!("bad init: {e}"),
            ),
        }
    }

    fn on_client_request(
        &mut self,
        now: u64,
        client: String,
        msg_id: Option<u64>,
        request: Payload,
    ) {
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        let Some(msg_id) = msg_id else {
            self.logs
                .push(format!("skipped request without msg_id from {client}"));
            return;
        };
        if let Err(reply) = c.machine.check(&request) {
            let id = c.id.clone();
            self.send(id, client, Some(msg_id), reply);
            return;
        }
        #[cfg(feature = "mutations")]
        if self.mutant_local_read(&client, msg_id, &request) {
            return;
        }
        if self.answer_locally(now, &client, msg_id, &request) {
            return;
        }
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        let seq = c.next_seq;
        c.next_seq += 1;
        c.pending.insert(
            seq,
            Pending {
                client,
                client_msg_id: msg_id,
                request,
                received: now,
                sent_to: None,
                last_attempt: now,
                handed: false,
                answered: false,
            },
        );
        self.route(now, seq);
    }

    /// Hands pending request `seq` to the leader this node knows, if any.
    fn route(&mut self, now: u64, seq: u64) {
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        let Some(p) = c.pending.get_mut(&seq) else {
            return;
        };
        // Counts as an attempt even with no leader known, so the retry timer moves on.
        p.last_attempt = now;
        let Some(leader) = c.raft.leader().map(str::to_owned) else {
            return;
        };
        p.handed = true;
        p.sent_to = Some(leader.clone());
        let (client, client_msg_id, request) =
            (p.client.clone(), p.client_msg_id, p.request.clone());
        let read_only = c.machine.is_read_only(&request);
        if read_only {
            // A read changes nothing, so once handed over it needs no tracking: if
            // it is lost the client times out, which for a read is a failure.
            c.pending.remove(&seq);
            if self.config.follower_reads && leader != c.id {
                self.ask_read_index(now, leader, client, client_msg_id, request);
                return;
            }
        }
        let id = RequestId {
            node: c.id.clone(),
            seq,
        };
        if leader == c.id {
            let reply_from = c.id.clone();
            self.lead(Command {
                id,
                client,
                client_msg_id,
                reply_from,
                request,
            });
        } else {
            let fwd = Forward {
                id,
                client,
                client_msg_id,
                request: Box::new(request),
            };
            self.queue_forward(leader, fwd);
        }
    }

    /// Appends a command as leader; it is answered when applied.
    fn lead(&mut self, cmd: Command) {
        #[cfg(feature = "mutations")]
        let cmd = match self.mutant_lead(cmd) {
            Some(cmd) => cmd,
            None => return,
        };
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        if c.machine.is_read_only(&cmd.request) {
            // Reads need no log entry (unless a mutation already answered it).
            if !cmd.reply_from.is_empty() {
                self.lead_read(cmd);
            }
            return;
        }
        propose(&mut c.raft, &cmd);
    }

    fn on_forward(&mut self, src: String, batch: ForwardBatch) {
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        if !c.raft.is_leader() {
            // Definitely not appended here: the origin may try elsewhere.
            let ids = batch.requests.into_iter().map(|f| f.id).collect();
            let nack = ForwardNack {
                ids,
                leader: c.raft.leader().map(str::to_owned),
            };
            let from = c.id.clone();
            self.send(from, src, None, Payload::ForwardNack(nack));
            return;
        }
        let reply_from = c.id.clone();
        for f in batch.requests {
            let cmd = Command {
                id: f.id,
                client: f.client,
                client_msg_id: f.client_msg_id,
                reply_from: reply_from.clone(),
                request: *f.request,
            };
            self.lead(cmd);
        }
    }

    fn on_forward_nack(&mut self, now: u64, n: ForwardNack) {
        for id in n.ids {
            let Some(c) = self.cluster.as_ref() else {
                return;
            };
            if id.node != c.id {
                continue;
            }
            let Some(p) = c.pending.get(&id.seq) else {
                continue;
            };
            let leader = c.raft.leader().map(str::to_owned);
            if leader.is_some() && leader != p.sent_to {
                self.route(now, id.seq);
            }
        }
    }

    /// Queues a forward; forwards to a leader go out together, at once after a
    /// quiet spell, else at most once per `forward_linger` (batching under load).
    fn queue_forward(&mut self, leader: String, fwd: Forward) {
        if let Some(c) = self.cluster.as_mut() {
            c.forward_queue.entry(leader).or_default().push(fwd);
        }
    }

    fn flush_forwards(&mut self, now: u64) {
        let linger = self.config.forward_linger;
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        if c.forward_queue.is_empty() || c.last_forward_at.is_some_and(|t| now < t + linger) {
            return;
        }
        c.last_forward_at = Some(now);
        let from = c.id.clone();
        let queue = std::mem::take(&mut c.forward_queue);
        for (leader, requests) in queue {
            self.send(
                from.clone(),
                leader,
                None,
                Payload::Forward(ForwardBatch { requests }),
            );
        }
    }

    /// After every input: hand waiting requests to a new leader, apply what
    /// committed, and collect the core's messages.
    fn after(&mut self, now: u64) {
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        let role = (
            c.raft.role(),
            c.raft.term(),
            c.raft.leader().map(str::to_owned),
        );
        if role != c.last_role {
            self.logs.push(format!(
                "{:?} in term {}, leader {:?}",
                role.0, role.1, role.2
            ));
            let leader = role.2.clone();
            c.last_role = role;
            if let Some(leader) = leader {
                let moved: Vec<u64> = c
                    .pending
                    .iter()
                    .filter(|(_, p)| p.sent_to.as_ref() != Some(&leader))
                    .map(|(s, _)| *s)
                    .collect();
                for seq in moved {
                    self.route(now, seq);
                }
            }
        }
        self.apply_committed();
        self.serve_reads();
        self.flush_forwards(now);
        self.flush_raft();
    }

    fn apply_committed(&mut self) {
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        let mut replies = Vec::new();
        for (index, entry) in c.raft.take_committed() {
            c.applied_index = index;
            let Some(data) = entry.data else { continue };
            let cmd: Command = match serde_json::from_value(data) {
                Ok(cmd) => cmd,
                Err(e) => {
                    self.logs
                        .push(format!("entry {index} is not a command: {e}"));
                    continue;
                }
            };
            if cmd.id.node == c.id {
                c.pending.remove(&cmd.id.seq);
            }
            if !c.applied.first_time(&cmd.id) {
                continue;
            }
            let reply = c.machine.apply(&cmd.request);
            if cmd.reply_from == c.id && local::needs_reply(&cmd) {
                replies.push((cmd.client, cmd.client_msg_id, reply));
            }
        }
        let id = c.id.clone();
        for (client, msg_id, reply) in replies {
            self.send(id.clone(), client, Some(msg_id), reply);
        }
    }

    fn flush_raft(&mut self) {
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        let id = c.id.clone();
        for (to, m) in c.raft.take_messages() {
            self.send(id.clone(), to, None, Payload::from_raft(m));
        }
    }

    fn reply_error(&mut self, to: &str, in_reply_to: Option<u64>, code: ErrorCode, text: &str) {
        if in_reply_to.is_none() {
            self.logs.push(format!(
                "cannot answer {to} ({text}): the request had no msg_id"
            ));
            return;
        }
        let from = self.id().unwrap_or("?").to_owned();
        self.send(from, to.to_owned(), in_reply_to, Payload::error(code, text));
    }

    fn send(&mut self, src: String, dest: String, in_reply_to: Option<u64>, payload: Payload) {
        let msg_id = self.next_msg_id;
        self.next_msg_id += 1;
        self.outbox.push(Message {
            src,
            dest,
            body: Body {
                in_reply_to,
                msg_id: Some(msg_id),
                payload,
            },
        });
    }
}

fn propose(raft: &mut Raft, cmd: &Command) {
    match serde_json::to_value(cmd) {
        Ok(v) => {
            raft.propose(v);
        }
        Err(e) => debug_assert!(false, "command did not serialize: {e}"),
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Combines two seeds (SplitMix64 finalizer over their sum), so that distinct
/// inputs give unrelated streams.
pub fn mix(a: u64, b: u64) -> u64 {
    let mut z = a.wrapping_add(b).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A stable hash (FNV-1a) to derive per-node seeds.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
