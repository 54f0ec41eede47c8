//! The machine as the node drives it: requests, commands, replies and snapshots as
//! JSON, whatever the machine's own types. Every [`StateMachine`] is a [`Machine`]
//! through the blanket impl below; the built-in set is one `enum_dispatch` enum.

use super::api::{Admit, Context, Rejection, StateMachine};
use crate::protocol::{ClientBody, ErrorCode};
use crate::raft::Data;
use enum_dispatch::enum_dispatch;
use std::fmt;

/// A reply to a client: a body in the machine's vocabulary, or a definite error.
pub type Reply = Result<ClientBody, Rejection>;

/// How the node must treat a new request (the JSON form of [`Admit`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Admission {
    /// Propose this encoded command; answer when applied.
    Propose(Data),
    /// Serve with [`Machine::query_body`] after ReadIndex.
    Read,
    /// Answer now; replicate the encoded command, if any, without a reply.
    Local {
        /// The reply sent to the client now.
        reply: Reply,
        /// The encoded command to replicate, if any.
        replicate: Option<Data>,
    },
}

/// A state machine behind JSON: what the node calls.
#[enum_dispatch]
pub trait Machine: Clone + fmt::Debug {
    /// The machine's name, for logs.
    fn name(&self) -> &'static str;

    /// Whether requests of type `ty` are this machine's.
    fn serves(&self, ty: &str) -> bool;

    /// Decodes and admits a client request (error 10 for a type the machine does
    /// not serve, 12 for bad fields, as [`Admission::Local`] errors).
    fn admit_body(&mut self, body: &ClientBody, ctx: &Context) -> Admission;

    /// Applies a committed, encoded command.
    fn apply_data(&mut self, index: u64, command: &Data) -> Reply;

    /// Applies a committed, encoded command whose reply nobody here will send
    /// (every node but the one answering): the same state change, without
    /// encoding the reply.
    fn apply_unanswered(&mut self, index: u64, command: &Data);

    /// Answers a read-only request.
    fn query_body(&self, body: &ClientBody) -> Reply;

    /// The encoded snapshot of the state.
    fn snapshot_data(&self) -> Result<Data, String>;

    /// Replaces the state with an encoded snapshot's.
    fn restore_data(&mut self, snapshot: &Data) -> Result<(), String>;

    /// Takes again the local effect of an encoded command this node answered
    /// before a restart (see [`StateMachine::readmit`]).
    fn readmit_data(&mut self, command: &Data) -> Result<(), String>;
}

/// Error 13 (indefinite): our own value failed to encode. Cannot happen for the
/// built-in machines; never a reason to panic.
fn encode_failure(what: &str, e: impl fmt::Display) -> Rejection {
    Rejection::new(ErrorCode::Crash, format!("could not encode {what}: {e}"))
}

fn decode_request<M: StateMachine>(body: &ClientBody) -> Result<M::Request, Rejection> {
    if !M::REQUEST_TYPES.contains(&body.ty.as_str()) {
        return Err(Rejection::not_supported(format!(
            "the {} machine does not serve {:?} requests; it serves {}",
            M::NAME,
            body.ty,
            M::REQUEST_TYPES.join(", ")
        )));
    }
    M::decode(body)
}

fn encode_reply<M: StateMachine>(reply: Result<M::Reply, Rejection>) -> Reply {
    reply.and_then(|r| ClientBody::encode(&r).map_err(|e| encode_failure("reply", e)))
}

impl<M: StateMachine> Machine for M {
    fn name(&self) -> &'static str {
        M::NAME
    }

    fn serves(&self, ty: &str) -> bool {
        M::REQUEST_TYPES.contains(&ty)
    }

    fn admit_body(&mut self, body: &ClientBody, ctx: &Context) -> Admission {
        let request = match decode_request::<M>(body) {
            Ok(r) => r,
            Err(rejection) => {
                return Admission::Local {
                    reply: Err(rejection),
                    replicate: None,
                };
            }
        };
        match self.admit(request, ctx) {
            Admit::Propose(command) => match Data::encode(&command) {
                Ok(data) => Admission::Propose(data),
                Err(e) => Admission::Local {
                    reply: Err(encode_failure("command", e)),
                    replicate: None,
                },
            },
            Admit::Read => Admission::Read,
            Admit::Local { reply, replicate } => {
                let replicate = match replicate.map(|c| Data::encode(&c)).transpose() {
                    Ok(r) => r,
                    Err(e) => {
                        return Admission::Local {
                            reply: Err(encode_failure("command", e)),
                            replicate: None,
                        };
                    }
                };
                Admission::Local {
                    reply: encode_reply::<M>(reply),
                    replicate,
                }
            }
        }
    }

    fn apply_data(&mut self, index: u64, command: &Data) -> Reply {
        match command.decode::<M::Command>() {
            Ok(command) => encode_reply::<M>(self.apply(index, command)),
            // Only this machine's nodes append commands, so this means a version
            // mismatch between nodes: nothing is applied.
            Err(e) => Err(Rejection::new(
                ErrorCode::Crash,
                format!("entry {index} is not a {} command: {e}", M::NAME),
            )),
        }
    }

    fn apply_unanswered(&mut self, index: u64, command: &Data) {
        // A command that does not decode changes nothing (see `apply_data`).
        if let Ok(command) = command.decode::<M::Command>() {
            let _ = self.apply(index, command);
        }
    }

    fn query_body(&self, body: &ClientBody) -> Reply {
        let request = decode_request::<M>(body)?;
        encode_reply::<M>(self.query(&request))
    }

    fn snapshot_data(&self) -> Result<Data, String> {
        Data::encode(&self.snapshot()).map_err(|e| format!("bad {} snapshot: {e}", M::NAME))
    }

    fn restore_data(&mut self, snapshot: &Data) -> Result<(), String> {
        let snapshot = snapshot
            .decode::<M::Snapshot>()
            .map_err(|e| format!("bad {} snapshot: {e}", M::NAME))?;
        self.restore(snapshot);
        Ok(())
    }

    fn readmit_data(&mut self, command: &Data) -> Result<(), String> {
        let command = command
            .decode::<M::Command>()
            .map_err(|e| format!("not a {} command: {e}", M::NAME))?;
        self.readmit(command);
        Ok(())
    }
}
