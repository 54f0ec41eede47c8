//! The node: glue between the Maelstrom protocol, the Raft core and a state machine.
//!
//! Deterministic like the core: messages and time come in, messages and log lines
//! go out. The binary's runtime, the simulator and the tests all drive this type.
//! It is generic over the [`Machine`] it drives; [`Builtin`] (chosen with
//! `--machine`) is the default.
//!
//! A client request's path: the node that receives it (its *origin*) asks the
//! machine to admit it ([`Admission`](crate::machines::Admission)): answered at once (lww, or a refusal), a
//! read (served after ReadIndex), or a command for the log. It keeps a command as
//! [`Pending`] and hands it to the leader it knows: proposes it itself when it
//! leads, else forwards it. The leader appends a [`Command`] naming itself as
//! `reply_from`. Every node applies committed commands in order; the `reply_from`
//! leader answers the client (commit-then-reply) if it is still in that term, and
//! a later leader answers the commands of earlier terms it applies (see
//! `apply.rs`); the origin drops its pending copy. A request whose leader changed is handed to the new one; the replicated
//! session table applies duplicates once (see `session.rs`).

mod admit;
mod apply;
mod command;
mod config;
mod init;
mod local;
#[cfg(feature = "mutations")]
mod mutation;
mod pending;
mod reads;
mod requests;
mod session;
mod state;

pub use command::Command;
#[cfg(feature = "mutations")]
pub use config::Mutation;
pub use config::NodeConfig;
pub use pending::{Pending, PendingTable};
pub use session::{Session, Sessions};
pub use state::{Applied, Replicated};

use crate::machines::{Builtin, Machine, Reply};
use crate::protocol::{Body, DecodeError, ErrorCode, Forward, Message, Payload, ReplyTo};
use crate::raft::{Raft, Role};
use crate::storage::{Handoffs, MemoryStorage, Storage};
use std::collections::BTreeMap;

/// One raft-kv node, driving machine `M`.
#[derive(Debug)]
pub struct Node<M: Machine = Builtin> {
    config: NodeConfig,
    seed: u64,
    /// Distinct for every start of this node's process (see `RequestId`).
    incarnation: u64,
    cluster: Option<Cluster>,
    /// What the committed log drives.
    state: Replicated<M>,
    next_msg_id: u64,
    outbox: Vec<Message>,
    logs: Vec<String>,
    /// Snapshots installed from a leader.
    snapshots_installed: u64,
    /// Bytes of commands applied since the last snapshot.
    applied_bytes: u64,
    /// Where term, vote, log and snapshots are made durable.
    storage: Box<dyn Storage>,
    /// Entries up to here were committed before a restart: applied again without
    /// answering anyone (the clients were answered then, or have given up).
    replay_until: u64,
    /// Storage failed: the node can no longer promise anything and stops.
    fatal: Option<String>,
    /// Inside [`Node::handle_lines`]: the round's work (persist, apply, send) waits
    /// for the end of the batch.
    deferred: bool,
}

/// Routing state that exists once `init` arrived.
#[derive(Debug)]
struct Cluster {
    id: String,
    raft: Raft,
    pending: PendingTable,
    next_seq: u64,
    last_role: (Role, u64, Option<String>),
    /// ReadIndex reads this leader is answering, by context.
    read_waiters: BTreeMap<u64, reads::ReadWaiter>,
    /// Reads this follower serves itself (`follower_reads`), by context.
    local_reads: BTreeMap<u64, reads::LocalRead>,
    next_read_ctx: u64,
    /// Forwards waiting to go out, by leader.
    forward_queue: BTreeMap<String, Vec<Forward>>,
    last_forward_at: Option<u64>,
    /// When this node last heard from the leader it knows.
    last_leader_contact: u64,
    /// The leader was silent for long enough that messages to it may have been
    /// lost (a partition that healed): pending requests go to it again at once.
    contact_regained: bool,
    /// This round's handoff changes, persisted with its Raft state (see `local.rs`).
    handoffs: Handoffs,
}

impl Cluster {
    /// Stops tracking request `seq`, which was applied; a dissemination's handoff
    /// is settled with it.
    fn settle(&mut self, seq: u64) {
        if let Some(key) = self.pending.remove(seq).and_then(|p| p.handoff) {
            self.handoffs.settled.push(key);
        }
    }

    /// Notes a Raft message from `src`: hearing from the leader after more than
    /// `silence` without a word means messages to it may have been lost.
    fn note_contact(&mut self, now: u64, src: &str, silence: u64) {
        if self.raft.leader() != Some(src) {
            return;
        }
        if now.saturating_sub(self.last_leader_contact) > silence {
            self.contact_regained = true;
        }
        self.last_leader_contact = now;
    }
}

impl Node<Builtin> {
    /// A node of the built-in machine `config.machine`, waiting for `init`.
    /// `seed` drives its election jitter.
    pub fn new(config: NodeConfig, seed: u64) -> Node<Builtin> {
        let machine = builtin_machine(&config);
        Node::with_machine(config, machine, seed)
    }
}

/// A fresh built-in machine of the kind `config.machine` names.
pub fn builtin_machine(config: &NodeConfig) -> Builtin {
    #[cfg(feature = "mutations")]
    match config.mutation {
        Mutation::NonAtomicTxn => return Builtin::NonAtomicTxn(Default::default()),
        Mutation::EarlyKafkaOffsets => return Builtin::EarlyOffsetsKafka(Default::default()),
        Mutation::NonAtomicRw => return Builtin::NonAtomicRw(Default::default()),
        _ => {}
    }
    config.machine.build()
}

impl<M: Machine> Node<M> {
    /// A node driving `machine` (any [`StateMachine`](crate::machines::StateMachine)
    /// is a [`Machine`]), waiting for `init`. `seed` drives its election jitter.
    pub fn with_machine(config: NodeConfig, machine: M, seed: u64) -> Node<M> {
        Node {
            config,
            seed,
            incarnation: 0,
            cluster: None,
            state: Replicated::new(machine),
            next_msg_id: 0,
            outbox: Vec::new(),
            logs: Vec::new(),
            snapshots_installed: 0,
            applied_bytes: 0,
            storage: Box::new(MemoryStorage::default()),
            replay_until: 0,
            fatal: None,
            deferred: false,
        }
    }

    /// Uses `storage` for durable state (before `init`, which loads it).
    pub fn with_storage(mut self, storage: Box<dyn Storage>) -> Node<M> {
        self.storage = storage;
        self
    }

    /// Hands the storage over (the simulator restarts a crashed node from it).
    pub fn take_storage(&mut self) -> Box<dyn Storage> {
        std::mem::replace(&mut self.storage, Box::new(MemoryStorage::default()))
    }

    /// Why the node stopped, if its storage failed: the process should exit.
    pub fn fatal(&self) -> Option<&str> {
        self.fatal.as_deref()
    }

    /// Snapshots this node installed from a leader.
    pub fn snapshots_installed(&self) -> u64 {
        self.snapshots_installed
    }

    /// Sets this process's incarnation: it must differ for every start of the
    /// same node id and grow across restarts (the runtime uses the wall clock at
    /// start-up), so that request ids are never reused.
    pub fn with_incarnation(mut self, incarnation: u64) -> Node<M> {
        self.incarnation = incarnation;
        self
    }

    /// This node's id, once initialized.
    pub fn id(&self) -> Option<&str> {
        self.cluster.as_ref().map(|c| c.id.as_str())
    }

    /// The Raft core, once initialized.
    pub fn raft(&self) -> Option<&Raft> {
        self.cluster.as_ref().map(|c| &c.raft)
    }

    /// The state machine.
    pub fn machine(&self) -> &M {
        &self.state.machine
    }

    /// The replicated state: machine, sessions, applied index.
    pub fn replicated(&self) -> &Replicated<M> {
        &self.state
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
        if let Some(p) = c.pending.next_deadline() {
            t = t.min(p);
        }
        Some(t)
    }

    /// Handles one raw protocol line as read from stdin (without its newline).
    /// A line that is not valid UTF-8 is never acted upon: it gets error 12 when
    /// its lossy decoding shows who to answer, and a log line otherwise.
    pub fn handle_bytes(&mut self, now: u64, bytes: &[u8]) {
        match std::str::from_utf8(bytes) {
            Ok(line) => self.handle_line(now, line),
            Err(e) => {
                let lossy = String::from_utf8_lossy(bytes);
                let text = format!(
                    "line is not valid UTF-8 (bad byte at offset {})",
                    e.valid_up_to()
                );
                match Message::reply_target(&lossy) {
                    Some(to) => self.reject(&to, ErrorCode::MalformedRequest, &text),
                    None => self.logs.push(format!(
                        "skipped unreadable line ({text}): {}",
                        truncate(&lossy, 200)
                    )),
                }
            }
        }
    }

    /// Handles one protocol line. Bad input never panics: it gets an error reply
    /// when it carried a `msg_id` to answer, and a log line otherwise.
    pub fn handle_line(&mut self, now: u64, line: &str) {
        if line.trim().is_empty() || self.fatal.is_some() {
            return;
        }
        match Message::from_line(line) {
            Ok(msg) => self.handle(now, msg),
            Err(DecodeError {
                reply_to: Some(to),
                code,
                text,
            }) => self.reject(&to, code, &text),
            Err(e) => self.logs.push(format!(
                "skipped unreadable line ({}): {}",
                e.text,
                truncate(line, 200)
            )),
        }
    }

    /// Handles a batch of raw lines as one round: the core's output is collected,
    /// persisted (one write and one fsync under `--data-dir`), applied and sent
    /// once, after the last line. The binary's loop hands over everything that
    /// arrived meanwhile; the simulator delivers message by message. Lines are
    /// bytes, as read from stdin (see [`Node::handle_bytes`]).
    pub fn handle_lines<'a>(&mut self, now: u64, lines: impl IntoIterator<Item = &'a [u8]>) {
        self.deferred = true;
        for line in lines {
            self.handle_bytes(now, line);
        }
        self.deferred = false;
        self.after(now);
    }

    /// Answers a line that could not be served with an error: from this node's
    /// id, or before `init` from the id the line was addressed to (no reply when
    /// it named none).
    fn reject(&mut self, to: &ReplyTo, code: ErrorCode, text: &str) {
        let from = self.id().map(str::to_owned).or_else(|| to.dest.clone());
        self.logs.push(format!(
            "rejected a message from {} ({}): {text}",
            to.src,
            code.code()
        ));
        let Some(from) = from else {
            self.logs
                .push("cannot answer: no dest, and this node has no id yet".into());
            return;
        };
        let (in_reply_to, payload) = to.error(code, text);
        self.send(from, to.src.clone(), in_reply_to, payload);
    }

    /// Handles one message. Replies (`init_ok`, `error`, anything with an
    /// `in_reply_to`) are never answered or acted on;
    /// a message addressed to another node is refused (error 12); node-internal
    /// messages are accepted only from the other cluster members (error 10 for
    /// anyone else, see [`Payload::is_internal`]).
    pub fn handle(&mut self, now: u64, msg: Message) {
        if self.fatal.is_some() {
            return;
        }
        let Message { src, dest, body } = msg;
        if body.is_reply() {
            self.logs.push(format!(
                "ignored {} from {src} (replies are never answered)",
                body.payload.type_name()
            ));
            return;
        }
        let Body {
            msg_id,
            in_reply_to: _,
            payload,
        } = body;
        if let Some(id) = self.id().filter(|id| **id != dest) {
            let text = format!("message addressed to {dest}, but this node is {id}");
            let from = id.to_owned();
            self.reply_error(from, &src, msg_id, ErrorCode::MalformedRequest, &text);
            return;
        }
        if let Payload::Init { node_id, node_ids } = payload {
            self.init(now, src, dest, msg_id, node_id, node_ids);
            return;
        }
        let Some(c) = self.cluster.as_mut() else {
            self.reply_error(
                dest,
                &src,
                msg_id,
                ErrorCode::TemporarilyUnavailable,
                "node not initialized yet",
            );
            return;
        };
        if payload.is_internal() && !c.raft.peers().contains(&src) {
            let text = format!(
                "{} is a node-internal message; only the other cluster members may send it",
                payload.type_name()
            );
            let from = c.id.clone();
            self.reply_error(from, &src, msg_id, ErrorCode::NotSupported, &text);
            return;
        }
        let payload = match payload.into_raft() {
            Ok(raft_msg) => {
                c.raft.step(now, &src, raft_msg);
                c.note_contact(now, &src, self.config.raft.election_timeout / 2);
                self.after(now);
                return;
            }
            Err(p) => p,
        };
        match payload {
            Payload::Client(body) => self.on_client_request(now, src, msg_id, body),
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
        if self.fatal.is_some() {
            return;
        }
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        c.raft.tick(now);
        let retry = self.config.retry_interval;
        self.expire_local_reads(now, retry);
        self.retry_pending(now);
        self.after(now);
    }

    /// After every input: hand waiting requests to a new leader, apply what
    /// committed, and collect the core's messages.
    fn after(&mut self, now: u64) {
        if self.deferred {
            return;
        }
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        let role = (
            c.raft.role(),
            c.raft.term(),
            c.raft.leader().map(str::to_owned),
        );
        let regained = std::mem::take(&mut c.contact_regained);
        if role != c.last_role || regained {
            if role != c.last_role {
                self.logs.push(format!(
                    "{:?} in term {}, leader {:?}",
                    role.0, role.1, role.2
                ));
            }
            // The same leader in the same term, heard from all along: requests
            // handed to it are on their way. Anything else (a new leader, a new
            // term, a leader regained after a silence) may have lost them: every
            // pending request goes to the leader now, not at its next retry. The
            // session table applies a request that arrives twice once.
            let continuous = !regained && c.last_role.1 == role.1 && c.last_role.2 == role.2;
            let leader = role.2.clone();
            c.last_role = role;
            if let Some(leader) = leader {
                let moved: Vec<u64> = c
                    .pending
                    .iter()
                    .filter(|(_, p)| !continuous || p.sent_to.as_ref() != Some(&leader))
                    .map(|(s, _)| s)
                    .collect();
                for seq in moved {
                    self.route(now, seq);
                }
            }
        }
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        let mut ready = c.raft.ready();
        // Safety rule: nothing of this round leaves before its state is durable.
        #[allow(unused_mut)]
        let mut persist = true;
        #[cfg(feature = "mutations")]
        if self.config.mutation == Mutation::ForgetOnCrash {
            persist = false;
        }
        let handoffs = std::mem::take(&mut c.handoffs);
        if persist
            && let Err(e) = self
                .storage
                .persist(&ready.persist, &handoffs, c.raft.log())
        {
            self.stop(format!("storage: {e}"));
            return;
        }
        let receipt = ready.persist.persisted();
        if let Some(snapshot) = ready.snapshot.take() {
            self.restore_snapshot(snapshot);
        }
        self.apply_committed(std::mem::take(&mut ready.committed));
        self.serve_reads(std::mem::take(&mut ready.reads));
        self.flush_forwards(now);
        let id = self.id().unwrap_or("?").to_owned();
        for (to, m) in ready.messages(&receipt) {
            self.send(id.clone(), to, None, Payload::from_raft(m));
        }
    }

    /// Stops the node for good: its storage failed, so it cannot keep Raft's
    /// promises. Nothing more is sent; the runtime exits.
    fn stop(&mut self, why: String) {
        self.logs.push(format!("fatal: {why}"));
        self.outbox.clear();
        self.fatal = Some(why);
    }

    /// Sends a machine's reply (or its rejection) to a client (once initialized).
    fn answer(&mut self, client: &str, msg_id: u64, reply: Reply) {
        if let Some(from) = self.id().map(str::to_owned) {
            self.send(from, client.to_owned(), Some(msg_id), reply_payload(reply));
        }
    }

    /// Sends error `code` from `from` to `to`, when the request had a `msg_id`.
    fn reply_error(
        &mut self,
        from: String,
        to: &str,
        in_reply_to: Option<u64>,
        code: ErrorCode,
        text: &str,
    ) {
        if in_reply_to.is_none() {
            self.logs.push(format!(
                "cannot answer {to} ({text}): the request had no msg_id"
            ));
            return;
        }
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

/// A machine's reply as a protocol payload.
fn reply_payload(reply: Reply) -> Payload {
    match reply {
        Ok(body) => Payload::Client(body),
        Err(r) => Payload::Error {
            code: r.code,
            text: r.text,
        },
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
