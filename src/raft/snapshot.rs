//! Snapshots and InstallSnapshot (Raft §7, Figure 13).
//!
//! The host compacts the log once it has applied far enough ([`Raft::compact`]): it
//! hands over the state at an applied index, and the log drops what came before
//! (keeping a tail for slightly slow followers). A follower that needs a dropped
//! entry gets the snapshot instead, in chunks of at most `max_bytes_per_message`,
//! one at a time; its progress is in the Snapshot state until it installs it.

use super::{Data, InstallSnapshot, InstallSnapshotRes, Message, ProgressState, Raft, Role};

/// A snapshot of the replicated state as of `index` (whose entry has `term`).
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// The last index the snapshot covers.
    pub index: u64,
    /// The term of the entry at `index`.
    pub term: u64,
    /// The host's encoded state, opaque to the core.
    pub data: Data,
}

/// A snapshot a follower is receiving.
#[derive(Clone, Debug)]
pub(super) struct Incoming {
    pub index: u64,
    pub term: u64,
    pub text: String,
}

impl Raft {
    /// The latest snapshot, taken here or installed from the leader.
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.snapshot.as_ref()
    }

    /// Records `data`, the host's state after applying everything up to `index`,
    /// as the latest snapshot, and drops log entries before it except the last
    /// `retain` (so a follower slightly behind still gets entries, not the whole
    /// snapshot). `index` must have been handed out for applying and must not be
    /// older than the current snapshot.
    pub fn compact(&mut self, index: u64, data: Data, retain: u64) -> Result<(), String> {
        if index > self.applied {
            return Err(format!(
                "cannot snapshot at {index}: only {} is applied",
                self.applied
            ));
        }
        if self.snapshot.as_ref().is_some_and(|s| s.index > index) {
            return Err(format!("a newer snapshot than {index} exists"));
        }
        let Some(term) = self.log.term(index) else {
            return Err(format!("index {index} is not in the log"));
        };
        let snap = Snapshot { index, term, data };
        self.snapshot = Some(snap.clone());
        self.snapshot_to_persist = Some(snap);
        let keep_from = index.saturating_sub(retain);
        if keep_from > self.log.offset() {
            self.log.compact(keep_from);
        }
        Ok(())
    }

    /// Leader: sends `peer` the next chunk of the current snapshot, (re)starting
    /// the transfer when the follower's progress is not on this snapshot yet.
    pub(super) fn send_snapshot_chunk(&mut self, peer: &str) {
        let now = self.now;
        let max = self.config.max_bytes_per_message;
        let Some(snap) = self.snapshot.as_ref() else {
            debug_assert!(false, "a follower needs a snapshot, but there is none");
            return;
        };
        let Some(pr) = self.progress.get_mut(peer) else {
            return;
        };
        if pr.state != ProgressState::Snapshot || pr.pending_snapshot != snap.index {
            pr.become_snapshot(snap.index);
        }
        let text = snap.data.as_str();
        let start = (pr.snapshot_offset as usize).min(text.len());
        let start = floor_char_boundary(text, start);
        let end = floor_char_boundary(text, (start + max).min(text.len()));
        // At least one character goes out, so the transfer always progresses.
        let end = if end == start && start < text.len() {
            ceil_char_boundary(text, start + 1)
        } else {
            end
        };
        let chunk = InstallSnapshot {
            term: self.term,
            leader: self.id.clone(),
            last_included_index: snap.index,
            last_included_term: snap.term,
            offset: start as u64,
            data: text[start..end].to_owned(),
            done: end == text.len(),
        };
        pr.last_sent = Some(now);
        self.send(peer, Message::InstallSnapshot(chunk));
    }

    pub(super) fn on_install_snapshot(&mut self, now: u64, from: &str, m: InstallSnapshot) {
        if self.role == Role::Leader {
            // Election safety rules this out among honest peers; a peer that
            // claims to lead our term anyway is lying or broken: ignored.
            return;
        }
        if self.role != Role::Follower || self.leader.as_deref() != Some(m.leader.as_str()) {
            self.become_follower(now, self.term, Some(m.leader.clone()));
        }
        self.last_leader_contact = Some(now);
        self.reset_election_deadline(now);
        let (offset, done) = self.receive_chunk(m.clone());
        let res = InstallSnapshotRes {
            term: self.term,
            index: m.last_included_index,
            offset,
            done,
        };
        self.send(from, Message::InstallSnapshotRes(res));
    }

    /// Takes one chunk; returns (bytes held of this snapshot, installed).
    fn receive_chunk(&mut self, m: InstallSnapshot) -> (u64, bool) {
        // Figure 13: a snapshot no newer than what we have committed is old news.
        if m.last_included_index <= self.commit_index {
            self.incoming = None;
            return (m.offset.saturating_add(m.data.len() as u64), true);
        }
        let same = self
            .incoming
            .as_ref()
            .is_some_and(|i| i.index == m.last_included_index && i.term == m.last_included_term);
        if !same {
            if m.offset != 0 {
                self.incoming = None;
                return (0, false);
            }
            self.incoming = Some(super::snapshot::Incoming {
                index: m.last_included_index,
                term: m.last_included_term,
                text: String::new(),
            });
        }
        let Some(incoming) = self.incoming.as_mut() else {
            return (0, false);
        };
        if m.offset != incoming.text.len() as u64 {
            return (incoming.text.len() as u64, false);
        }
        incoming.text.push_str(&m.data);
        let held = incoming.text.len() as u64;
        if !m.done {
            return (held, false);
        }
        let Some(incoming) = self.incoming.take() else {
            return (0, false);
        };
        match Data::from_text(incoming.text) {
            Ok(data) => {
                self.install(Snapshot {
                    index: incoming.index,
                    term: incoming.term,
                    data,
                });
                (held, true)
            }
            // Not one JSON value: start over.
            Err(_) => (0, false),
        }
    }

    /// Installs a complete snapshot newer than our commit index.
    fn install(&mut self, snap: Snapshot) {
        // Figure 13, rule 6: if our log has the snapshot's last entry, keep what
        // follows it; rule 7: otherwise the whole log is superseded.
        #[allow(unused_mut)]
        let mut keep_suffix = self.log.term(snap.index) == Some(snap.term);
        #[cfg(feature = "mutations")]
        if self.config.discard_log_on_snapshot {
            keep_suffix = false;
        }
        if keep_suffix {
            self.log.compact(snap.index);
        } else {
            self.log.reset(snap.index, snap.term);
        }
        self.commit_index = self.commit_index.max(snap.index);
        // Everything up to the snapshot is in it: the host restores it instead of
        // applying those entries.
        self.applied = self.applied.max(snap.index);
        self.snapshot = Some(snap.clone());
        self.to_install = Some(snap);
    }

    pub(super) fn on_install_snapshot_res(&mut self, now: u64, from: &str, r: InstallSnapshotRes) {
        // We never send a snapshot beyond our log: an answer about one is from a
        // lying or broken peer, and is ignored.
        if self.role != Role::Leader || r.index > self.log.last_index() {
            return;
        }
        let Some(pr) = self.progress.get_mut(from) else {
            return;
        };
        pr.recent_active = true;
        if pr.on_snapshot_res(r.index, r.offset, r.done, now) {
            self.send_snapshot_chunk(from);
        } else if r.done {
            self.maybe_commit();
            self.send_append(from, false);
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i.min(s.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::{AppendEntries, Config, Entry};

    fn members() -> Vec<String> {
        ["n1", "n2", "n3"].map(String::from).to_vec()
    }

    /// Follower n2 holding entries 1..=10 of `term`, knowing commit 5.
    fn follower(term: u64) -> Raft {
        let mut f = Raft::new("n2".into(), &members(), Config::default(), 1, 0).unwrap();
        let entries = (1..=10)
            .map(|i| Entry {
                term,
                data: Some(Data::encode(&i).unwrap()),
            })
            .collect();
        f.step(
            1,
            "n1",
            Message::AppendEntries(AppendEntries {
                term,
                leader: "n1".into(),
                prev_log_index: 0,
                prev_log_term: 0,
                entries,
                leader_commit: 5,
                read_round: None,
            }),
        );
        f.ready();
        f
    }

    fn chunk(
        term: u64,
        index: u64,
        last_term: u64,
        offset: u64,
        data: &str,
        done: bool,
    ) -> Message {
        Message::InstallSnapshot(InstallSnapshot {
            term,
            leader: "n1".into(),
            last_included_index: index,
            last_included_term: last_term,
            offset,
            data: data.into(),
            done,
        })
    }

    fn answer(f: &mut Raft) -> InstallSnapshotRes {
        match f.ready().messages(&Default::default()).pop() {
            Some((_, Message::InstallSnapshotRes(r))) => r,
            other => panic!("expected an InstallSnapshotRes, got {other:?}"),
        }
    }

    #[test]
    fn rule_7_a_snapshot_that_conflicts_replaces_the_whole_log() {
        let mut f = follower(1);
        f.step(2, "n1", chunk(2, 8, 2, 0, "[1]", true));
        assert_eq!((f.log().offset(), f.log().last_index()), (8, 8));
        assert_eq!(f.log().term(8), Some(2));
        assert_eq!(f.commit_index(), 8);
        let mut ready = f.ready();
        assert_eq!(ready.snapshot.as_ref().map(|s| s.index), Some(8));
        assert!(ready.committed.is_empty(), "the snapshot covers 1..=8");
        let r = ready.messages(&ready.persist.persisted()).pop();
        assert!(matches!(
            r,
            Some((
                _,
                Message::InstallSnapshotRes(InstallSnapshotRes { done: true, .. })
            ))
        ));
    }

    #[test]
    fn a_snapshot_no_newer_than_the_commit_index_is_ignored() {
        let mut f = follower(1);
        f.step(2, "n1", chunk(1, 4, 1, 0, "[1]", true));
        assert_eq!((f.log().offset(), f.log().last_index()), (0, 10));
        assert!(f.snapshot().is_none());
        let r = answer(&mut f);
        assert!(r.done, "the leader may move on");
    }

    #[test]
    fn chunks_are_assembled_in_order_and_a_gap_asks_for_a_resend() {
        let mut f = follower(1);
        f.step(2, "n1", chunk(1, 9, 1, 0, "[1,", false));
        assert_eq!(answer(&mut f).offset, 3);
        f.step(3, "n1", chunk(1, 9, 1, 5, "3]", true));
        let r = answer(&mut f);
        assert_eq!((r.offset, r.done), (3, false), "a gap: resend from 3");
        f.step(4, "n1", chunk(1, 9, 1, 3, "2]", true));
        let r = answer(&mut f);
        assert!(r.done);
        assert_eq!(f.snapshot().map(|s| s.data.as_str()), Some("[1,2]"));
        assert_eq!(f.log().last_index(), 10, "rule 6: entry 10 kept");
    }

    #[test]
    fn the_leader_sends_a_compacted_follower_the_snapshot_in_bounded_chunks() {
        let config = Config {
            max_bytes_per_message: 8,
            ..Config::default()
        };
        let mut leader = Raft::new("n1".into(), &["n1".to_owned()], config.clone(), 1, 0).unwrap();
        for i in 0..20 {
            leader.propose(Data::encode(&i).unwrap());
        }
        leader.ready();
        let text = format!("[{}]", ["\"é\""; 10].join(","));
        leader
            .compact(15, Data::from_text(text.clone()).unwrap(), 0)
            .unwrap();
        assert_eq!(leader.log().offset(), 15);
        assert!(
            leader.compact(25, Data::encode(&0).unwrap(), 0).is_err(),
            "not applied yet"
        );
        // A fresh follower joins a cluster whose leader compacted: here simulated by
        // having the leader probe it from index 1.
        let mut pr = crate::raft::Progress::new(1, 0);
        pr.become_probe(1);
        leader.progress.insert("n2".into(), pr);
        leader.peers.push("n2".into());
        let mut f = Raft::new(
            "n2".into(),
            &["n1".to_owned(), "n2".to_owned()],
            config,
            2,
            0,
        )
        .unwrap();
        leader.term = 1;
        f.step(
            0,
            "n1",
            Message::AppendEntries(AppendEntries {
                term: 1,
                leader: "n1".into(),
                prev_log_index: 0,
                prev_log_term: 0,
                entries: vec![],
                leader_commit: 0,
                read_round: None,
            }),
        );
        f.ready();
        leader.send_append("n2", true);
        let mut chunks = 0;
        for _ in 0..100 {
            let msgs = leader.ready().messages(&Default::default());
            if msgs.is_empty() {
                break;
            }
            for (_, m) in msgs {
                if let Message::InstallSnapshot(c) = &m {
                    chunks += 1;
                    assert!(c.data.len() <= 8, "chunk of {} bytes", c.data.len());
                }
                f.step(1, "n1", m);
            }
            for (_, m) in f.ready().messages(&Default::default()) {
                leader.step(1, "n2", m);
            }
        }
        assert!(chunks > 3, "only {chunks} chunks");
        assert_eq!(f.snapshot().map(|s| s.data.as_str()), Some(text.as_str()));
        assert_eq!(
            f.log().last_index(),
            leader.log().last_index(),
            "entries after the snapshot followed"
        );
    }
}
