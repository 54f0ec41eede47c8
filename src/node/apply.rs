//! Applying committed entries, answering the clients this node owes a reply,
//! and compacting the log into snapshots.

use super::state::Applied;
use super::{Command, Node, local};
use crate::machines::Machine;
use crate::raft::{Entry, Snapshot};

impl<M: Machine> Node<M> {
    pub(super) fn apply_committed(&mut self, committed: Vec<(u64, Entry)>) {
        let mut replies = Vec::new();
        for (index, entry) in committed {
            self.applied_bytes += entry.data.as_ref().map_or(0, |d| d.len() as u64);
            let Some(c) = self.cluster.as_mut() else {
                return;
            };
            let (id, replay_until) = (&c.id, self.replay_until);
            let (leading, term) = (c.raft.is_leader(), c.raft.term());
            // Commit-then-reply, by one node: the leader that appended the entry,
            // while still in that term; or, for an entry of an earlier term, the
            // leader that applies it. Without the second, a proposer deposed before
            // it applied the entry (cut off by a partition, say) would leave its
            // client waiting for the heal. A proposer that applied the entry in its
            // own term answered already, so at worst a client gets the same reply
            // twice, which Maelstrom's client ignores (it waits for one msg_id).
            let answers = |cmd: &Command| {
                let proposer = cmd.reply_from == *id && entry.term == term;
                let takeover = leading && entry.term < term && !cmd.reply_from.is_empty();
                (proposer || takeover) && local::needs_reply(cmd) && index > replay_until
            };
            let cmd = match self.state.apply_for(index, entry.data.as_ref(), answers) {
                Applied::Noop => continue,
                Applied::Unreadable(text) => {
                    self.logs.push(text);
                    continue;
                }
                Applied::Duplicate(cmd) => {
                    if cmd.id.node == c.id && cmd.id.incarnation == self.incarnation {
                        c.settle(cmd.id.seq);
                    }
                    continue;
                }
                Applied::Reply(cmd, reply) => {
                    replies.push((cmd.client.clone(), cmd.client_msg_id, reply));
                    cmd
                }
                Applied::Unanswered(cmd) => cmd,
            };
            if cmd.id.node == c.id && cmd.id.incarnation == self.incarnation {
                c.settle(cmd.id.seq);
            }
            self.maybe_compact();
        }
        for (client, msg_id, reply) in replies {
            self.answer(&client, msg_id, reply);
        }
    }

    /// Takes a snapshot and compacts the log once `snapshot_entries` entries (or
    /// `snapshot_bytes` bytes of commands) were applied since the last one. Called
    /// after each applied entry, so nodes that apply the same log snapshot at the
    /// same indexes (unless the byte limit strikes first).
    fn maybe_compact(&mut self) {
        let (every, max_bytes) = (self.config.snapshot_entries, self.config.snapshot_bytes);
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        let index = self.state.applied_index;
        let last = c.raft.snapshot().map_or(0, |s| s.index);
        let by_count = every > 0 && index >= last + every;
        let by_bytes = max_bytes > 0 && self.applied_bytes >= max_bytes && index > last;
        if !by_count && !by_bytes {
            return;
        }
        self.applied_bytes = 0;
        let data = match self.snapshot_data() {
            Ok(data) => data,
            Err(e) => {
                self.logs.push(format!("no snapshot at {index}: {e}"));
                return;
            }
        };
        let retain = self.config.snapshot_retain;
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        if let Err(e) = c.raft.compact(index, data, retain) {
            self.logs.push(format!("no compaction at {index}: {e}"));
        }
    }

    /// The replicated state's snapshot (without its sessions under the
    /// SnapshotWithoutSessions mutation).
    fn snapshot_data(&self) -> Result<crate::raft::Data, String> {
        #[cfg(feature = "mutations")]
        if self.config.mutation == super::Mutation::SnapshotWithoutSessions {
            let mut copy = self.state.clone();
            copy.sessions = super::Sessions::default();
            return copy.snapshot();
        }
        self.state.snapshot()
    }

    /// Replaces the replicated state with a snapshot the leader sent.
    pub(super) fn restore_snapshot(&mut self, snapshot: Snapshot) {
        match self.state.restore(&snapshot.data) {
            Ok(()) => {
                // The snapshot's own applied index is where it was taken.
                self.state.applied_index = snapshot.index;
                self.snapshots_installed += 1;
                self.applied_bytes = 0;
                self.logs
                    .push(format!("installed the snapshot at {}", snapshot.index));
            }
            Err(e) => self.logs.push(format!(
                "could not restore the snapshot at {}: {e}",
                snapshot.index
            )),
        }
    }
}
