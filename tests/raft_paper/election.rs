//! §5.2 Leader election (Figure 2: RequestVote, Rules for Followers and
//! Candidates), §5.4.1 the election restriction, §8 the new leader's no-op.

use crate::support::*;
use raft_kv::raft::{Message, Raft, Role};
use std::collections::BTreeSet;

/// §5.2: "When servers start up, they begin as followers."
#[test]
fn s5_2_servers_start_as_followers() {
    for n in [2, 3, 5] {
        let p = Peer::new("n1", n, classic());
        assert_eq!((p.role(), p.term(), p.leader()), (Role::Follower, 0, None));
    }
}

/// §5.2: "If a follower receives no communication over a period of time called
/// the election timeout, then it ... begins an election ... A follower increments
/// its current term and transitions to candidate state. It then votes for itself
/// and issues RequestVote RPCs in parallel to each of the other servers."
#[test]
fn s5_2_a_follower_that_times_out_starts_an_election() {
    let mut p = Peer::restarted("n1", 3, classic(), 2, None, &[1, 1, 2], 0);
    let deadline = p.next_deadline();
    p.advance(deadline - 1);
    assert_eq!(p.role(), Role::Follower, "not before the timeout");
    assert!(p.out().is_empty());
    p.advance(1);
    assert_eq!((p.role(), p.term()), (Role::Candidate, 3));
    assert_eq!(p.vote().as_deref(), Some("n1"), "it votes for itself");
    let round = p.round();
    for to in ["n2", "n3"] {
        assert_eq!(
            round.to(to),
            vec![&vote_req(3, "n1", 3, 2)],
            "RequestVote to {to}, with the last log index and term (§5.4.1)"
        );
    }
}

/// §5.2: "Raft uses randomized election timeouts ... chosen randomly from a
/// fixed interval (e.g., 150–300ms)"; here `[election_timeout, 2 ×
/// election_timeout)`, drawn afresh at every reset.
#[test]
fn s5_2_election_timeouts_are_randomized_over_et_to_2et() {
    let mut buckets = BTreeSet::new();
    for seed in 0..400 {
        let r = Raft::new("n1".into(), &ids(3), classic(), seed, 0).unwrap();
        let timeout = r.next_deadline();
        assert!((ET..2 * ET).contains(&timeout), "timeout {timeout}");
        buckets.insert((timeout - ET) / (ET / 10));
    }
    assert_eq!(buckets.len(), 10, "timeouts spread over the interval");
    // Each reset draws again: a follower hearing from a leader at t gets a fresh
    // timeout from t.
    let mut p = Peer::new("n2", 3, classic());
    let mut seen = BTreeSet::new();
    for t in 1..=20 {
        p.now = t * HB;
        p.step("n1", append(1, "n1", (0, 0), &[], 0));
        let timeout = p.next_deadline() - p.now;
        assert!((ET..2 * ET).contains(&timeout), "timeout {timeout}");
        seen.insert(timeout);
    }
    assert!(seen.len() > 15, "only {} distinct timeouts", seen.len());
}

/// §5.2: "A candidate wins an election if it receives votes from a majority of
/// the servers in the full cluster for the same term" ... "the candidate ...
/// remains in this state until ... (a) it wins the election, (b) another server
/// establishes itself as leader, or (c) a period of time goes by with no
/// winner." A majority of refusals ends the candidacy at once.
#[test]
fn s5_2_one_round_of_votes_wins_loses_or_keeps_waiting() {
    type Votes<'a> = &'a [(&'a str, bool)];
    let cases: &[(usize, Votes, Role)] = &[
        (1, &[], Role::Leader),
        (3, &[("n2", true)], Role::Leader),
        (3, &[("n2", true), ("n3", true)], Role::Leader),
        (5, &[("n2", true), ("n3", true)], Role::Leader),
        (
            5,
            &[("n2", true), ("n3", false), ("n4", true)],
            Role::Leader,
        ),
        (3, &[("n2", false), ("n3", false)], Role::Follower),
        (
            5,
            &[("n2", true), ("n3", false), ("n4", false), ("n5", false)],
            Role::Follower,
        ),
        (3, &[], Role::Candidate),
        (3, &[("n2", false)], Role::Candidate),
        (5, &[("n2", true)], Role::Candidate),
        (5, &[("n2", false), ("n3", false)], Role::Candidate),
    ];
    for (i, (n, votes, want)) in cases.iter().enumerate() {
        let mut p = Peer::new("n1", *n, classic());
        if *n > 1 {
            p.timeout();
        }
        for (from, granted) in *votes {
            p.step(from, vote_res(1, *granted, false));
        }
        assert_eq!((p.role(), p.term()), (*want, 1), "case {i}: {votes:?}");
    }
}

/// §5.2: "a candidate ... will time out and start a new election by incrementing
/// its term and initiating another round of RequestVote RPCs" (Figure 2,
/// Candidates: "If election timeout elapses: start new election").
#[test]
fn s5_2_a_candidate_whose_election_times_out_starts_a_new_one() {
    let mut p = Peer::new("n1", 3, classic());
    p.timeout();
    p.step("n2", vote_res(1, false, false));
    assert_eq!((p.role(), p.term()), (Role::Candidate, 1));
    p.round();
    p.timeout();
    assert_eq!((p.role(), p.term()), (Role::Candidate, 2));
    assert_eq!(p.vote().as_deref(), Some("n1"));
    let round = p.round();
    assert_eq!(round.to("n2"), vec![&vote_req(2, "n1", 0, 0)]);
    assert_eq!(round.to("n3"), vec![&vote_req(2, "n1", 0, 0)]);
    // Votes of the earlier term no longer count.
    p.step("n2", vote_res(1, true, false));
    assert_eq!(p.role(), Role::Candidate);
}

/// §5.2: "Each server will vote for at most one candidate in a given term, on a
/// first-come-first-served basis" (Figure 2, RequestVote receiver rule 2: "If
/// votedFor is null or candidateId, and ... grant vote").
#[test]
fn s5_2_each_server_votes_for_at_most_one_candidate_per_term() {
    let cases = [
        (None, "n2", true),
        (None, "n3", true),
        (Some("n2"), "n2", true),
        (Some("n3"), "n3", true),
        (Some("n2"), "n3", false),
        (Some("n3"), "n2", false),
        (Some("n1"), "n2", false),
    ];
    for (voted, candidate, want) in cases {
        let mut p = Peer::restarted("n1", 3, classic(), 1, voted, &[1], 0);
        p.step(candidate, vote_req(1, candidate, 1, 1));
        let r = the_vote_res(&p.out());
        assert_eq!(
            (r.vote_granted, r.term),
            (want, 1),
            "voted for {voted:?}, asked by {candidate}"
        );
    }
    // First come, first served.
    let mut p = Peer::new("n1", 3, classic());
    p.step("n2", vote_req(1, "n2", 0, 0));
    p.step("n3", vote_req(1, "n3", 0, 0));
    let out = p.out();
    let granted: Vec<(&str, bool)> = out
        .iter()
        .map(|(to, m)| match m {
            Message::RequestVoteRes(r) => (to.as_str(), r.vote_granted),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(granted, vec![("n2", true), ("n3", false)]);
}

/// §5.2: "While waiting for votes, a candidate may receive an AppendEntries RPC
/// from another server claiming to be leader. If the leader's term ... is at
/// least as large as the candidate's current term, then the candidate recognizes
/// the leader as legitimate and returns to follower state."
#[test]
fn s5_2_a_candidate_returns_to_follower_on_append_entries_of_its_term_or_newer() {
    for term in [1, 2] {
        let mut p = Peer::new("n1", 3, classic());
        p.timeout();
        assert_eq!((p.role(), p.term()), (Role::Candidate, 1));
        p.round();
        p.step("n2", append(term, "n2", (0, 0), &[], 0));
        assert_eq!(
            (p.role(), p.term(), p.leader()),
            (Role::Follower, term, Some("n2"))
        );
        assert!(the_append_res(&p.out()).success);
    }
}

/// §5.2: "Leaders send periodic heartbeats (AppendEntries RPCs that carry no log
/// entries) to all followers in order to maintain their authority." They carry
/// the leader's commit index.
#[test]
fn s5_2_a_leader_sends_heartbeats_to_every_follower_each_interval() {
    let mut p = Peer::new("n1", 3, classic());
    let term = p.elect_and_commit();
    p.advance(HB - 1);
    assert!(p.out().is_empty(), "not before the interval");
    for _ in 0..3 {
        p.advance(HB);
        let beats = appends(&p.out());
        let to: Vec<&str> = beats.iter().map(|(to, _)| to.as_str()).collect();
        assert_eq!(to, vec!["n2", "n3"]);
        for (_, ae) in beats {
            assert!(ae.entries.is_empty());
            assert_eq!((ae.term, ae.leader_commit), (term, 1));
        }
    }
}

/// §5.2: "A server remains in follower state as long as it receives valid RPCs
/// from a leader or candidate" (Figure 2, Followers: "If election timeout elapses
/// without receiving AppendEntries RPC from current leader or granting vote to
/// candidate: convert to candidate").
#[test]
fn s5_2_a_follower_hearing_from_its_leader_does_not_start_an_election() {
    let mut p = Peer::new("n2", 3, classic());
    for _ in 0..100 {
        p.advance(HB);
        p.step("n1", append(1, "n1", (0, 0), &[], 0));
    }
    assert_eq!((p.role(), p.term()), (Role::Follower, 1));
    // Granting a vote also resets the timer.
    let mut v = Peer::new("n2", 3, classic());
    for t in 1..=40 {
        v.advance(ET / 4);
        v.step("n3", vote_req(1, "n3", 0, 0));
        assert!(the_vote_res(&v.out()).vote_granted, "round {t}");
    }
    assert_eq!((v.role(), v.term()), (Role::Follower, 1));
    // Silence does end it.
    p.advance(2 * ET);
    assert_eq!(p.role(), Role::Candidate);
}

/// §5.4.1: "The RequestVote RPC ... includes information about the candidate's
/// log, and the voter denies its vote if its own log is more up-to-date than that
/// of the candidate ... If the logs have last entries with different terms, then
/// the log with the later term is more up-to-date. If the logs end with the same
/// term, then whichever log is longer is more up-to-date."
#[test]
fn s5_4_1_a_voter_denies_a_candidate_whose_log_is_less_up_to_date() {
    // The voter's log ends at index 3 in term 2.
    let cases = [
        ((3, 2), true),
        ((4, 2), true),
        ((1, 3), true),
        ((2, 2), false),
        ((9, 1), false),
        ((0, 0), false),
    ];
    for ((last_index, last_term), want) in cases {
        let mut p = Peer::restarted("n1", 3, classic(), 3, None, &[1, 2, 2], 0);
        p.step("n2", vote_req(4, "n2", last_index, last_term));
        assert_eq!(
            the_vote_res(&p.out()).vote_granted,
            want,
            "candidate log ends {last_index}/{last_term}"
        );
        assert_eq!(p.term(), 4, "the term is adopted either way");
    }
}

/// §8: "Raft handles this by having each leader commit a blank no-op entry into
/// the log at the start of its term." It goes out at once, after the last entry
/// of the new leader's log.
#[test]
fn s8_a_new_leader_appends_a_no_op_of_its_term_and_sends_it() {
    let mut p = Peer::restarted("n1", 3, classic(), 1, None, &[1, 1], 0);
    let term = p.elect();
    let noop = p.log().get(3).expect("entry 3");
    assert_eq!((noop.term, noop.data.as_ref()), (term, None));
    let out = p.out();
    for (to, ae) in appends(&out) {
        assert_eq!(
            (ae.prev_log_index, ae.prev_log_term, ae.entries.len()),
            (2, 1, 1),
            "to {to}"
        );
        assert_eq!(ae.entries[0].data, None);
    }
    assert_eq!(appends(&out).len(), 2);
}
