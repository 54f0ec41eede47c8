//! Figure 2, "Persistent state on all servers ... (Updated on stable storage
//! before responding to RPCs)". The core hands the host what to persist and the
//! messages of the same round together; `Ready::messages` releases them only
//! against the receipt for that persist part, so these tests check that what a
//! message vouches for is in the persist part of its own round.

use crate::support::*;
use raft_kv::raft::{Entry, HardState, Message, Persist, Raft, Recovered, Role};

/// Figure 2: `votedFor` is persistent state, written before the vote is sent. A
/// candidate's vote for itself goes with its RequestVotes.
#[test]
fn fig2_a_vote_is_persisted_in_the_round_that_sends_it() {
    let mut p = Peer::new("n2", 3, classic());
    p.step("n1", vote_req(1, "n1", 0, 0));
    let round = p.round();
    assert!(the_vote_res(&round.messages).vote_granted);
    assert_eq!(
        round.persist.hard_state,
        Some(HardState {
            term: 1,
            vote: Some("n1".into()),
            commit: 0
        })
    );
    let mut c = Peer::new("n1", 3, classic());
    c.timeout();
    let round = c.round();
    assert_eq!(round.messages.len(), 2);
    let hs = round
        .persist
        .hard_state
        .expect("the new term and self-vote");
    assert_eq!((hs.term, hs.vote.as_deref()), (1, Some("n1")));
}

/// Figure 2: `log[]` is persistent state. An acknowledgement of entries leaves in
/// the round whose persist part holds them.
#[test]
fn fig2_acknowledged_entries_are_persisted_in_the_round_that_acknowledges_them() {
    let mut p = Peer::new("n2", 3, classic());
    p.step("n1", append(1, "n1", (0, 0), &[1, 1], 0));
    let round = p.round();
    let r = the_append_res(&round.messages);
    assert_eq!((r.success, r.index), (true, 2));
    let unstable = round.persist.entries.expect("the entries to write");
    assert_eq!(unstable.from, 1);
    assert_eq!(unstable.entries, vec![entry(1), entry(1)]);
    assert_eq!(round.persist.hard_state.map(|h| h.term), Some(1));
    // A leader's own proposal goes to its storage in the round that sends it.
    let mut l = Peer::new("n1", 3, classic());
    l.elect_and_commit();
    l.propose(data("a"));
    let round = l.round();
    assert_eq!(round.persist.entries.map(|u| u.from), Some(2));
    assert_eq!(appends(&round.messages).len(), 2);
}

/// What a host keeps: the persist parts of every round, applied in order.
#[derive(Default)]
struct Disk {
    hard_state: HardState,
    entries: Vec<Entry>,
}

impl Disk {
    fn write(&mut self, p: Persist) {
        if let Some(hs) = p.hard_state {
            self.hard_state = hs;
        }
        if let Some(u) = p.entries {
            self.entries.truncate(u.from as usize - 1);
            self.entries.extend(u.entries);
        }
    }
}

/// Figure 2: currentTerm, votedFor and log[] survive a restart, so a restarted
/// server neither votes twice in a term nor forgets entries it acknowledged.
#[test]
fn fig2_a_restarted_server_keeps_its_term_vote_and_log() {
    let mut disk = Disk::default();
    let mut p = Peer::new("n2", 3, classic());
    p.step("n1", append(1, "n1", (0, 0), &[1, 1, 1], 2));
    disk.write(p.round().persist);
    p.step("n1", append(1, "n1", (3, 1), &[1], 3));
    disk.write(p.round().persist);
    p.step("n1", vote_req(2, "n1", 4, 1));
    disk.write(p.round().persist);
    assert_eq!(p.vote().as_deref(), Some("n1"));

    let recovered = Recovered {
        hard_state: disk.hard_state.clone(),
        snapshot: None,
        entries: disk.entries.clone(),
    };
    let mut r = Raft::restart("n2".into(), &ids(3), classic(), 9, 0, Some(recovered)).unwrap();
    assert_eq!(r.hard_state(), (2, Some("n1")));
    assert_eq!((r.log().last_index(), r.log().last_term()), (4, 1));
    assert_eq!(r.role(), Role::Follower);
    let mut ready = r.ready();
    let committed: Vec<u64> = ready.committed.iter().map(|(i, _)| *i).collect();
    assert_eq!(
        committed,
        vec![1, 2, 3],
        "the committed entries are applied again"
    );
    ready.messages(&ready.persist.persisted());
    // Another candidate of the same term is refused.
    r.step(1, "n3", vote_req(2, "n3", 4, 1));
    let mut ready = r.ready();
    let msgs = ready.messages(&ready.persist.persisted());
    assert!(matches!(
        &msgs[..],
        [(_, Message::RequestVoteRes(v))] if !v.vote_granted
    ));
}
