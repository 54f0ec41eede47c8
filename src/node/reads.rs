//! Linearizable reads without log writes (ReadIndex).
//!
//! By default a follower forwards a read to the leader, which confirms its
//! leadership and answers the client directly (3 node-to-node delays through a
//! follower; client messages take none under Maelstrom). With `follower_reads`, a
//! follower instead asks the leader for a read index and answers from its own
//! state once it has applied that index (4 delays, but the leader does not
//! evaluate the read).

use super::Node;
use crate::machines::Machine;
use crate::protocol::{ClientBody, Payload};

/// Who a leader's confirmed read is for.
#[derive(Clone, Debug)]
pub enum ReadFor {
    /// A client: the leader answers it once it has applied the read index.
    Client {
        client: String,
        client_msg_id: u64,
        request: ClientBody,
    },
    /// A follower's read: the leader sends it the read index once confirmed.
    Follower { node: String, ctx: u64 },
}

/// A read the leader accepted.
#[derive(Clone, Debug)]
pub struct ReadWaiter {
    pub target: ReadFor,
    /// The read index, once a heartbeat round confirmed leadership.
    pub index: Option<u64>,
}

/// A read a follower serves itself once it knows and has applied the read index.
#[derive(Clone, Debug)]
pub struct LocalRead {
    pub client: String,
    pub client_msg_id: u64,
    pub request: ClientBody,
    pub index: Option<u64>,
    pub asked_at: u64,
}

impl<M: Machine> Node<M> {
    /// Leader: serve a read once a ReadIndex round confirms leadership.
    pub(super) fn lead_read_for(&mut self, target: ReadFor) {
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        if c.read_waiters.len() >= self.config.max_pending {
            // Dropped unanswered: the client's read times out (a failure, which a
            // read may be), or the asking follower gives up.
            return;
        }
        let ctx = c.next_read_ctx;
        c.next_read_ctx += 1;
        if c.raft.read_index(ctx) {
            c.read_waiters.insert(
                ctx,
                ReadWaiter {
                    target,
                    index: None,
                },
            );
        }
    }

    /// Follower: ask `leader` for a read index for this client read.
    pub(super) fn ask_read_index(
        &mut self,
        now: u64,
        leader: String,
        client: String,
        client_msg_id: u64,
        request: ClientBody,
    ) {
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        let ctx = c.next_read_ctx;
        c.next_read_ctx += 1;
        c.local_reads.insert(
            ctx,
            LocalRead {
                client,
                client_msg_id,
                request,
                index: None,
                asked_at: now,
            },
        );
        let from = c.id.clone();
        self.send(from, leader, None, Payload::ReadIndex { ctx });
    }

    /// Leader: a follower asks for a read index. Not leader: no answer (the
    /// follower gives up after a while; the client's read then times out).
    pub(super) fn on_read_index(&mut self, src: String, ctx: u64) {
        if self.cluster.as_ref().is_some_and(|c| c.raft.is_leader()) {
            self.lead_read_for(ReadFor::Follower { node: src, ctx });
        }
    }

    /// Follower: the leader confirmed a read index.
    pub(super) fn on_read_index_ok(&mut self, ctx: u64, index: u64) {
        if let Some(r) = self
            .cluster
            .as_mut()
            .and_then(|c| c.local_reads.get_mut(&ctx))
        {
            r.index = Some(index);
        }
    }

    /// Forgets follower reads the leader never confirmed within `timeout`.
    pub(super) fn expire_local_reads(&mut self, now: u64, timeout: u64) {
        if let Some(c) = self.cluster.as_mut() {
            c.local_reads
                .retain(|_, r| r.index.is_some() || now < r.asked_at + timeout);
        }
    }

    /// Answers every read whose read index is confirmed (`confirmed`: this
    /// round's `(context, read index)` pairs from the core) and applied here.
    pub(super) fn serve_reads(&mut self, confirmed: Vec<(u64, u64)>) {
        self.serve_leader_reads(confirmed);
        self.serve_local_reads();
    }

    /// Reads of a leader that lost leadership are dropped unanswered: the client
    /// times out, which for a read is a definite failure, as it should be.
    fn serve_leader_reads(&mut self, confirmed: Vec<(u64, u64)>) {
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        if !c.raft.is_leader() {
            c.read_waiters.clear();
            return;
        }
        for (ctx, index) in confirmed {
            if let Some(w) = c.read_waiters.get_mut(&ctx) {
                w.index = Some(index);
            }
        }
        let applied = self.state.applied_index;
        // A follower's read only needs the index; a client's needs it applied here.
        let done: Vec<u64> = c
            .read_waiters
            .iter()
            .filter(|(_, w)| match (&w.target, w.index) {
                (ReadFor::Follower { .. }, Some(_)) => true,
                (ReadFor::Client { .. }, Some(i)) => i <= applied,
                (_, None) => false,
            })
            .map(|(ctx, _)| *ctx)
            .collect();
        let mut out = Vec::new();
        for ctx in done {
            let Some(w) = c.read_waiters.remove(&ctx) else {
                continue;
            };
            let index = w.index.unwrap_or(0);
            match w.target {
                ReadFor::Client {
                    client,
                    client_msg_id,
                    request,
                } => {
                    let reply = super::reply_payload(self.state.machine.query_body(&request));
                    out.push((client, Some(client_msg_id), reply));
                }
                ReadFor::Follower { node, ctx } => {
                    out.push((node, None, Payload::ReadIndexOk { ctx, index }))
                }
            }
        }
        let id = c.id.clone();
        for (to, in_reply_to, payload) in out {
            self.send(id.clone(), to, in_reply_to, payload);
        }
    }

    fn serve_local_reads(&mut self) {
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        #[allow(unused_mut)]
        let mut applied = self.state.applied_index;
        #[cfg(feature = "mutations")]
        if self.config.mutation == super::Mutation::FollowerReadIgnoresIndex {
            applied = u64::MAX;
        }
        let done: Vec<u64> = c
            .local_reads
            .iter()
            .filter(|(_, r)| r.index.is_some_and(|i| i <= applied))
            .map(|(ctx, _)| *ctx)
            .collect();
        let mut out = Vec::new();
        for ctx in done {
            if let Some(r) = c.local_reads.remove(&ctx) {
                out.push((
                    r.client,
                    r.client_msg_id,
                    self.state.machine.query_body(&r.request),
                ));
            }
        }
        for (client, msg_id, reply) in out {
            self.answer(&client, msg_id, reply);
        }
    }
}
