//! Requests a node received from clients and has not seen applied yet.

use super::NodeConfig;
use crate::protocol::ForwardOp;

/// A client request waiting at the node that received it.
#[derive(Clone, Debug)]
pub struct Pending {
    pub client: String,
    pub client_msg_id: u64,
    /// The admitted request: a command for the log, or a read.
    pub op: ForwardOp,
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

/// What a pending request is due for now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    Nothing,
    /// Hand it to the leader (again).
    Retry,
    /// Never handed to a leader in time: error 11 (definite, it is in no log).
    Unavailable,
    /// Its client gave up long ago: forget it, without a reply.
    Expired,
}

impl Pending {
    /// When a request never handed to a leader gets error 11: `unavailable_timeout`
    /// after it arrived, but not before `grace_until` (a fresh node's first
    /// election: refusing then would fail requests a moment's wait serves).
    fn unavailable_at(&self, config: &NodeConfig, grace_until: u64) -> u64 {
        (self.received + config.unavailable_timeout).max(grace_until)
    }

    /// The earliest time at which this request is due for something.
    pub fn next_deadline(&self, config: &NodeConfig, grace_until: u64) -> u64 {
        let retry = self.last_attempt + config.retry_interval;
        if self.answered {
            return retry;
        }
        let due = if self.handed {
            retry
        } else {
            self.unavailable_at(config, grace_until)
        };
        due.min(self.received + config.request_expiry)
    }

    /// What this request is due for at `now`.
    pub fn due(&self, now: u64, config: &NodeConfig, grace_until: u64) -> Due {
        let retry = now >= self.last_attempt + config.retry_interval;
        if self.answered {
            // A dissemination: no expiry, no error 11.
            return if retry { Due::Retry } else { Due::Nothing };
        }
        if now >= self.received + config.request_expiry {
            Due::Expired
        } else if !self.handed && now >= self.unavailable_at(config, grace_until) {
            Due::Unavailable
        } else if self.handed && retry {
            Due::Retry
        } else {
            Due::Nothing
        }
    }
}
