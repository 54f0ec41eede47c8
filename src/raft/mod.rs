//! The Raft core: pure and deterministic.
//!
//! Time comes in as an argument (`now`, in microseconds), randomness from a seeded
//! RNG owned by the core, and messages go out as values. No threads, clocks or I/O.
//! The same inputs and seed give the same outputs, which is what makes transcript
//! snapshots stable and simulation failures replayable.
//!
//! # Driving it
//!
//! Build a peer with [`Raft::new`] (or [`Raft::restart`] from what it persisted).
//! Then, in a loop:
//!
//! 1. feed it input: [`Raft::tick`] as time passes (at the latest by
//!    [`Raft::next_deadline`]), [`Raft::step`] for every message from a peer,
//!    [`Raft::propose`] for a command and [`Raft::read_index`] for a linearizable
//!    read;
//! 2. collect the round's output with [`Raft::ready`] and handle its parts in order:
//!    write [`Ready::persist`] to stable storage, restore [`Ready::snapshot`] if
//!    there is one, apply [`Ready::committed`], serve [`Ready::reads`] once their
//!    index is applied, and send the messages, which [`Ready::messages`] releases
//!    only against the [`Persisted`] receipt for that round's persist part;
//! 3. every so often, after applying, hand the state to [`Raft::compact`] so the
//!    log stays bounded.
//!
//! The crate documentation has a complete example.
//!
//! # Where the paper's rules live
//!
//! | rule | where |
//! | --- | --- |
//! | Figure 2, state and the rules for all servers | this file (`step`, `become_follower`) |
//! | §5.2 leader election, RequestVote | `election.rs` |
//! | §5.3 log replication, AppendEntries receiver rules 1–5 | `replication.rs`, [`Log::try_append`] |
//! | §5.4.1 election restriction | [`Log::is_up_to_date`] |
//! | §5.4.2 commit only entries of the current term by counting | `replication.rs` (`maybe_commit`) |
//! | §7 and Figure 13, snapshots and InstallSnapshot | `snapshot.rs` |
//! | §8 a new leader's no-op | `election.rs` (`become_leader`) |
//! | PreVote (Ongaro's thesis §9.6), CheckQuorum (§6.2, §4.2.3) | `election.rs`, [`Config`] |
//! | ReadIndex (thesis §6.4) | `read.rs` |
//! | persist before send | `ready.rs` |
//!
//! `tests/raft_paper.rs` has one test per rule, named after it, and
//! `tests/scenarios/*.txt` shows the protocol at work as readable transcripts
//! (the format is described in `tests/scenarios/README.md`).

#![warn(missing_docs)]

mod config;
mod data;
mod election;
mod log;
mod message;
mod progress;
mod read;
mod ready;
mod replication;
mod snapshot;

pub use config::{Config, MAX_TIME};
pub use data::Data;
pub use log::{AppendOutcome, Log, Unstable};
pub use message::{
    AppendEntries, AppendEntriesRes, Entry, InstallSnapshot, InstallSnapshotRes, MAX_NUMBER,
    Message, NodeId, RequestVote, RequestVoteRes,
};
pub use progress::{Progress, ProgressState};
pub use ready::{HardState, Persist, Persisted, Ready, Recovered};
pub use snapshot::Snapshot;

use rand::SeedableRng;
use rand::rngs::StdRng;
use std::collections::BTreeMap;

/// Checks a member list: it includes `id`, and lists every member once, by a
/// non-empty id. (A member listed twice would count twice towards the quorum's
/// size but vote once: the list is refused rather than guessed at.)
pub fn check_members(id: &str, members: &[NodeId]) -> Result<(), String> {
    if !members.iter().any(|m| m == id) {
        return Err(format!("{id} is not in the member list {members:?}"));
    }
    let mut seen = std::collections::BTreeSet::new();
    for m in members {
        if m.is_empty() {
            return Err("member ids must be non-empty".into());
        }
        if !seen.insert(m) {
            return Err(format!("{m} appears more than once in the member list"));
        }
    }
    Ok(())
}

/// A peer's role (Figure 2, plus the PreVote phase).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Answers leaders and candidates; campaigns when its election timeout elapses.
    Follower,
    /// Asking whether an election could be won, without changing term.
    PreCandidate,
    /// Campaigning for votes in a term of its own.
    Candidate,
    /// Replicates its log to the others and commits entries.
    Leader,
}

/// One Raft peer.
#[derive(Debug)]
pub struct Raft {
    id: NodeId,
    /// The other members, in a fixed order.
    peers: Vec<NodeId>,
    config: Config,
    rng: StdRng,

    // Persistent state (Figure 2).
    term: u64,
    voted_for: Option<NodeId>,
    log: Log,

    // Volatile state.
    role: Role,
    leader: Option<NodeId>,
    commit_index: u64,
    /// Highest index handed out to apply (or covered by an installed snapshot).
    applied: u64,
    election_deadline: u64,
    /// When we last heard from the leader of our term (followers).
    last_leader_contact: Option<u64>,
    /// Votes (or pre-votes) received in the current campaign.
    votes: BTreeMap<NodeId, bool>,

    // Leader state.
    progress: BTreeMap<NodeId, Progress>,
    heartbeat_deadline: u64,
    check_quorum_deadline: u64,

    outbox: Vec<(NodeId, Message)>,
    /// ReadIndex reads (leader only).
    reads: read::ReadState,
    /// The latest snapshot (taken here or installed).
    snapshot: Option<Snapshot>,
    /// A snapshot installed from the leader that the host has not restored yet.
    to_install: Option<Snapshot>,
    /// A snapshot taken here that the host has not persisted yet.
    snapshot_to_persist: Option<Snapshot>,
    /// A snapshot being received from the leader.
    incoming: Option<snapshot::Incoming>,
    /// The hard state last handed to the host.
    last_hard_state: HardState,
    /// The latest time seen by `new`, `tick` or `step`.
    now: u64,
}

impl Raft {
    /// A new peer `id` of the cluster `members` (which includes `id`, and lists
    /// every member once), at time `now`. A single-member cluster elects itself
    /// at once.
    pub fn new(
        id: NodeId,
        members: &[NodeId],
        config: Config,
        seed: u64,
        now: u64,
    ) -> Result<Raft, String> {
        Raft::restart(id, members, config, seed, now, None)
    }

    /// Like [`Raft::new`], but resuming from what a previous run of this peer made
    /// durable: term, vote, snapshot and log. The snapshot comes back out of the
    /// first [`Raft::ready`] for the host to restore, followed by the committed
    /// entries after it.
    pub fn restart(
        id: NodeId,
        members: &[NodeId],
        config: Config,
        seed: u64,
        now: u64,
        recovered: Option<Recovered>,
    ) -> Result<Raft, String> {
        config.validate()?;
        check_members(&id, members)?;
        let peers: Vec<NodeId> = members.iter().filter(|m| **m != id).cloned().collect();
        let mut raft = Raft {
            id,
            peers,
            config,
            rng: StdRng::seed_from_u64(seed),
            term: 0,
            voted_for: None,
            log: Log::new(),
            role: Role::Follower,
            leader: None,
            commit_index: 0,
            applied: 0,
            election_deadline: 0,
            last_leader_contact: None,
            votes: BTreeMap::new(),
            progress: BTreeMap::new(),
            heartbeat_deadline: 0,
            check_quorum_deadline: 0,
            outbox: Vec::new(),
            reads: read::ReadState::default(),
            snapshot: None,
            to_install: None,
            snapshot_to_persist: None,
            incoming: None,
            last_hard_state: HardState::default(),
            now,
        };
        if let Some(r) = recovered {
            raft.recover(r);
        }
        raft.reset_election_deadline(now);
        if raft.peers.is_empty() {
            raft.campaign(now);
        }
        Ok(raft)
    }

    fn recover(&mut self, r: Recovered) {
        let (offset, offset_term) = r.snapshot.as_ref().map_or((0, 0), |s| (s.index, s.term));
        self.log = Log::restore(offset, offset_term, r.entries);
        self.term = r.hard_state.term;
        self.voted_for = r.hard_state.vote.clone();
        self.commit_index = r.hard_state.commit.max(offset).min(self.log.last_index());
        self.applied = offset;
        self.last_hard_state = r.hard_state;
        if let Some(snap) = r.snapshot {
            self.snapshot = Some(snap.clone());
            self.to_install = Some(snap);
        }
    }

    /// This peer's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The other members.
    pub fn peers(&self) -> &[NodeId] {
        &self.peers
    }

    /// The current term.
    pub fn term(&self) -> u64 {
        self.term
    }

    /// The current role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// True when this peer is the leader.
    pub fn is_leader(&self) -> bool {
        self.role == Role::Leader
    }

    /// The leader of the current term, if known.
    pub fn leader(&self) -> Option<&str> {
        self.leader.as_deref()
    }

    /// Highest index known to be committed.
    pub fn commit_index(&self) -> u64 {
        self.commit_index
    }

    /// The log, for inspection.
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// What must survive a restart: (current term, vote).
    pub fn hard_state(&self) -> (u64, Option<&str>) {
        (self.term, self.voted_for.as_deref())
    }

    /// The leader's progress for each follower (empty unless leader).
    pub fn progress(&self) -> &BTreeMap<NodeId, Progress> {
        &self.progress
    }

    /// Votes needed to win: a majority of all members.
    pub fn quorum(&self) -> usize {
        let members = self.peers.len() + 1;
        members / 2 + 1
    }

    /// The earliest time at which `tick` has something to do.
    pub fn next_deadline(&self) -> u64 {
        match self.role {
            Role::Leader => self.heartbeat_deadline.min(self.check_quorum_deadline),
            _ => self.election_deadline,
        }
    }

    /// Time passes: campaigns on election timeout; leaders send heartbeats and run
    /// CheckQuorum.
    pub fn tick(&mut self, now: u64) {
        self.now = self.now.max(now);
        match self.role {
            Role::Leader => {
                if self.config.check_quorum && now >= self.check_quorum_deadline {
                    self.check_quorum(now);
                    if self.role != Role::Leader {
                        return;
                    }
                }
                if now >= self.heartbeat_deadline {
                    self.heartbeat_deadline = now + self.config.heartbeat_interval;
                    self.broadcast_heartbeat(now);
                    self.send_read_heartbeats();
                }
            }
            _ => {
                if now >= self.election_deadline {
                    self.campaign(now);
                }
            }
        }
    }

    /// Handles one message from peer `from`.
    pub fn step(&mut self, now: u64, from: &str, msg: Message) {
        self.now = self.now.max(now);
        if !self.peers.iter().any(|p| p == from) {
            return;
        }
        // A real cluster never gets near 2^63 terms or entries; a peer claiming
        // such numbers is lying or broken, and believing it would leave `+ 1`
        // nowhere to go.
        if !msg.within_bounds() {
            return;
        }
        let term = msg.term();
        if term > self.term {
            match &msg {
                // A pre-vote never changes anyone's term; a granted pre-vote echoes
                // the term the candidate would campaign in.
                Message::RequestVote(rv) if rv.pre_vote => {}
                Message::RequestVoteRes(r) if r.pre_vote && r.vote_granted => {}
                // CheckQuorum (Ongaro §4.2.3): while we hear from a live leader,
                // ignore candidates, so a node returning from a partition cannot
                // depose a healthy leader.
                Message::RequestVote(_) if self.in_lease(now) => return,
                _ => {
                    let leader = match &msg {
                        Message::AppendEntries(ae) => Some(ae.leader.clone()),
                        Message::InstallSnapshot(is) => Some(is.leader.clone()),
                        _ => None,
                    };
                    self.become_follower(now, term, leader);
                }
            }
        } else if term < self.term {
            match msg {
                // Tell a stale leader about the newer term so it steps down.
                Message::AppendEntries(_) => self.send(
                    from,
                    Message::AppendEntriesRes(AppendEntriesRes {
                        term: self.term,
                        success: false,
                        index: 0,
                        conflict_index: None,
                        conflict_term: None,
                        read_round: None,
                    }),
                ),
                Message::InstallSnapshot(is) => self.send(
                    from,
                    Message::InstallSnapshotRes(InstallSnapshotRes {
                        term: self.term,
                        index: is.last_included_index,
                        offset: 0,
                        done: false,
                    }),
                ),
                Message::RequestVote(rv) if rv.pre_vote => self.send(
                    from,
                    Message::RequestVoteRes(RequestVoteRes {
                        term: self.term,
                        vote_granted: false,
                        pre_vote: true,
                    }),
                ),
                _ => {}
            }
            return;
        }
        match msg {
            Message::RequestVote(m) => self.on_request_vote(now, from, m),
            Message::RequestVoteRes(m) => self.on_request_vote_res(now, from, m),
            Message::AppendEntries(m) => self.on_append_entries(now, from, m),
            Message::AppendEntriesRes(m) => self.on_append_entries_res(now, from, m),
            Message::InstallSnapshot(m) => self.on_install_snapshot(now, from, m),
            Message::InstallSnapshotRes(m) => self.on_install_snapshot_res(now, from, m),
        }
    }

    /// Appends a command to the leader's log. Returns its index, or `None` when this
    /// peer is not the leader. The entry goes out in the next [`Raft::ready`].
    pub fn propose(&mut self, data: Data) -> Option<u64> {
        if self.role != Role::Leader {
            return None;
        }
        let index = self.log.append(Entry {
            term: self.term,
            data: Some(data),
        });
        self.maybe_commit();
        Some(index)
    }

    /// Messages to send, each with its destination. Sends any entries proposed
    /// since the last call first, batched per follower.
    fn take_messages(&mut self) -> Vec<(NodeId, Message)> {
        if self.role == Role::Leader {
            self.broadcast_append();
            self.announce_read_round();
        }
        std::mem::take(&mut self.outbox)
    }

    /// Newly committed entries, in order, with their indexes.
    fn take_committed(&mut self) -> Vec<(u64, Entry)> {
        let from = self.applied + 1;
        let out: Vec<(u64, Entry)> = (from..)
            .zip(self.log.range(from, self.commit_index))
            .collect();
        self.applied = self.applied.max(self.commit_index);
        out
    }

    /// Index of the last entry handed to the host for applying (or covered by an
    /// installed snapshot).
    pub fn applied(&self) -> u64 {
        self.applied
    }

    fn send(&mut self, to: &str, msg: Message) {
        self.outbox.push((to.to_owned(), msg));
    }

    fn reset_election_deadline(&mut self, now: u64) {
        use rand::Rng;
        let base = self.config.election_timeout;
        self.election_deadline = now + self.rng.gen_range(base..2 * base);
    }

    fn become_follower(&mut self, now: u64, term: u64, leader: Option<NodeId>) {
        if term > self.term {
            self.term = term;
            self.voted_for = None;
        }
        self.role = Role::Follower;
        self.leader = leader;
        if self.leader.is_some() {
            self.last_leader_contact = Some(now);
        }
        self.progress.clear();
        self.votes.clear();
        self.abandon_reads();
        self.reset_election_deadline(now);
    }

    /// CheckQuorum lease: are we, or have we recently heard from, a live leader?
    fn in_lease(&self, now: u64) -> bool {
        if !self.config.check_quorum || self.leader.is_none() {
            return false;
        }
        self.role == Role::Leader
            || self
                .last_leader_contact
                .is_some_and(|t| now.saturating_sub(t) < self.config.election_timeout)
    }
}
