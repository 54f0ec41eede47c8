//! What the node appends to the log for a client request.

use crate::protocol::RequestId;
use crate::raft::Data;
use serde::{Deserialize, Serialize};

/// A client request as a log entry: the machine's encoded command plus who asked
/// and who answers. Every node applies it; only `reply_from` (the leader that
/// appended it) answers the client, so the client gets one reply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Command {
    pub id: RequestId,
    /// The origin's floor when it handed the request over (see `session.rs`).
    #[serde(default)]
    pub floor: u64,
    pub client: String,
    pub client_msg_id: u64,
    pub reply_from: String,
    /// The machine's command, opaque to the node.
    pub command: Data,
}
