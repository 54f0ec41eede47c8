//! Linearizable reads without log writes: ReadIndex (Ongaro's thesis §6.4).
//!
//! The leader records its commit index as the read index, confirms it still leads
//! with one heartbeat round that every read arriving meanwhile shares, and hands
//! the read back once a majority answered; the caller serves it once its state
//! machine has applied the read index.
//!
//! Safety rule: a new leader does not know which entries of earlier terms are
//! committed until it commits an entry of its own term, so it starts no round
//! before that (the bug etcd fixed in etcd-io/etcd#7331).

use super::{Raft, Role};
use std::collections::BTreeSet;

/// A confirmation round in flight.
#[derive(Clone, Debug)]
pub(super) struct ReadRound {
    pub id: u64,
    /// The commit index when the round started.
    pub index: u64,
    pub acks: BTreeSet<String>,
    /// Caller contexts of the reads waiting on this round.
    pub reads: Vec<u64>,
}

/// ReadIndex state of a leader.
#[derive(Clone, Debug, Default)]
pub(super) struct ReadState {
    /// Reads waiting for the next round.
    pub queued: Vec<u64>,
    pub round: Option<ReadRound>,
    pub next_round: u64,
    /// Confirmed reads: (context, read index).
    pub ready: Vec<(u64, u64)>,
    /// A round started this round of the event loop: its confirmation requests
    /// go out with the round's other messages (see [`Raft::announce_read_round`]).
    pub unannounced: bool,
}

impl Raft {
    /// Asks for a linearizable read; `ctx` identifies it to the caller. Returns
    /// false when this peer is not the leader (the read is not queued).
    pub fn read_index(&mut self, ctx: u64) -> bool {
        if self.role != Role::Leader {
            return false;
        }
        self.reads.queued.push(ctx);
        self.maybe_start_read_round();
        true
    }

    /// Reads confirmed since the last call, as (context, read index): each may be
    /// answered once the state machine has applied its read index.
    pub(super) fn take_ready_reads(&mut self) -> Vec<(u64, u64)> {
        std::mem::take(&mut self.reads.ready)
    }

    /// Starts a round for the queued reads if none is in flight and the leader has
    /// committed an entry of its own term.
    pub(super) fn maybe_start_read_round(&mut self) {
        if self.role != Role::Leader || self.reads.round.is_some() || self.reads.queued.is_empty() {
            return;
        }
        if self.log.term(self.commit_index) != Some(self.term) {
            return; // wait for the no-op of this term to commit
        }
        self.reads.next_round += 1;
        let mut acks = BTreeSet::new();
        acks.insert(self.id.clone());
        let round = ReadRound {
            id: self.reads.next_round,
            index: self.commit_index,
            acks,
            reads: std::mem::take(&mut self.reads.queued),
        };
        self.reads.round = Some(round);
        #[cfg(feature = "mutations")]
        if self.config.skip_read_confirmation {
            // Mutation: trust our leadership without asking anyone.
            self.finish_read_round();
            return;
        }
        self.reads.unannounced = true;
        self.check_read_round();
    }

    /// Asks every peer that has not confirmed the new round yet, at the end of
    /// the event loop's round: an AppendEntries of this term already going to
    /// that peer carries the round (nothing has left yet, so its answer still
    /// comes after the round began, and any answer in our term proves we led
    /// then); a peer with none gets a heartbeat. Under load the confirmation
    /// rides on the appends and costs no messages of its own.
    pub(super) fn announce_read_round(&mut self) {
        if !std::mem::take(&mut self.reads.unannounced) {
            return;
        }
        let Some(round) = &self.reads.round else {
            return;
        };
        let (id, term) = (round.id, self.term);
        let missing: Vec<String> = self
            .peers
            .iter()
            .filter(|p| !round.acks.contains(*p))
            .cloned()
            .collect();
        for peer in missing {
            let carrier = self.outbox.iter_mut().rev().find_map(|(to, m)| match m {
                super::Message::AppendEntries(ae)
                    if *to == peer && ae.term == term && ae.read_round.is_none() =>
                {
                    Some(ae)
                }
                _ => None,
            });
            match carrier {
                Some(ae) => ae.read_round = Some(id),
                None => self.send_heartbeat(&peer, Some(id)),
            }
        }
    }

    /// Sends the round's heartbeat to every peer that has not confirmed it yet
    /// (again on every heartbeat tick, in case one was lost).
    pub(super) fn send_read_heartbeats(&mut self) {
        let Some(round) = &self.reads.round else {
            return;
        };
        let id = round.id;
        let missing: Vec<String> = self
            .peers
            .iter()
            .filter(|p| !round.acks.contains(*p))
            .cloned()
            .collect();
        for peer in missing {
            self.send_heartbeat(&peer, Some(id));
        }
    }

    /// Records a peer's answer to a round's heartbeat.
    pub(super) fn on_read_ack(&mut self, from: &str, round: u64) {
        if let Some(r) = self.reads.round.as_mut().filter(|r| r.id == round) {
            r.acks.insert(from.to_owned());
        }
        self.check_read_round();
    }

    fn check_read_round(&mut self) {
        let quorum = self.quorum();
        if self
            .reads
            .round
            .as_ref()
            .is_some_and(|r| r.acks.len() >= quorum)
        {
            self.finish_read_round();
        }
    }

    fn finish_read_round(&mut self) {
        if let Some(round) = self.reads.round.take() {
            self.reads
                .ready
                .extend(round.reads.into_iter().map(|ctx| (ctx, round.index)));
        }
        self.maybe_start_read_round();
    }

    /// Drops reads that can no longer be confirmed (leadership lost).
    pub(super) fn abandon_reads(&mut self) {
        self.reads.queued.clear();
        self.reads.round = None;
        self.reads.unannounced = false;
    }
}
