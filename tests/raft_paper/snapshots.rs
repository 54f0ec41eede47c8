//! §7 Log compaction, and Figure 13: the InstallSnapshot RPC and its receiver
//! rules 1–8.

use crate::support::*;
use raft_kv::raft::{Message, ProgressState};

/// A follower n2 (of n1..n3) holding entries 1..=10 of term 1, commit 5, with the
/// committed entries already applied.
fn follower_with_ten_entries() -> Peer {
    let mut f = Peer::new("n2", 3, modern());
    f.step("n1", append(1, "n1", (0, 0), &[1; 10], 5));
    f.round();
    f
}

/// §7: "Each server takes snapshots independently, covering just the committed
/// entries in its log ... The snapshot ... includes ... the last included index
/// ... [and] the last included term ... Once a server completes writing a
/// snapshot, it may delete all log entries up through the last included index."
/// Here the host may keep a tail of the log (`retain`), and only applied (so
/// committed) entries can be snapshot.
#[test]
fn s7_a_snapshot_replaces_the_applied_prefix_and_keeps_its_last_index_and_term() {
    let mut p = Peer::new("n1", 1, modern());
    assert!(p.is_leader());
    for i in 0..9 {
        p.propose(data(&format!("w{i}")));
    }
    let applied = p.round().committed_indexes();
    assert_eq!(applied, (1..=10).collect::<Vec<_>>());
    assert!(
        p.compact(11, data("state"), 0).is_err(),
        "11 is not applied"
    );
    p.compact(6, data("state@6"), 2).unwrap();
    let snap = p.snapshot().expect("a snapshot").clone();
    assert_eq!((snap.index, snap.term), (6, 1));
    assert_eq!(
        p.log().offset(),
        4,
        "2 entries before the snapshot retained"
    );
    assert_eq!(p.log().term(4), Some(1), "the boundary term is kept");
    assert_eq!(p.log().get(3), None);
    assert_eq!(
        p.round().persist.snapshot,
        Some(snap),
        "the host persists it"
    );
    assert!(p.compact(5, data("older"), 0).is_err(), "never go back");
    p.compact(10, data("state@10"), 0).unwrap();
    assert_eq!((p.log().offset(), p.log().last_index()), (10, 10));
    // New entries follow the snapshot and commit as usual.
    assert_eq!(p.propose(data("w")), Some(11));
    assert_eq!(p.round().committed_indexes(), vec![11]);
}

/// §7: "the leader must occasionally send snapshots to followers that lag behind.
/// This happens when the leader has already discarded the next log entry that it
/// needs to send to a follower." While the snapshot is in flight no appends go to
/// that follower.
#[test]
fn s7_the_leader_sends_its_snapshot_to_a_follower_that_needs_compacted_entries() {
    let mut p = Peer::new("n1", 3, modern());
    let term = p.elect();
    p.round();
    p.step("n2", append_ok(term, 1));
    for i in 0..5 {
        p.propose(data(&format!("w{i}")));
    }
    p.round();
    p.step("n2", append_ok(term, 6));
    p.round();
    assert_eq!(p.applied(), 6);
    p.compact(6, data("state@6"), 0).unwrap();
    // n3 never answered; at the next heartbeat it is probed again, from an index
    // the leader no longer has.
    p.advance(HB);
    let round = p.round();
    let [Message::InstallSnapshot(is)] = round.to("n3")[..] else {
        panic!("to n3: {:?}", round.to("n3"));
    };
    assert_eq!(
        (
            is.last_included_index,
            is.last_included_term,
            is.offset,
            is.done
        ),
        (6, term, 0, true)
    );
    assert_eq!(is.data, data("state@6").as_str());
    assert_eq!(p.progress()["n3"].state, ProgressState::Snapshot);
    p.propose(data("w"));
    let round = p.round();
    assert!(
        round.to("n3").is_empty(),
        "appends to n3 wait for the snapshot"
    );
    assert_eq!(round.to("n2").len(), 1);
}

/// §7: the leader resumes normal replication once the follower has installed the
/// snapshot, from the entry after it.
#[test]
fn s7_after_the_snapshot_is_installed_replication_resumes_after_it() {
    let mut p = Peer::new("n1", 3, modern());
    let term = p.elect();
    p.round();
    p.step("n2", append_ok(term, 1));
    for i in 0..5 {
        p.propose(data(&format!("w{i}")));
    }
    p.round();
    p.step("n2", append_ok(term, 6));
    p.round();
    p.compact(6, data("state@6"), 0).unwrap();
    p.propose(data("w7"));
    p.advance(HB);
    p.round();
    p.step(
        "n3",
        Message::InstallSnapshotRes(raft_kv::raft::InstallSnapshotRes {
            term,
            index: 6,
            offset: 9,
            done: true,
        }),
    );
    let pr = &p.progress()["n3"];
    assert_eq!(
        (pr.state, pr.match_index, pr.next_index),
        (ProgressState::Replicate, 6, 8)
    );
    let out = p.out();
    let sent = appends(&out);
    let [(to, ae)] = &sent[..] else {
        panic!("{out:?}")
    };
    assert_eq!(to, "n3");
    assert_eq!(
        (ae.prev_log_index, ae.prev_log_term, ae.entries.len()),
        (6, term, 1)
    );
}

/// Figure 13, receiver rule 1: "Reply immediately if term < currentTerm."
#[test]
fn fig13_rule_1_reply_at_once_to_a_snapshot_of_a_stale_term() {
    let mut f = Peer::restarted("n2", 3, modern(), 3, None, &[1, 1], 0);
    f.step("n1", snapshot_chunk(2, (8, 2), 0, "[8]", true));
    let r = the_snapshot_res(&f.out());
    assert_eq!((r.term, r.done), (3, false), "the newer term goes back");
    assert_eq!(f.snapshot(), None);
    assert_eq!(f.log_terms(), vec![1, 1]);
}

/// Figure 13, receiver rules 2–4: "Create new snapshot file if first chunk (offset
/// is 0)"; "Write data into snapshot file at given offset"; "Reply and wait for
/// more data chunks if done is false." A chunk that does not continue what is held
/// is answered with the offset the follower needs.
#[test]
fn fig13_rules_2_to_4_chunks_are_assembled_at_their_offsets_until_done() {
    let mut f = follower_with_ten_entries();
    f.step("n1", snapshot_chunk(1, (12, 1), 4, "4]", true));
    assert_eq!(
        (the_snapshot_res(&f.out()).offset, f.snapshot()),
        (0, None),
        "no first chunk yet: start from 0"
    );
    f.step("n1", snapshot_chunk(1, (12, 1), 0, "[1,", false));
    let r = the_snapshot_res(&f.out());
    assert_eq!((r.index, r.offset, r.done), (12, 3, false), "wait for more");
    f.step("n1", snapshot_chunk(1, (12, 1), 5, "4]", true));
    let r = the_snapshot_res(&f.out());
    assert_eq!((r.offset, r.done), (3, false), "a gap: resend from 3");
    f.step("n1", snapshot_chunk(1, (12, 1), 3, "2,", false));
    assert_eq!(the_snapshot_res(&f.out()).offset, 5);
    assert_eq!(f.snapshot(), None, "nothing installed before done");
    f.step("n1", snapshot_chunk(1, (12, 1), 5, "4]", true));
    let r = the_snapshot_res(&f.out());
    assert_eq!((r.offset, r.done), (7, true));
    assert_eq!(f.snapshot().map(|s| s.data.as_str()), Some("[1,2,4]"));
}

/// Figure 13, receiver rule 5: "Save snapshot file, discard any existing or
/// partial snapshot with a smaller index." The installed snapshot is handed to
/// the host to persist.
#[test]
fn fig13_rule_5_a_newer_snapshot_replaces_a_partial_one_and_is_saved() {
    let mut f = follower_with_ten_entries();
    f.step("n1", snapshot_chunk(1, (8, 1), 0, "[8,", false));
    f.round();
    f.step("n1", snapshot_chunk(1, (9, 1), 0, "[9]", true));
    let round = f.round();
    let saved = round.persist.snapshot.expect("saved");
    assert_eq!((saved.index, saved.data.as_str()), (9, "[9]"));
    // The rest of the older one changes nothing.
    f.step("n1", snapshot_chunk(1, (8, 1), 3, "8]", true));
    let round = f.round();
    assert!(round.persist.snapshot.is_none());
    assert_eq!(f.snapshot().map(|s| s.index), Some(9));
}

/// Figure 13, receiver rule 6: "If existing log entry has same index and term as
/// snapshot's last included entry, retain log entries following it and reply."
#[test]
fn fig13_rule_6_a_follower_holding_the_last_included_entry_keeps_what_follows() {
    let mut f = follower_with_ten_entries();
    f.step("n1", snapshot_chunk(1, (8, 1), 0, "{}", true));
    assert!(the_snapshot_res(&f.out()).done);
    assert_eq!((f.log().offset(), f.log().last_index()), (8, 10));
    assert_eq!(f.log().term(9), Some(1), "entries 9 and 10 kept");
    assert_eq!(f.commit_index(), 8);
}

/// Figure 13, receiver rule 7: "Discard the entire log." (when rule 6 does not
/// apply: the follower lacks the last included entry or holds another term
/// there).
#[test]
fn fig13_rule_7_otherwise_the_whole_log_is_discarded() {
    for (last, why) in [((8, 2), "another term at 8"), ((12, 1), "a log too short")] {
        let mut f = follower_with_ten_entries();
        f.step("n1", snapshot_chunk(2, last, 0, "{}", true));
        assert!(the_snapshot_res(&f.out()).done, "{why}");
        assert_eq!(
            (f.log().offset(), f.log().last_index(), f.log().last_term()),
            (last.0, last.0, last.1),
            "{why}"
        );
        assert!(f.log().is_empty(), "{why}");
    }
}

/// Figure 13, receiver rule 8: "Reset state machine using snapshot contents." The
/// host restores the snapshot before it applies any later committed entry, and is
/// never handed an entry the snapshot covers.
#[test]
fn fig13_rule_8_the_state_machine_is_restored_from_the_snapshot_before_later_entries() {
    let mut f = follower_with_ten_entries();
    f.step("n1", snapshot_chunk(1, (8, 1), 0, "\"state@8\"", true));
    f.step("n1", append(1, "n1", (10, 1), &[], 10));
    let round = f.round();
    let restored = round.snapshot.clone().expect("restore first");
    assert_eq!((restored.index, restored.data.as_str()), (8, "\"state@8\""));
    assert_eq!(
        round.committed_indexes(),
        vec![9, 10],
        "then apply after it"
    );
    assert_eq!(f.applied(), 10);
}

/// §7 / Figure 13: a snapshot that covers nothing new (its last included index is
/// at or below the follower's commit index) is answered as done and ignored: the
/// follower's log already holds those committed entries.
#[test]
fn s7_a_snapshot_no_newer_than_the_commit_index_is_ignored() {
    let mut f = follower_with_ten_entries();
    f.step("n1", snapshot_chunk(1, (4, 1), 0, "{}", true));
    let round = f.round();
    let [(_, Message::InstallSnapshotRes(r))] = &round.messages[..] else {
        panic!("{:?}", round.messages)
    };
    assert!(r.done, "the leader may move on");
    assert!(round.snapshot.is_none() && round.persist.snapshot.is_none());
    assert_eq!((f.log().offset(), f.log().last_index()), (0, 10));
}
