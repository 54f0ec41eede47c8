//! Deliberate bugs (feature `mutations`, tests only): each is a known way to break
//! linearizability, which the simulator and checkers must catch. Machine-specific
//! bugs are mutant machines instead (e.g. `txn_list_append::NonAtomicTxn`).

use super::{Command, Mutation, Node};
use crate::machines::Machine;
use crate::protocol::ClientBody;

impl<M: Machine> Node<M> {
    /// FollowerLocalReads / StaleLeaderReads: answer a read from local state at once.
    /// Returns true when the read was answered.
    pub(super) fn mutant_local_read(
        &mut self,
        client: &str,
        msg_id: u64,
        request: &ClientBody,
    ) -> bool {
        let Some(c) = self.cluster.as_ref() else {
            return false;
        };
        let local = match self.config.mutation {
            Mutation::FollowerLocalReads => !c.raft.is_leader(),
            Mutation::StaleLeaderReads => c.raft.is_leader(),
            _ => false,
        };
        if !local {
            return false;
        }
        let reply = self.state.machine.query_body(request);
        self.answer(client, msg_id, reply);
        true
    }

    /// ReplyBeforeCommit: answer from the current state when appending, and let
    /// nobody answer at apply time. Returns the command to append.
    pub(super) fn mutant_lead(&mut self, mut cmd: Command) -> Command {
        if self.config.mutation != Mutation::ReplyBeforeCommit || !super::local::needs_reply(&cmd) {
            return cmd;
        }
        let reply = self.state.machine.clone().apply_data(0, &cmd.command);
        cmd.reply_from = String::new();
        let client = cmd.client.clone();
        self.answer(&client, cmd.client_msg_id, reply);
        cmd
    }
}
