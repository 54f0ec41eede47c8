//! A structural scan of a JSON object's top-level members: where each key and
//! value lies in the text, found without building values or allocating.
//!
//! It is the first step of the decoder's fast path ([`super::decode`]): the
//! envelope's `src`, `dest` and `body`, then the body's `type`, `msg_id` and
//! `in_reply_to`, in any key order (Maelstrom re-encodes what nodes send, and adds
//! an envelope `id`). Values are *skipped*, not checked: whatever the scan hands
//! on is then parsed by serde, which checks it. Anything the scan is unsure of
//! (an escaped key, a repeated key, bytes after the object) makes it give up, and
//! the line takes the general path, which explains what is wrong.

/// The members of the object that is the whole of `text` (surrounding whitespace
/// allowed), as `(key, value text)` pairs in order; `None` when `text` is not
/// such an object, a key holds an escape, or a value is cut short.
pub fn members(text: &str) -> Option<Members<'_>> {
    let bytes = text.as_bytes();
    let mut i = skip_ws(bytes, 0);
    if bytes.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(bytes, i + 1);
    let mut out = Members {
        list: [("", ""); MAX_MEMBERS],
        len: 0,
    };
    if bytes.get(i) == Some(&b'}') {
        return (skip_ws(bytes, i + 1) == bytes.len()).then_some(out);
    }
    loop {
        if bytes.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = plain_string_end(bytes, i + 1)?;
        let key = &text[i + 1..key_end - 1];
        i = skip_ws(bytes, key_end);
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_ws(bytes, i + 1);
        let end = skip_value(bytes, start)?;
        if out.len == MAX_MEMBERS {
            return None;
        }
        out.list[out.len] = (key, &text[start..end]);
        out.len += 1;
        i = skip_ws(bytes, end);
        match bytes.get(i) {
            Some(b',') => i = skip_ws(bytes, i + 1),
            Some(b'}') => return (skip_ws(bytes, i + 1) == bytes.len()).then_some(out),
            _ => return None,
        }
    }
}

/// A line's envelope as the fast path wants it: `src`, `dest`, an optional `id`
/// and then `body`, last, as the node's encoder and Maelstrom both write it.
pub struct Envelope<'a> {
    pub src: &'a str,
    pub dest: &'a str,
    /// Maelstrom's message id, unchecked.
    pub id: Option<&'a str>,
    /// The text between `"body":` and the envelope's closing brace, unchecked:
    /// whoever reads it must check that it is one JSON object.
    pub body: &'a str,
}

/// Splits `line` into its envelope members without scanning the body: the body
/// must come last, so it is whatever lies before the closing brace. `None` for
/// anything else (another key, an escaped name, a repeated key).
pub fn envelope(line: &str) -> Option<Envelope<'_>> {
    let bytes = line.as_bytes();
    let mut i = skip_ws(bytes, 0);
    if bytes.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(bytes, i + 1);
    let (mut src, mut dest, mut id) = (None, None, None);
    loop {
        if bytes.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = plain_string_end(bytes, i + 1)?;
        let key = &line[i + 1..key_end - 1];
        i = skip_ws(bytes, key_end);
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_ws(bytes, i + 1);
        if key == "body" {
            let close = line.trim_end().strip_suffix('}')?.len();
            if close <= start || src.is_none() || dest.is_none() {
                return None;
            }
            return Some(Envelope {
                src: src?,
                dest: dest?,
                id,
                body: &line[start..close],
            });
        }
        let end = skip_value(bytes, start)?;
        let value = &line[start..end];
        let slot = match key {
            "src" => &mut src,
            "dest" => &mut dest,
            "id" => &mut id,
            _ => return None,
        };
        if slot.replace(value).is_some() {
            return None;
        }
        i = skip_ws(bytes, end);
        if bytes.get(i) != Some(&b',') {
            return None;
        }
        i = skip_ws(bytes, i + 1);
    }
}

/// Most members a scanned object may have (the node's own bodies have at most
/// 10); a bigger object takes the general path.
const MAX_MEMBERS: usize = 16;

/// The members found by [`members`].
pub struct Members<'a> {
    list: [(&'a str, &'a str); MAX_MEMBERS],
    len: usize,
}

impl<'a> Members<'a> {
    /// The value of `key`: `Ok(None)` when absent, `Err(())` when repeated.
    pub fn get(&self, key: &str) -> Result<Option<&'a str>, ()> {
        let mut found = None;
        for &(k, v) in &self.list[..self.len] {
            if k == key {
                if found.is_some() {
                    return Err(());
                }
                found = Some(v);
            }
        }
        Ok(found)
    }
}

/// The contents of `value` when it is a string with no escapes and no control
/// characters (as node ids and body types are).
pub fn plain_string(value: &str) -> Option<&str> {
    let inner = value.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.bytes().any(|b| b == b'\\' || b == b'"' || b < 0x20)).then_some(inner)
}

/// `value` when it is a plain decimal integer in `0..2^64` (no sign, fraction,
/// exponent or leading zero), as the node's encoder and Maelstrom write ids.
pub fn plain_u64(value: &str) -> Option<u64> {
    let digits = value.as_bytes();
    if digits.is_empty()
        || !digits.iter().all(u8::is_ascii_digit)
        || (digits.len() > 1 && digits[0] == b'0')
    {
        return None;
    }
    value.parse().ok()
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while bytes
        .get(i)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        i += 1;
    }
    i
}

/// Just past the closing quote of a string whose contents start at `i`, when it
/// holds no escape or control character.
fn plain_string_end(bytes: &[u8], i: usize) -> Option<usize> {
    let n = bytes[i..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    (bytes[i + n] == b'"').then_some(i + n + 1)
}

/// Just past the closing quote of a string whose contents start at `i`.
fn string_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let at = i + memchr::memchr2(b'"', b'\\', bytes.get(i..)?)?;
        if bytes[at] == b'"' {
            return Some(at + 1);
        }
        i = at + 2;
    }
}

/// Just past the value that starts at `i`. Brackets are counted, not matched:
/// serde checks the value later.
fn skip_value(bytes: &[u8], i: usize) -> Option<usize> {
    match bytes.get(i)? {
        b'"' => string_end(bytes, i + 1),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < bytes.len() {
                match bytes[j] {
                    b'"' => {
                        j = string_end(bytes, j + 1)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let n = bytes[i..]
                .iter()
                .position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(bytes.len() - i);
            (n > 0).then_some(i + n)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Option<Vec<(String, String)>> {
        let m = members(text)?;
        Some(
            m.list[..m.len]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn members_are_found_in_any_order_with_values_untouched() {
        let got =
            pairs(r#" {"id":7, "body":{"a":[1,{"b":"}"}],"c":"\"{"} ,"src":"n1","dest":"c2"} "#)
                .unwrap();
        let want = [
            ("id", "7"),
            ("body", r#"{"a":[1,{"b":"}"}],"c":"\"{"}"#),
            ("src", r#""n1""#),
            ("dest", r#""c2""#),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, want);
        assert_eq!(pairs("{}"), Some(vec![]));
    }

    #[test]
    fn anything_unsure_gives_up() {
        for bad in [
            "",
            "[1]",
            r#"{"a":1"#,
            r#"{"a":1} x"#,
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{"a\u0041":1}"#,
            r#"{"a":"unterminated}"#,
            r#"{"a":[1,2}"#,
            r#"{"a":}"#,
            r#"{"a":1 "b":2}"#,
        ] {
            assert!(members(bad).is_none(), "{bad}");
        }
        let many: Vec<String> = (0..=MAX_MEMBERS).map(|i| format!("\"k{i}\":1")).collect();
        assert!(members(&format!("{{{}}}", many.join(","))).is_none());
    }

    #[test]
    fn the_envelope_ends_with_its_body() {
        let e =
            envelope(r#"{"id":3,"src":"n1","dest":"c2","body":{"type":"x","a":"}"}}  "#).unwrap();
        assert_eq!((e.src, e.dest, e.id), (r#""n1""#, r#""c2""#, Some("3")));
        assert_eq!(e.body, r#"{"type":"x","a":"}"}"#);
        // The body is not checked here: the header scan and serde do that.
        let cut = envelope(r#"{"src":"n1","dest":"c2","body":{}"#).unwrap();
        assert!(members(cut.body).is_none());
        for other in [
            r#"{"src":"n1","body":{},"dest":"c2"}"#,
            r#"{"src":"n1","dest":"c2","x":1,"body":{}}"#,
            r#"{"src":"n1","src":"n2","dest":"c2","body":{}}"#,
            r#"{"dest":"c2","body":{}}"#,
        ] {
            assert!(envelope(other).is_none(), "{other}");
        }
    }

    #[test]
    fn repeated_keys_are_reported() {
        let m = members(r#"{"msg_id":1,"x":2,"msg_id":3}"#).unwrap();
        assert_eq!(m.get("msg_id"), Err(()));
        assert_eq!(m.get("x"), Ok(Some("2")));
        assert_eq!(m.get("y"), Ok(None));
    }

    #[test]
    fn plain_values() {
        assert_eq!(plain_string(r#""n1""#), Some("n1"));
        assert_eq!(plain_string(r#""n\u0031""#), None);
        assert_eq!(plain_string("n1"), None);
        assert_eq!(plain_u64("0"), Some(0));
        assert_eq!(plain_u64("18446744073709551615"), Some(u64::MAX));
        for bad in [
            "",
            "01",
            "-1",
            "1.0",
            "1e3",
            "18446744073709551616",
            "\"1\"",
        ] {
            assert_eq!(plain_u64(bad), None, "{bad}");
        }
    }
}
