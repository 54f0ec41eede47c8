//! Log replication: batched, pipelined AppendEntries, fast backtracking with
//! conflict hints, and the commit rule.

use super::{AppendEntries, AppendEntriesRes, AppendOutcome, Message, ProgressState, Raft, Role};

impl Raft {
    /// Sends pending entries to every follower that can take more.
    pub(super) fn broadcast_append(&mut self) {
        for peer in self.peers.clone() {
            while self.send_append(&peer, false) {
                if self
                    .progress
                    .get(&peer)
                    .is_none_or(|p| p.state != ProgressState::Replicate)
                {
                    break;
                }
            }
        }
    }

    /// Heartbeat round: re-probe followers in Probe, fall back to probing those whose
    /// stream stalled (lost messages), and send a plain heartbeat to the rest.
    pub(super) fn broadcast_heartbeat(&mut self, now: u64) {
        let stall_after = self.config.election_timeout / 2;
        for peer in self.peers.clone() {
            let Some(pr) = self.progress.get_mut(&peer) else {
                continue;
            };
            match pr.state {
                ProgressState::Probe => {
                    pr.probe_sent = false;
                    self.send_append(&peer, true);
                }
                ProgressState::Replicate
                    if !pr.inflight.is_empty()
                        && now.saturating_sub(pr.last_progress) >= stall_after =>
                {
                    let next = pr.match_index + 1;
                    pr.become_probe(next);
                    self.send_append(&peer, true);
                }
                // Appends flowing within the last interval already served as
                // heartbeats.
                ProgressState::Replicate
                    if pr.last_sent.is_some_and(|t| {
                        now.saturating_sub(t) < self.config.heartbeat_interval
                    }) => {}
                ProgressState::Replicate => {
                    self.send_heartbeat(&peer, None);
                    if let Some(pr) = self.progress.get_mut(&peer) {
                        pr.last_sent = Some(now);
                    }
                }
                // The chunk in flight may be lost: send it again (it also keeps
                // the follower from starting an election).
                ProgressState::Snapshot => self.send_snapshot_chunk(&peer),
            }
        }
    }

    /// Sends an empty AppendEntries at the follower's `match_index`, which is known
    /// to match, so it never causes a rejection even while newer appends are still
    /// in flight. `read_round` tags it as part of a ReadIndex confirmation round.
    pub(super) fn send_heartbeat(&mut self, peer: &str, read_round: Option<u64>) {
        let Some(mut prev) = self.progress.get(peer).map(|pr| pr.match_index) else {
            return;
        };
        if self.log.term(prev).is_none() {
            // Compacted: the follower needs the snapshot; a heartbeat at the
            // compaction point lets it say so.
            prev = self.log.offset();
        }
        let hb = AppendEntries {
            term: self.term,
            leader: self.id.clone(),
            prev_log_index: prev,
            prev_log_term: self.log.term(prev).unwrap_or(0),
            entries: Vec::new(),
            leader_commit: self.commit_index,
            read_round,
        };
        self.send(peer, Message::AppendEntries(hb));
    }

    /// Sends one AppendEntries from the follower's `next_index`, if its progress
    /// allows. Returns true if a message carrying entries went out.
    pub(super) fn send_append(&mut self, peer: &str, allow_empty: bool) -> bool {
        let now = self.now;
        let Some(pr) = self.progress.get(peer) else {
            return false;
        };
        if !pr.can_send(self.config.max_inflight) {
            return false;
        }
        if pr.next_index <= self.log.offset() {
            // The entries it needs are compacted away: send the snapshot.
            self.send_snapshot_chunk(peer);
            return false;
        }
        let entries = self.log.slice(
            pr.next_index,
            self.config.max_entries_per_message,
            self.config.max_bytes_per_message,
        );
        if entries.is_empty() && !allow_empty {
            return false;
        }
        let prev = pr.next_index - 1;
        let Some(prev_term) = self.log.term(prev) else {
            debug_assert!(
                false,
                "next_index {} beyond log end {}",
                pr.next_index,
                self.log.last_index()
            );
            return false;
        };
        let count = entries.len();
        let ae = AppendEntries {
            term: self.term,
            leader: self.id.clone(),
            prev_log_index: prev,
            prev_log_term: prev_term,
            entries,
            leader_commit: self.commit_index,
            read_round: None,
        };
        self.send(peer, Message::AppendEntries(ae));
        if let Some(pr) = self.progress.get_mut(peer) {
            pr.on_sent(prev + count as u64, count, now);
        }
        count > 0
    }

    pub(super) fn on_append_entries(&mut self, now: u64, from: &str, ae: AppendEntries) {
        if self.role == Role::Leader {
            // Election safety rules this out among honest peers; a peer that
            // claims to lead our term anyway is lying or broken: ignored.
            return;
        }
        if self.role != Role::Follower || self.leader.as_deref() != Some(ae.leader.as_str()) {
            self.become_follower(now, self.term, Some(ae.leader.clone()));
        }
        self.last_leader_contact = Some(now);
        self.reset_election_deadline(now);
        let outcome = self.log.try_append(
            ae.prev_log_index,
            ae.prev_log_term,
            &ae.entries,
            self.commit_index,
        );
        let res = match outcome {
            AppendOutcome::Matched { last_new_index } => {
                // Figure 2, receiver rule 5, using the last index this message
                // verified: entries beyond it may be from an older leader.
                let commit = ae.leader_commit.min(last_new_index);
                self.commit_index = self.commit_index.max(commit);
                AppendEntriesRes {
                    term: self.term,
                    success: true,
                    index: last_new_index,
                    conflict_index: None,
                    conflict_term: None,
                    read_round: ae.read_round,
                }
            }
            AppendOutcome::TooShort { last_index } => AppendEntriesRes {
                term: self.term,
                success: false,
                index: ae.prev_log_index,
                conflict_index: Some(last_index + 1),
                conflict_term: None,
                read_round: ae.read_round,
            },
            AppendOutcome::TermMismatch {
                conflict_term,
                first_index_of_term,
            } => AppendEntriesRes {
                term: self.term,
                success: false,
                index: ae.prev_log_index,
                conflict_index: Some(first_index_of_term),
                conflict_term: Some(conflict_term),
                read_round: ae.read_round,
            },
        };
        self.send(from, Message::AppendEntriesRes(res));
    }

    pub(super) fn on_append_entries_res(&mut self, now: u64, from: &str, r: AppendEntriesRes) {
        // Every AppendEntries we send ends within our log: an answer about an
        // index beyond it is from a lying or broken peer, and is ignored.
        if self.role != Role::Leader || r.index > self.log.last_index() {
            return;
        }
        let hint = self.backtrack_hint(&r);
        let Some(pr) = self.progress.get_mut(from) else {
            return;
        };
        pr.recent_active = true;
        if let Some(round) = r.read_round {
            // Any answer in our term proves we still led when the round began.
            self.on_read_ack(from, round);
        }
        let Some(pr) = self.progress.get_mut(from) else {
            return;
        };
        if r.success {
            if pr.on_success(r.index, now) {
                self.maybe_commit();
            }
            self.send_append(from, false);
        } else if pr.on_reject(r.index, hint) {
            self.send_append(from, true);
        }
    }

    /// Where to retry after a rejection: skip the follower's whole conflicting term
    /// when we do not have it, or up to our last entry of that term when we do.
    fn backtrack_hint(&self, r: &AppendEntriesRes) -> u64 {
        let conflict_index = r.conflict_index.unwrap_or(r.index).max(1);
        match r.conflict_term.and_then(|t| self.log.last_index_of_term(t)) {
            Some(last_of_term) if last_of_term >= conflict_index => last_of_term + 1,
            _ => conflict_index,
        }
    }

    /// Advances the commit index to the highest index stored on a majority.
    pub(super) fn maybe_commit(&mut self) {
        let mut matched: Vec<u64> = self.progress.values().map(|p| p.match_index).collect();
        matched.push(self.log.last_index());
        matched.sort_unstable_by(|a, b| b.cmp(a));
        let n = matched[self.quorum() - 1];
        // Raft §5.4.2: only entries of the current term are committed by counting
        // replicas; earlier ones are committed with them (the Figure 8 scenario).
        if n > self.commit_index && self.log.term(n) == Some(self.term) {
            self.commit_index = n;
            self.maybe_start_read_round();
        }
    }
}
