//! Messages exchanged between Raft peers. The core produces and consumes these as values;
//! the node layer carries them inside Maelstrom bodies.

use super::data::Data;
use serde::{Deserialize, Serialize};

/// A peer's id, as Maelstrom names it (`n1`, ...).
pub type NodeId = String;

/// One log entry. `data` is `None` for the no-op a new leader appends (Raft §8);
/// otherwise an opaque command the application understands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub term: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Data>,
}

/// RequestVote (Figure 2), also used for PreVote (§9.6 of Ongaro's thesis) when
/// `pre_vote` is set: then `term` is the term the sender *would* campaign in, and
/// nobody changes term or vote because of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestVote {
    pub term: u64,
    pub candidate: NodeId,
    pub last_log_index: u64,
    pub last_log_term: u64,
    pub pre_vote: bool,
}

/// The answer to [`RequestVote`]. For a granted pre-vote, `term` echoes the request's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestVoteRes {
    pub term: u64,
    pub vote_granted: bool,
    pub pre_vote: bool,
}

/// AppendEntries (Figure 2). An empty `entries` is a heartbeat.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AppendEntries {
    pub term: u64,
    pub leader: NodeId,
    pub prev_log_index: u64,
    pub prev_log_term: u64,
    pub entries: Vec<Entry>,
    pub leader_commit: u64,
    /// A ReadIndex confirmation round this message belongs to; echoed in the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_round: Option<u64>,
}

/// The answer to [`AppendEntries`].
///
/// On success `index` is the last index known to match the leader's log
/// (`prev_log_index + entries.len()`). On rejection `index` is the rejected
/// `prev_log_index`, so the leader can recognise stale rejections, and the conflict
/// hint lets it skip a whole term at a time instead of one index per round trip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AppendEntriesRes {
    pub term: u64,
    pub success: bool,
    pub index: u64,
    /// On rejection: the first index of `conflict_term` in the follower's log, or the
    /// follower's last index + 1 when its log is too short.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict_index: Option<u64>,
    /// On rejection: the term of the follower's entry at `prev_log_index`, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict_term: Option<u64>,
    /// Echo of the request's `read_round`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_round: Option<u64>,
}

/// InstallSnapshot (Figure 13): one chunk of the leader's snapshot, for a follower
/// that needs entries the leader has compacted away. Chunks are sent one at a time;
/// `offset` is where `data` starts in the snapshot's JSON text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstallSnapshot {
    pub term: u64,
    pub leader: NodeId,
    pub last_included_index: u64,
    pub last_included_term: u64,
    pub offset: u64,
    pub data: String,
    pub done: bool,
}

/// The answer to [`InstallSnapshot`]: how much of the snapshot ending at `index`
/// the follower holds (`offset`, the next byte it expects), and whether it is
/// installed (`done`; also when the follower already had everything up to `index`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstallSnapshotRes {
    pub term: u64,
    pub index: u64,
    pub offset: u64,
    pub done: bool,
}

/// Every message of the Raft core.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    RequestVote(RequestVote),
    RequestVoteRes(RequestVoteRes),
    AppendEntries(AppendEntries),
    AppendEntriesRes(AppendEntriesRes),
    InstallSnapshot(InstallSnapshot),
    InstallSnapshotRes(InstallSnapshotRes),
}

impl Message {
    /// The sender's term.
    pub fn term(&self) -> u64 {
        match self {
            Message::RequestVote(m) => m.term,
            Message::RequestVoteRes(m) => m.term,
            Message::AppendEntries(m) => m.term,
            Message::AppendEntriesRes(m) => m.term,
            Message::InstallSnapshot(m) => m.term,
            Message::InstallSnapshotRes(m) => m.term,
        }
    }
}
