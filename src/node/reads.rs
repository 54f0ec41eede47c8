//! Linearizable reads served by the leader through ReadIndex, without log writes.

use super::{Command, Node};
use crate::machines::StateMachine;
use crate::protocol::Payload;

/// A read the leader accepted and will answer once confirmed and applied.
#[derive(Clone, Debug)]
pub struct ReadWaiter {
    pub client: String,
    pub client_msg_id: u64,
    pub request: Payload,
    /// The read index, once a heartbeat round confirmed leadership.
    pub index: Option<u64>,
}

impl Node {
    /// Leader: queue a read-only command for ReadIndex instead of appending it.
    pub(super) fn lead_read(&mut self, cmd: Command) {
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        let ctx = c.next_read_ctx;
        c.next_read_ctx += 1;
        if c.raft.read_index(ctx) {
            let waiter = ReadWaiter {
                client: cmd.client,
                client_msg_id: cmd.client_msg_id,
                request: cmd.request,
                index: None,
            };
            c.read_waiters.insert(ctx, waiter);
        }
    }

    /// Answers every confirmed read whose read index the machine has applied.
    /// Reads of a leader that lost leadership are dropped unanswered: the client
    /// times out, which for a read is a definite failure, as it should be.
    pub(super) fn serve_reads(&mut self) {
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        if !c.raft.is_leader() {
            c.read_waiters.clear();
            return;
        }
        for (ctx, index) in c.raft.take_ready_reads() {
            if let Some(w) = c.read_waiters.get_mut(&ctx) {
                w.index = Some(index);
            }
        }
        let applied = c.applied_index;
        let done: Vec<u64> = c
            .read_waiters
            .iter()
            .filter(|(_, w)| w.index.is_some_and(|i| i <= applied))
            .map(|(ctx, _)| *ctx)
            .collect();
        let mut replies = Vec::new();
        for ctx in done {
            if let Some(w) = c.read_waiters.remove(&ctx) {
                let reply = c.machine.query(&w.request);
                replies.push((w.client, w.client_msg_id, reply));
            }
        }
        let id = c.id.clone();
        for (client, msg_id, reply) in replies {
            self.send(id.clone(), client, Some(msg_id), reply);
        }
    }
}
