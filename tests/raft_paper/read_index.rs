//! ReadIndex, Ongaro's thesis §6.4 (and the paper's §8: "a leader must check
//! whether it has been deposed before processing a read-only request"):
//!
//! 1. "If the leader has not yet marked an entry from its current term committed,
//!    it waits until it has done so."
//! 2. "The leader saves its current commit index in a local variable readIndex."
//! 3. "The leader needs to make sure it hasn't been superseded ... it issues a new
//!    round of heartbeats and waits for their acknowledgments from a majority."
//! 4. "The leader waits for its state machine to advance at least as far as the
//!    readIndex" (the host's part: a confirmed read comes out with its index).

use crate::support::*;
use raft_kv::raft::{AppendEntries, AppendEntriesRes, Message, NodeId};

/// The answer to a read round's heartbeat.
fn read_ack(term: u64, index: u64, round: u64) -> Message {
    Message::AppendEntriesRes(AppendEntriesRes {
        term,
        success: true,
        index,
        conflict_index: None,
        conflict_term: None,
        read_round: Some(round),
    })
}

/// The read rounds' heartbeats in `msgs`: (to, round, commit). Any
/// AppendEntries is a heartbeat: a round rides on appends already going out in
/// the same round of the event loop, and only peers without one get an empty
/// AppendEntries. Sorted by peer.
fn read_beats(msgs: &[(NodeId, Message)]) -> Vec<(String, u64, u64)> {
    let mut beats: Vec<(String, u64, u64)> = msgs
        .iter()
        .filter_map(|(to, m)| match m {
            Message::AppendEntries(AppendEntries {
                read_round: Some(r),
                leader_commit,
                ..
            }) => Some((to.clone(), *r, *leader_commit)),
            _ => None,
        })
        .collect();
    beats.sort();
    beats
}

/// §6.4: only the leader serves reads this way; anyone else refuses the read
/// (the host forwards it).
#[test]
fn s6_4_read_index_only_a_leader_takes_reads() {
    let mut f = Peer::new("n2", 3, modern());
    f.step("n1", append(1, "n1", (0, 0), &[1], 1));
    assert!(!f.read_index(1));
    assert!(f.round().reads.is_empty());
}

/// §6.4 step 1: a new leader does not know which entries of earlier terms are
/// committed until it commits one of its own, so reads wait for its no-op.
#[test]
fn s6_4_read_index_waits_until_an_entry_of_the_leaders_term_is_committed() {
    let mut p = Peer::restarted("n1", 3, modern(), 1, None, &[1, 1], 0);
    let term = p.elect();
    assert!(p.read_index(7), "queued");
    let round = p.round();
    assert!(read_beats(&round.messages).is_empty(), "no round yet");
    assert!(round.reads.is_empty());
    p.step("n2", append_ok(term, 2));
    assert_eq!(p.commit_index(), 0, "an old entry replicated is not enough");
    assert!(read_beats(&p.out()).is_empty());
    p.step("n2", append_ok(term, 3));
    assert_eq!(p.commit_index(), 3);
    let beats = read_beats(&p.out());
    assert_eq!(beats, vec![("n2".into(), 1, 3), ("n3".into(), 1, 3)]);
    p.step("n3", read_ack(term, 0, 1));
    assert_eq!(p.round().reads, vec![(7, 3)]);
}

/// §6.4 steps 2 and 3: the read index is the commit index when the round starts,
/// and the read is confirmed once a majority (the leader included) answered the
/// round's heartbeat; commits after the round started do not move it.
#[test]
fn s6_4_read_index_is_confirmed_by_a_majority_answering_one_heartbeat_round() {
    let mut p = Peer::new("n1", 5, modern());
    let term = p.elect_and_commit();
    assert!(p.read_index(1));
    let beats = read_beats(&p.out());
    assert_eq!(beats.len(), 4, "one heartbeat per follower");
    let round = beats[0].1;
    p.propose(data("w"));
    for f in ["n2", "n3", "n4", "n5"] {
        p.step(f, append_ok(term, 2));
    }
    assert_eq!(p.commit_index(), 2);
    p.step("n2", read_ack(term, 2, round));
    assert!(p.round().reads.is_empty(), "2 of 5");
    p.step("n2", read_ack(term, 2, round));
    assert!(
        p.round().reads.is_empty(),
        "the same peer twice is still 2 of 5"
    );
    p.step("n4", read_ack(term, 2, round));
    assert_eq!(
        p.round().reads,
        vec![(1, 1)],
        "the index when the round began"
    );
}

/// §6.4: "the leader can batch read-only queries": reads that arrive before a
/// round starts share it. A read arriving while a round is in flight waits for
/// the next one, since the running round's index may predate a write the reader
/// has already seen acknowledged.
#[test]
fn s6_4_read_index_waiting_reads_share_a_round_and_later_ones_take_the_next() {
    let mut p = Peer::new("n1", 3, modern());
    let term = p.elect();
    p.read_index(1);
    p.read_index(2);
    p.round();
    p.step("n2", append_ok(term, 1));
    let first = read_beats(&p.out());
    assert_eq!(first.len(), 2, "one heartbeat per follower for both reads");
    p.propose(data("w"));
    p.step("n2", append_ok(term, 2));
    assert_eq!(p.commit_index(), 2);
    p.read_index(3);
    assert!(
        read_beats(&p.out()).is_empty(),
        "round 1 is still in flight"
    );
    p.step("n3", read_ack(term, 1, 1));
    let round = p.round();
    assert_eq!(round.reads, vec![(1, 1), (2, 1)]);
    assert_eq!(
        read_beats(&round.messages),
        vec![("n2".into(), 2, 2), ("n3".into(), 2, 2)],
        "round 2 starts at once for read 3"
    );
    p.step("n2", read_ack(term, 2, 2));
    assert_eq!(p.round().reads, vec![(3, 2)]);
}

/// §6.4 step 3: only answers to this round's heartbeat confirm it; an answer to
/// an older round says nothing about leadership after it.
#[test]
fn s6_4_read_index_answers_to_an_older_round_do_not_confirm_a_newer_one() {
    let mut p = Peer::new("n1", 3, modern());
    let term = p.elect_and_commit();
    p.read_index(1);
    p.step("n2", read_ack(term, 1, 1));
    assert_eq!(p.round().reads, vec![(1, 1)]);
    p.read_index(2);
    assert_eq!(read_beats(&p.out()).len(), 2);
    p.step("n2", read_ack(term, 1, 1));
    p.step("n3", read_ack(term, 1, 1));
    assert!(p.round().reads.is_empty(), "late answers to round 1");
    p.step("n3", read_ack(term, 1, 2));
    assert_eq!(p.round().reads, vec![(2, 1)]);
}

/// §6.4 / §8: a leader that learns of a newer term is deposed: its pending reads
/// are dropped, never confirmed, whatever answers come later (the host retries
/// them with the new leader).
#[test]
fn s6_4_read_index_a_deposed_leader_confirms_no_pending_read() {
    let mut p = Peer::new("n1", 3, modern());
    let term = p.elect_and_commit();
    assert!(p.read_index(1));
    p.round();
    p.step(
        "n2",
        Message::AppendEntriesRes(AppendEntriesRes {
            term: term + 1,
            success: false,
            index: 0,
            conflict_index: None,
            conflict_term: None,
            read_round: Some(1),
        }),
    );
    assert!(!p.is_leader());
    p.step("n3", read_ack(term, 1, 1));
    assert!(p.round().reads.is_empty());
    assert!(!p.read_index(2));
}

/// A single-member cluster is its own majority: a read is confirmed at once.
#[test]
fn s6_4_read_index_a_single_member_confirms_at_once() {
    let mut p = Peer::new("n1", 1, modern());
    p.round();
    assert!(p.read_index(4));
    let round = p.round();
    assert_eq!(round.reads, vec![(4, 1)]);
    assert!(round.messages.is_empty());
}

/// §6.4 step 3 under load: the round's heartbeat is any AppendEntries of the
/// leader's term, so a round starting while appends are going out rides on
/// them: no empty AppendEntries is sent beside an append to the same peer.
#[test]
fn s6_4_read_index_a_round_rides_on_appends_going_out_in_the_same_round() {
    let mut p = Peer::new("n1", 3, modern());
    let term = p.elect_and_commit();
    p.propose(data("w"));
    assert!(p.read_index(9));
    let msgs = p.out();
    let sent = appends(&msgs);
    assert_eq!(sent.len(), 2, "one AppendEntries per follower: {sent:?}");
    for (to, ae) in &sent {
        assert!(!ae.entries.is_empty(), "to {to}: the write goes out");
        assert_eq!(ae.read_round, Some(1), "to {to}: and carries the round");
    }
    p.step("n2", read_ack(term, 0, 1));
    assert_eq!(p.round().reads.len(), 1, "confirmed by a majority");
}
