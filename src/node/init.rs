//! `init`: joining the cluster, recovering what a previous run persisted.

#[cfg(feature = "mutations")]
use super::Mutation;
use super::{Cluster, Node, PendingTable, fnv1a, mix};
use crate::machines::Machine;
use crate::protocol::{ErrorCode, Payload};
use crate::raft::{Raft, check_members};
use crate::storage::FileStorage;
use std::collections::BTreeMap;

impl<M: Machine> Node<M> {
    pub(super) fn init(
        &mut self,
        now: u64,
        src: String,
        dest: String,
        msg_id: Option<u64>,
        node_id: String,
        node_ids: Vec<String>,
    ) {
        if let Some(c) = &self.cluster {
            let (from, text) = (c.id.clone(), format!("already initialized as {}", c.id));
            self.reply_error(from, &src, msg_id, ErrorCode::MalformedRequest, &text);
            return;
        }
        if node_id != dest {
            let text = format!("init addressed to {dest} names node_id {node_id:?}");
            self.reply_error(dest, &src, msg_id, ErrorCode::MalformedRequest, &text);
            return;
        }
        // Checked before anything is stored: the id names a directory under
        // --data-dir.
        if let Err(e) = plain_name(&node_id).and_then(|()| check_members(&node_id, &node_ids)) {
            let text = format!("bad init: {e}");
            self.reply_error(dest, &src, msg_id, ErrorCode::MalformedRequest, &text);
            return;
        }
        let seed = mix(self.seed, fnv1a(node_id.as_bytes()));
        #[allow(unused_mut)]
        let mut raft_config = self.config.raft.clone();
        #[cfg(feature = "mutations")]
        if self.config.mutation == Mutation::StaleLeaderReads {
            raft_config.pre_vote = false;
            raft_config.check_quorum = false;
        }
        #[cfg(feature = "mutations")]
        if self.config.mutation == Mutation::ReadIndexSkipsConfirmation {
            raft_config.skip_read_confirmation = true;
        }
        #[cfg(feature = "mutations")]
        if self.config.mutation == Mutation::DiscardLogOnSnapshot {
            raft_config.discard_log_on_snapshot = true;
        }
        if let Some(dir) = &self.config.data_dir {
            match FileStorage::open(dir.join(&node_id)) {
                Ok(storage) => self.storage = Box::new(storage),
                Err(e) => {
                    self.stop(format!("storage: {e}"));
                    return;
                }
            }
        }
        let recovered = match self.storage.load() {
            Ok(r) => r,
            Err(e) => {
                self.stop(format!("cannot recover: {e}"));
                return;
            }
        };
        if let Some(r) = &recovered {
            self.replay_until = r.hard_state.commit;
            self.logs.push(format!(
                "recovered term {}, vote {:?}, snapshot at {}, {} log entries",
                r.hard_state.term,
                r.hard_state.vote,
                r.snapshot.as_ref().map_or(0, |s| s.index),
                r.entries.len()
            ));
        }
        match Raft::restart(
            node_id.clone(),
            &node_ids,
            raft_config,
            seed,
            now,
            recovered,
        ) {
            Ok(raft) => {
                let last_role = (raft.role(), raft.term(), raft.leader().map(str::to_owned));
                self.cluster = Some(Cluster {
                    id: node_id.clone(),
                    raft,
                    // Until a fresh node's first election can have ended (twice
                    // the election timeout after `init`), requests wait for a
                    // leader instead of getting 11.
                    pending: PendingTable::new(
                        self.config.clone(),
                        now + 2 * self.config.raft.election_timeout,
                    ),
                    next_seq: 0,
                    last_role,
                    read_waiters: BTreeMap::new(),
                    local_reads: BTreeMap::new(),
                    next_read_ctx: 0,
                    forward_queue: BTreeMap::new(),
                    last_forward_at: None,
                    last_leader_contact: now,
                    contact_regained: false,
                    handoffs: Default::default(),
                });
                self.recover_handoffs(now);
                self.logs.push(format!(
                    "initialized {node_id} of {node_ids:?}, machine {}",
                    self.state.machine.name()
                ));
                self.send(node_id, src, msg_id, Payload::InitOk);
                self.after(now);
            }
            Err(e) => self.reply_error(
                dest,
                &src,
                msg_id,
                ErrorCode::MalformedRequest,
                &format!("bad init: {e}"),
            ),
        }
    }
}

/// A node id safe to use as a file name: 1 to 64 letters, digits, `-`, `_` or
/// `.`, and not `.` or `..`.
fn plain_name(id: &str) -> Result<(), String> {
    let plain = (1..=64).contains(&id.len())
        && id != "."
        && id != ".."
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if plain {
        Ok(())
    } else {
        Err(format!(
            "node_id {id:?} must be 1 to 64 letters, digits, '-', '_' or '.' (not . or ..)"
        ))
    }
}
