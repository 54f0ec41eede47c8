//! What a node accepts in a client body, so that every peer can read back whatever
//! a node accepted.
//!
//! A client's value travels further than the client's line: inside a `forward`
//! (envelope, body, `requests`, the forward, its `op`) and, as a log entry, inside
//! `append_entries` and the node's command. serde_json refuses JSON nested more than
//! 128 levels deep, so a value that just fits in the client's line may not fit in
//! the message that carries it to the leader: the leader would refuse that message
//! forever. Client requests are therefore limited to [`MAX_CLIENT_DEPTH`] levels,
//! far below the parser's limit whatever the embedding. Replies (bodies with an
//! `in_reply_to`) are not checked: they travel no further, may nest what requests
//! carried a level or three deeper (a set of elements, kafka's `[offset, msg]`
//! pairs), and a node never executes a reply.
//!
//! Numbers: serde_json (without `arbitrary_precision`) reads an integer beyond 64
//! bits as a float, so a node would silently store something other than what the
//! client sent. An integer literal outside `[-2^63, 2^64 - 1]` is refused instead.
//! Numbers with a fraction or an exponent are IEEE-754 doubles, read and written
//! exactly (serde_json's `float_roundtrip`).

/// The deepest nesting of arrays and objects accepted in a client body, the body
/// object itself counting as one level (`{"type":"write","value":[[1]]}` is 3
/// deep). The messages that carry a client value between nodes add at most 6
/// levels, so peers never reach serde_json's limit of 128.
pub const MAX_CLIENT_DEPTH: usize = 64;

/// Checks a client body's JSON text (already known to be valid JSON): nesting
/// within [`MAX_CLIENT_DEPTH`], every integer literal within 64 bits. The error
/// says what is wrong, for an error-12 reply.
pub fn check_client_body(text: &str) -> Result<(), String> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = skip_string(bytes, i + 1),
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_CLIENT_DEPTH {
                    return Err(format!(
                        "body is nested more than {MAX_CLIENT_DEPTH} levels deep"
                    ));
                }
                i += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let end = bytes[i..]
                    .iter()
                    .position(|b| !matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
                    .map_or(bytes.len(), |n| i + n);
                check_integer(&text[i..end])?;
                i = end;
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// The index just past the string whose contents start at `i`.
fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// An integer literal must fit in an `i64` (negative) or a `u64`; a number with a
/// fraction or an exponent is a float and always passes.
fn check_integer(token: &str) -> Result<(), String> {
    if token.contains(['.', 'e', 'E']) {
        return Ok(());
    }
    let fits = if token.starts_with('-') {
        token.parse::<i64>().is_ok()
    } else {
        token.parse::<u64>().is_ok()
    };
    if fits {
        Ok(())
    } else {
        Err(format!(
            "integer {token} does not fit in 64 bits (integers must be within -2^63..2^64-1)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> String {
        format!(
            r#"{{"type":"write","key":1,"value":{}1{}}}"#,
            "[".repeat(levels),
            "]".repeat(levels)
        )
    }

    #[test]
    fn depth_counts_the_body_and_ignores_brackets_in_strings() {
        assert!(check_client_body(&nested(MAX_CLIENT_DEPTH - 1)).is_ok());
        assert!(check_client_body(&nested(MAX_CLIENT_DEPTH)).is_err());
        let tricky = r#"{"type":"write","key":"[[[[\"{{{","value":"\\"}"#;
        assert!(check_client_body(tricky).is_ok());
        let deep_text = format!(
            r#"{{"type":"write","key":"{}","value":1}}"#,
            "[".repeat(500)
        );
        assert!(check_client_body(&deep_text).is_ok());
    }

    #[test]
    fn integers_beyond_64_bits_are_refused_and_floats_pass() {
        for ok in [
            "18446744073709551615",
            "-9223372036854775808",
            "0",
            "-0",
            "1e30",
            "1.5",
            "-2.5E-3",
            "123456789012345678901234567890.0",
        ] {
            let body = format!(r#"{{"type":"write","key":1,"value":{ok}}}"#);
            assert!(check_client_body(&body).is_ok(), "{ok}");
        }
        for bad in [
            "18446744073709551616",
            "-9223372036854775809",
            "1000000000000000000000",
        ] {
            let body = format!(r#"{{"type":"write","key":[{bad}],"value":1}}"#);
            assert!(check_client_body(&body).is_err(), "{bad}");
        }
    }
}
