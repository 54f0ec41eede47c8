//! What goes into the log for a client request, and at-most-once application.

use crate::protocol::{Payload, RequestId};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// A client request as a log entry. Every node applies it; only `reply_from` (the
/// leader that appended it) answers the client, so the client gets one reply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Command {
    pub id: RequestId,
    pub client: String,
    pub client_msg_id: u64,
    pub reply_from: String,
    pub request: Payload,
}

/// Remembers which requests were applied, so a request appended twice (a forward
/// retried after a leader change) takes effect once. Part of the replicated state:
/// every node sees the same entries in the same order, so every node agrees.
#[derive(Clone, Debug, Default)]
pub struct AppliedRequests {
    seen: HashSet<RequestId>,
}

impl AppliedRequests {
    /// Records `id`; false if it was applied before.
    pub fn first_time(&mut self, id: &RequestId) -> bool {
        if self.seen.contains(id) {
            return false;
        }
        self.seen.insert(id.clone());
        true
    }
}
