//! CheckQuorum, Ongaro's thesis §6.2 ("a leader steps down if an election timeout
//! elapses without a successful round of heartbeats to a majority of its
//! cluster") and its follower side, §4.2.3 ("if a server receives a RequestVote
//! request within the minimum election timeout of hearing from a current leader,
//! it does not update its term or grant its vote").

use crate::support::*;
use raft_kv::raft::{Message, Role};

/// §6.2: a leader that has not heard from a majority for an election timeout
/// steps down (keeping its term), so a leader cut off by a partition stops
/// acting as one.
#[test]
fn s6_2_check_quorum_a_leader_that_hears_from_no_majority_steps_down() {
    let mut p = Peer::new("n1", 3, modern());
    let term = p.elect_and_commit();
    p.advance(ET);
    assert!(
        p.is_leader(),
        "the election's answers count for the first period"
    );
    p.advance(ET);
    assert_eq!(
        (p.role(), p.term(), p.leader()),
        (Role::Follower, term, None)
    );
    // Without CheckQuorum it would lead on, alone.
    let mut q = Peer::new("n1", 3, classic());
    q.elect_and_commit();
    q.advance(10 * ET);
    assert!(q.is_leader());
}

/// §6.2: answers from a majority (itself included) in every election timeout keep
/// the leader in office; fewer do not.
#[test]
fn s6_2_check_quorum_a_leader_hearing_from_a_majority_stays() {
    for (answering, stays) in [(&["n2", "n3"][..], true), (&["n2"][..], false)] {
        let mut p = Peer::new("n1", 5, modern());
        let term = p.elect_and_commit();
        for _ in 0..(4 * ET / HB) {
            p.advance(HB);
            p.round();
            for f in answering {
                p.step(f, append_ok(term, 1));
            }
        }
        assert_eq!(p.is_leader(), stays, "answers from {answering:?}");
    }
}

/// §4.2.3: a follower that heard from its leader less than an election timeout
/// ago ignores a RequestVote of a higher term: no term change, no vote. Once the
/// leader has been silent that long, the request is handled as usual.
#[test]
fn s4_2_3_check_quorum_a_follower_in_contact_with_its_leader_ignores_vote_requests() {
    let mut p = Peer::new("n2", 3, modern());
    p.step("n1", append(1, "n1", (0, 0), &[1], 1));
    p.round();
    p.now += ET / 2;
    p.step("n3", vote_req(5, "n3", 9, 9));
    assert!(p.out().is_empty(), "ignored");
    assert_eq!((p.term(), p.vote(), p.leader()), (1, None, Some("n1")));
    p.now += ET / 2;
    p.step("n3", vote_req(5, "n3", 9, 9));
    assert!(the_vote_res(&p.out()).vote_granted);
    assert_eq!((p.term(), p.vote().as_deref()), (5, Some("n3")));
}

/// §4.2.3 with PreVote (§9.6): while in contact with a leader, a follower refuses
/// pre-votes, and so does the leader itself; so a server that merely lost touch
/// with the leader cannot start an election the others would join.
#[test]
fn s4_2_3_check_quorum_servers_in_contact_with_a_leader_refuse_prevotes() {
    let mut p = Peer::new("n2", 3, modern());
    p.step("n1", append(1, "n1", (0, 0), &[1], 1));
    p.round();
    p.now += ET - 1;
    p.step("n3", prevote_req(2, "n3", 1, 1));
    assert!(!the_vote_res(&p.out()).vote_granted, "in contact");
    p.now += 1;
    p.step("n3", prevote_req(2, "n3", 1, 1));
    assert!(
        the_vote_res(&p.out()).vote_granted,
        "an election timeout later"
    );
    assert_eq!(p.term(), 1);

    let mut l = Peer::new("n1", 3, modern());
    let term = l.elect_and_commit();
    l.step("n3", prevote_req(term + 1, "n3", 1, term));
    let out = l.out();
    assert!(matches!(
        &out[..],
        [(_, Message::RequestVoteRes(r))] if !r.vote_granted
    ));
    assert!(l.is_leader());
}
