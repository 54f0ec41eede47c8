//! Helpers for driving one `Raft` peer (or a few) by hand: a peer with its own
//! clock, constructors that set term, vote and log (through `Raft::restart`, as a
//! real restart would), and short constructors for every message.

use raft_kv::raft::{
    AppendEntries, AppendEntriesRes, Config, Data, Entry, HardState, InstallSnapshot,
    InstallSnapshotRes, Message, NodeId, Persist, Raft, Recovered, RequestVote, RequestVoteRes,
    Role, Snapshot,
};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::{Deref, DerefMut};

pub const MS: u64 = 1000;
/// `Config::default().election_timeout`.
pub const ET: u64 = 600 * MS;
/// `Config::default().heartbeat_interval`.
pub const HB: u64 = 100 * MS;

/// Member ids `n1`..=`nN`.
pub fn ids(n: usize) -> Vec<NodeId> {
    (1..=n).map(|i| format!("n{i}")).collect()
}

/// Figure 2 as printed: no PreVote, no CheckQuorum.
pub fn classic() -> Config {
    Config {
        pre_vote: false,
        check_quorum: false,
        ..Config::default()
    }
}

/// The defaults: PreVote and CheckQuorum on.
pub fn modern() -> Config {
    Config::default()
}

/// One round's output, its messages released against the round's receipt.
#[derive(Debug, Default)]
pub struct Round {
    pub persist: Persist,
    pub snapshot: Option<Snapshot>,
    pub committed: Vec<(u64, Entry)>,
    pub reads: Vec<(u64, u64)>,
    pub messages: Vec<(NodeId, Message)>,
}

impl Round {
    /// Messages to `to`.
    pub fn to(&self, to: &str) -> Vec<&Message> {
        self.messages
            .iter()
            .filter(|(d, _)| d == to)
            .map(|(_, m)| m)
            .collect()
    }

    /// Indexes of the committed entries handed out.
    pub fn committed_indexes(&self) -> Vec<u64> {
        self.committed.iter().map(|(i, _)| *i).collect()
    }
}

/// A peer and the clock that drives it.
#[derive(Debug)]
pub struct Peer {
    pub raft: Raft,
    pub now: u64,
}

impl Deref for Peer {
    type Target = Raft;
    fn deref(&self) -> &Raft {
        &self.raft
    }
}

impl DerefMut for Peer {
    fn deref_mut(&mut self) -> &mut Raft {
        &mut self.raft
    }
}

/// A seed per member, so peers of one test draw different timeouts.
fn seed_of(id: &str) -> u64 {
    id.bytes().fold(7, |h, b| h * 31 + u64::from(b))
}

impl Peer {
    /// A fresh peer `id` of an `n`-member cluster at time 0.
    pub fn new(id: &str, n: usize, config: Config) -> Peer {
        let raft = Raft::new(id.into(), &ids(n), config, seed_of(id), 0).unwrap();
        Peer { raft, now: 0 }
    }

    /// A peer restarted with `term`, `vote` and a log whose entries have `terms`
    /// (index 1 first), of which the first `commit` are known committed. The
    /// recovered committed entries are handed out (and dropped) at once.
    pub fn restarted(
        id: &str,
        n: usize,
        config: Config,
        term: u64,
        vote: Option<&str>,
        terms: &[u64],
        commit: u64,
    ) -> Peer {
        let recovered = Recovered {
            hard_state: HardState {
                term,
                vote: vote.map(String::from),
                commit,
            },
            snapshot: None,
            entries: terms.iter().map(|&t| entry(t)).collect(),
        };
        let raft =
            Raft::restart(id.into(), &ids(n), config, seed_of(id), 0, Some(recovered)).unwrap();
        let mut p = Peer { raft, now: 0 };
        p.round();
        p
    }

    /// Handles a message from `from` at the current time.
    pub fn step(&mut self, from: &str, msg: Message) {
        let now = self.now;
        self.raft.step(now, from, msg);
    }

    /// Lets `dt` pass, then ticks.
    pub fn advance(&mut self, dt: u64) {
        self.now += dt;
        let now = self.now;
        self.raft.tick(now);
    }

    /// Jumps to the next deadline (an election timeout for a non-leader) and ticks.
    pub fn timeout(&mut self) {
        self.now = self.now.max(self.raft.next_deadline());
        let now = self.now;
        self.raft.tick(now);
    }

    /// Collects the round's output.
    pub fn round(&mut self) -> Round {
        let mut ready = self.raft.ready();
        let receipt = ready.persist.persisted();
        let messages = ready.messages(&receipt);
        Round {
            persist: ready.persist,
            snapshot: ready.snapshot,
            committed: ready.committed,
            reads: ready.reads,
            messages,
        }
    }

    /// The round's messages.
    pub fn out(&mut self) -> Vec<(NodeId, Message)> {
        self.round().messages
    }

    /// The vote this peer cast in its current term.
    pub fn vote(&self) -> Option<String> {
        self.raft.hard_state().1.map(String::from)
    }

    /// Terms of the log's entries, from the first held.
    pub fn log_terms(&self) -> Vec<u64> {
        let log = self.raft.log();
        (log.first_index()..=log.last_index())
            .map(|i| log.term(i).unwrap())
            .collect()
    }

    /// Wins an election: times out, and the first peers of a majority grant
    /// whatever is asked (pre-vote, then vote). Returns the new term.
    pub fn elect(&mut self) -> u64 {
        self.timeout();
        let voters: Vec<NodeId> = self.raft.peers()[..self.raft.quorum() - 1].to_vec();
        for _ in 0..2 {
            let (pre, term) = match self.raft.role() {
                Role::PreCandidate => (true, self.raft.term() + 1),
                Role::Candidate => (false, self.raft.term()),
                _ => break,
            };
            for v in &voters {
                self.step(v, vote_res(term, true, pre));
            }
        }
        assert_eq!(self.raft.role(), Role::Leader, "{} did not win", self.id());
        self.raft.term()
    }

    /// Wins an election and has every follower acknowledge the no-op, so it is
    /// committed; the round's output is dropped.
    pub fn elect_and_commit(&mut self) -> u64 {
        let term = self.elect();
        let last = self.raft.log().last_index();
        for p in self.raft.peers().to_vec() {
            self.step(&p, append_ok(term, last));
        }
        assert_eq!(self.raft.commit_index(), last);
        self.round();
        term
    }
}

/// An entry of `term` with a small payload.
pub fn entry(term: u64) -> Entry {
    Entry {
        term,
        data: Some(Data::encode(&format!("x{term}")).unwrap()),
    }
}

pub fn data(text: &str) -> Data {
    Data::encode(text).unwrap()
}

pub fn vote_req(term: u64, candidate: &str, last_index: u64, last_term: u64) -> Message {
    Message::RequestVote(RequestVote {
        term,
        candidate: candidate.into(),
        last_log_index: last_index,
        last_log_term: last_term,
        pre_vote: false,
    })
}

pub fn prevote_req(term: u64, candidate: &str, last_index: u64, last_term: u64) -> Message {
    match vote_req(term, candidate, last_index, last_term) {
        Message::RequestVote(rv) => Message::RequestVote(RequestVote {
            pre_vote: true,
            ..rv
        }),
        _ => unreachable!(),
    }
}

pub fn vote_res(term: u64, granted: bool, pre_vote: bool) -> Message {
    Message::RequestVoteRes(RequestVoteRes {
        term,
        vote_granted: granted,
        pre_vote,
    })
}

/// AppendEntries from `leader` after `prev` = (index, term), carrying entries of
/// `terms`.
pub fn append(term: u64, leader: &str, prev: (u64, u64), terms: &[u64], commit: u64) -> Message {
    Message::AppendEntries(AppendEntries {
        term,
        leader: leader.into(),
        prev_log_index: prev.0,
        prev_log_term: prev.1,
        entries: terms.iter().map(|&t| entry(t)).collect(),
        leader_commit: commit,
        read_round: None,
    })
}

pub fn append_ok(term: u64, index: u64) -> Message {
    Message::AppendEntriesRes(AppendEntriesRes {
        term,
        success: true,
        index,
        conflict_index: None,
        conflict_term: None,
        read_round: None,
    })
}

pub fn snapshot_chunk(term: u64, last: (u64, u64), offset: u64, data: &str, done: bool) -> Message {
    Message::InstallSnapshot(InstallSnapshot {
        term,
        leader: "n1".into(),
        last_included_index: last.0,
        last_included_term: last.1,
        offset,
        data: data.into(),
        done,
    })
}

/// The only message of `msgs`, which must be an AppendEntriesRes.
pub fn the_append_res(msgs: &[(NodeId, Message)]) -> AppendEntriesRes {
    match msgs {
        [(_, Message::AppendEntriesRes(r))] => r.clone(),
        other => panic!("expected one AppendEntriesRes, got {other:?}"),
    }
}

/// The only message of `msgs`, which must be a RequestVoteRes.
pub fn the_vote_res(msgs: &[(NodeId, Message)]) -> RequestVoteRes {
    match msgs {
        [(_, Message::RequestVoteRes(r))] => r.clone(),
        other => panic!("expected one RequestVoteRes, got {other:?}"),
    }
}

/// The only message of `msgs`, which must be an InstallSnapshotRes.
pub fn the_snapshot_res(msgs: &[(NodeId, Message)]) -> InstallSnapshotRes {
    match msgs {
        [(_, Message::InstallSnapshotRes(r))] => r.clone(),
        other => panic!("expected one InstallSnapshotRes, got {other:?}"),
    }
}

/// The AppendEntries in `msgs`, with their destinations.
pub fn appends(msgs: &[(NodeId, Message)]) -> Vec<(NodeId, AppendEntries)> {
    msgs.iter()
        .filter_map(|(to, m)| match m {
            Message::AppendEntries(ae) => Some((to.clone(), ae.clone())),
            _ => None,
        })
        .collect()
}

/// A few peers and the messages between them, delivered in order; links in
/// `cut` (either direction) drop everything.
pub struct Net {
    pub peers: BTreeMap<NodeId, Peer>,
    pub cut: BTreeSet<(NodeId, NodeId)>,
}

impl Net {
    pub fn new(peers: Vec<Peer>) -> Net {
        Net {
            peers: peers.into_iter().map(|p| (p.id().to_owned(), p)).collect(),
            cut: BTreeSet::new(),
        }
    }

    pub fn peer(&mut self, id: &str) -> &mut Peer {
        self.peers.get_mut(id).unwrap()
    }

    /// Cuts every link of `id`.
    pub fn isolate(&mut self, id: &str) {
        let others: Vec<NodeId> = self.peers.keys().filter(|p| *p != id).cloned().collect();
        for o in others {
            self.cut.insert((id.to_owned(), o.clone()));
            self.cut.insert((o, id.to_owned()));
        }
    }

    /// Delivers messages until every peer is quiet (no time passes). Returns
    /// every message delivered, as (from, to, message).
    pub fn stabilize(&mut self) -> Vec<(NodeId, NodeId, Message)> {
        let mut delivered = Vec::new();
        for _ in 0..10_000 {
            let mut batch = Vec::new();
            for (id, p) in self.peers.iter_mut() {
                for (to, m) in p.out() {
                    batch.push((id.clone(), to, m));
                }
            }
            if batch.is_empty() {
                return delivered;
            }
            for (from, to, m) in batch {
                if self.cut.contains(&(from.clone(), to.clone())) {
                    continue;
                }
                if let Some(p) = self.peers.get_mut(&to) {
                    p.step(&from, m.clone());
                    delivered.push((from, to, m));
                }
            }
        }
        panic!("the peers never went quiet");
    }
}
