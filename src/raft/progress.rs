//! The leader's view of one follower's log (Figure 2: `nextIndex[]`, `matchIndex[]`),
//! kept as a small state machine in the manner of etcd's `tracker.Progress`.
//!
//! Invariant: `match_index < next_index`.

use std::collections::VecDeque;

/// How the leader is replicating to a follower.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressState {
    /// The leader does not know where the follower's log matches: one AppendEntries
    /// at a time until one succeeds.
    Probe,
    /// The follower's log is known to match up to `match_index`: stream entries,
    /// optimistically advancing `next_index`, up to a window of in-flight messages.
    Replicate,
    /// The follower needs entries the leader compacted away: appends pause while
    /// the snapshot ending at `pending_snapshot` goes out, one chunk at a time.
    Snapshot,
}

/// Replication progress of one follower.
#[derive(Clone, Debug)]
pub struct Progress {
    /// The highest index known to be stored on the follower.
    pub match_index: u64,
    /// The index of the next entry to send the follower.
    pub next_index: u64,
    /// How entries go to the follower now.
    pub state: ProgressState,
    /// In Probe: an AppendEntries is outstanding; wait for its answer or a heartbeat.
    pub probe_sent: bool,
    /// In Replicate: the last index of each unacknowledged AppendEntries, oldest first.
    pub inflight: VecDeque<u64>,
    /// Heard from this follower since the last CheckQuorum round.
    pub recent_active: bool,
    /// Time of the last acknowledgement that advanced `match_index`.
    pub last_progress: u64,
    /// Time the last AppendEntries went to this follower (it doubles as a heartbeat).
    pub last_sent: Option<u64>,
    /// In Snapshot: the index of the snapshot being sent.
    pub pending_snapshot: u64,
    /// In Snapshot: bytes of it the follower acknowledged (the next chunk's offset).
    pub snapshot_offset: u64,
}

impl Progress {
    /// A follower the new leader knows nothing about yet.
    pub fn new(next_index: u64, now: u64) -> Progress {
        Progress {
            match_index: 0,
            next_index,
            state: ProgressState::Probe,
            probe_sent: false,
            inflight: VecDeque::new(),
            recent_active: true,
            last_progress: now,
            last_sent: None,
            pending_snapshot: 0,
            snapshot_offset: 0,
        }
    }

    /// Switches to sending the snapshot ending at `index`.
    pub fn become_snapshot(&mut self, index: u64) {
        self.state = ProgressState::Snapshot;
        self.pending_snapshot = index;
        self.snapshot_offset = 0;
        self.probe_sent = false;
        self.inflight.clear();
    }

    /// Handles an answer about the snapshot ending at `index`: the follower holds
    /// `offset` bytes of it, or has installed it (`done`). Returns true when the
    /// next chunk should go out (from `snapshot_offset`), false when the answer is
    /// stale or the snapshot is installed (replication resumes after it).
    pub fn on_snapshot_res(&mut self, index: u64, offset: u64, done: bool, now: u64) -> bool {
        if done {
            if index > self.match_index {
                self.match_index = index;
                self.last_progress = now;
            }
            if self.state == ProgressState::Snapshot && self.match_index >= self.pending_snapshot {
                self.become_replicate();
            }
            return false;
        }
        if self.state != ProgressState::Snapshot || index != self.pending_snapshot {
            return false;
        }
        self.snapshot_offset = offset;
        self.last_progress = now;
        true
    }

    /// Switches to probing from `next_index`.
    pub fn become_probe(&mut self, next_index: u64) {
        self.state = ProgressState::Probe;
        self.next_index = next_index.max(self.match_index + 1);
        self.probe_sent = false;
        self.inflight.clear();
    }

    /// Switches to streaming after the follower confirmed `match_index`.
    pub fn become_replicate(&mut self) {
        self.state = ProgressState::Replicate;
        self.next_index = self.match_index + 1;
        self.probe_sent = false;
        self.inflight.clear();
    }

    /// Records a successful acknowledgement up to `index`. Returns false for a stale
    /// (duplicate or reordered) one that tells nothing new.
    pub fn on_success(&mut self, index: u64, now: u64) -> bool {
        self.probe_sent = false;
        if index <= self.match_index {
            return false;
        }
        self.match_index = index;
        self.next_index = self.next_index.max(index + 1);
        self.last_progress = now;
        while self.inflight.front().is_some_and(|&last| last <= index) {
            self.inflight.pop_front();
        }
        match self.state {
            ProgressState::Probe => self.become_replicate(),
            ProgressState::Snapshot if self.match_index >= self.pending_snapshot => {
                self.become_replicate()
            }
            _ => {}
        }
        true
    }

    /// Handles a rejection of an AppendEntries whose `prev_log_index` was `rejected`,
    /// moving `next_index` back to `hint`. Returns false for a stale rejection.
    pub fn on_reject(&mut self, rejected: u64, hint: u64) -> bool {
        self.probe_sent = false;
        match self.state {
            // Everything up to match_index is known to match: a rejection at or below
            // it answers an older message.
            ProgressState::Replicate if rejected <= self.match_index => false,
            ProgressState::Replicate => {
                self.become_probe(hint.min(rejected));
                true
            }
            // Only the answer to the outstanding probe counts.
            ProgressState::Probe if rejected.checked_add(1) != Some(self.next_index) => false,
            ProgressState::Probe => {
                self.become_probe(hint.min(rejected));
                true
            }
            // Appends are paused; the snapshot answers decide.
            ProgressState::Snapshot => false,
        }
    }

    /// Records an AppendEntries carrying entries up to `last` was sent.
    pub fn on_sent(&mut self, last: u64, entries: usize, now: u64) {
        self.last_sent = Some(now);
        match self.state {
            ProgressState::Probe => self.probe_sent = true,
            ProgressState::Replicate if entries > 0 => {
                if self.inflight.is_empty() {
                    // The stall clock starts when the stream has something in flight.
                    self.last_progress = now;
                }
                self.next_index = last + 1;
                self.inflight.push_back(last);
            }
            ProgressState::Replicate | ProgressState::Snapshot => {}
        }
    }

    /// Can another AppendEntries go to this follower now?
    pub fn can_send(&self, max_inflight: usize) -> bool {
        match self.state {
            ProgressState::Probe => !self.probe_sent,
            ProgressState::Replicate => self.inflight.len() < max_inflight,
            ProgressState::Snapshot => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_success_switches_to_replicate_and_stale_acks_are_ignored() {
        let mut p = Progress::new(6, 0);
        p.on_sent(5, 0, 0);
        assert!(!p.can_send(4));
        assert!(p.on_success(5, 1));
        assert_eq!(
            (p.state, p.match_index, p.next_index),
            (ProgressState::Replicate, 5, 6)
        );
        p.on_sent(8, 3, 1);
        p.on_sent(10, 2, 1);
        assert_eq!(p.next_index, 11);
        assert!(p.on_success(8, 2));
        assert_eq!(p.inflight, VecDeque::from(vec![10]));
        assert!(!p.on_success(7, 3), "a reordered older ack is stale");
        assert_eq!(p.match_index, 8);
    }

    #[test]
    fn a_snapshot_pauses_appends_until_the_follower_installs_it() {
        let mut p = Progress::new(3, 0);
        p.become_snapshot(50);
        assert!(!p.can_send(4), "no appends while the snapshot goes out");
        assert!(!p.on_reject(2, 1), "stale rejections change nothing");
        assert!(p.on_snapshot_res(50, 1024, false, 1), "send the next chunk");
        assert_eq!(p.snapshot_offset, 1024);
        assert!(
            !p.on_snapshot_res(40, 0, false, 1),
            "an older snapshot's answer is stale"
        );
        assert!(!p.on_snapshot_res(50, 2048, true, 2));
        assert_eq!(
            (p.state, p.match_index, p.next_index),
            (ProgressState::Replicate, 50, 51)
        );
    }

    #[test]
    fn rejections_only_count_for_the_outstanding_probe() {
        let mut p = Progress::new(10, 0);
        p.on_sent(9, 0, 0);
        assert!(!p.on_reject(5, 3), "answers an older probe");
        assert!(p.on_reject(9, 4));
        assert_eq!(p.next_index, 4);
        let mut r = Progress::new(10, 0);
        r.on_success(7, 0);
        assert!(
            !r.on_reject(7, 1),
            "at or below match is stale in Replicate"
        );
        assert!(r.on_reject(9, 2));
        assert_eq!(
            (r.state, r.next_index),
            (ProgressState::Probe, 8),
            "never below match + 1"
        );
    }
}
