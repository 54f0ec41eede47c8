//! Requests a machine answers from local state (lww), and the replication of what
//! they changed.
//!
//! The client gets its reply at once. A command to replicate becomes a
//! *dissemination*: a [`Pending`](super::Pending) marked `answered`, routed like
//! any request (proposed when this node leads, else forwarded to the leader it
//! knows, re-routed when the leader changes), with three differences: it never
//! expires, never gets error 11, and nobody answers it when it is applied (its
//! command carries no client). While no leader is reachable it stays buffered
//! here, and it is retried every `retry_interval` until this node applies it.
//! Duplicates in the log are applied once.

use super::{Command, Node};
use crate::machines::Machine;
use crate::protocol::ForwardOp;
use crate::raft::Data;

/// The `client` of a dissemination's command: nobody to answer.
pub(super) const NO_CLIENT: &str = "";

impl<M: Machine> Node<M> {
    /// Hands `command` to the log through the usual routing, without a client.
    pub(super) fn disseminate(&mut self, now: u64, command: Data) {
        let _seq = self.track(
            now,
            NO_CLIENT.to_owned(),
            0,
            ForwardOp::Command(command),
            true,
        );
        #[cfg(feature = "mutations")]
        self.mutant_drop_buffered(_seq);
    }

    /// DropBufferedWrites: a dissemination that found no leader is discarded.
    #[cfg(feature = "mutations")]
    fn mutant_drop_buffered(&mut self, seq: u64) {
        if self.config.mutation != super::Mutation::DropBufferedWrites {
            return;
        }
        if let Some(c) = self.cluster.as_mut()
            && c.pending.get(seq).is_some_and(|p| !p.handed)
        {
            c.pending.remove(seq);
        }
    }
}

/// Whether the node answers the client when `cmd` is applied: not for a
/// dissemination, whose client was answered before it entered the log.
pub(super) fn needs_reply(cmd: &Command) -> bool {
    cmd.client != NO_CLIENT
}
