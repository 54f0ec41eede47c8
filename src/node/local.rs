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
//!
//! A dissemination is also a *handoff* in the node's storage (see
//! [`Handoffs`](crate::storage::Handoffs)): added in the round that acknowledges
//! it, so under `--data-dir` it is durable before the client's reply leaves, and
//! settled once this node applies it. A node killed in between reads its
//! unsettled handoffs back at `init`, takes their local effect again
//! ([`Machine::readmit_data`]) and disseminates them anew: an acknowledged write
//! is never lost with the process.

use super::{Command, Node};
use crate::machines::Machine;
use crate::protocol::ForwardOp;
use crate::raft::Data;
use crate::storage::HandoffKey;

/// The `client` of a dissemination's command: nobody to answer.
pub(super) const NO_CLIENT: &str = "";

impl<M: Machine> Node<M> {
    /// Hands `command` to the log through the usual routing, without a client,
    /// and keeps it as a handoff until applied. `recovered` is its key when a
    /// previous run of this node acknowledged it (and stored it already).
    pub(super) fn disseminate(&mut self, now: u64, command: Data, recovered: Option<HandoffKey>) {
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        // A new handoff is named by this process and the sequence number `track`
        // is about to give it.
        let key = recovered.unwrap_or((self.incarnation, c.next_seq));
        #[allow(unused_mut)]
        let mut durable = recovered.is_none();
        #[cfg(feature = "mutations")]
        if self.config.mutation == super::Mutation::VolatileHandoffs {
            durable = false;
        }
        if durable {
            c.handoffs.added.push((key, command.clone()));
        }
        let _seq = self.track(
            now,
            NO_CLIENT.to_owned(),
            0,
            ForwardOp::Command(command),
            Some(key),
        );
        #[cfg(feature = "mutations")]
        self.mutant_drop_buffered(_seq);
    }

    /// Re-disseminates the handoffs a previous run of this node left unsettled
    /// (at `init`, before anything else is handled).
    pub(super) fn recover_handoffs(&mut self, now: u64) {
        let handoffs = self.storage.handoffs();
        if handoffs.is_empty() {
            return;
        }
        self.logs.push(format!(
            "recovered {} acknowledged commands not yet replicated: handing them to the log again",
            handoffs.len()
        ));
        for (key, command) in handoffs {
            if let Err(e) = self.state.machine.readmit_data(&command) {
                self.logs.push(format!("recovered handoff {key:?}: {e}"));
            }
            self.disseminate(now, command, Some(key));
        }
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
