//! The `broadcast` machine (Maelstrom's broadcast workload): `topology` →
//! `topology_ok`, `broadcast {message}` → `broadcast_ok`, `read` → `read_ok
//! {messages}`.
//!
//! **Answered locally, replicated through the log** (like lww): every node answers
//! every request at once from its own set, so the service is totally available,
//! partitions or not. A message new to the node is added to its set,
//! acknowledged, and handed to the Raft log as a [`Gossip`] command; once
//! committed, every node applies it (set union: commutative and idempotent), so
//! after a partition heals every node converges on every acknowledged message.
//! While no leader is reachable the command stays buffered at the node and is
//! retried (see the node's `local.rs`). A message the node already holds is
//! acknowledged without a new command, so re-broadcasts cost nothing. The set
//! itself is a [`ReplicatedSet`] (committed part for snapshots, pending part
//! bounded).
//!
//! The topology Maelstrom suggests is accepted and ignored: dissemination follows
//! Raft's leader star (origin → leader → every follower), whatever the neighbours.
//! Messages per broadcast: one forward to the leader, batched with others, then a
//! share of the leader's AppendEntries round (n − 1 requests and replies), which
//! batch every entry appended meanwhile; reads cost none.

#[cfg(test)]
mod tests;

use super::grow_set::{LocalAdd, ReplicatedSet};
use super::{Admit, Context, Rejection, StateMachine};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A broadcast request.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BroadcastRequest {
    /// Maelstrom's suggested neighbours per node; checked for shape, then ignored.
    Topology {
        /// Per node, its suggested neighbours.
        topology: BTreeMap<String, Vec<String>>,
    },
    /// Add `message` to the set every node holds.
    Broadcast {
        /// The message, any JSON value.
        message: Value,
    },
    /// Read every message this node holds.
    Read,
}

/// The command broadcast replicates: a message to add on every node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Gossip {
    /// The message to add.
    pub message: Value,
}

/// A broadcast reply.
#[allow(clippy::enum_variant_names)] // Maelstrom's replies are all `<request>_ok`
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BroadcastReply {
    /// The topology was taken (and is ignored).
    TopologyOk,
    /// The message is held here and being replicated.
    BroadcastOk,
    /// The messages this node holds.
    ReadOk {
        /// Every message, in canonical-text order.
        messages: Vec<Value>,
    },
}

/// The broadcast machine: the messages this node holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BroadcastMachine {
    messages: ReplicatedSet,
}

impl BroadcastMachine {
    /// The messages this node holds.
    pub fn messages(&self) -> &ReplicatedSet {
        &self.messages
    }
}

impl StateMachine for BroadcastMachine {
    type Request = BroadcastRequest;
    type Command = Gossip;
    type Reply = BroadcastReply;
    /// The committed messages, in canonical order.
    type Snapshot = Vec<Value>;

    const NAME: &'static str = "broadcast";
    const REQUEST_TYPES: &'static [&'static str] = &["topology", "broadcast", "read"];

    fn admit(&mut self, request: BroadcastRequest, _ctx: &Context) -> Admit<Self> {
        let (reply, replicate) = match request {
            BroadcastRequest::Topology { .. } => (Ok(BroadcastReply::TopologyOk), None),
            BroadcastRequest::Broadcast { message } => match self.messages.add_local(message) {
                Ok(LocalAdd::Replicate(message)) => {
                    (Ok(BroadcastReply::BroadcastOk), Some(Gossip { message }))
                }
                Ok(LocalAdd::Known) => (Ok(BroadcastReply::BroadcastOk), None),
                Err(refused) => (Err(refused), None),
            },
            BroadcastRequest::Read => (self.query(&BroadcastRequest::Read), None),
        };
        Admit::Local { reply, replicate }
    }

    /// Adds a replicated message (nobody waits for this reply).
    fn apply(&mut self, _index: u64, gossip: Gossip) -> Result<BroadcastReply, Rejection> {
        self.messages.apply(gossip.message);
        Ok(BroadcastReply::BroadcastOk)
    }

    fn query(&self, request: &BroadcastRequest) -> Result<BroadcastReply, Rejection> {
        match request {
            BroadcastRequest::Read => Ok(BroadcastReply::ReadOk {
                messages: self.messages.values(),
            }),
            _ => Err(Rejection::not_supported("only reads can be queried")),
        }
    }

    fn snapshot(&self) -> Vec<Value> {
        self.messages.snapshot()
    }

    fn restore(&mut self, snapshot: Vec<Value>) {
        self.messages.restore(snapshot);
    }

    /// An element this node acknowledged before a restart: pending again.
    fn readmit(&mut self, gossip: Gossip) {
        self.messages.readmit(gossip.message);
    }
}
