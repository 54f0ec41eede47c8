//! The Maelstrom envelope and bodies.
//!
//! Bodies serialize with the keys in Maelstrom's order: `type`, `in_reply_to`,
//! `msg_id`, then the payload's own fields (sorted).

use super::error::ErrorCode;
use crate::raft;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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

/// Identifies a client request across nodes: the node that received it from the
/// client and that node's sequence number. Used to apply a request at most once
/// even when a forward is retried.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RequestId {
    pub node: String,
    pub seq: u64,
}

/// A client request handed from the node that received it to the leader.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Forward {
    pub id: RequestId,
    pub client: String,
    pub client_msg_id: u64,
    pub request: Box<Payload>,
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

/// Every body this node understands, tagged by `type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    Init {
        node_id: String,
        node_ids: Vec<String>,
    },
    InitOk,
    Read {
        key: Value,
    },
    ReadOk {
        value: Value,
    },
    Write {
        key: Value,
        value: Value,
    },
    WriteOk,
    Cas {
        key: Value,
        from: Value,
        to: Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        create_if_not_exists: Option<bool>,
    },
    CasOk,
    Txn {
        txn: Vec<Value>,
    },
    TxnOk {
        txn: Vec<Value>,
    },
    Error {
        code: ErrorCode,
        text: String,
    },
    RequestVote(raft::RequestVote),
    RequestVoteRes(raft::RequestVoteRes),
    AppendEntries(raft::AppendEntries),
    AppendEntriesRes(raft::AppendEntriesRes),
    Forward(ForwardBatch),
    /// A follower asks the leader for a read index (`ctx` is the follower's).
    ReadIndex {
        ctx: u64,
    },
    /// The leader confirmed leadership: reads may be served once `index` is applied.
    ReadIndexOk {
        ctx: u64,
        index: u64,
    },
    ForwardNack(ForwardNack),
    /// A stamped last-write-wins write, replicated through the log by the `lww`
    /// machine. Internal: it only travels inside a [`Forward`] or a log entry, so it
    /// is deliberately absent from [`KNOWN_TYPES`] (a client sending it gets error 10).
    LwwWrite {
        key: Value,
        value: Value,
        stamp: crate::machines::lww::Stamp,
    },
}

/// The `type` strings of [`Payload`], used to tell "unknown type" (error 10) from
/// "known type with bad fields" (error 12).
pub const KNOWN_TYPES: &[&str] = &[
    "init",
    "init_ok",
    "read",
    "read_ok",
    "write",
    "write_ok",
    "cas",
    "cas_ok",
    "txn",
    "txn_ok",
    "error",
    "request_vote",
    "request_vote_res",
    "append_entries",
    "append_entries_res",
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

    /// Wraps a Raft core message.
    pub fn from_raft(m: raft::Message) -> Payload {
        match m {
            raft::Message::RequestVote(m) => Payload::RequestVote(m),
            raft::Message::RequestVoteRes(m) => Payload::RequestVoteRes(m),
            raft::Message::AppendEntries(m) => Payload::AppendEntries(m),
            raft::Message::AppendEntriesRes(m) => Payload::AppendEntriesRes(m),
        }
    }

    /// Unwraps a Raft core message, or gives the payload back.
    pub fn into_raft(self) -> Result<raft::Message, Payload> {
        match self {
            Payload::RequestVote(m) => Ok(raft::Message::RequestVote(m)),
            Payload::RequestVoteRes(m) => Ok(raft::Message::RequestVoteRes(m)),
            Payload::AppendEntries(m) => Ok(raft::Message::AppendEntries(m)),
            Payload::AppendEntriesRes(m) => Ok(raft::Message::AppendEntriesRes(m)),
            other => Err(other),
        }
    }
}

impl Serialize for Body {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeMap};
        let Value::Object(mut fields) =
            serde_json::to_value(&self.payload).map_err(S::Error::custom)?
        else {
            return Err(S::Error::custom("payload did not serialize to an object"));
        };
        let ty = fields.remove("type").unwrap_or(Value::Null);
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("type", &ty)?;
        if let Some(id) = self.in_reply_to {
            map.serialize_entry("in_reply_to", &id)?;
        }
        if let Some(id) = self.msg_id {
            map.serialize_entry("msg_id", &id)?;
        }
        for (k, v) in &fields {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl Serialize for Message {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Message", 3)?;
        st.serialize_field("src", &self.src)?;
        st.serialize_field("dest", &self.dest)?;
        st.serialize_field("body", &self.body)?;
        st.end()
    }
}

/// Why a line could not be turned into a [`Message`].
#[derive(Clone, Debug, PartialEq)]
pub struct DecodeError {
    /// Where to send an error reply, when the line had enough shape to say:
    /// `(src, dest, msg_id)`.
    pub reply_to: Option<(String, String, u64)>,
    /// 10 for an unknown body type, 12 for anything else.
    pub code: ErrorCode,
    pub text: String,
}

impl Message {
    /// Renders the message as one protocol line (no newline).
    pub fn to_line(&self) -> String {
        // Serializing our own types cannot fail: every map key is a string.
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Parses one protocol line. Never panics, whatever the input.
    pub fn from_line(line: &str) -> Result<Message, DecodeError> {
        let malformed = |reply_to, text: String| DecodeError {
            reply_to,
            code: ErrorCode::MalformedRequest,
            text,
        };
        let value: Value = serde_json::from_str(line)
            .map_err(|e| malformed(None, format!("invalid JSON: {e}")))?;
        let Value::Object(mut envelope) = value else {
            return Err(malformed(None, "message is not a JSON object".into()));
        };
        let src = envelope
            .get("src")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let dest = envelope
            .get("dest")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mut body = match envelope.remove("body") {
            Some(Value::Object(body)) => body,
            _ => return Err(malformed(None, "message has no body object".into())),
        };
        let msg_id = body.get("msg_id").and_then(Value::as_u64);
        let reply_to = match (&src, &dest, msg_id) {
            (Some(s), Some(d), Some(id)) => Some((s.clone(), d.clone(), id)),
            _ => None,
        };
        let (Some(src), Some(dest)) = (src, dest) else {
            return Err(malformed(None, "message needs string src and dest".into()));
        };
        let in_reply_to =
            take_id(&mut body, "in_reply_to").map_err(|t| malformed(reply_to.clone(), t))?;
        let msg_id = take_id(&mut body, "msg_id").map_err(|t| malformed(reply_to.clone(), t))?;
        let ty = match body.get("type") {
            Some(Value::String(t)) => t.clone(),
            _ => return Err(malformed(reply_to, "body has no string type".into())),
        };
        if !KNOWN_TYPES.contains(&ty.as_str()) {
            return Err(DecodeError {
                reply_to,
                code: ErrorCode::NotSupported,
                text: format!("unknown message type {ty:?}"),
            });
        }
        let payload = Payload::deserialize(Value::Object(body))
            .map_err(|e| malformed(reply_to, format!("bad {ty} body: {e}")))?;
        Ok(Message {
            src,
            dest,
            body: Body {
                in_reply_to,
                msg_id,
                payload,
            },
        })
    }
}

fn take_id(body: &mut Map<String, Value>, key: &str) -> Result<Option<u64>, String> {
    match body.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("{key} must be a non-negative integer")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn body_keys_come_in_maelstrom_order() {
        let m = Message {
            src: "n1".into(),
            dest: "c1".into(),
            body: Body {
                in_reply_to: Some(3),
                msg_id: Some(2),
                payload: Payload::ReadOk { value: json!(1) },
            },
        };
        assert_eq!(
            m.to_line(),
            r#"{"src":"n1","dest":"c1","body":{"type":"read_ok","in_reply_to":3,"msg_id":2,"value":1}}"#
        );
    }

    #[test]
    fn parses_requests_with_arbitrary_json_keys() {
        let m = Message::from_line(r#"{"src":"c1","dest":"n1","body":{"type":"cas","msg_id":4,"key":[1,"a"],"from":{"x":1},"to":null}}"#)
            .unwrap();
        assert_eq!(m.body.msg_id, Some(4));
        assert_eq!(
            m.body.payload,
            Payload::Cas {
                key: json!([1, "a"]),
                from: json!({"x": 1}),
                to: Value::Null,
                create_if_not_exists: None
            }
        );
    }

    #[test]
    fn bad_lines_give_the_right_error() {
        let e = Message::from_line("{not json").unwrap_err();
        assert_eq!((e.code, e.reply_to), (ErrorCode::MalformedRequest, None));
        let e = Message::from_line(
            r#"{"src":"c1","dest":"n1","body":{"type":"frobnicate","msg_id":7}}"#,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::NotSupported);
        assert_eq!(e.reply_to, Some(("c1".into(), "n1".into(), 7)));
        let e = Message::from_line(r#"{"src":"c1","dest":"n1","body":{"type":"read","msg_id":8}}"#)
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::MalformedRequest);
        assert_eq!(e.reply_to, Some(("c1".into(), "n1".into(), 8)));
        let e = Message::from_line(r#"{"src":"c1","dest":"n1","body":{"msg_id":9}}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::MalformedRequest);
        let e = Message::from_line(
            r#"{"src":"c1","dest":"n1","body":{"type":"read","key":1,"msg_id":-1}}"#,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::MalformedRequest);
    }

    #[test]
    fn raft_messages_round_trip() {
        let ae = raft::AppendEntries {
            term: 2,
            leader: "n1".into(),
            prev_log_index: 1,
            prev_log_term: 1,
            entries: vec![
                raft::Entry {
                    term: 2,
                    data: Some(json!({"k": 1})),
                },
                raft::Entry {
                    term: 2,
                    data: None,
                },
            ],
            leader_commit: 1,
            read_round: None,
        };
        let m = Message {
            src: "n1".into(),
            dest: "n2".into(),
            body: Body {
                in_reply_to: None,
                msg_id: Some(5),
                payload: Payload::AppendEntries(ae),
            },
        };
        assert_eq!(Message::from_line(&m.to_line()).unwrap(), m);
    }
}
