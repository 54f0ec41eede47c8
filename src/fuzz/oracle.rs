//! The properties every fuzz target checks: what a node writes is a valid
//! envelope, and every line with a usable `msg_id` is answered at most once (and
//! nothing else is answered at all).

use crate::protocol::{Message, RequestMsgId};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::HashMap;

/// A broken property: which one, and the evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Broken {
    /// A short name: `panic`, `invalid-output`, `unreadable-by-peer`,
    /// `answered-twice`, `unsolicited-reply`, `not-serving`, `invariant`,
    /// `not-linearizable`.
    pub property: &'static str,
    pub detail: String,
}

impl Broken {
    /// A broken `property` with `detail`.
    pub fn new(property: &'static str, detail: impl Into<String>) -> Broken {
        Broken {
            property,
            detail: detail.into(),
        }
    }
}

/// Checks one line a node wrote: a JSON object with non-empty string `src` and
/// `dest`, a `body` object with a string `type`, an integer `msg_id` if any, and
/// an integer `in_reply_to` if any (or, for an `error`, the echo of a request's
/// string or numeric `msg_id`). One line: no raw newline.
pub fn check_envelope(line: &str) -> Result<(), String> {
    if line.contains('\n') {
        return Err("output contains a newline".into());
    }
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let named = |f: &str| {
        v.get(f)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    if !named("src") || !named("dest") {
        return Err("src and dest must be non-empty strings".into());
    }
    let body = v
        .get("body")
        .and_then(Value::as_object)
        .ok_or("no body object")?;
    let ty = body
        .get("type")
        .and_then(Value::as_str)
        .ok_or("no string type")?;
    if body.get("msg_id").is_some_and(|id| !id.is_u64()) {
        return Err("msg_id is not an integer in 0..2^64".into());
    }
    match body.get("in_reply_to") {
        None => {}
        Some(id) if id.is_u64() => {}
        Some(Value::String(_) | Value::Number(_)) if ty == "error" => {}
        Some(other) => return Err(format!("in_reply_to {other} is not an integer")),
    }
    Ok(())
}

/// Who asked what, and who was answered: keyed by (client, `msg_id` as JSON text).
#[derive(Debug, Default)]
pub struct Ledger {
    asked: HashMap<(String, String), u32>,
    answered: HashMap<(String, String), u32>,
}

#[derive(Deserialize)]
struct ReplyHeader<'a> {
    dest: String,
    #[serde(borrow)]
    body: ReplyBody<'a>,
}

#[derive(Deserialize)]
struct ReplyBody<'a> {
    #[serde(default, borrow)]
    in_reply_to: Option<&'a RawValue>,
}

impl Ledger {
    /// Records one input line (the bytes of one line, without its newline): the
    /// request a reply may answer, if it has a usable `msg_id`.
    pub fn ask(&mut self, line: &[u8]) {
        let lossy = String::from_utf8_lossy(line);
        if let Some(to) = Message::reply_target(&lossy) {
            let id = match to.msg_id {
                RequestMsgId::Id(n) => n.to_string(),
                RequestMsgId::Echo(raw) => raw.as_str().to_owned(),
            };
            *self.asked.entry((to.src, id)).or_default() += 1;
        }
    }

    /// Records a line a node wrote to a client (already checked with
    /// [`check_envelope`]): it must answer a request asked more often than it
    /// was answered so far.
    pub fn answer(&mut self, line: &str) -> Result<(), Broken> {
        let header: ReplyHeader = serde_json::from_str(line)
            .map_err(|e| Broken::new("invalid-output", format!("{e}: {line}")))?;
        let Some(id) = header.body.in_reply_to else {
            return Err(Broken::new(
                "unsolicited-reply",
                format!("a message to a client that answers nothing: {line}"),
            ));
        };
        let key = (header.dest, id.get().to_owned());
        let asked = self.asked.get(&key).copied().unwrap_or(0);
        let answered = self.answered.entry(key).or_default();
        *answered += 1;
        if asked == 0 {
            return Err(Broken::new(
                "unsolicited-reply",
                format!("no input asked for this: {line}"),
            ));
        }
        if *answered > asked {
            return Err(Broken::new(
                "answered-twice",
                format!("answered {answered} times, asked {asked}: {line}"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_are_checked() {
        let ok = r#"{"src":"n1","dest":"c1","body":{"type":"error","in_reply_to":"x","msg_id":1,"code":12}}"#;
        assert_eq!(check_envelope(ok), Ok(()));
        for bad in [
            "[]",
            r#"{"src":"n1","dest":"","body":{"type":"x"}}"#,
            r#"{"src":"n1","dest":"c1","body":{"type":"read_ok","in_reply_to":"x"}}"#,
            r#"{"src":"n1","dest":"c1","body":{"type":"x","msg_id":-1}}"#,
            r#"{"src":"n1","dest":"c1","body":[]}"#,
        ] {
            assert!(check_envelope(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_ledger_allows_one_answer_per_request() {
        let mut l = Ledger::default();
        l.ask(br#"{"src":"c1","dest":"n1","body":{"type":"read","msg_id":5}}"#);
        l.ask(br#"{"src":"c1","dest":"n1","body":{"type":"read","msg_id":"a"}}"#);
        let reply = r#"{"src":"n1","dest":"c1","body":{"type":"read_ok","in_reply_to":5}}"#;
        assert_eq!(l.answer(reply), Ok(()));
        assert_eq!(l.answer(reply).unwrap_err().property, "answered-twice");
        let echo = r#"{"src":"n1","dest":"c1","body":{"type":"error","in_reply_to":"a"}}"#;
        assert_eq!(l.answer(echo), Ok(()));
        let other = r#"{"src":"n1","dest":"c2","body":{"type":"read_ok","in_reply_to":5}}"#;
        assert_eq!(l.answer(other).unwrap_err().property, "unsolicited-reply");
    }
}
