//! Rendering messages as protocol lines.
//!
//! Bodies come out with the keys in Maelstrom's order: `type`, `in_reply_to`,
//! `msg_id`, then the payload's own fields (a node payload's in their declared
//! order, a client body's sorted). Log entry payloads ([`Data`](crate::raft::Data))
//! are written verbatim, never re-parsed: every peer stores exactly the text the
//! leader appended, and no nesting depth limit applies on the way out.

use super::error::ErrorCode;
use super::message::{Body, Message, Payload};
use serde::Serialize;
use serde::ser::Error as _;
use std::io::Write as _;

impl Message {
    /// Renders the message as one protocol line (no newline).
    pub fn to_line(&self) -> String {
        let mut out = Vec::with_capacity(128);
        match self.write_line(&mut out) {
            // The encoder writes only JSON text (UTF-8).
            Ok(()) => {
                out.pop();
                String::from_utf8(out).unwrap_or_default()
            }
            Err(e) => format!("{{\"error\":{:?}}}", e.to_string()),
        }
    }

    /// Appends the message as one protocol line, newline included, to `out`: the
    /// runtime encodes a whole turn's output into one buffer this way. On error
    /// (never for the node's own types: every map key is a string) `out` is left
    /// as it was.
    pub fn write_line(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        let mark = out.len();
        let result = (|| {
            out.extend_from_slice(b"{\"src\":");
            serde_json::to_writer(&mut *out, &self.src)?;
            out.extend_from_slice(b",\"dest\":");
            serde_json::to_writer(&mut *out, &self.dest)?;
            out.extend_from_slice(b",\"body\":");
            self.body.write_json(out)?;
            out.extend_from_slice(b"}\n");
            Ok(())
        })();
        if result.is_err() {
            out.truncate(mark);
        }
        result
    }
}

/// The fields of an [`Payload::EchoError`], less its `in_reply_to`.
#[derive(Serialize)]
struct EchoErrorFields<'a> {
    #[serde(rename = "type")]
    ty: &'static str,
    code: ErrorCode,
    text: &'a str,
}

impl Body {
    /// Appends the body as JSON text to `out`: the payload's own serialization
    /// (which starts with its `type`), with `in_reply_to` and `msg_id` spliced in
    /// after the type, where Maelstrom puts them.
    fn write_json(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        let start = out.len();
        let mut in_reply_to = None;
        match &self.payload {
            Payload::Client(c) => serde_json::to_writer(&mut *out, c)?,
            Payload::EchoError {
                request_msg_id,
                code,
                text,
            } => {
                in_reply_to = Some(request_msg_id.as_str());
                serde_json::to_writer(
                    &mut *out,
                    &EchoErrorFields {
                        ty: "error",
                        code: *code,
                        text,
                    },
                )?
            }
            other => serde_json::to_writer(&mut *out, other)?,
        }
        let split = start
            + type_end(&out[start..])
                .ok_or_else(|| serde_json::Error::custom("a payload must start with its type"))?;
        let mut ids = Vec::with_capacity(48);
        if let Some(id) = in_reply_to {
            ids.extend_from_slice(b",\"in_reply_to\":");
            ids.extend_from_slice(id.as_bytes());
        } else if let Some(id) = self.in_reply_to {
            let _ = write!(ids, ",\"in_reply_to\":{id}");
        }
        if let Some(id) = self.msg_id {
            let _ = write!(ids, ",\"msg_id\":{id}");
        }
        out.splice(split..split, ids);
        Ok(())
    }
}

/// The index just past the `"type":"..."` that opens a serialized payload.
fn type_end(text: &[u8]) -> Option<usize> {
    const OPEN: &[u8] = b"{\"type\":\"";
    let bytes = text.strip_prefix(OPEN)?;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(OPEN.len() + i + 1),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ClientBody;
    use crate::raft::{self, Data};
    use serde_json::json;

    fn line(payload: Payload, in_reply_to: Option<u64>) -> String {
        Message {
            src: "n1".into(),
            dest: "c1".into(),
            body: Body {
                in_reply_to,
                msg_id: Some(2),
                payload,
            },
        }
        .to_line()
    }

    #[test]
    fn body_keys_come_in_maelstrom_order() {
        assert_eq!(
            line(Payload::client("read_ok", json!({"value": 1})), Some(3)),
            r#"{"src":"n1","dest":"c1","body":{"type":"read_ok","in_reply_to":3,"msg_id":2,"value":1}}"#
        );
        assert_eq!(
            line(Payload::InitOk, Some(1)),
            r#"{"src":"n1","dest":"c1","body":{"type":"init_ok","in_reply_to":1,"msg_id":2}}"#
        );
        assert_eq!(
            line(Payload::error(ErrorCode::KeyDoesNotExist, "no"), Some(4)),
            r#"{"src":"n1","dest":"c1","body":{"type":"error","in_reply_to":4,"msg_id":2,"code":20,"text":"no"}}"#
        );
        let odd = ClientBody::new("a\"\\b", json!({"x": 1}));
        assert_eq!(
            line(Payload::Client(odd), None),
            r#"{"src":"n1","dest":"c1","body":{"type":"a\"\\b","msg_id":2,"x":1}}"#
        );
    }

    #[test]
    fn echoed_msg_ids_are_written_verbatim() {
        let echo = Payload::EchoError {
            request_msg_id: Data::from_text("18446744073709551616".into()).unwrap(),
            code: ErrorCode::MalformedRequest,
            text: "bad".into(),
        };
        assert_eq!(
            line(echo, None),
            r#"{"src":"n1","dest":"c1","body":{"type":"error","in_reply_to":18446744073709551616,"msg_id":2,"code":12,"text":"bad"}}"#
        );
    }

    #[test]
    fn entry_payloads_are_written_verbatim() {
        let text = r#"{"z":1,"a":[1.50,{"y":2,"b":3}]}"#;
        let ae = raft::AppendEntries {
            term: 2,
            leader: "n1".into(),
            prev_log_index: 1,
            prev_log_term: 1,
            entries: vec![raft::Entry {
                term: 2,
                data: Some(Data::from_text(text.into()).unwrap()),
            }],
            leader_commit: 1,
            read_round: None,
        };
        let out = line(Payload::AppendEntries(ae), None);
        assert!(out.contains(text), "not verbatim: {out}");
    }
}
