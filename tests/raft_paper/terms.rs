//! §5.1 Raft basics: terms; Figure 2, "Rules for Servers: All Servers".

use crate::support::*;
use raft_kv::raft::{InstallSnapshotRes, Message, RequestVoteRes, Role};

/// §5.1: "If one server's current term is smaller than the other's, then it
/// updates its current term to the larger value. If a candidate or leader
/// discovers that its term is out of date, it immediately reverts to follower
/// state." (Figure 2, All Servers: "If RPC request or response contains term
/// T > currentTerm: set currentTerm = T, convert to follower".)
#[test]
fn s5_1_a_higher_term_in_any_message_updates_the_term_and_makes_a_follower() {
    let messages = [
        ("AppendEntries", append(5, "n2", (0, 0), &[], 0)),
        ("AppendEntriesRes", append_ok(5, 0)),
        ("RequestVote", vote_req(5, "n2", 9, 9)),
        ("RequestVoteRes", vote_res(5, false, false)),
        (
            "InstallSnapshotRes",
            Message::InstallSnapshotRes(InstallSnapshotRes {
                term: 5,
                index: 1,
                offset: 0,
                done: false,
            }),
        ),
    ];
    for start in [Role::Follower, Role::Candidate, Role::Leader] {
        for (name, msg) in &messages {
            let mut p = Peer::new("n1", 3, classic());
            match start {
                Role::Follower => {}
                Role::Candidate => p.timeout(),
                _ => {
                    p.elect();
                }
            }
            assert_eq!(p.role(), start);
            assert!(p.term() < 5);
            p.step("n2", msg.clone());
            assert_eq!(
                (p.role(), p.term()),
                (Role::Follower, 5),
                "a {start:?} given {name} of term 5"
            );
        }
    }
}

/// §5.1: "If a server receives a request with a stale term number, it rejects the
/// request." (Figure 2, AppendEntries and RequestVote receiver rule 1: "Reply
/// false if term < currentTerm".)
#[test]
fn s5_1_a_request_with_a_stale_term_is_rejected() {
    let mut p = Peer::restarted("n1", 3, classic(), 3, None, &[1, 2], 0);
    p.step("n2", append(2, "n2", (2, 2), &[2], 2));
    let r = the_append_res(&p.out());
    assert!(!r.success);
    assert_eq!(r.term, 3, "the answer carries the newer term");
    assert_eq!(p.log_terms(), vec![1, 2], "nothing appended");
    assert_eq!(p.commit_index(), 0);
    assert_eq!(p.leader(), None, "a stale leader is not followed");

    p.step("n2", vote_req(2, "n2", 9, 9));
    let granted = p.out().iter().any(|(_, m)| {
        matches!(
            m,
            Message::RequestVoteRes(RequestVoteRes {
                vote_granted: true,
                ..
            })
        )
    });
    assert!(!granted, "no vote for a stale candidate");
    assert_eq!((p.term(), p.vote()), (3, None));
}

/// Figure 2, All Servers: "If commitIndex > lastApplied: increment lastApplied,
/// apply log[lastApplied] to state machine". Committed entries come out once
/// each, in log order, with their indexes.
#[test]
fn fig2_all_servers_apply_committed_entries_once_in_log_order() {
    let mut p = Peer::new("n2", 3, classic());
    p.step("n1", append(1, "n1", (0, 0), &[1, 1, 1, 1], 2));
    let first = p.round();
    assert_eq!(first.committed_indexes(), vec![1, 2]);
    assert_eq!(p.applied(), 2);
    p.step("n1", append(1, "n1", (4, 1), &[], 4));
    assert_eq!(p.round().committed_indexes(), vec![3, 4]);
    p.step("n1", append(1, "n1", (4, 1), &[], 4));
    assert!(p.round().committed.is_empty(), "nothing is applied twice");
}

/// §6 (cluster membership changes) does not apply: membership is fixed when a
/// peer is built. What remains of it is that a server outside the configuration
/// cannot disrupt the cluster: its messages are ignored, whatever their term.
#[test]
fn s6_fixed_membership_messages_from_non_members_are_ignored() {
    let mut p = Peer::new("n1", 3, classic());
    p.step("n9", append(7, "n9", (0, 0), &[7], 1));
    p.step("n9", vote_req(7, "n9", 5, 5));
    assert_eq!((p.term(), p.leader(), p.log().last_index()), (0, None, 0));
    assert!(p.out().is_empty());
}
