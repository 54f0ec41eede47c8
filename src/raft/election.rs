//! Leader election: randomized timeouts, PreVote, votes, and CheckQuorum.

use super::{Entry, Message, Progress, Raft, RequestVote, RequestVoteRes, Role};

impl Raft {
    /// Election timeout elapsed: start a pre-vote (or an election without PreVote).
    pub(super) fn campaign(&mut self, now: u64) {
        if self.config.pre_vote {
            self.role = Role::PreCandidate;
            self.leader = None;
            self.votes.clear();
            self.votes.insert(self.id.clone(), true);
            self.reset_election_deadline(now);
            self.request_votes(self.term + 1, true);
            self.tally(now);
        } else {
            self.become_candidate(now);
        }
    }

    fn become_candidate(&mut self, now: u64) {
        self.term += 1;
        self.voted_for = Some(self.id.clone());
        self.role = Role::Candidate;
        self.leader = None;
        self.votes.clear();
        self.votes.insert(self.id.clone(), true);
        self.reset_election_deadline(now);
        self.request_votes(self.term, false);
        self.tally(now);
    }

    fn request_votes(&mut self, term: u64, pre_vote: bool) {
        let rv = RequestVote {
            term,
            candidate: self.id.clone(),
            last_log_index: self.log.last_index(),
            last_log_term: self.log.last_term(),
            pre_vote,
        };
        for peer in self.peers.clone() {
            self.send(&peer, Message::RequestVote(rv.clone()));
        }
    }

    /// Counts votes; wins or gives up once a majority has spoken.
    fn tally(&mut self, now: u64) {
        let granted = self.votes.values().filter(|g| **g).count();
        let rejected = self.votes.len() - granted;
        if granted >= self.quorum() {
            match self.role {
                Role::PreCandidate => self.become_candidate(now),
                Role::Candidate => self.become_leader(now),
                _ => {}
            }
        } else if rejected >= self.quorum() {
            self.become_follower(now, self.term, None);
        }
    }

    fn become_leader(&mut self, now: u64) {
        self.role = Role::Leader;
        self.leader = Some(self.id.clone());
        self.votes.clear();
        let next = self.log.last_index() + 1;
        self.progress = self
            .peers
            .iter()
            .map(|p| (p.clone(), Progress::new(next, now)))
            .collect();
        // Raft §8: a no-op of the new term lets the leader commit entries of earlier
        // terms (which it may not commit by counting replicas, §5.4.2).
        self.log.append(Entry {
            term: self.term,
            data: None,
        });
        self.heartbeat_deadline = now + self.config.heartbeat_interval;
        self.check_quorum_deadline = now + self.config.election_timeout;
        self.maybe_commit();
        self.broadcast_append();
    }

    pub(super) fn on_request_vote(&mut self, now: u64, from: &str, rv: RequestVote) {
        let up_to_date = self.log.is_up_to_date(rv.last_log_index, rv.last_log_term);
        let granted = if rv.pre_vote {
            // Would we vote in rv.term? Only if no live leader keeps us in lease.
            rv.term > self.term && up_to_date && !self.in_lease(now)
        } else {
            // Figure 2: one vote per term, for a candidate at least as up-to-date.
            let free = self.voted_for.as_deref().is_none_or(|v| v == rv.candidate);
            free && up_to_date && self.role == Role::Follower
        };
        if granted && !rv.pre_vote {
            self.voted_for = Some(rv.candidate.clone());
            self.reset_election_deadline(now);
        }
        let term = if granted && rv.pre_vote {
            rv.term
        } else {
            self.term
        };
        self.send(
            from,
            Message::RequestVoteRes(RequestVoteRes {
                term,
                vote_granted: granted,
                pre_vote: rv.pre_vote,
            }),
        );
    }

    pub(super) fn on_request_vote_res(&mut self, now: u64, from: &str, r: RequestVoteRes) {
        let counts = match self.role {
            Role::PreCandidate => r.pre_vote,
            Role::Candidate => !r.pre_vote,
            _ => false,
        };
        if counts {
            self.votes.insert(from.to_owned(), r.vote_granted);
            self.tally(now);
        }
    }

    /// CheckQuorum: a leader that has not heard from a majority within an election
    /// timeout steps down, so a leader cut off by a partition stops serving.
    pub(super) fn check_quorum(&mut self, now: u64) {
        let active = 1 + self.progress.values().filter(|p| p.recent_active).count();
        if active < self.quorum() {
            self.become_follower(now, self.term, None);
            return;
        }
        for p in self.progress.values_mut() {
            p.recent_active = false;
        }
        self.check_quorum_deadline = now + self.config.election_timeout;
    }
}
