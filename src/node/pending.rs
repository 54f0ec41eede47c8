//! Requests a node received from clients and has not seen applied yet.

use crate::protocol::Payload;

/// A client request waiting at the node that received it.
#[derive(Clone, Debug)]
pub struct Pending {
    pub client: String,
    pub client_msg_id: u64,
    pub request: Payload,
    pub received: u64,
    /// The leader it was last handed to (proposed locally or forwarded), if any.
    pub sent_to: Option<String>,
    pub last_attempt: u64,
    /// Once handed to any leader the request may be in some log, so its fate is
    /// unknown until applied: it must never get a definite error after that.
    pub handed: bool,
    /// The client was answered already (a write the machine answered locally, being
    /// replicated; see `local.rs`): never expires, never gets a reply, retried until
    /// applied.
    pub answered: bool,
}
