//! The Maelstrom wire protocol: envelope, the node's own bodies (init, errors, Raft
//! and node-internal messages), opaque client bodies, error codes, and the line
//! codec. Knows nothing about any state machine.

mod client;
mod decode;
mod encode;
mod error;
pub mod limits;
mod message;
mod scan;

pub use client::ClientBody;
pub use decode::{DecodeError, ReplyTo, RequestMsgId};
pub use error::ErrorCode;
pub use message::{
    Body, Forward, ForwardBatch, ForwardNack, ForwardOp, Message, NODE_TYPES, Payload, RequestId,
};
