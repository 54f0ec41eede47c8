//! The `g-set` machine (Maelstrom's g-set workload): `add {element}` → `add_ok`,
//! `read` → `read_ok {value: [...]}`.
//!
//! Like broadcast, **answered locally and replicated through the log**: a grow-only
//! set is a CRDT, and Maelstrom's g-set asks for one that stays available under
//! partition. Every node answers at once from its own [`ReplicatedSet`]; a new
//! element is acknowledged, then handed to the log as a [`GSetAdd`] command that
//! every node applies (set union), buffered at the node while no leader is
//! reachable. Reads may miss elements added elsewhere until their command
//! arrives; once the network heals every node converges on every acknowledged
//! element (checked by set-full).

#[cfg(test)]
mod tests;

use super::grow_set::{LocalAdd, ReplicatedSet};
use super::{Admit, Context, Rejection, StateMachine};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A g-set request.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GSetRequest {
    /// Add `element` to the set.
    Add {
        /// The element, any JSON value.
        element: Value,
    },
    /// Read the whole set as this node holds it.
    Read,
}

/// The command g-set replicates: an element to add on every node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GSetAdd {
    /// The element to add.
    pub element: Value,
}

/// A g-set reply.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GSetReply {
    /// The element is in the set.
    AddOk,
    /// The set as this node holds it.
    ReadOk {
        /// Every element, in canonical-text order.
        value: Vec<Value>,
    },
}

/// The g-set machine: the elements this node holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GSetMachine {
    elements: ReplicatedSet,
}

impl GSetMachine {
    /// The elements this node holds.
    pub fn elements(&self) -> &ReplicatedSet {
        &self.elements
    }
}

impl StateMachine for GSetMachine {
    type Request = GSetRequest;
    type Command = GSetAdd;
    type Reply = GSetReply;
    /// The committed elements, in canonical order.
    type Snapshot = Vec<Value>;

    const NAME: &'static str = "g-set";
    const REQUEST_TYPES: &'static [&'static str] = &["add", "read"];

    fn admit(&mut self, request: GSetRequest, _ctx: &Context) -> Admit<Self> {
        let (reply, replicate) = match request {
            GSetRequest::Add { element } => match self.elements.add_local(element) {
                Ok(LocalAdd::Replicate(element)) => {
                    (Ok(GSetReply::AddOk), Some(GSetAdd { element }))
                }
                Ok(LocalAdd::Known) => (Ok(GSetReply::AddOk), None),
                Err(refused) => (Err(refused), None),
            },
            GSetRequest::Read => (self.query(&GSetRequest::Read), None),
        };
        Admit::Local { reply, replicate }
    }

    /// Adds a replicated element (nobody waits for this reply).
    fn apply(&mut self, _index: u64, add: GSetAdd) -> Result<GSetReply, Rejection> {
        self.elements.apply(add.element);
        Ok(GSetReply::AddOk)
    }

    fn query(&self, request: &GSetRequest) -> Result<GSetReply, Rejection> {
        match request {
            GSetRequest::Read => Ok(GSetReply::ReadOk {
                value: self.elements.values(),
            }),
            GSetRequest::Add { .. } => Err(Rejection::not_supported("only reads can be queried")),
        }
    }

    fn snapshot(&self) -> Vec<Value> {
        self.elements.snapshot()
    }

    fn restore(&mut self, snapshot: Vec<Value>) {
        self.elements.restore(snapshot);
    }

    /// An element this node acknowledged before a restart: pending again.
    fn readmit(&mut self, add: GSetAdd) {
        self.elements.readmit(add.element);
    }
}
