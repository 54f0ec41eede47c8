//! One output per round: what the host must persist, send and apply, in that
//! order (raft-rs's `Ready`, etcd's `Ready`).
//!
//! Safety rule, in the types: the messages of a round are released only against a
//! [`Persisted`] receipt for the round's [`Persist`] part. A vote reply or an
//! append acknowledgement must never leave before the vote or the entries it
//! vouches for are durable, or a restarted node could vote twice or forget
//! entries a leader counted as replicated.

use super::{Entry, Message, NodeId, Raft, Snapshot, Unstable};

/// What must survive a restart besides the log: the current term, the vote in it,
/// and how far the log is known committed.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HardState {
    /// The latest term this peer has seen (Figure 2: `currentTerm`).
    pub term: u64,
    /// The candidate it voted for in that term (Figure 2: `votedFor`).
    pub vote: Option<NodeId>,
    /// The commit index (volatile in Figure 2; kept so a restart re-applies the
    /// committed entries at once instead of waiting for the leader).
    pub commit: u64,
}

/// What a previous run of a peer left durable, to resume from
/// ([`Raft::restart`](super::Raft::restart)).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recovered {
    /// The last hard state persisted.
    pub hard_state: HardState,
    /// The latest snapshot persisted, if any.
    pub snapshot: Option<Snapshot>,
    /// The log entries after the snapshot (from index 1 without one), in order.
    pub entries: Vec<Entry>,
}

/// The durable part of a round.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Persist {
    /// The hard state, when it changed.
    pub hard_state: Option<HardState>,
    /// Log entries to write: storage from `from` on is replaced.
    pub entries: Option<Unstable>,
    /// A snapshot taken here or installed from the leader: write it; the log
    /// before it is no longer needed.
    pub snapshot: Option<Snapshot>,
}

/// Proof that a round's [`Persist`] part is durable.
#[derive(Debug)]
pub struct Persisted(());

#[cfg(test)]
impl Default for Persisted {
    /// Tests of the core alone have nothing to persist.
    fn default() -> Persisted {
        Persisted(())
    }
}

impl Persist {
    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.hard_state.is_none() && self.entries.is_none() && self.snapshot.is_none()
    }

    /// The receipt for this round, to be taken once everything listed here is
    /// durable (at once for an in-memory log).
    pub fn persisted(&self) -> Persisted {
        Persisted(())
    }
}

/// Everything one round produced.
#[derive(Debug, Default)]
pub struct Ready {
    /// Write this first.
    pub persist: Persist,
    /// Then restore the state machine from this snapshot (installed from the
    /// leader), before applying `committed`.
    pub snapshot: Option<Snapshot>,
    /// Then apply these committed entries, in order, with their indexes.
    pub committed: Vec<(u64, Entry)>,
    /// ReadIndex reads confirmed: (context, read index); serve each once the read
    /// index is applied.
    pub reads: Vec<(u64, u64)>,
    messages: Vec<(NodeId, Message)>,
}

impl Ready {
    /// The messages to send, released against the receipt for `persist`.
    pub fn messages(&mut self, _receipt: &Persisted) -> Vec<(NodeId, Message)> {
        std::mem::take(&mut self.messages)
    }
}

impl Raft {
    /// Collects the round's output. Call after every batch of `step`, `tick`,
    /// `propose` and `read_index` calls.
    pub fn ready(&mut self) -> Ready {
        let messages = self.take_messages();
        let hard_state = HardState {
            term: self.term,
            vote: self.voted_for.clone(),
            commit: self.commit_index,
        };
        let changed = (hard_state != self.last_hard_state).then(|| hard_state.clone());
        self.last_hard_state = hard_state;
        let snapshot = self.to_install.take();
        let to_persist = snapshot.clone().or_else(|| self.snapshot_to_persist.take());
        self.snapshot_to_persist = None;
        Ready {
            persist: Persist {
                hard_state: changed,
                entries: self.log.take_unstable(),
                snapshot: to_persist,
            },
            snapshot,
            committed: self.take_committed(),
            reads: self.take_ready_reads(),
            messages,
        }
    }
}
