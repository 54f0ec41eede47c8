//! §5.3 Log replication (Figure 2: AppendEntries RPC and Rules for Leaders),
//! §5.5 idempotent RPCs.

use crate::support::*;
use raft_kv::raft::{AppendEntries, Message, ProgressState, Role};

/// §5.3: "The leader appends the command to its log as a new entry, then issues
/// AppendEntries RPCs in parallel to each of the other servers to replicate the
/// entry." "When sending an AppendEntries RPC, the leader includes the index and
/// term of the entry in its log that immediately precedes the new entries." The
/// entry is not committed yet, and it is handed to the host to persist.
#[test]
fn s5_3_the_leader_appends_a_proposal_and_sends_it_after_the_preceding_entry() {
    let mut p = Peer::new("n1", 3, classic());
    let term = p.elect_and_commit();
    let index = p.propose(data("write x=1")).expect("the leader accepts");
    assert_eq!(index, 2);
    assert_eq!(p.commit_index(), 1, "not committed before replication");
    let round = p.round();
    let unstable = round
        .persist
        .entries
        .clone()
        .expect("the entry is persisted");
    assert_eq!(unstable.from, 2);
    assert_eq!(unstable.entries.len(), 1);
    for to in ["n2", "n3"] {
        let [Message::AppendEntries(ae)] = round.to(to)[..] else {
            panic!("to {to}: {:?}", round.to(to));
        };
        assert_eq!((ae.prev_log_index, ae.prev_log_term), (1, term));
        assert_eq!(ae.entries, vec![p.log().get(2).unwrap().clone()]);
        assert_eq!(ae.leader_commit, 1);
    }
    assert!(round.committed.is_empty());
    // Followers do not take proposals.
    let mut f = Peer::new("n2", 3, classic());
    assert_eq!(f.propose(data("write x=1")), None);
}

/// §5.3: "A log entry is committed once the leader that created the entry has
/// replicated it on a majority of the servers" (Figure 2, Leaders: "If there
/// exists an N such that N > commitIndex, a majority of matchIndex[i] ≥ N, and
/// log[N].term == currentTerm: set commitIndex = N"). Then the leader applies it.
#[test]
fn s5_3_an_entry_is_committed_once_a_majority_stores_it() {
    let mut p = Peer::new("n1", 5, classic());
    let term = p.elect();
    p.round();
    p.step("n2", append_ok(term, 1));
    assert_eq!(p.commit_index(), 0, "2 of 5 is no majority");
    assert!(p.round().committed.is_empty());
    p.step("n3", append_ok(term, 1));
    assert_eq!(p.commit_index(), 1, "3 of 5 is");
    assert_eq!(p.round().committed_indexes(), vec![1]);
    p.propose(data("a"));
    p.propose(data("b"));
    p.round();
    p.step("n4", append_ok(term, 3));
    p.step("n5", append_ok(term, 2));
    assert_eq!(p.commit_index(), 2, "index 3 is on 2 of 5 only");
    p.step("n2", append_ok(term, 3));
    assert_eq!(p.commit_index(), 3);
    assert_eq!(p.round().committed_indexes(), vec![2, 3]);
}

/// §5.3: "This also commits all preceding entries in the leader's log, including
/// entries created by previous leaders."
#[test]
fn s5_3_committing_an_entry_commits_all_preceding_ones_of_earlier_leaders() {
    let mut p = Peer::restarted("n1", 3, classic(), 2, None, &[1, 1, 2], 0);
    let term = p.elect();
    assert_eq!(p.log().last_index(), 4);
    p.round();
    p.step("n2", append_ok(term, 4));
    assert_eq!(p.commit_index(), 4);
    assert_eq!(p.round().committed_indexes(), vec![1, 2, 3, 4]);
}

/// §5.3: "The leader keeps track of the highest index it knows to be committed,
/// and it includes that index in future AppendEntries RPCs (including
/// heartbeats) so that the other servers eventually find out. Once a follower
/// learns that a log entry is committed, it applies the entry to its local state
/// machine."
#[test]
fn s5_3_followers_learn_the_commit_index_from_the_leader_and_apply() {
    let mut p = Peer::new("n1", 3, classic());
    let term = p.elect_and_commit();
    p.propose(data("a"));
    p.round();
    p.step("n2", append_ok(term, 2));
    p.advance(HB);
    for (_, ae) in appends(&p.out()) {
        assert_eq!(ae.leader_commit, 2, "heartbeats carry the commit index");
    }
    let mut f = Peer::new("n2", 3, classic());
    f.step("n1", append(1, "n1", (0, 0), &[1, 1], 0));
    assert!(f.round().committed.is_empty());
    f.step("n1", append(1, "n1", (2, 1), &[], 2));
    assert_eq!(f.commit_index(), 2);
    assert_eq!(f.round().committed_indexes(), vec![1, 2]);
}

/// Figure 2, AppendEntries receiver rule 2: "Reply false if log doesn't contain
/// an entry at prevLogIndex whose term matches prevLogTerm" (§5.3, the
/// consistency check).
#[test]
fn fig2_append_entries_rule_2_reject_when_the_log_lacks_prev() {
    // The follower's log: 1/1 2/1 3/2.
    let cases = [
        ((0, 0), true),
        ((2, 1), true),
        ((3, 2), true),
        ((3, 3), false),
        ((2, 2), false),
        ((4, 2), false),
        ((9, 3), false),
    ];
    for (prev, want) in cases {
        let mut p = Peer::restarted("n2", 3, classic(), 3, None, &[1, 1, 2], 0);
        p.step("n1", append(3, "n1", prev, &[], 0));
        let r = the_append_res(&p.out());
        assert_eq!(r.success, want, "prev {prev:?}");
        assert_eq!(p.log_terms(), vec![1, 1, 2], "prev {prev:?}: log unchanged");
    }
}

/// Figure 2, AppendEntries receiver rule 3: "If an existing entry conflicts with
/// a new one (same index but different terms), delete the existing entry and all
/// that follow it" (§5.3).
#[test]
fn fig2_append_entries_rule_3_a_conflicting_entry_and_all_after_it_are_deleted() {
    let mut p = Peer::restarted("n2", 3, classic(), 3, None, &[1, 1, 2, 2, 2], 0);
    p.step("n1", append(3, "n1", (2, 1), &[3], 0));
    let r = the_append_res(&p.out());
    assert!(r.success);
    assert_eq!(r.index, 3);
    assert_eq!(p.log_terms(), vec![1, 1, 3], "4 and 5 went with 3");
    let round = p.round();
    assert!(round.persist.entries.is_none(), "already handed out");
    // The host is told to replace its stored log from index 3.
    let mut q = Peer::restarted("n2", 3, classic(), 3, None, &[1, 1, 2, 2, 2], 0);
    q.step("n1", append(3, "n1", (2, 1), &[3], 0));
    let unstable = q.round().persist.entries.expect("log changed");
    assert_eq!(unstable.from, 3);
    assert_eq!(unstable.entries.len(), 1);
}

/// Figure 2, AppendEntries receiver rule 4: "Append any new entries not already
/// in the log." Entries it already has are kept: an AppendEntries that matches a
/// prefix truncates nothing (§5.5: "Raft RPCs are idempotent").
#[test]
fn fig2_append_entries_rule_4_new_entries_are_appended_and_matching_ones_kept() {
    let mut p = Peer::restarted("n2", 3, classic(), 1, None, &[1, 1], 0);
    p.step("n1", append(1, "n1", (1, 1), &[1, 1, 1], 0));
    assert!(the_append_res(&p.out()).success);
    assert_eq!(p.log_terms(), vec![1, 1, 1, 1]);
    // A delayed, shorter copy of an earlier message.
    p.step("n1", append(1, "n1", (0, 0), &[1, 1], 0));
    let r = the_append_res(&p.out());
    assert_eq!((r.success, r.index), (true, 2));
    assert_eq!(p.log_terms(), vec![1, 1, 1, 1], "entries 3 and 4 survive");
    assert!(p.round().persist.entries.is_none(), "nothing to rewrite");
}

/// Figure 2, AppendEntries receiver rule 5: "If leaderCommit > commitIndex, set
/// commitIndex = min(leaderCommit, index of last new entry)." Entries past the
/// ones this message vouched for may be a deposed leader's, so they are not
/// committed on its word.
#[test]
fn fig2_append_entries_rule_5_commit_up_to_the_last_entry_this_message_verified() {
    let mut p = Peer::restarted("n2", 3, classic(), 2, None, &[1, 1, 1, 1], 0);
    // A heartbeat verifying only index 1, with the leader's commit at 4.
    p.step("n1", append(2, "n1", (1, 1), &[], 4));
    assert!(the_append_res(&p.out()).success);
    assert_eq!(p.commit_index(), 1, "min(4, 1)");
    p.step("n1", append(2, "n1", (1, 1), &[2], 4));
    assert_eq!(p.commit_index(), 2, "min(4, 2)");
    assert_eq!(p.log_terms(), vec![1, 2]);
    p.step("n1", append(2, "n1", (2, 2), &[2, 2, 2], 4));
    assert_eq!(p.commit_index(), 4, "min(4, 5)");
}

/// §5.3: "After a rejection, the leader decrements nextIndex and retries the
/// AppendEntries RPC. Eventually nextIndex will reach a point where the leader
/// and follower logs match" (Figure 2, Leaders: "If AppendEntries fails because
/// of log inconsistency: decrement nextIndex and retry"; "If successful: update
/// nextIndex and matchIndex for follower").
#[test]
fn s5_3_after_a_rejection_the_leader_retries_earlier_until_the_logs_match() {
    let mut p = Peer::restarted("n1", 2, classic(), 1, None, &[1, 1, 1, 1], 0);
    let term = p.elect();
    let first = appends(&p.out());
    assert_eq!(first[0].1.term, term);
    assert_eq!(
        first[0].1.prev_log_index, 4,
        "starts optimistic: after its last"
    );
    // The follower holds 1/1 only (a short log, no term hint).
    let mut f = Peer::restarted("n2", 2, classic(), 1, None, &[1], 0);
    let mut msg = Message::AppendEntries(first[0].1.clone());
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds < 10, "never matched");
        f.step("n1", msg);
        let res = the_append_res(&f.out());
        p.step("n2", Message::AppendEntriesRes(res.clone()));
        if res.success {
            break;
        }
        let next = appends(&p.out());
        assert_eq!(next.len(), 1, "one retry per rejection");
        assert!(next[0].1.prev_log_index < 4);
        msg = Message::AppendEntries(next[0].1.clone());
    }
    assert_eq!(f.log_terms(), p.log_terms());
    let pr = &p.progress()["n2"];
    assert_eq!((pr.match_index, pr.next_index), (5, 6));
    assert_eq!(pr.state, ProgressState::Replicate);
    assert_eq!(p.commit_index(), 5);
}

/// §5.3, Figure 7: "the leader handles inconsistencies by forcing the followers'
/// logs to duplicate its own." Each follower log of Figure 7 (a–f) ends up equal
/// to the leader's, whether it was missing entries, had extra uncommitted ones,
/// or both.
#[test]
fn s5_3_figure_7_the_leader_forces_every_follower_log_to_match_its_own() {
    let leader_log = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
    let followers: [(&str, &[u64]); 6] = [
        ("a", &[1, 1, 1, 4, 4, 5, 5, 6, 6]),
        ("b", &[1, 1, 1, 4]),
        ("c", &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6]),
        ("d", &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7]),
        ("e", &[1, 1, 1, 4, 4, 4, 4]),
        ("f", &[1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3]),
    ];
    for (name, terms) in followers {
        // Three members; n3 is cut off and only lends the leader its votes.
        let mut leader = Peer::restarted("n1", 3, classic(), 7, None, &leader_log, 0);
        assert_eq!(leader.elect(), 8);
        let follower = Peer::restarted("n2", 3, classic(), 7, None, terms, 0);
        let mut net = Net::new(vec![leader, follower]);
        net.stabilize();
        let (l, f) = (net.peers["n1"].log_terms(), net.peers["n2"].log_terms());
        assert_eq!(l, [&leader_log[..], &[8]].concat());
        assert_eq!(f, l, "follower ({name})");
        assert_eq!(
            net.peers["n1"].commit_index(),
            11,
            "({name}) the no-op commits"
        );
    }
}

/// §5.3: "the follower can include the term of the conflicting entry and the first
/// index it stores for that term. With this information, the leader can decrement
/// nextIndex to bypass all of the conflicting entries in that term; one
/// AppendEntries RPC will be required for each term with conflicting entries,
/// rather than one RPC per entry."
#[test]
fn s5_3_a_rejection_carries_the_conflicting_term_so_the_leader_skips_it_whole() {
    // Figure 7 (f): eleven entries, conflicting terms 2 and 3 from index 4 on.
    let leader_log = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
    let mut leader = Peer::restarted("n1", 3, classic(), 7, None, &leader_log, 0);
    leader.elect();
    let follower = Peer::restarted(
        "n2",
        3,
        classic(),
        7,
        None,
        &[1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
        0,
    );
    let mut net = Net::new(vec![leader, follower]);
    let delivered = net.stabilize();
    let rejections: Vec<(u64, Option<u64>, Option<u64>)> = delivered
        .iter()
        .filter_map(|(_, _, m)| match m {
            Message::AppendEntriesRes(r) if !r.success => {
                Some((r.index, r.conflict_index, r.conflict_term))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        rejections,
        vec![(10, Some(7), Some(3)), (6, Some(4), Some(2))],
        "one rejection per conflicting term, each naming the term and where it starts"
    );
    let probes: Vec<u64> = delivered
        .iter()
        .filter_map(|(from, to, m)| match m {
            Message::AppendEntries(AppendEntries { prev_log_index, .. })
                if from == "n1" && to == "n2" =>
            {
                Some(*prev_log_index)
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        &probes[..3],
        &[10, 6, 3],
        "whole terms skipped: 10, then 6, then 3"
    );
    assert_eq!(net.peers["n2"].log_terms(), net.peers["n1"].log_terms());
    assert_eq!(net.peers["n2"].role(), Role::Follower);
}
