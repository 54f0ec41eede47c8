//! A FIFO queue replicated by raft-kv, written only against the library's public
//! API: the whole machine is the types and the `StateMachine` impl below.
//!
//! `enqueue {value}` → `enqueue_ok`; `dequeue` → `dequeue_ok {value}`, or error 20
//! when the queue is empty (a dequeue changes the queue, so it goes through the
//! log); `size` → `size_ok {size}` (read-only, served after ReadIndex).
//!
//! Run it as a Maelstrom node with the same flags as `raft-kv`:
//! `cargo run --release --example queue`, then type JSON lines on stdin.

use raft_kv::machines::{Admit, Context, Rejection, StateMachine};
use raft_kv::protocol::ErrorCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::VecDeque;

/// What clients send (the `type` tag selects the variant).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QueueRequest {
    Enqueue { value: Value },
    Dequeue,
    Size,
}

/// What goes into the log: the two requests that change the queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QueueCommand {
    Enqueue { value: Value },
    Dequeue,
}

/// What clients get back.
#[allow(clippy::enum_variant_names)] // Maelstrom's replies are all `<request>_ok`
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QueueReply {
    EnqueueOk,
    DequeueOk { value: Value },
    SizeOk { size: usize },
}

/// The queue's state; also its snapshot.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Queue {
    items: VecDeque<Value>,
}

impl Queue {
    /// The value a dequeue would return now.
    pub fn front(&self) -> Option<&Value> {
        self.items.front()
    }

    /// Number of values queued.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Error 20: definite, since a dequeue of an empty queue changes nothing.
pub fn empty() -> Rejection {
    Rejection::new(ErrorCode::KeyDoesNotExist, "the queue is empty")
}

impl StateMachine for Queue {
    type Request = QueueRequest;
    type Command = QueueCommand;
    type Reply = QueueReply;
    type Snapshot = Vec<Value>;

    const NAME: &'static str = "queue";
    const REQUEST_TYPES: &'static [&'static str] = &["enqueue", "dequeue", "size"];

    fn admit(&mut self, request: QueueRequest, _ctx: &Context) -> Admit<Self> {
        match request {
            QueueRequest::Enqueue { value } => Admit::Propose(QueueCommand::Enqueue { value }),
            QueueRequest::Dequeue => Admit::Propose(QueueCommand::Dequeue),
            QueueRequest::Size => Admit::Read,
        }
    }

    fn apply(&mut self, _index: u64, command: QueueCommand) -> Result<QueueReply, Rejection> {
        match command {
            QueueCommand::Enqueue { value } => {
                self.items.push_back(value);
                Ok(QueueReply::EnqueueOk)
            }
            QueueCommand::Dequeue => match self.items.pop_front() {
                Some(value) => Ok(QueueReply::DequeueOk { value }),
                None => Err(empty()),
            },
        }
    }

    fn query(&self, request: &QueueRequest) -> Result<QueueReply, Rejection> {
        match request {
            QueueRequest::Size => Ok(QueueReply::SizeOk {
                size: self.items.len(),
            }),
            _ => Err(Rejection::not_supported("only size is read-only")),
        }
    }

    fn snapshot(&self) -> Vec<Value> {
        self.items.iter().cloned().collect()
    }

    fn restore(&mut self, snapshot: Vec<Value>) {
        self.items = snapshot.into();
    }
}

fn main() -> std::process::ExitCode {
    raft_kv::runtime::main_with(Queue::default())
}
