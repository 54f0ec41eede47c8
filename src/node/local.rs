//! Requests a machine answers from local state (lww), and the replication of what
//! they changed.
//!
//! The client gets its reply at once. A write to replicate becomes a *dissemination*:
//! a [`Pending`] marked `answered`, routed like any request (proposed when this node
//! leads, else forwarded to the leader it knows, re-routed when the leader changes),
//! with three differences: it never expires, never gets error 11, and nobody answers
//! it when it is applied (its command carries no client). While no leader is
//! reachable it stays buffered here, and it is retried every `retry_interval` until
//! this node applies it. Duplicates in the log are applied once, and the machine's
//! merge is idempotent anyway.

use super::{Command, Node, NodeConfig, Pending};
use crate::machines::StateMachine;
use crate::protocol::Payload;

/// The `client` of a dissemination's command: nobody to answer.
pub(super) const NO_CLIENT: &str = "";

impl Node {
    /// Offers a checked client request to the machine's local path. Returns true when
    /// the machine answered it (the reply is sent, and its write is being replicated).
    pub(super) fn answer_locally(
        &mut self,
        now: u64,
        client: &str,
        msg_id: u64,
        request: &Payload,
    ) -> bool {
        let Some(c) = self.cluster.as_mut() else {
            return false;
        };
        let id = c.id.clone();
        let Some(answer) = c.machine.answer_locally(request, &id, now) else {
            return false;
        };
        self.send(id, client.to_owned(), Some(msg_id), answer.reply);
        if let Some(write) = answer.replicate {
            self.disseminate(now, write);
        }
        true
    }

    /// Hands `request` to the log through the usual routing, without a client.
    fn disseminate(&mut self, now: u64, request: Payload) {
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        let seq = c.next_seq;
        c.next_seq += 1;
        c.pending.insert(
            seq,
            Pending {
                client: NO_CLIENT.to_owned(),
                client_msg_id: 0,
                request,
                received: now,
                sent_to: None,
                last_attempt: now,
                handed: false,
                answered: true,
            },
        );
        self.route(now, seq);
        #[cfg(feature = "mutations")]
        self.mutant_drop_buffered(seq);
    }

    /// DropBufferedWrites: a dissemination that found no leader is discarded.
    #[cfg(feature = "mutations")]
    fn mutant_drop_buffered(&mut self, seq: u64) {
        if self.config.mutation != super::Mutation::DropBufferedWrites {
            return;
        }
        if let Some(c) = self.cluster.as_mut()
            && c.pending.get(&seq).is_some_and(|p| !p.handed)
        {
            c.pending.remove(&seq);
        }
    }
}

/// When a dissemination is next due for a retry. It has no other deadline: no
/// expiry, no error 11.
pub(super) fn retry_at(p: &Pending, config: &NodeConfig) -> u64 {
    p.last_attempt + config.retry_interval
}

/// Whether the node answers the client when `cmd` is applied: not for a
/// dissemination, whose client was answered before it entered the log.
pub(super) fn needs_reply(cmd: &Command) -> bool {
    cmd.client != NO_CLIENT
}
