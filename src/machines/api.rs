//! The typed state-machine API: what a machine author implements.
//!
//! A machine owns its vocabulary. It declares the request types it serves, how a
//! request decodes, what it appends to the log (its *command*), its replies and its
//! snapshot. The node does the rest: leader election, forwarding to the leader,
//! ReadIndex, commit-then-reply, at-most-once application (sessions) and snapshots
//! of the whole replicated state. Everything here must be deterministic: the same
//! commands in the same order give the same state and replies on every node.

use crate::protocol::{ClientBody, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;

/// What a node tells a machine about the moment a request arrives.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// The id of the node that received the request.
    pub node: &'a str,
    /// The node's clock in microseconds (for machines that stamp local writes).
    /// Deterministic in the simulator; never read a clock yourself.
    pub now: u64,
    /// Distinct for every start of this node's process and growing across
    /// restarts (see `Node::with_incarnation`): with `node`, it names this run of
    /// the node uniquely, for machines that hand out ids (unique-ids).
    pub incarnation: u64,
}

impl Context<'_> {
    /// A physical time in microseconds for stamping writes: `incarnation + now`.
    /// In the binary the incarnation is the wall clock at start-up and `now` the
    /// time since, so this is the wall clock: shared by every node on one machine
    /// and still growing after a restart, where `now` alone starts again from 0.
    /// In the simulator it is the simulated time (plus the restart count).
    pub fn physical_time(&self) -> u64 {
        self.incarnation.saturating_add(self.now)
    }
}

/// A definite error reply: the request did not and never will take effect.
///
/// Only return one when that is true. A machine's `apply` is called once the
/// command is committed, so a rejection from `apply` means the command changed
/// nothing (a failed precondition, a missing key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The Maelstrom error code (a definite one).
    pub code: ErrorCode,
    /// A human-readable reason, sent as the error's `text`.
    pub text: String,
}

impl Rejection {
    /// A rejection with `code`.
    pub fn new(code: ErrorCode, text: impl Into<String>) -> Rejection {
        Rejection {
            code,
            text: text.into(),
        }
    }

    /// Error 12: the request's fields are not what its type needs.
    pub fn malformed(text: impl Into<String>) -> Rejection {
        Rejection::new(ErrorCode::MalformedRequest, text)
    }

    /// Error 10: this machine does not serve the request's type.
    pub fn not_supported(text: impl Into<String>) -> Rejection {
        Rejection::new(ErrorCode::NotSupported, text)
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error {}: {}", self.code.code(), self.text)
    }
}

/// How a machine takes a new client request (see [`StateMachine::admit`]).
#[derive(Clone, Debug)]
pub enum Admit<M: StateMachine> {
    /// Append this command to the log; the client is answered with what
    /// [`StateMachine::apply`] returns once it is committed.
    Propose(M::Command),
    /// A read-only request: answered by [`StateMachine::query`] once a ReadIndex
    /// round confirmed the leader and the read index is applied.
    Read,
    /// Answered at once from local state (for machines available under
    /// partition). `replicate`, if any, goes through the log to every node
    /// afterwards, with nobody waiting for its reply. Also the way to refuse a
    /// request after decoding: `Admit::reject`.
    Local {
        /// The reply (or definite error) sent to the client now.
        reply: Result<M::Reply, Rejection>,
        /// A command that carries the change to every node, if there is one.
        replicate: Option<M::Command>,
    },
}

impl<M: StateMachine> Admit<M> {
    /// Refuses the request at once with a definite error.
    pub fn reject(rejection: Rejection) -> Admit<M> {
        Admit::Local {
            reply: Err(rejection),
            replicate: None,
        }
    }
}

/// A deterministic state machine driven by the replicated log.
///
/// Implement this for your machine and run it with
/// [`Node::with_machine`](crate::node::Node::with_machine) (or the
/// [`runtime::main_with`](crate::runtime::main_with) binary shell). See the README's
/// "Writing a machine" and `examples/queue.rs`.
pub trait StateMachine: Clone + fmt::Debug {
    /// A client request, decoded from its body (usually a `#[serde(tag = "type")]`
    /// enum).
    type Request: DeserializeOwned;
    /// What goes into the log and is applied on every node.
    type Command: Serialize + DeserializeOwned;
    /// A reply to a client; must serialize to an object with a string `type`.
    type Reply: Serialize;
    /// The whole machine state, for snapshots (log compaction, catching up).
    type Snapshot: Serialize + DeserializeOwned;

    /// A short name for logs.
    const NAME: &'static str;
    /// The request `type`s this machine serves; any other gets error 10. Must not
    /// use the node's own types (`protocol::NODE_TYPES`).
    const REQUEST_TYPES: &'static [&'static str];

    /// Decodes a request whose type is in [`Self::REQUEST_TYPES`]. An `Err` is
    /// sent to the client as is (error 12 for bad fields). The default decodes
    /// with serde; override it to validate more.
    fn decode(body: &ClientBody) -> Result<Self::Request, Rejection> {
        body.decode()
            .map_err(|e| Rejection::malformed(format!("bad {} request: {e}", body.ty)))
    }

    /// Takes a new client request at the node that received it: through the log,
    /// as a read, or answered locally. May change local state only when answering
    /// locally (the change must then be replicated).
    fn admit(&mut self, request: Self::Request, ctx: &Context) -> Admit<Self>;

    /// Applies a committed command (`index` is its log index) and returns the
    /// reply. Called in log order on every node, at most once per request.
    fn apply(&mut self, index: u64, command: Self::Command) -> Result<Self::Reply, Rejection>;

    /// Answers a read-only request from the applied state, changing nothing.
    fn query(&self, request: &Self::Request) -> Result<Self::Reply, Rejection>;

    /// The state, for a snapshot. A machine restored from it must answer every
    /// later request exactly as this one would.
    fn snapshot(&self) -> Self::Snapshot;

    /// Replaces the state with a snapshot's.
    fn restore(&mut self, snapshot: Self::Snapshot);

    /// After a restart: `command` is one this node answered locally (the
    /// `replicate` of an [`Admit::Local`]) and kept durable, but the log had not
    /// brought it back before the node stopped. The node hands it to the log
    /// again; meanwhile take its local effect again, as `admit` did, so that this
    /// node's answers keep including it. It will also be applied (perhaps more
    /// than once), so `apply` must be idempotent for such commands. The default
    /// does nothing: the command shows once it is applied.
    fn readmit(&mut self, command: Self::Command) {
        let _ = command;
    }
}
