//! Deliberate bugs (feature `mutations`, tests only): each is a known way to break
//! linearizability, which the simulator and checkers must catch.

use super::{Command, Mutation, Node};
use crate::machines::StateMachine;
use crate::protocol::Payload;

impl Node {
    /// FollowerLocalReads / StaleLeaderReads: answer a read from local state at once.
    /// Returns true when the read was answered.
    pub(super) fn mutant_local_read(
        &mut self,
        client: &str,
        msg_id: u64,
        request: &Payload,
    ) -> bool {
        let Some(c) = self.cluster.as_mut() else {
            return false;
        };
        let local = match self.config.mutation {
            Mutation::FollowerLocalReads => !c.raft.is_leader(),
            Mutation::StaleLeaderReads => c.raft.is_leader(),
            _ => false,
        };
        if !local || !c.machine.is_read_only(request) {
            return false;
        }
        let reply = c.machine.clone().apply(request);
        let id = c.id.clone();
        self.send(id, client.to_owned(), Some(msg_id), reply);
        true
    }

    /// ReplyBeforeCommit: answer from the current state when appending, and let
    /// nobody answer at apply time. Returns the command to append.
    ///
    /// NonAtomicTxn: fill a transaction's reads from the current state now; the
    /// machine keeps them when the entry applies.
    pub(super) fn mutant_lead(&mut self, mut cmd: Command) -> Option<Command> {
        if self.config.mutation == Mutation::NonAtomicTxn {
            let c = self.cluster.as_mut()?;
            if let (Payload::Txn { .. }, Payload::TxnOk { txn }) =
                (&cmd.request, c.machine.clone().apply(&cmd.request))
            {
                cmd.request = Payload::Txn { txn };
            }
            return Some(cmd);
        }
        if self.config.mutation != Mutation::ReplyBeforeCommit {
            return Some(cmd);
        }
        let c = self.cluster.as_mut()?;
        let reply = c.machine.clone().apply(&cmd.request);
        let id = c.id.clone();
        let (client, msg_id) = (cmd.client.clone(), cmd.client_msg_id);
        cmd.reply_from = String::new();
        self.send(id, client, Some(msg_id), reply);
        Some(cmd)
    }
}
