//! One test per rule of the Raft paper (Ongaro and Ousterhout, "In Search of an
//! Understandable Consensus Algorithm", 2014: Figure 2, §5.1–§5.5, §7 with
//! Figure 13, §8), plus the extensions of Ongaro's thesis (2014) this core
//! implements: PreVote (§9.6), CheckQuorum (§6.2 and §4.2.3) and ReadIndex
//! (§6.4). Each test is named after its rule and quotes or cites it.
//!
//! The tests drive `raft_kv::raft::Raft` directly: one peer (or a handful)
//! stepped with hand-made messages, its output collected one `Ready` at a time.
//! tikv/raft-rs's `test_raft_paper.rs` and etcd-io/raft's `raft_paper_test.go`
//! are the model for coverage; the code is our own.
//!
//! The paper's §6 (membership changes) does not apply: membership is fixed at
//! start-up; `terms::s6_fixed_membership_messages_from_non_members_are_ignored`
//! checks the one consequence.

mod check_quorum;
mod election;
mod persistence;
mod prevote;
mod read_index;
mod replication;
mod safety;
mod snapshots;
mod support;
mod terms;
