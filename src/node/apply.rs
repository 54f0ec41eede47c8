//! Applying committed entries and answering the clients this node owes a reply.

use super::state::Applied;
use super::{Node, local};
use crate::machines::Machine;

impl<M: Machine> Node<M> {
    pub(super) fn apply_committed(&mut self) {
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        let mut replies = Vec::new();
        for (index, entry) in c.raft.take_committed() {
            let cmd = match self.state.apply(index, entry.data.as_ref()) {
                Applied::Noop => continue,
                Applied::Unreadable(text) => {
                    self.logs.push(text);
                    continue;
                }
                Applied::Duplicate(cmd) => {
                    if cmd.id.node == c.id && cmd.id.incarnation == self.incarnation {
                        c.pending.remove(&cmd.id.seq);
                    }
                    continue;
                }
                Applied::Reply(cmd, reply) => {
                    if cmd.reply_from == c.id && local::needs_reply(&cmd) {
                        replies.push((cmd.client.clone(), cmd.client_msg_id, reply));
                    }
                    cmd
                }
            };
            if cmd.id.node == c.id && cmd.id.incarnation == self.incarnation {
                c.pending.remove(&cmd.id.seq);
            }
        }
        for (client, msg_id, reply) in replies {
            self.answer(&client, msg_id, reply);
        }
    }
}
