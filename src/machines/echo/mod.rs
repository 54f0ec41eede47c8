//! The `echo` machine (Maelstrom's echo workload): `echo {echo}` → `echo_ok {echo}`,
//! answered at once by the node that received it. Nothing is replicated: the log
//! carries only leader no-ops, and the state is empty.

use super::{Admit, Context, Rejection, StateMachine};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An echo request.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EchoRequest {
    /// Send `echo` back.
    Echo {
        /// The payload, any JSON value.
        echo: Value,
    },
}

/// An echo reply: the request's payload, untouched.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EchoReply {
    /// The payload sent back.
    EchoOk {
        /// The request's `echo`, untouched.
        echo: Value,
    },
}

/// A command no echo node ever appends (the type has no values).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum NoCommand {}

/// The echo machine: stateless.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EchoMachine;

impl StateMachine for EchoMachine {
    type Request = EchoRequest;
    type Command = NoCommand;
    type Reply = EchoReply;
    type Snapshot = ();

    const NAME: &'static str = "echo";
    const REQUEST_TYPES: &'static [&'static str] = &["echo"];

    fn admit(&mut self, request: EchoRequest, _ctx: &Context) -> Admit<Self> {
        let EchoRequest::Echo { echo } = request;
        Admit::Local {
            reply: Ok(EchoReply::EchoOk { echo }),
            replicate: None,
        }
    }

    fn apply(&mut self, _index: u64, command: NoCommand) -> Result<EchoReply, Rejection> {
        match command {}
    }

    fn query(&self, request: &EchoRequest) -> Result<EchoReply, Rejection> {
        let EchoRequest::Echo { echo } = request;
        Ok(EchoReply::EchoOk { echo: echo.clone() })
    }

    fn snapshot(&self) -> Self::Snapshot {}

    fn restore(&mut self, _snapshot: ()) {}
}

#[cfg(test)]
mod tests {
    use crate::machines::testing::{assert_restore_answers_alike, drive};
    use crate::machines::{Machine, MachineKind};
    use crate::protocol::ClientBody;
    use crate::raft::Data;
    use serde_json::json;

    #[test]
    fn echo_returns_the_payload_and_refuses_the_rest() {
        let mut m = MachineKind::Echo.build();
        let payload = json!({"nested": [1, "two", null]});
        let replies = drive(
            &mut m,
            &[
                ClientBody::new("echo", json!({ "echo": payload })),
                ClientBody::new("echo", json!({})),
                ClientBody::new("read", json!({})),
            ],
        );
        assert_eq!(
            replies[0],
            Ok(ClientBody::new("echo_ok", json!({ "echo": payload })))
        );
        let code = |i: usize| replies[i].as_ref().err().map(|e| e.code.code());
        assert_eq!((code(1), code(2)), (Some(12), Some(10)));
        let bogus = Data::encode(&json!({"anything": 1})).unwrap();
        assert!(m.apply_data(1, &bogus).is_err(), "echo has no commands");
    }

    #[test]
    fn restore_of_a_snapshot_answers_every_later_request_alike() {
        let later: Vec<ClientBody> = (0..5)
            .map(|i| ClientBody::new("echo", json!({ "echo": format!("Please echo {i}") })))
            .collect();
        let m = MachineKind::Echo.build();
        let replies = assert_restore_answers_alike(&m, MachineKind::Echo.build(), &later);
        assert!(replies.iter().all(Result::is_ok));
    }
}
