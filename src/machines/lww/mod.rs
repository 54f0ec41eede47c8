//! The `lww` machine (last-write-wins read, write and cas). Not implemented yet: every request
//! is refused with error 10 (not-supported), which is definite and honest.

use super::StateMachine;
use crate::protocol::{ErrorCode, Payload};

/// Placeholder until the machine's own issue lands.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LwwMachine;

impl StateMachine for LwwMachine {
    fn check(&self, _request: &Payload) -> Result<(), Payload> {
        Err(Payload::error(
            ErrorCode::NotSupported,
            "the lww machine is not implemented yet",
        ))
    }

    fn apply(&mut self, _request: &Payload) -> Payload {
        Payload::error(
            ErrorCode::NotSupported,
            "the lww machine is not implemented yet",
        )
    }

    fn is_read_only(&self, _request: &Payload) -> bool {
        false
    }

    fn query(&self, _request: &Payload) -> Payload {
        Payload::error(
            ErrorCode::NotSupported,
            "the lww machine is not implemented yet",
        )
    }
}
