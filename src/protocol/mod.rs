//! The Maelstrom wire protocol: envelope, bodies, error codes, and the line codec.

mod error;
mod message;

pub use error::ErrorCode;
pub use message::{
    Body, DecodeError, Forward, ForwardBatch, ForwardNack, KNOWN_TYPES, Message, Payload, RequestId,
};
