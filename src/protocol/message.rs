//! The Maelstrom envelope and bodies.
//!
//! Bodies serialize with the keys in Maelstrom's order: `type`, `in_reply_to`,
//! `msg_id`, then the payload's own fields (sorted). Bodies of the node's own
//! vocabulary (init, errors, Raft and node-internal messages) are typed here; every
//! other body is a [`ClientBody`] for the state machine to decode.

use super::client::ClientBody;
use super::error::ErrorCode;
use crate::raft::{self, Data};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

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

/// Identifies a client request across nodes and restarts: the node that received
/// it from the client (its *origin*), that node process's incarnation, and the
/// origin's sequence number. The replicated session table applies each id at most
/// once even when a forward is retried (see `node::session`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RequestId {
    pub node: String,
    /// Distinct for every start of the origin's process, increasing across
    /// restarts, so a restarted node never reuses an id.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub incarnation: u64,
    pub seq: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What a forward asks the leader to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForwardOp {
    /// Append this machine command to the log (already admitted by the origin).
    Command(Data),
    /// Serve this read-only request after a ReadIndex round.
    Read(ClientBody),
}

/// A client request handed from the node that received it to the leader.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Forward {
    pub id: RequestId,
    /// Every request of the origin below this `seq` is settled: applied, or given
    /// up by its client. Lets the session table forget them (see `node::session`).
    #[serde(default)]
    pub floor: u64,
    pub client: String,
    pub client_msg_id: u64,
    pub op: ForwardOp,
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

/// Every body, tagged by `type`: the node's own vocabulary, and [`Payload::Client`]
/// for the rest.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    Init {
        node_id: String,
        node_ids: Vec<String>,
    },
    InitOk,
    Error {
        code: ErrorCode,
        text: String,
    },
    RequestVote(raft::RequestVote),
    RequestVoteRes(raft::RequestVoteRes),
    AppendEntries(raft::AppendEntries),
    AppendEntriesRes(raft::AppendEntriesRes),
    InstallSnapshot(raft::InstallSnapshot),
    InstallSnapshotRes(raft::InstallSnapshotRes),
    Forward(ForwardBatch),
    ForwardNack(ForwardNack),
    /// A follower asks the leader for a read index (`ctx` is the follower's).
    ReadIndex {
        ctx: u64,
    },
    /// The leader confirmed leadership: reads may be served once `index` is applied.
    ReadIndexOk {
        ctx: u64,
        index: u64,
    },
    /// A request or reply in the state machine's vocabulary.
    #[serde(skip)]
    Client(ClientBody),
    /// An error reply to a request whose `msg_id` is a string or a number that is
    /// not an integer in `0..2^64`: on the wire a plain `error` whose `in_reply_to`
    /// is that `msg_id`, verbatim, so the sender can still match it.
    #[serde(skip)]
    EchoError {
        request_msg_id: Data,
        code: ErrorCode,
        text: String,
    },
}

/// The `type` strings of the node's own vocabulary. Every other type is a client
/// body; machines must not use these names.
pub const NODE_TYPES: &[&str] = &[
    "init",
    "init_ok",
    "error",
    "request_vote",
    "request_vote_res",
    "append_entries",
    "append_entries_res",
    "install_snapshot",
    "install_snapshot_res",
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

    /// A client body of type `ty` with `fields` (a JSON object).
    pub fn client(ty: &str, fields: Value) -> Payload {
        Payload::Client(ClientBody::new(ty, fields))
    }

    /// The body's `type` string.
    pub fn type_name(&self) -> String {
        match self {
            Payload::Client(c) => c.ty.clone(),
            Payload::EchoError { .. } => "error".to_owned(),
            other => match serde_json::to_value(other) {
                Ok(Value::Object(m)) => m
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_owned(),
                _ => "?".to_owned(),
            },
        }
    }

    /// Wraps a Raft core message.
    pub fn from_raft(m: raft::Message) -> Payload {
        match m {
            raft::Message::RequestVote(m) => Payload::RequestVote(m),
            raft::Message::RequestVoteRes(m) => Payload::RequestVoteRes(m),
            raft::Message::AppendEntries(m) => Payload::AppendEntries(m),
            raft::Message::AppendEntriesRes(m) => Payload::AppendEntriesRes(m),
            raft::Message::InstallSnapshot(m) => Payload::InstallSnapshot(m),
            raft::Message::InstallSnapshotRes(m) => Payload::InstallSnapshotRes(m),
        }
    }

    /// True for the messages nodes exchange among themselves (Raft, forwards,
    /// read indexes): a node accepts them only from the other cluster members.
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            Payload::RequestVote(_)
                | Payload::RequestVoteRes(_)
                | Payload::AppendEntries(_)
                | Payload::AppendEntriesRes(_)
                | Payload::InstallSnapshot(_)
                | Payload::InstallSnapshotRes(_)
                | Payload::Forward(_)
                | Payload::ForwardNack(_)
                | Payload::ReadIndex { .. }
                | Payload::ReadIndexOk { .. }
        )
    }

    /// True for replies the node never answers, whatever is wrong with them
    /// (`init_ok`, `error`): answering a reply could start an endless exchange.
    pub fn is_reply(&self) -> bool {
        matches!(
            self,
            Payload::InitOk | Payload::Error { .. } | Payload::EchoError { .. }
        )
    }

    /// Unwraps a Raft core message, or gives the payload back.
    pub fn into_raft(self) -> Result<raft::Message, Payload> {
        match self {
            Payload::RequestVote(m) => Ok(raft::Message::RequestVote(m)),
            Payload::RequestVoteRes(m) => Ok(raft::Message::RequestVoteRes(m)),
            Payload::AppendEntries(m) => Ok(raft::Message::AppendEntries(m)),
            Payload::AppendEntriesRes(m) => Ok(raft::Message::AppendEntriesRes(m)),
            Payload::InstallSnapshot(m) => Ok(raft::Message::InstallSnapshot(m)),
            Payload::InstallSnapshotRes(m) => Ok(raft::Message::InstallSnapshotRes(m)),
            other => Err(other),
        }
    }
}

impl Serialize for Body {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeMap};
        if let Payload::EchoError {
            request_msg_id,
            code,
            text,
        } = &self.payload
        {
            let mut map = s.serialize_map(None)?;
            map.serialize_entry("type", "error")?;
            map.serialize_entry("in_reply_to", request_msg_id)?;
            if let Some(id) = self.msg_id {
                map.serialize_entry("msg_id", &id)?;
            }
            map.serialize_entry("code", code)?;
            map.serialize_entry("text", text)?;
            return map.end();
        }
        let (ty, fields) = match &self.payload {
            Payload::Client(c) => (Value::String(c.ty.clone()), c.fields.clone()),
            other => {
                let Value::Object(mut fields) =
                    serde_json::to_value(other).map_err(S::Error::custom)?
                else {
                    return Err(S::Error::custom("payload did not serialize to an object"));
                };
                (fields.remove("type").unwrap_or(Value::Null), fields)
            }
        };
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

/// A request's `msg_id`, as an error reply can refer to it.
#[derive(Clone, Debug, PartialEq)]
pub enum RequestMsgId {
    /// An integer in `0..2^64`, as Maelstrom sends: the reply's `in_reply_to`.
    Id(u64),
    /// A string, or a number that is not such an integer: echoed verbatim as the
    /// reply's `in_reply_to` (see [`Payload::EchoError`]).
    Echo(Data),
}

/// Where an error reply to a line goes.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplyTo {
    /// The line's sender: the reply's `dest`.
    pub src: String,
    /// Who the line was addressed to, when it said (the reply's `src` when the
    /// node does not know its own id yet).
    pub dest: Option<String>,
    pub msg_id: RequestMsgId,
}

impl ReplyTo {
    /// The `in_reply_to` and payload of an error reply to this request.
    pub fn error(&self, code: ErrorCode, text: impl Into<String>) -> (Option<u64>, Payload) {
        match &self.msg_id {
            RequestMsgId::Id(id) => (Some(*id), Payload::error(code, text)),
            RequestMsgId::Echo(raw) => (
                None,
                Payload::EchoError {
                    request_msg_id: raw.clone(),
                    code,
                    text: text.into(),
                },
            ),
        }
    }
}

/// Why a line could not be turned into a [`Message`].
#[derive(Clone, Debug, PartialEq)]
pub struct DecodeError {
    /// Where to send an error reply, when the line had enough shape to say: a
    /// non-empty string `src` and a `msg_id` that is an integer, another number or
    /// a string.
    pub reply_to: Option<ReplyTo>,
    /// 10 for an unknown body type, 12 for anything else.
    pub code: ErrorCode,
    pub text: String,
}

/// The envelope, with the body left as text.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default)]
    src: Option<Value>,
    #[serde(default)]
    dest: Option<Value>,
    #[serde(default, borrow)]
    body: Option<&'a RawValue>,
}

/// The reserved keys of a body; the rest is skipped.
#[derive(Deserialize)]
struct Header<'a> {
    #[serde(rename = "type", default)]
    ty: Option<Value>,
    #[serde(default, borrow)]
    msg_id: Option<&'a RawValue>,
    #[serde(default)]
    in_reply_to: Option<Value>,
}

#[derive(Deserialize)]
struct InitBody {
    node_id: String,
    node_ids: Vec<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    code: ErrorCode,
    #[serde(default)]
    text: String,
}

#[derive(Deserialize)]
struct ReadIndexBody {
    ctx: u64,
    #[serde(default)]
    index: Option<u64>,
}

/// Decodes a body of the node's own vocabulary; `None` for a client type.
fn decode_node_body(ty: &str, body: &str) -> Option<Result<Payload, serde_json::Error>> {
    use serde_json::from_str;
    Some(match ty {
        "init" => from_str::<InitBody>(body).map(|b| Payload::Init {
            node_id: b.node_id,
            node_ids: b.node_ids,
        }),
        "init_ok" => Ok(Payload::InitOk),
        "error" => from_str::<ErrorBody>(body).map(|b| Payload::Error {
            code: b.code,
            text: b.text,
        }),
        "request_vote" => from_str(body).map(Payload::RequestVote),
        "request_vote_res" => from_str(body).map(Payload::RequestVoteRes),
        "append_entries" => from_str(body).map(Payload::AppendEntries),
        "append_entries_res" => from_str(body).map(Payload::AppendEntriesRes),
        "install_snapshot" => from_str(body).map(Payload::InstallSnapshot),
        "install_snapshot_res" => from_str(body).map(Payload::InstallSnapshotRes),
        "forward" => from_str(body).map(Payload::Forward),
        "forward_nack" => from_str(body).map(Payload::ForwardNack),
        "read_index" => from_str::<ReadIndexBody>(body).map(|b| Payload::ReadIndex { ctx: b.ctx }),
        "read_index_ok" => from_str::<ReadIndexBody>(body).and_then(|b| {
            let index = b
                .index
                .ok_or_else(|| serde::de::Error::missing_field("index"))?;
            Ok(Payload::ReadIndexOk { ctx: b.ctx, index })
        }),
        _ => return None,
    })
}

/// A body's `msg_id` as found on the line.
enum FoundId {
    /// No `msg_id`, or `null`.
    Absent,
    Usable(RequestMsgId),
    /// `true`, an object, an array, a number no parser reads (`1e400`): nothing
    /// an error reply could refer to.
    Unusable,
}

fn found_id(raw: Option<&RawValue>) -> FoundId {
    let Some(raw) = raw else {
        return FoundId::Absent;
    };
    if let Ok(id) = serde_json::from_str::<u64>(raw.get()) {
        return FoundId::Usable(RequestMsgId::Id(id));
    }
    // Echoed only when a JSON parser can read it back (not `1e400`).
    match serde_json::from_str::<Value>(raw.get()) {
        Ok(Value::Null) => FoundId::Absent,
        Ok(Value::String(_) | Value::Number(_)) => match Data::from_text(raw.get().to_owned()) {
            Ok(text) => FoundId::Usable(RequestMsgId::Echo(text)),
            Err(_) => FoundId::Unusable,
        },
        _ => FoundId::Unusable,
    }
}

/// A non-empty string, if `value` is one.
fn name(value: &Option<Value>) -> Option<&str> {
    value
        .as_ref()
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

impl Message {
    /// Renders the message as one protocol line (no newline).
    pub fn to_line(&self) -> String {
        // Serializing our own types cannot fail: every map key is a string.
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Parses one protocol line. Never panics, whatever the input. A body whose
    /// `type` is not the node's own becomes a [`Payload::Client`] (checked against
    /// [`super::limits`]); whether a machine serves it is the machine's call.
    pub fn from_line(line: &str) -> Result<Message, DecodeError> {
        let malformed = |reply_to, text: String| DecodeError {
            reply_to,
            code: ErrorCode::MalformedRequest,
            text,
        };
        let envelope: Envelope = serde_json::from_str(line).map_err(|e| {
            let text = match serde_json::from_str::<IgnoredAny>(line) {
                Ok(_) => format!("message is not an envelope object: {e}"),
                Err(_) => format!("invalid JSON: {e}"),
            };
            malformed(None, text)
        })?;
        let (src, dest) = (name(&envelope.src), name(&envelope.dest));
        let Some(body) = envelope.body else {
            return Err(malformed(None, "message has no body object".into()));
        };
        let header: Header = serde_json::from_str(body.get())
            .map_err(|e| malformed(None, format!("bad body: {e}")))?;
        let found = found_id(header.msg_id);
        let reply_to = match (src, &found) {
            (Some(src), FoundId::Usable(msg_id)) => Some(ReplyTo {
                src: src.to_owned(),
                dest: dest.map(str::to_owned),
                msg_id: msg_id.clone(),
            }),
            _ => None,
        };
        let Some(src) = src else {
            return Err(malformed(
                None,
                "message needs a non-empty string src".into(),
            ));
        };
        let Some(dest) = dest else {
            return Err(malformed(
                reply_to,
                "message needs a non-empty string dest".into(),
            ));
        };
        let msg_id = match found {
            FoundId::Absent => None,
            FoundId::Usable(RequestMsgId::Id(id)) => Some(id),
            FoundId::Usable(RequestMsgId::Echo(_)) | FoundId::Unusable => {
                return Err(malformed(
                    reply_to,
                    "msg_id must be an integer in 0..2^64".into(),
                ));
            }
        };
        let in_reply_to = reserved_id(header.in_reply_to, "in_reply_to")
            .map_err(|t| malformed(reply_to.clone(), t))?;
        let ty = match header.ty {
            Some(Value::String(t)) => t,
            _ => return Err(malformed(reply_to, "body has no string type".into())),
        };
        let payload = match decode_node_body(&ty, body.get()) {
            Some(decoded) => {
                decoded.map_err(|e| malformed(reply_to, format!("bad {ty} body: {e}")))?
            }
            None => {
                super::limits::check_client_body(body.get())
                    .map_err(|e| malformed(reply_to.clone(), format!("bad {ty} body: {e}")))?;
                let mut client: ClientBody = serde_json::from_str(body.get())
                    .map_err(|e| malformed(reply_to, format!("bad {ty} body: {e}")))?;
                client.fields.remove("msg_id");
                client.fields.remove("in_reply_to");
                Payload::Client(client)
            }
        };
        Ok(Message {
            src: src.to_owned(),
            dest: dest.to_owned(),
            body: Body {
                in_reply_to,
                msg_id,
                payload,
            },
        })
    }

    /// Where an error reply to `line` would go, whether or not it decodes (used
    /// for lines that are not valid UTF-8, decoded lossily: never acted upon).
    pub fn reply_target(line: &str) -> Option<ReplyTo> {
        match Message::from_line(line) {
            Ok(m) => m.body.msg_id.map(|id| ReplyTo {
                src: m.src,
                dest: Some(m.dest),
                msg_id: RequestMsgId::Id(id),
            }),
            Err(e) => e.reply_to,
        }
    }
}

fn reserved_id(value: Option<Value>, key: &str) -> Result<Option<u64>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("{key} must be an integer in 0..2^64")),
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
                payload: Payload::client("read_ok", json!({"value": 1})),
            },
        };
        assert_eq!(
            m.to_line(),
            r#"{"src":"n1","dest":"c1","body":{"type":"read_ok","in_reply_to":3,"msg_id":2,"value":1}}"#
        );
    }

    #[test]
    fn client_bodies_keep_arbitrary_json_fields() {
        let m = Message::from_line(r#"{"src":"c1","dest":"n1","body":{"type":"cas","msg_id":4,"key":[1,"a"],"from":{"x":1},"to":null}}"#)
            .unwrap();
        assert_eq!(m.body.msg_id, Some(4));
        assert_eq!(
            m.body.payload,
            Payload::client(
                "cas",
                json!({"key": [1, "a"], "from": {"x": 1}, "to": null})
            )
        );
    }

    fn reply_to(src: &str, dest: &str, id: u64) -> ReplyTo {
        ReplyTo {
            src: src.into(),
            dest: Some(dest.into()),
            msg_id: RequestMsgId::Id(id),
        }
    }

    #[test]
    fn bad_lines_give_the_right_error() {
        let e = Message::from_line("{not json").unwrap_err();
        assert_eq!((e.code, e.reply_to), (ErrorCode::MalformedRequest, None));
        let e = Message::from_line("[1,2]").unwrap_err();
        assert_eq!((e.code, e.reply_to), (ErrorCode::MalformedRequest, None));
        let e = Message::from_line(
            r#"{"src":"c1","dest":"n1","body":{"type":"init","msg_id":8,"node_id":3}}"#,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::MalformedRequest);
        assert_eq!(e.reply_to, Some(reply_to("c1", "n1", 8)));
        let e = Message::from_line(r#"{"src":"c1","dest":"n1","body":{"msg_id":9}}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::MalformedRequest);
        assert_eq!(e.reply_to, Some(reply_to("c1", "n1", 9)));
        let e = Message::from_line(
            r#"{"src":"c1","dest":"n1","body":{"type":"read","key":1,"msg_id":-1}}"#,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::MalformedRequest);
        let e = Message::from_line(r#"{"src":"c1","dest":"n1","body":[1]}"#).unwrap_err();
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
                    data: Some(Data::encode(&json!({"k": 1})).unwrap()),
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

    #[test]
    fn forwards_round_trip_with_commands_and_reads() {
        let fwd = |op| Forward {
            id: RequestId {
                node: "n2".into(),
                incarnation: 7,
                seq: 3,
            },
            floor: 2,
            client: "c1".into(),
            client_msg_id: 9,
            op,
        };
        let m = Message {
            src: "n2".into(),
            dest: "n1".into(),
            body: Body {
                in_reply_to: None,
                msg_id: Some(1),
                payload: Payload::Forward(ForwardBatch {
                    requests: vec![
                        fwd(ForwardOp::Command(
                            Data::encode(&json!({"a": [1]})).unwrap(),
                        )),
                        fwd(ForwardOp::Read(ClientBody::new("read", json!({"key": 1})))),
                    ],
                }),
            },
        };
        assert_eq!(Message::from_line(&m.to_line()).unwrap(), m);
    }
}
