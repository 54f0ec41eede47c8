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
    /// The term of the leader that created the entry.
    pub term: u64,
    /// The command, or `None` for a new leader's no-op.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Data>,
}

/// RequestVote (Figure 2), also used for PreVote (§9.6 of Ongaro's thesis) when
/// `pre_vote` is set: then `term` is the term the sender *would* campaign in, and
/// nobody changes term or vote because of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestVote {
    /// The candidate's term (for a pre-vote: the term it would campaign in).
    pub term: u64,
    /// The candidate asking for the vote.
    pub candidate: NodeId,
    /// Index of the candidate's last log entry (§5.4.1).
    pub last_log_index: u64,
    /// Term of the candidate's last log entry (§5.4.1).
    pub last_log_term: u64,
    /// True for a PreVote request.
    pub pre_vote: bool,
}

/// The answer to [`RequestVote`]. For a granted pre-vote, `term` echoes the request's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestVoteRes {
    /// The voter's current term, for the candidate to update itself; for a granted
    /// pre-vote, the request's term.
    pub term: u64,
    /// True means the candidate received the (pre-)vote.
    pub vote_granted: bool,
    /// True when this answers a PreVote request.
    pub pre_vote: bool,
}

/// AppendEntries (Figure 2). An empty `entries` is a heartbeat.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AppendEntries {
    /// The leader's term.
    pub term: u64,
    /// The leader, so followers can redirect clients.
    pub leader: NodeId,
    /// Index of the log entry immediately preceding `entries`.
    pub prev_log_index: u64,
    /// Term of the entry at `prev_log_index`.
    pub prev_log_term: u64,
    /// Entries to store, starting at `prev_log_index + 1` (empty for a heartbeat).
    pub entries: Vec<Entry>,
    /// The leader's commit index.
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
    /// The follower's current term, for the leader to update itself.
    pub term: u64,
    /// True if the follower held an entry matching `prev_log_index` and
    /// `prev_log_term`.
    pub success: bool,
    /// On success the last index known to match; on rejection the rejected
    /// `prev_log_index`.
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
    /// The leader's term.
    pub term: u64,
    /// The leader, so followers can redirect clients.
    pub leader: NodeId,
    /// The snapshot replaces all entries up to and including this index.
    pub last_included_index: u64,
    /// Term of the entry at `last_included_index`.
    pub last_included_term: u64,
    /// Byte offset of `data` in the snapshot's text.
    pub offset: u64,
    /// This chunk of the snapshot's text, starting at `offset`.
    pub data: String,
    /// True if this is the last chunk.
    pub done: bool,
}

/// The answer to [`InstallSnapshot`]: how much of the snapshot ending at `index`
/// the follower holds (`offset`, the next byte it expects), and whether it is
/// installed (`done`; also when the follower already had everything up to `index`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstallSnapshotRes {
    /// The follower's current term, for the leader to update itself.
    pub term: u64,
    /// The `last_included_index` of the snapshot this answers.
    pub index: u64,
    /// Bytes of the snapshot the follower holds: where the next chunk starts.
    pub offset: u64,
    /// True once the follower installed the snapshot (or already had its entries
    /// committed).
    pub done: bool,
}

/// Every message of the Raft core.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// A candidate (or pre-candidate) asks for a vote.
    RequestVote(RequestVote),
    /// A vote (or pre-vote) granted or refused.
    RequestVoteRes(RequestVoteRes),
    /// The leader replicates entries or sends a heartbeat.
    AppendEntries(AppendEntries),
    /// A follower accepts or rejects an AppendEntries.
    AppendEntriesRes(AppendEntriesRes),
    /// The leader sends a chunk of its snapshot.
    InstallSnapshot(InstallSnapshot),
    /// A follower reports how much of the snapshot it holds.
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

    /// True when every term, index, offset and round the message carries is at
    /// most [`MAX_NUMBER`]. Honest peers never get near it; the core drops any
    /// other message, so its own `+ 1`s cannot overflow whatever a peer claims.
    pub fn within_bounds(&self) -> bool {
        let numbers: Vec<u64> = match self {
            Message::RequestVote(m) => vec![m.term, m.last_log_index, m.last_log_term],
            Message::RequestVoteRes(m) => vec![m.term],
            Message::AppendEntries(m) => {
                let mut n = vec![m.term, m.prev_log_index, m.prev_log_term, m.leader_commit];
                n.extend(m.read_round);
                n.extend(m.entries.iter().map(|e| e.term));
                n
            }
            Message::AppendEntriesRes(m) => {
                let mut n = vec![m.term, m.index];
                n.extend(m.conflict_index);
                n.extend(m.conflict_term);
                n.extend(m.read_round);
                n
            }
            Message::InstallSnapshot(m) => {
                vec![
                    m.term,
                    m.last_included_index,
                    m.last_included_term,
                    m.offset,
                ]
            }
            Message::InstallSnapshotRes(m) => vec![m.term, m.index, m.offset],
        };
        numbers.iter().all(|n| *n <= MAX_NUMBER)
    }
}

/// The largest term, index, offset or round a message may carry (2^63 − 1).
pub const MAX_NUMBER: u64 = u64::MAX / 2;
