//! §5.2 Election Safety, §5.4 Safety (committing entries from previous terms,
//! Leader Completeness), §5.5 follower and candidate crashes.

use crate::support::*;
use raft_kv::raft::Role;

/// Figure 3, Election Safety: "at most one leader can be elected in a given
/// term" (§5.2: "each server will vote for at most one candidate in a given
/// term ... The majority rule ensures that at most one candidate can win").
#[test]
fn s5_2_election_safety_two_candidates_of_one_term_cannot_both_win() {
    let mut net = Net::new(vec![
        Peer::new("n1", 3, classic()),
        Peer::new("n2", 3, classic()),
        Peer::new("n3", 3, classic()),
    ]);
    net.peer("n1").timeout();
    net.peer("n2").timeout();
    assert_eq!((net.peers["n1"].term(), net.peers["n2"].term()), (1, 1));
    net.stabilize();
    let leaders: Vec<&str> = net
        .peers
        .values()
        .filter(|p| p.role() == Role::Leader)
        .map(|p| p.id())
        .collect();
    assert_eq!(leaders, vec!["n1"], "n3 votes first come, first served");
    assert_eq!(net.peers["n2"].role(), Role::Follower, "n2 follows n1");
    assert_eq!(net.peers["n2"].leader(), Some("n1"));
}

/// §5.4.2: "Raft never commits log entries from previous terms by counting
/// replicas. Only log entries from the leader's current term are committed by
/// counting replicas; once an entry from the current term has been committed in
/// this way, then all prior entries are committed indirectly" (Figure 8; Figure
/// 2: "... and log[N].term == currentTerm").
#[test]
fn s5_4_2_a_leader_never_commits_an_entry_of_an_earlier_term_by_counting_replicas() {
    // Figure 8 (c): the leader of term 4 holds entry 2 of term 2, which it now
    // replicates to a majority; its own no-op of term 4 follows at index 3.
    let mut p = Peer::restarted("n1", 5, classic(), 3, None, &[1, 2], 1);
    let term = p.elect();
    assert_eq!(term, 4);
    p.round();
    for f in ["n2", "n3", "n4"] {
        p.step(f, append_ok(term, 2));
    }
    assert_eq!(
        p.commit_index(),
        1,
        "entry 2 (term 2) is on 4 of 5 servers, yet not committed"
    );
    assert!(p.round().committed.is_empty());
    p.step("n2", append_ok(term, 3));
    assert_eq!(p.commit_index(), 1, "the no-op is on 2 of 5");
    p.step("n3", append_ok(term, 3));
    assert_eq!(
        p.commit_index(),
        3,
        "the no-op commits, and entry 2 with it"
    );
    assert_eq!(p.round().committed_indexes(), vec![2, 3]);
}

/// §5.4.3, Leader Completeness: "If a log entry is committed in a given term,
/// then that entry will be present in the logs of the leaders for all higher-
/// numbered terms." A candidate missing a committed entry cannot gather a
/// majority: every server holding the entry refuses it (§5.4.1), and every
/// majority includes one.
#[test]
fn s5_4_3_leader_completeness_a_candidate_lacking_a_committed_entry_cannot_win() {
    let mut net = Net::new(vec![
        Peer::new("n1", 3, classic()),
        Peer::new("n2", 3, classic()),
        Peer::new("n3", 3, classic()),
    ]);
    net.peer("n1").timeout();
    net.stabilize();
    assert!(net.peers["n1"].is_leader());
    // Entry 2 commits on n1 and n2 while n3 is cut off.
    net.isolate("n3");
    net.peer("n1").propose(data("committed"));
    net.stabilize();
    assert_eq!(net.peers["n1"].commit_index(), 2);
    assert_eq!(net.peers["n3"].log().last_index(), 1);
    // Now the leader is gone and n3 is back.
    net.cut.clear();
    net.isolate("n1");
    for _ in 0..5 {
        net.peer("n3").timeout();
        net.stabilize();
        assert_ne!(net.peers["n3"].role(), Role::Leader);
    }
    net.peer("n2").timeout();
    net.stabilize();
    assert!(net.peers["n2"].is_leader(), "the up-to-date server wins");
    let n2 = &net.peers["n2"];
    assert_eq!(n2.log().get(2).unwrap().data, Some(data("committed")));
}

/// §5.5: "If a follower or candidate crashes, then future RequestVote and
/// AppendEntries RPCs sent to it will fail. Raft handles these failures by
/// retrying indefinitely ... Raft RPCs are idempotent, so this causes no harm."
/// A repeated request gets the same answer and changes nothing.
#[test]
fn s5_5_a_repeated_rpc_is_harmless() {
    let mut p = Peer::new("n2", 3, classic());
    let ae = append(1, "n1", (0, 0), &[1, 1, 1], 2);
    p.step("n1", ae.clone());
    let first = p.out();
    let log = p.log_terms();
    p.step("n1", ae);
    let round = p.round();
    assert_eq!(round.messages, first, "the same answer");
    assert_eq!(p.log_terms(), log);
    assert!(round.persist.is_empty(), "nothing new to persist");
    assert!(round.committed.is_empty(), "nothing applied twice");

    let rv = vote_req(2, "n3", 3, 1);
    p.step("n3", rv.clone());
    let first = p.out();
    p.step("n3", rv);
    assert_eq!(p.out(), first);
    assert!(the_vote_res(&first).vote_granted);
}
