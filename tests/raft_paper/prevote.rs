//! PreVote, Ongaro's thesis §9.6: "a candidate would first ask other servers
//! whether its log was up-to-date enough to get their vote. Only if the candidate
//! believed it could get votes from a majority of the cluster would it increment
//! its term and start a normal election."

use crate::support::*;
use raft_kv::raft::Role;

/// PreVote without CheckQuorum, to see PreVote's own rules.
fn prevote_only() -> raft_kv::raft::Config {
    raft_kv::raft::Config {
        pre_vote: true,
        check_quorum: false,
        ..raft_kv::raft::Config::default()
    }
}

/// §9.6: a server whose election timeout elapses first asks for pre-votes for the
/// term it would campaign in, without incrementing its own term or voting.
#[test]
fn s9_6_a_timed_out_follower_asks_for_prevotes_without_changing_term_or_vote() {
    let mut p = Peer::restarted("n1", 3, prevote_only(), 2, Some("n3"), &[1, 2], 0);
    p.timeout();
    assert_eq!(p.role(), Role::PreCandidate);
    assert_eq!((p.term(), p.vote().as_deref()), (2, Some("n3")));
    let round = p.round();
    assert!(round.persist.hard_state.is_none(), "nothing to persist");
    for to in ["n2", "n3"] {
        assert_eq!(round.to(to), vec![&prevote_req(3, "n1", 2, 2)]);
    }
}

/// §9.6: a pre-vote request changes nothing at the receiver: neither its term nor
/// its vote, whether it grants the pre-vote or not. A granted pre-vote answers
/// with the term asked about.
#[test]
fn s9_6_a_prevote_request_changes_no_term_or_vote_at_the_receiver() {
    for (last, granted) in [((2, 1), true), ((1, 1), false)] {
        let mut p = Peer::restarted("n2", 3, prevote_only(), 1, Some("n1"), &[1, 1], 0);
        p.step("n3", prevote_req(5, "n3", last.0, last.1));
        let r = the_vote_res(&p.out());
        assert_eq!(
            (r.vote_granted, r.pre_vote),
            (granted, true),
            "last {last:?}"
        );
        if granted {
            assert_eq!(r.term, 5);
        }
        assert_eq!((p.term(), p.vote().as_deref()), (1, Some("n1")));
        assert_eq!(p.role(), Role::Follower);
    }
}

/// §9.6: the pre-vote is granted only as the real vote would be on the log
/// (§5.4.1), and only for a term later than the receiver's.
#[test]
fn s9_6_a_prevote_is_granted_for_a_later_term_and_an_up_to_date_log_only() {
    // The receiver: term 2, log ending at 3/2.
    let cases = [
        (3, (3, 2), true),
        (3, (4, 2), true),
        (3, (1, 3), true),
        (3, (2, 2), false),
        (3, (9, 1), false),
        (2, (9, 2), false),
        (1, (9, 2), false),
    ];
    for (term, last, want) in cases {
        let mut p = Peer::restarted("n2", 3, prevote_only(), 2, None, &[1, 2, 2], 0);
        p.step("n3", prevote_req(term, "n3", last.0, last.1));
        let r = the_vote_res(&p.out());
        assert_eq!(r.vote_granted, want, "term {term}, last {last:?}");
        assert!(r.pre_vote);
    }
}

/// §9.6: "Only if the candidate believed it could get votes from a majority of
/// the cluster would it increment its term and start a normal election."
#[test]
fn s9_6_a_majority_of_prevotes_starts_a_real_election() {
    let mut p = Peer::new("n1", 5, prevote_only());
    p.timeout();
    p.round();
    p.step("n2", vote_res(1, true, true));
    assert_eq!((p.role(), p.term()), (Role::PreCandidate, 0), "2 of 5");
    p.step("n3", vote_res(1, true, true));
    assert_eq!((p.role(), p.term()), (Role::Candidate, 1), "3 of 5");
    assert_eq!(p.vote().as_deref(), Some("n1"));
    let round = p.round();
    for to in ["n2", "n3", "n4", "n5"] {
        assert_eq!(round.to(to), vec![&vote_req(1, "n1", 0, 0)]);
    }
    // Real votes, not pre-votes, now count.
    p.step("n4", vote_res(1, true, true));
    p.step("n5", vote_res(1, true, true));
    assert_eq!(p.role(), Role::Candidate);
    p.step("n4", vote_res(1, true, false));
    p.step("n5", vote_res(1, true, false));
    assert_eq!(p.role(), Role::Leader);
}

/// §9.6: a pre-candidate refused by a majority goes back to being a follower in
/// the term it had: the failed attempt left no trace.
#[test]
fn s9_6_a_precandidate_refused_by_a_majority_stays_in_its_term() {
    let mut p = Peer::restarted("n1", 3, prevote_only(), 4, None, &[1], 0);
    p.timeout();
    p.step("n2", vote_res(4, false, true));
    p.step("n3", vote_res(4, false, true));
    assert_eq!((p.role(), p.term(), p.vote()), (Role::Follower, 4, None));
}

/// §9.6: the point of PreVote: "a server that has been partitioned from the
/// cluster ... will not be able to increment its term", so when it rejoins it
/// does not force the healthy leader to step down.
#[test]
fn s9_6_a_partitioned_server_does_not_inflate_its_term() {
    let mut p = Peer::restarted("n3", 3, prevote_only(), 1, None, &[1, 1], 0);
    for _ in 0..20 {
        p.timeout();
        p.round();
    }
    assert_eq!(p.term(), 1);
    assert_eq!(p.role(), Role::PreCandidate);
    // Without PreVote each timeout costs a term.
    let mut q = Peer::restarted("n3", 3, classic(), 1, None, &[1, 1], 0);
    for _ in 0..20 {
        q.timeout();
    }
    assert_eq!(q.term(), 21);
}
