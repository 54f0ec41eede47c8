//! The Maelstrom envelope and bodies.
//!
//! Bodies of the node's own vocabulary (init, errors, Raft and node-internal
//! messages) are typed here; every other body is a [`ClientBody`] for the state
//! machine to decode. Rendering is in `encode.rs`, parsing in `decode.rs`.

use super::client::ClientBody;
use super::error::ErrorCode;
use crate::raft::{self, Data};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One line of the protocol: `{"src": .., "dest": .., "body": {..}}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub src: String,
    pub dest: String,
    pub body: Body,
}

/// A message body: the reserved keys plus a typed payload.
#[derive(Clone, Debug, PartialEq)]
pub struct Body {
    pub in_reply_to: Option<u64>,
    pub msg_id: Option<u64>,
    pub payload: Payload,
}

impl Body {
    /// True for a reply: an `init_ok` or `error`, or any body answering a request
    /// (`in_reply_to`). Nodes never execute or answer replies.
    pub fn is_reply(&self) -> bool {
        self.in_reply_to.is_some() || self.payload.is_reply()
    }
}

/// Identifies a client request across nodes and restarts: the node that received
/// it from the client (its *origin*), that node process's incarnation, and the
/// origin's sequence number. The replicated session table applies each id at most
/// once even when a forward is retried (see `node::session`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RequestId {
    pub node: String,
    /// Distinct for every start of the origin's process, increasing across
    /// restarts, so a restarted node never reuses an id.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub incarnation: u64,
    pub seq: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What a forward asks the leader to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForwardOp {
    /// Append this machine command to the log (already admitted by the origin).
    Command(Data),
    /// Serve this read-only request after a ReadIndex round.
    Read(ClientBody),
}

/// A client request handed from the node that received it to the leader.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Forward {
    pub id: RequestId,
    /// Every request of the origin below this `seq` is settled: applied, or given
    /// up by its client. Lets the session table forget them (see `node::session`).
    #[serde(default)]
    pub floor: u64,
    pub client: String,
    pub client_msg_id: u64,
    pub op: ForwardOp,
}

/// Client requests a node hands to the leader in one message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForwardBatch {
    pub requests: Vec<Forward>,
}

/// The receiver of a forward is not the leader: none of `ids` was appended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForwardNack {
    pub ids: Vec<RequestId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader: Option<String>,
}

/// Every body, tagged by `type`: the node's own vocabulary, and [`Payload::Client`]
/// for the rest.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    Init {
        node_id: String,
        node_ids: Vec<String>,
    },
    InitOk,
    Error {
        code: ErrorCode,
        text: String,
    },
    RequestVote(raft::RequestVote),
    RequestVoteRes(raft::RequestVoteRes),
    AppendEntries(raft::AppendEntries),
    AppendEntriesRes(raft::AppendEntriesRes),
    InstallSnapshot(raft::InstallSnapshot),
    InstallSnapshotRes(raft::InstallSnapshotRes),
    Forward(ForwardBatch),
    ForwardNack(ForwardNack),
    /// A follower asks the leader for a read index (`ctx` is the follower's).
    ReadIndex {
        ctx: u64,
    },
    /// The leader confirmed leadership: reads may be served once `index` is applied.
    ReadIndexOk {
        ctx: u64,
        index: u64,
    },
    /// A request or reply in the state machine's vocabulary.
    #[serde(skip)]
    Client(ClientBody),
    /// An error reply to a request whose `msg_id` is a string or a number that is
    /// not an integer in `0..2^64`: on the wire a plain `error` whose `in_reply_to`
    /// is that `msg_id`, verbatim, so the sender can still match it.
    #[serde(skip)]
    EchoError {
        request_msg_id: Data,
        code: ErrorCode,
        text: String,
    },
}

/// The `type` strings of the node's own vocabulary. Every other type is a client
/// body; machines must not use these names.
pub const NODE_TYPES: &[&str] = &[
    "init",
    "init_ok",
    "error",
    "request_vote",
    "request_vote_res",
    "append_entries",
    "append_entries_res",
    "install_snapshot",
    "install_snapshot_res",
    "forward",
    "forward_nack",
    "read_index",
    "read_index_ok",
];

impl Payload {
    /// An error payload.
    pub fn error(code: ErrorCode, text: impl Into<String>) -> Payload {
        Payload::Error {
            code,
            text: text.into(),
        }
    }

    /// A client body of type `ty` with `fields` (a JSON object).
    pub fn client(ty: &str, fields: Value) -> Payload {
        Payload::Client(ClientBody::new(ty, fields))
    }

    /// The body's `type` string.
    pub fn type_name(&self) -> &str {
        match self {
            Payload::Init { .. } => "init",
            Payload::InitOk => "init_ok",
            Payload::Error { .. } | Payload::EchoError { .. } => "error",
            Payload::RequestVote(_) => "request_vote",
            Payload::RequestVoteRes(_) => "request_vote_res",
            Payload::AppendEntries(_) => "append_entries",
            Payload::AppendEntriesRes(_) => "append_entries_res",
            Payload::InstallSnapshot(_) => "install_snapshot",
            Payload::InstallSnapshotRes(_) => "install_snapshot_res",
            Payload::Forward(_) => "forward",
            Payload::ForwardNack(_) => "forward_nack",
            Payload::ReadIndex { .. } => "read_index",
            Payload::ReadIndexOk { .. } => "read_index_ok",
            Payload::Client(c) => &c.ty,
        }
    }

    /// Wraps a Raft core message.
    pub fn from_raft(m: raft::Message) -> Payload {
        match m {
            raft::Message::RequestVote(m) => Payload::RequestVote(m),
            raft::Message::RequestVoteRes(m) => Payload::RequestVoteRes(m),
            raft::Message::AppendEntries(m) => Payload::AppendEntries(m),
            raft::Message::AppendEntriesRes(m) => Payload::AppendEntriesRes(m),
            raft::Message::InstallSnapshot(m) => Payload::InstallSnapshot(m),
            raft::Message::InstallSnapshotRes(m) => Payload::InstallSnapshotRes(m),
        }
    }

    /// True for the messages nodes exchange among themselves (Raft, forwards,
    /// read indexes): a node accepts them only from the other cluster members.
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            Payload::RequestVote(_)
                | Payload::RequestVoteRes(_)
                | Payload::AppendEntries(_)
                | Payload::AppendEntriesRes(_)
                | Payload::InstallSnapshot(_)
                | Payload::InstallSnapshotRes(_)
                | Payload::Forward(_)
                | Payload::ForwardNack(_)
                | Payload::ReadIndex { .. }
                | Payload::ReadIndexOk { .. }
        )
    }

    /// True for the node's own reply types (`init_ok`, `error`). A node never
    /// answers a reply, whatever is wrong with it (answering could start an
    /// endless exchange), nor acts on one; see also [`Body::is_reply`].
    pub fn is_reply(&self) -> bool {
        matches!(
            self,
            Payload::InitOk | Payload::Error { .. } | Payload::EchoError { .. }
        )
    }

    /// Unwraps a Raft core message, or gives the payload back.
    pub fn into_raft(self) -> Result<raft::Message, Payload> {
        match self {
            Payload::RequestVote(m) => Ok(raft::Message::RequestVote(m)),
            Payload::RequestVoteRes(m) => Ok(raft::Message::RequestVoteRes(m)),
            Payload::AppendEntries(m) => Ok(raft::Message::AppendEntries(m)),
            Payload::AppendEntriesRes(m) => Ok(raft::Message::AppendEntriesRes(m)),
            Payload::InstallSnapshot(m) => Ok(raft::Message::InstallSnapshot(m)),
            Payload::InstallSnapshotRes(m) => Ok(raft::Message::InstallSnapshotRes(m)),
            other => Err(other),
        }
    }
}
