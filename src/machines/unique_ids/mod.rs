//! The `unique-ids` machine (Maelstrom's unique-ids workload): `generate` →
//! `generate_ok {id}`, answered at once by the node that received it, so it is
//! totally available, partitions or not.
//!
//! An id is `"<node>-<incarnation>-<n>"`: the node's id, its process's incarnation
//! (distinct for every start of the node and growing across restarts, see
//! [`Context::incarnation`]) and a counter that only grows within the incarnation.
//! Two nodes differ in `node`; two runs of one node differ in `incarnation`; two ids
//! of one run differ in `n`. The text is unambiguous: the last two `-`-separated
//! parts are numbers, so everything before them is the node id. Nothing goes
//! through the log, so there is no replicated state: the snapshot is empty (every
//! node's is the same, as snapshots must be) and restoring one keeps the node's
//! counter, which only ever grows.

use super::{Admit, Context, Rejection, StateMachine};
use serde::{Deserialize, Serialize};

/// A unique-ids request.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum IdsRequest {
    /// Ask for a new id.
    Generate,
}

/// A unique-ids reply.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum IdsReply {
    /// A new id.
    GenerateOk {
        /// `"<node>-<incarnation>-<n>"`, unique across nodes and restarts.
        id: String,
    },
}

/// A command no unique-ids node ever appends (the type has no values).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum NoCommand {}

/// The unique-ids machine: the next counter value of this node's run (local state,
/// never replicated).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UniqueIdsMachine {
    next: u64,
}

impl StateMachine for UniqueIdsMachine {
    type Request = IdsRequest;
    type Command = NoCommand;
    type Reply = IdsReply;
    /// Nothing: no state is replicated.
    type Snapshot = ();

    const NAME: &'static str = "unique-ids";
    const REQUEST_TYPES: &'static [&'static str] = &["generate"];

    fn admit(&mut self, request: IdsRequest, ctx: &Context) -> Admit<Self> {
        let IdsRequest::Generate = request;
        let id = format!("{}-{}-{}", ctx.node, ctx.incarnation, self.next);
        // u64 ids do not run out: at a billion ids a second, 584 years.
        self.next = self.next.saturating_add(1);
        Admit::Local {
            reply: Ok(IdsReply::GenerateOk { id }),
            replicate: None,
        }
    }

    fn apply(&mut self, _index: u64, command: NoCommand) -> Result<IdsReply, Rejection> {
        match command {}
    }

    fn query(&self, _request: &IdsRequest) -> Result<IdsReply, Rejection> {
        Err(Rejection::not_supported("generate is answered locally"))
    }

    fn snapshot(&self) -> Self::Snapshot {}

    /// Keeps the counter: a node that installs a snapshot keeps handing out ids
    /// it never handed out before.
    fn restore(&mut self, _snapshot: ()) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machines::testing::assert_restore_answers_alike;
    use crate::machines::{Admission, Machine, MachineKind};
    use crate::protocol::ClientBody;
    use serde_json::{Value, json};
    use std::collections::HashSet;

    fn generate(m: &mut UniqueIdsMachine, node: &str, incarnation: u64) -> Value {
        let ctx = Context {
            node,
            now: 0,
            incarnation,
        };
        match m.admit_body(&ClientBody::new("generate", json!({})), &ctx) {
            Admission::Local {
                reply: Ok(body),
                replicate: None,
            } => body.get("id").cloned().expect("an id"),
            other => panic!("generate is answered locally: {other:?}"),
        }
    }

    #[test]
    fn ids_differ_across_nodes_restarts_and_requests() {
        let mut seen = HashSet::new();
        for node in ["n1", "n2", "n1-0"] {
            for incarnation in [0, 1, 10] {
                // A fresh machine per run: a restart loses the counter.
                let mut m = UniqueIdsMachine::default();
                for _ in 0..20 {
                    let id = generate(&mut m, node, incarnation);
                    assert!(seen.insert(id.to_string()), "{id} handed out twice");
                }
            }
        }
        assert_eq!(seen.len(), 3 * 3 * 20);
    }

    #[test]
    fn restoring_a_snapshot_never_moves_the_counter_back() {
        let mut m = UniqueIdsMachine::default();
        m.snapshot();
        let first = generate(&mut m, "n1", 0);
        m.restore(());
        assert_ne!(generate(&mut m, "n1", 0), first);
    }

    #[test]
    fn snapshots_are_the_same_on_every_node() {
        let (mut a, b) = (UniqueIdsMachine::default(), UniqueIdsMachine::default());
        generate(&mut a, "n1", 0);
        assert_eq!(a.snapshot_data(), b.snapshot_data());
    }

    #[test]
    fn restore_of_a_snapshot_answers_every_later_request_alike() {
        // A node restores a snapshot into its running machine (the counter is
        // local), so the restored machine is this one's state plus the snapshot.
        let mut m = MachineKind::UniqueIds.build();
        let generate = ClientBody::new("generate", json!({}));
        crate::machines::testing::drive(&mut m, &vec![generate.clone(); 7]);
        let replies = assert_restore_answers_alike(&m, m.clone(), &[generate]);
        assert_eq!(
            replies[0],
            Ok(ClientBody::new("generate_ok", json!({"id": "n1-0-7"})))
        );
    }
}
