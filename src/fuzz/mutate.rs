//! Breaking well-formed messages: JSON-level mutations (drop, re-type or nest a
//! field; odd `msg_id`, `src`, `dest` or `type`; integers beyond 64 bits) and
//! byte-level ones (truncate, corrupt, insert invalid UTF-8, split the line).

use super::templates::{self, Ctx};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde_json::{Value, json};

/// Stands in for an integer literal a `Value` cannot hold; replaced in the text.
const BIG: &str = "\u{1}big\u{1}";
/// What replaces [`BIG`]: numbers serde_json cannot represent exactly, or at all.
const BIG_LITERALS: &[&str] = &[
    "18446744073709551616",
    "-9223372036854775809",
    "123456789012345678901234567890",
    "1e400",
    "-1e400",
    "1.0e-400",
    "-0",
    "0.1e1",
];

/// Every mutation, by name (the fuzzer reports how often each was tried).
pub const NAMES: &[&str] = &[
    "drop-field",
    "retype",
    "nest",
    "extra-field",
    "flip-type",
    "odd-msg-id",
    "odd-src",
    "odd-dest",
    "big-number",
    "truncate",
    "corrupt-byte",
    "insert-bytes",
    "delete-range",
    "duplicate-range",
    "invalid-utf8",
    "lone-surrogate",
    "split-line",
    "random-bytes",
];

/// One generated input: the bytes (possibly several lines) and what was done.
#[derive(Clone, Debug)]
pub struct Generated {
    pub bytes: Vec<u8>,
    pub mutations: Vec<&'static str>,
}

/// A well-formed message with zero to a few mutations applied.
pub fn generate(rng: &mut StdRng, ctx: &Ctx, msg_id: u64) -> Generated {
    let msg_id = rng.gen_bool(0.95).then_some(msg_id);
    let mut msg = templates::message(rng, ctx, msg_id);
    let count = match rng.gen_range(0..10) {
        0..=2 => 0,
        3..=6 => 1,
        7 | 8 => 2,
        _ => 3,
    };
    let mut mutations = Vec::new();
    let mut byte_ops = Vec::new();
    for _ in 0..count {
        let name = *NAMES.choose(rng).unwrap_or(&"retype");
        mutations.push(name);
        if !mutate_json(rng, ctx, &mut msg, name) {
            byte_ops.push(name);
        }
    }
    let mut text = msg.to_string();
    while let Some(at) = text.find(&serde_json::to_string(BIG).unwrap_or_default()) {
        let quoted = serde_json::to_string(BIG).unwrap_or_default().len();
        let literal = BIG_LITERALS.choose(rng).unwrap_or(&"0");
        text.replace_range(at..at + quoted, literal);
    }
    let mut bytes = text.into_bytes();
    for name in byte_ops {
        mutate_bytes(rng, &mut bytes, name);
    }
    Generated { bytes, mutations }
}

/// JSON pointers to every value inside `v` (the root excluded).
fn paths(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                paths(child, p, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                paths(child, p, out);
            }
        }
        _ => {}
    }
}

fn random_path(rng: &mut StdRng, v: &Value) -> Option<String> {
    let mut all = Vec::new();
    paths(v, String::new(), &mut all);
    all.choose(rng).cloned()
}

/// An odd value for a reserved field.
fn odd(rng: &mut StdRng) -> Value {
    [
        json!("abc"),
        json!(-1),
        json!(1.5),
        json!(1e30),
        json!(BIG),
        json!(true),
        json!({}),
        json!([1]),
        Value::Null,
        json!(""),
        json!(u64::MAX),
        json!("n7"),
        json!("n1"),
    ]
    .choose(rng)
    .cloned()
    .unwrap_or(Value::Null)
}

/// Applies JSON-level mutation `name`; false when it is a byte-level one.
fn mutate_json(rng: &mut StdRng, ctx: &Ctx, msg: &mut Value, name: &str) -> bool {
    match name {
        "drop-field" => {
            if let Some(path) = random_path(rng, msg) {
                remove(msg, &path);
            }
        }
        "retype" => {
            if let Some(path) = random_path(rng, msg) {
                let new = templates::value(rng, ctx, 0);
                if let Some(slot) = msg.pointer_mut(&path) {
                    *slot = new;
                }
            }
        }
        "nest" => {
            if let Some(path) = random_path(rng, msg) {
                let levels = *[1, 5, 30, 60, 61, 62, 63, 64, 65, 100, 126, 127, 130, 300]
                    .choose(rng)
                    .unwrap_or(&1);
                let object = rng.r#gen::<bool>();
                if let Some(slot) = msg.pointer_mut(&path) {
                    let mut v = slot.take();
                    for _ in 0..levels {
                        v = if object {
                            Value::Object(std::iter::once(("n".to_owned(), v)).collect())
                        } else {
                            Value::Array(vec![v])
                        };
                    }
                    *slot = v;
                }
            }
        }
        "extra-field" => {
            let new = templates::value(rng, ctx, 0);
            let name = ["id", "floor", "stamp", "client", "node", "z"]
                .choose(rng)
                .copied()
                .unwrap_or("z");
            if let Some(body) = msg.get_mut("body").and_then(Value::as_object_mut) {
                body.insert(name.into(), new);
            }
        }
        "flip-type" => {
            let ty = *templates::TYPES.choose(rng).unwrap_or(&"read");
            set(msg, "/body/type", json!(ty));
        }
        "odd-msg-id" => {
            let v = odd(rng);
            set(msg, "/body/msg_id", v);
        }
        "odd-src" | "odd-dest" => {
            let field = if name == "odd-src" { "src" } else { "dest" };
            let v = odd(rng);
            if let Some(map) = msg.as_object_mut() {
                if rng.gen_bool(0.3) {
                    map.remove(field);
                } else {
                    map.insert(field.into(), v);
                }
            }
        }
        "big-number" => {
            if let Some(path) = random_path(rng, msg) {
                set(msg, &path, json!(BIG));
            }
        }
        _ => return false,
    }
    true
}

fn set(msg: &mut Value, path: &str, v: Value) {
    if let Some(slot) = msg.pointer_mut(path) {
        *slot = v;
    } else if let Some((parent, key)) = path.rsplit_once('/')
        && let Some(Value::Object(map)) = msg.pointer_mut(parent)
    {
        map.insert(key.to_owned(), v);
    }
}

fn remove(msg: &mut Value, path: &str) {
    let Some((parent, key)) = path.rsplit_once('/') else {
        return;
    };
    match msg.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.remove(&key.replace("~1", "/").replace("~0", "~"));
        }
        Some(Value::Array(items)) => {
            if let Ok(i) = key.parse::<usize>()
                && i < items.len()
            {
                items.remove(i);
            }
        }
        _ => {}
    }
}

/// Applies byte-level mutation `name`.
fn mutate_bytes(rng: &mut StdRng, bytes: &mut Vec<u8>, name: &str) {
    let len = bytes.len();
    let at = rng.gen_range(0..=len);
    match name {
        "truncate" => bytes.truncate(at),
        "corrupt-byte" if len > 0 => {
            let i = rng.gen_range(0..len);
            bytes[i] = if rng.r#gen() {
                bytes[i] ^ (1 << rng.gen_range(0..8))
            } else {
                rng.r#gen()
            };
        }
        "insert-bytes" => {
            let junk: Vec<u8> = (0..rng.gen_range(1..8))
                .map(|_| *b"{}[]\",:0-e.\\ tnu".choose(rng).unwrap_or(&b' '))
                .collect();
            bytes.splice(at..at, junk);
        }
        "delete-range" => {
            let end = (at + rng.gen_range(1..16)).min(len);
            bytes.drain(at..end);
        }
        "duplicate-range" => {
            let end = (at + rng.gen_range(1..32)).min(len);
            let copy = bytes[at..end].to_vec();
            bytes.splice(at..at, copy);
        }
        "invalid-utf8" => {
            let seq: &[&[u8]] = &[
                b"\xE9",
                b"\xC0\x80",
                b"\xFF",
                b"\xED\xA0\x80",
                b"\xF4\x90\x80\x80",
                b"\xE2\x82",
            ];
            let pick = seq.choose(rng).copied().unwrap_or(b"\xFF");
            bytes.splice(at..at, pick.iter().copied());
        }
        "lone-surrogate" => {
            let esc: &[u8] = [&b"\\uD800"[..], b"\\uDC00", b"\\u0000", b"\\uZZZZ", b"\\"]
                .choose(rng)
                .copied()
                .unwrap_or(b"\\");
            // Inside a string if possible: just after a quote.
            let quote = bytes
                .iter()
                .skip(at)
                .position(|b| *b == b'"')
                .map(|p| at + p + 1);
            let i = quote.unwrap_or(at).min(bytes.len());
            bytes.splice(i..i, esc.iter().copied());
        }
        "split-line" => {
            let sep: &[u8] = if rng.r#gen() { b"\n" } else { b"\r\n" };
            bytes.splice(at..at, sep.iter().copied());
        }
        "random-bytes" => {
            *bytes = (0..rng.gen_range(0..64)).map(|_| rng.r#gen()).collect();
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machines::MachineKind;
    use rand::SeedableRng;

    #[test]
    fn every_mutation_is_applied_and_big_placeholders_never_leak() {
        let ctx = Ctx {
            node: "n1".into(),
            members: vec!["n1".into()],
            machine: MachineKind::Kv,
            srcs: vec!["c1".into()],
            integer_keys: true,
            term: 1,
            last_index: 1,
        };
        let mut rng = StdRng::seed_from_u64(1);
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..5000 {
            let g = generate(&mut rng, &ctx, i);
            seen.extend(g.mutations.iter().copied());
            let text = String::from_utf8_lossy(&g.bytes);
            assert!(!text.contains("big\\u0001"), "{text}");
        }
        assert_eq!(seen.len(), NAMES.len(), "{seen:?}");
    }
}
