//! Parsing protocol lines: [`Message::from_line`] never panics, whatever the
//! input, and says where an error reply goes when the line had enough shape.

use super::client::ClientBody;
use super::error::ErrorCode;
use super::message::{Body, Message, Payload};
use super::scan;
use crate::raft::Data;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use serde_json::value::RawValue;

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
    #[serde(default, borrow)]
    in_reply_to: Option<&'a RawValue>,
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

/// The fast path, for the lines a busy node gets: an envelope of `src`, `dest`
/// and Maelstrom's `id` in any order, then `body`; names without escapes; a body
/// whose `type` is a plain string and whose `msg_id` and `in_reply_to`, when
/// present, are plain decimal integers. [`scan`] finds those without building
/// values; serde then parses the body once, straight into its payload. Anything
/// else (`None`) takes the general path, which also explains what is wrong, so
/// both paths accept exactly the same lines and decode them alike (see the tests).
fn from_line_fast(line: &str) -> Option<Message> {
    let envelope = scan::envelope(line)?;
    let src = scan::plain_string(envelope.src)?;
    let dest = scan::plain_string(envelope.dest)?;
    if src.is_empty() || dest.is_empty() {
        return None;
    }
    if let Some(id) = envelope.id {
        // Skipped by the scan, so checked here: the line must be JSON.
        serde_json::from_str::<IgnoredAny>(id).ok()?;
    }
    // The body is checked to be one object by the header scan, and parsed
    // (so checked) by serde below.
    let body = envelope.body;
    let header = scan::members(body)?;
    let ty = scan::plain_string(header.get("type").ok()??)?;
    let number = |key: &str| match header.get(key).ok()? {
        None => Some(None),
        Some(value) => scan::plain_u64(value).map(Some),
    };
    let in_reply_to = number("in_reply_to")?;
    let msg_id = number("msg_id")?;
    let payload = match decode_node_body(ty, body) {
        Some(decoded) => decoded.ok()?,
        None => client_payload(body, in_reply_to.is_some()).ok()?,
    };
    Some(Message {
        src: src.to_owned(),
        dest: dest.to_owned(),
        body: Body {
            in_reply_to,
            msg_id,
            payload,
        },
    })
}

/// A body in a machine's vocabulary. A request must fit inside the messages that
/// carry it between nodes; a reply travels no further (and may nest what
/// requests carried one level deeper, e.g. a set of elements).
fn client_payload(body: &str, is_reply: bool) -> Result<Payload, String> {
    if !is_reply {
        super::limits::check_client_body(body)?;
    }
    let mut client: ClientBody = serde_json::from_str(body).map_err(|e| e.to_string())?;
    client.fields.remove("msg_id");
    client.fields.remove("in_reply_to");
    Ok(Payload::Client(client))
}

impl Message {
    /// Parses one protocol line. Never panics, whatever the input. A body whose
    /// `type` is not the node's own becomes a [`Payload::Client`] (checked against
    /// [`super::limits`]); whether a machine serves it is the machine's call.
    pub fn from_line(line: &str) -> Result<Message, DecodeError> {
        match from_line_fast(line) {
            Some(message) => Ok(message),
            None => Message::from_line_general(line),
        }
    }

    /// The general path: any key order and any JSON, with an error that says
    /// what is wrong and where to reply.
    fn from_line_general(line: &str) -> Result<Message, DecodeError> {
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
        let ty = match header.ty {
            Some(Value::String(t)) => t,
            _ => return Err(malformed(reply_to, "body has no string type".into())),
        };
        let (in_reply_to, echoed) = match found_id(header.in_reply_to) {
            FoundId::Absent => (None, None),
            FoundId::Usable(RequestMsgId::Id(id)) => (Some(id), None),
            // An error answering a request whose msg_id was not an integer.
            FoundId::Usable(RequestMsgId::Echo(raw)) if ty == "error" => (None, Some(raw)),
            _ => {
                return Err(malformed(
                    reply_to,
                    "in_reply_to must be an integer in 0..2^64".into(),
                ));
            }
        };
        let payload = match (decode_node_body(&ty, body.get()), echoed) {
            (Some(Ok(Payload::Error { code, text })), Some(request_msg_id)) => Payload::EchoError {
                request_msg_id,
                code,
                text,
            },
            (Some(decoded), _) => {
                decoded.map_err(|e| malformed(reply_to, format!("bad {ty} body: {e}")))?
            }
            (None, _) => client_payload(body.get(), in_reply_to.is_some())
                .map_err(|e| malformed(reply_to, format!("bad {ty} body: {e}")))?,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Forward, ForwardBatch, ForwardOp, RequestId};
    use crate::raft;
    use serde_json::json;

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
    fn echo_errors_round_trip() {
        let m = Message {
            src: "n1".into(),
            dest: "c1".into(),
            body: Body {
                in_reply_to: None,
                msg_id: Some(3),
                payload: Payload::EchoError {
                    request_msg_id: Data::from_text(r#""a\"b""#.into()).unwrap(),
                    code: ErrorCode::MalformedRequest,
                    text: "bad".into(),
                },
            },
        };
        assert_eq!(Message::from_line(&m.to_line()).unwrap(), m);
        let not_error = r#"{"src":"n1","dest":"c1","body":{"type":"read_ok","in_reply_to":"x"}}"#;
        assert!(Message::from_line(not_error).is_err());
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

#[cfg(test)]
mod fast_path_tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// Lines as nodes, clients and Maelstrom (which adds an envelope `id` and may
    /// reorder keys) write them.
    const LINES: [&str; 10] = [
        r#"{"src":"n1","dest":"n0","body":{"type":"append_entries_res","msg_id":4,"term":2,"success":true,"index":7}}"#,
        r#"{"src":"n0","dest":"n1","body":{"type":"append_entries","msg_id":5,"term":2,"leader":"n0","prev_log_index":1,"prev_log_term":1,"entries":[{"term":2,"data":["n1",0,0,0,"c1",4,"n0",{"type":"write","key":1,"value":2}]}],"leader_commit":1}}"#,
        r#"{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n0","n1"]}}"#,
        r#"{"src":"n1","dest":"c1","body":{"type":"error","in_reply_to":3,"msg_id":2,"code":11,"text":"x"}}"#,
        r#"{"src":"c1","dest":"n1","body":{"type":"cas","msg_id":1,"from":2,"key":0,"to":3}}"#,
        r#"{"src":"c4","dest":"n0","body":{"type":"read","msg_id":1,"key":4}}"#,
        r#"{"src":"n0","dest":"c4","body":{"type":"read_ok","in_reply_to":1,"msg_id":7,"value":[1,{"a":"}"}]}}"#,
        r#"{"id":12,"src":"n2","dest":"n0","body":{"term":3,"msg_id":8,"type":"request_vote","candidate":"n2","last_log_index":4,"last_log_term":2,"pre_vote":false}}"#,
        r#" { "dest" : "n0" , "src" : "c9" , "body" : { "key" : 1 , "type" : "write" , "value" : "\"}\"" , "msg_id" : 3 } } "#,
        r#"{"src":"n1","id":-1,"dest":"n0","body":{"type":"forward_nack","in_reply_to":9,"ids":[]}}"#,
    ];

    #[test]
    fn the_fast_path_takes_the_common_lines_in_any_key_order() {
        for line in LINES {
            let fast = from_line_fast(line);
            let general = Message::from_line_general(line);
            match (&fast, &general) {
                (Some(f), Ok(g)) => assert_eq!(f, g, "{line}"),
                _ => panic!("{line}: fast {fast:?}, general {general:?}"),
            }
        }
    }

    #[test]
    fn lines_with_anything_unusual_take_the_general_path() {
        for line in [
            r#"{"src":"n\u0031","dest":"n0","body":{"type":"read","msg_id":1,"key":1}}"#,
            r#"{"src":"c1","dest":"n0","body":{"type":"read","msg_id":1,"msg_id":2,"key":1}}"#,
            r#"{"src":"c1","dest":"n0","body":{"type":"read","msg_id":null,"key":1}}"#,
            r#"{"src":"c1","dest":"n0","body":{"type":"read","msg_id":"7","key":1}}"#,
            r#"{"src":"c1","dest":"n0","body":{"type":"read","msg_id":1.0,"key":1}}"#,
            r#"{"src":"c1","dest":"n0","extra":1,"body":{"type":"read","msg_id":1,"key":1}}"#,
            r#"{"src":"c1","dest":"n0","body":{"type":"read","msg_id":1,"key":01}}"#,
            r#"{"src":"c1","dest":"n0","body":{"type":"write","msg_id":1,"key":1,"value":123456789012345678901234}}"#,
            r#"{"src":"c1","dest":"n0","id":x,"body":{"type":"read","msg_id":1,"key":1}}"#,
            r#"{"src":"","dest":"n0","body":{"type":"read","msg_id":1,"key":1}}"#,
            r#"{"src":"c1","body":{"type":"read","msg_id":1,"key":1},"dest":"n0"}"#,
        ] {
            assert!(from_line_fast(line).is_none(), "{line}");
        }
    }

    /// The property the decoder rests on: whatever the fast path accepts, the
    /// general path accepts too and decodes alike. Checked on random mutations
    /// of real lines (bytes dropped, duplicated, replaced, swapped).
    #[test]
    fn whatever_the_fast_path_accepts_the_general_path_decodes_alike() {
        let mut rng = StdRng::seed_from_u64(18);
        let alphabet = br#"{}[]":,0123456789-.e \nabtyp_"#;
        let mut accepted = 0;
        for round in 0..40_000 {
            let mut bytes = LINES[round % LINES.len()].as_bytes().to_vec();
            for _ in 0..rng.gen_range(1..4) {
                let i = rng.gen_range(0..bytes.len());
                match rng.gen_range(0..4) {
                    0 => {
                        bytes.remove(i);
                    }
                    1 => bytes.insert(i, bytes[i]),
                    2 => bytes[i] = alphabet[rng.gen_range(0..alphabet.len())],
                    _ => {
                        let j = rng.gen_range(0..bytes.len());
                        bytes.swap(i, j);
                    }
                }
            }
            let Ok(line) = std::str::from_utf8(&bytes) else {
                continue;
            };
            if let Some(fast) = from_line_fast(line) {
                accepted += 1;
                assert_eq!(Message::from_line_general(line), Ok(fast), "{line}");
            }
        }
        // Enough mutants still decode for the property to mean something.
        assert!(
            accepted > 1_000,
            "only {accepted} mutants took the fast path"
        );
    }
}
