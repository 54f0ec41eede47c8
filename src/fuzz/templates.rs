//! Well-formed protocol messages to start from: client requests of every built-in
//! machine, the node's own vocabulary (init, replies, Raft, forwards, read
//! indexes), and random JSON. Mutations (see `mutate.rs`) then break them.

use crate::machines::MachineKind;
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde_json::{Map, Value, json};

/// What a template may say, and to whom.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// The node the line is handed to (the template's `dest`).
    pub node: String,
    /// The cluster's member ids.
    pub members: Vec<String>,
    /// The machine the node runs.
    pub machine: MachineKind,
    /// Who lines claim to come from.
    pub srcs: Vec<String>,
    /// Small integer keys allowed (the cluster target keeps them for its workload).
    pub integer_keys: bool,
    /// The node's current term and last log index, to make Raft messages plausible.
    pub term: u64,
    pub last_index: u64,
}

/// The body `type`s every template draws from, for type flips.
pub const TYPES: &[&str] = &[
    "read",
    "write",
    "cas",
    "txn",
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
    "lww_write",
    "echo",
    "generate",
    "topology",
    "broadcast",
    "add",
    "send",
    "poll",
    "commit_offsets",
    "list_committed_offsets",
    "read_ok",
    "",
    "READ",
    "write\u{0}",
];

/// A random well-formed line (as JSON), its `msg_id` set to `msg_id` when given.
pub fn message(rng: &mut StdRng, ctx: &Ctx, msg_id: Option<u64>) -> Value {
    let src = ctx.srcs.choose(rng).cloned().unwrap_or_else(|| "c1".into());
    let mut body = match rng.gen_range(0..100) {
        0..=59 => client_request(rng, ctx, ctx.machine),
        60..=64 => {
            let other = *MachineKind::ALL.choose(rng).unwrap_or(&MachineKind::Kv);
            client_request(rng, ctx, other)
        }
        65..=89 => internal(rng, ctx),
        90..=94 => node_reply_or_init(rng, ctx),
        _ => json!({"type": *TYPES.choose(rng).unwrap_or(&"read"), "x": value(rng, ctx, 0)}),
    };
    if let (Some(id), Some(map)) = (msg_id, body.as_object_mut()) {
        map.insert("msg_id".into(), json!(id));
    }
    json!({"src": src, "dest": ctx.node, "body": body})
}

/// A random JSON value, nested at most a few levels below `depth`.
pub fn value(rng: &mut StdRng, ctx: &Ctx, depth: u32) -> Value {
    let leaf = depth >= 3 || rng.gen_bool(0.7);
    if leaf {
        return match rng.gen_range(0..10) {
            0 | 1 if ctx.integer_keys => json!(rng.gen_range(0..5)),
            0 | 1 => json!(rng.gen_range(0..5) as f64 + 0.5),
            2 => json!(rng.r#gen::<u64>()),
            3 => json!(-rng.gen_range(1..i64::MAX)),
            4 => json!(rng.gen_range(-1e6..1e6)),
            5 => json!(["", "a", "é", "\u{0}", "\"\\", "😀", "k1"].choose(rng)),
            6 => Value::Bool(rng.r#gen()),
            7 => Value::Null,
            _ => json!(format!("k{}", rng.gen_range(0..5))),
        };
    }
    if rng.r#gen() {
        Value::Array(
            (0..rng.gen_range(0..4))
                .map(|_| value(rng, ctx, depth + 1))
                .collect(),
        )
    } else {
        let mut map = Map::new();
        for _ in 0..rng.gen_range(0..3) {
            map.insert(
                format!("f{}", rng.gen_range(0..4)),
                value(rng, ctx, depth + 1),
            );
        }
        Value::Object(map)
    }
}

/// A key: small integers only where allowed.
fn key(rng: &mut StdRng, ctx: &Ctx) -> Value {
    match rng.gen_range(0..10) {
        0..=5 if ctx.integer_keys => json!(rng.gen_range(0..4)),
        0..=5 => json!(format!("k{}", rng.gen_range(0..4))),
        _ => value(rng, ctx, 1),
    }
}

fn small(rng: &mut StdRng) -> Value {
    json!(rng.gen_range(0..6))
}

/// A request in `machine`'s vocabulary.
fn client_request(rng: &mut StdRng, ctx: &Ctx, machine: MachineKind) -> Value {
    match machine {
        MachineKind::Txn => {
            let mops: Vec<Value> = (0..rng.gen_range(0..5))
                .map(|_| {
                    if rng.r#gen() {
                        json!(["r", key(rng, ctx), null])
                    } else {
                        json!(["append", key(rng, ctx), rng.gen_range(0..1000)])
                    }
                })
                .collect();
            json!({"type": "txn", "txn": mops})
        }
        MachineKind::TxnRw => {
            let mops: Vec<Value> = (0..rng.gen_range(0..5))
                .map(|_| {
                    if rng.r#gen() {
                        json!(["r", key(rng, ctx), null])
                    } else {
                        json!(["w", key(rng, ctx), rng.gen_range(0..1000)])
                    }
                })
                .collect();
            json!({"type": "txn", "txn": mops})
        }
        MachineKind::Kafka => {
            let k = format!("k{}", rng.gen_range(0..4));
            match rng.gen_range(0..4) {
                0 => json!({"type": "send", "key": k, "msg": rng.gen_range(0..1000)}),
                1 => json!({"type": "poll", "offsets": {k: near(rng, 0)}}),
                2 => json!({"type": "commit_offsets", "offsets": {k: near(rng, 0)}}),
                _ => json!({"type": "list_committed_offsets", "keys": [k, "k0"]}),
            }
        }
        MachineKind::Echo => json!({"type": "echo", "echo": value(rng, ctx, 0)}),
        MachineKind::UniqueIds => json!({"type": "generate"}),
        MachineKind::Broadcast => match rng.gen_range(0..3) {
            0 => {
                let topology: serde_json::Map<String, Value> = ctx
                    .members
                    .iter()
                    .map(|m| (m.clone(), json!(ctx.members)))
                    .collect();
                json!({"type": "topology", "topology": topology})
            }
            1 => json!({"type": "broadcast", "message": rng.gen_range(0..1000)}),
            _ => json!({"type": "read"}),
        },
        MachineKind::GSet => match rng.r#gen::<bool>() {
            true => json!({"type": "add", "element": rng.gen_range(0..1000)}),
            false => json!({"type": "read"}),
        },
        MachineKind::GCounter | MachineKind::PnCounter => match rng.r#gen::<bool>() {
            true => json!({"type": "add", "delta": rng.gen_range(-5..10)}),
            false => json!({"type": "read"}),
        },
        MachineKind::Kv | MachineKind::Lww => match rng.gen_range(0..3) {
            0 => json!({"type": "read", "key": key(rng, ctx)}),
            1 => json!({"type": "write", "key": key(rng, ctx), "value": small(rng)}),
            _ => {
                let mut cas = json!({"type": "cas", "key": key(rng, ctx), "from": small(rng),
                                     "to": small(rng)});
                if rng.gen_bool(0.3) {
                    cas["create_if_not_exists"] = Value::Bool(rng.r#gen());
                }
                cas
            }
        },
    }
}

/// A number near `around` (a term or an index), or an extreme one.
fn near(rng: &mut StdRng, around: u64) -> Value {
    json!(match rng.gen_range(0..10) {
        0 => 0,
        1 => u64::MAX,
        2 => u64::MAX - 1,
        3 => 1 << 63,
        4 => rng.gen_range(0..1000),
        _ => around.saturating_add(rng.gen_range(0..3)).saturating_sub(1),
    })
}

fn member(rng: &mut StdRng, ctx: &Ctx) -> Value {
    json!(ctx.members.choose(rng).cloned().unwrap_or_default())
}

/// A machine command as the node logs it (for forwards and log entries).
fn command(rng: &mut StdRng, ctx: &Ctx) -> Value {
    match ctx.machine {
        MachineKind::Lww => json!({"key": key(rng, ctx), "value": small(rng),
            "stamp": {"time": near(rng, 1_000_000), "node": member(rng, ctx)}}),
        machine => {
            let mut c = client_request(rng, ctx, machine);
            if c["type"] == "read" {
                c = json!({"type": "write", "key": key(rng, ctx), "value": small(rng)});
            }
            c
        }
    }
}

fn request_id(rng: &mut StdRng, ctx: &Ctx) -> Value {
    let mut id = json!({"node": member(rng, ctx), "seq": near(rng, 3)});
    if rng.r#gen() {
        id["incarnation"] = near(rng, 0);
    }
    id
}

/// A node's log entry: a command for a client, or a leader's no-op.
fn entry(rng: &mut StdRng, ctx: &Ctx) -> Value {
    if rng.gen_bool(0.2) {
        return json!({"term": near(rng, ctx.term)});
    }
    let client = ctx.srcs.choose(rng).cloned().unwrap_or_default();
    // The compact form the node writes, or the object form earlier versions wrote.
    let data = if rng.r#gen() {
        json!([
            member(rng, ctx),
            near(rng, 0),
            near(rng, 3),
            near(rng, 0),
            client,
            rng.gen_range(0..100),
            member(rng, ctx),
            command(rng, ctx)
        ])
    } else {
        json!({"id": request_id(rng, ctx), "floor": near(rng, 0), "client": client,
            "client_msg_id": rng.gen_range(0..100), "reply_from": member(rng, ctx),
            "command": command(rng, ctx)})
    };
    json!({"term": near(rng, ctx.term), "data": data})
}

/// A message of the node's own protocol between members.
fn internal(rng: &mut StdRng, ctx: &Ctx) -> Value {
    let (term, last) = (ctx.term, ctx.last_index);
    match rng.gen_range(0..10) {
        8 => json!({"type": "install_snapshot", "term": near(rng, term),
            "leader": member(rng, ctx), "last_included_index": near(rng, last),
            "last_included_term": near(rng, term), "offset": near(rng, 0),
            "data": snapshot_text(rng, ctx), "done": rng.r#gen::<bool>()}),
        9 => json!({"type": "install_snapshot_res", "term": near(rng, term),
            "index": near(rng, last), "offset": near(rng, 10), "done": rng.r#gen::<bool>()}),
        0 => json!({"type": "request_vote", "term": near(rng, term.saturating_add(1)),
            "candidate": member(rng, ctx), "last_log_index": near(rng, last),
            "last_log_term": near(rng, term), "pre_vote": rng.r#gen::<bool>()}),
        1 => json!({"type": "request_vote_res", "term": near(rng, term),
            "vote_granted": rng.r#gen::<bool>(), "pre_vote": rng.r#gen::<bool>()}),
        2 => {
            let entries: Vec<Value> = (0..rng.gen_range(0..4)).map(|_| entry(rng, ctx)).collect();
            let mut ae = json!({"type": "append_entries", "term": near(rng, term),
                "leader": member(rng, ctx), "prev_log_index": near(rng, last),
                "prev_log_term": near(rng, term), "entries": entries,
                "leader_commit": near(rng, last)});
            if rng.r#gen() {
                ae["read_round"] = near(rng, 1);
            }
            ae
        }
        3 => {
            let mut res = json!({"type": "append_entries_res", "term": near(rng, term),
                "success": rng.r#gen::<bool>(), "index": near(rng, last)});
            if rng.r#gen() {
                res["conflict_index"] = near(rng, last);
                res["conflict_term"] = near(rng, term);
            }
            if rng.r#gen() {
                res["read_round"] = near(rng, 1);
            }
            res
        }
        4 => {
            let requests: Vec<Value> = (0..rng.gen_range(0..3))
                .map(|_| {
                    let op = if rng.r#gen() {
                        json!({"command": command(rng, ctx)})
                    } else {
                        json!({"read": client_request(rng, ctx, ctx.machine)})
                    };
                    json!({"id": request_id(rng, ctx), "floor": near(rng, 0),
                        "client": ctx.srcs.choose(rng).cloned().unwrap_or_default(),
                        "client_msg_id": rng.gen_range(0..100), "op": op})
                })
                .collect();
            json!({"type": "forward", "requests": requests})
        }
        5 => json!({"type": "forward_nack", "ids": [request_id(rng, ctx)],
            "leader": member(rng, ctx)}),
        6 => json!({"type": "read_index", "ctx": near(rng, 0)}),
        _ => json!({"type": "read_index_ok", "ctx": near(rng, 0), "index": near(rng, last)}),
    }
}

/// Snapshot text as a leader sends it in chunks: the node's replicated state as
/// JSON (whole, a prefix, or garbage).
fn snapshot_text(rng: &mut StdRng, ctx: &Ctx) -> String {
    let whole = json!({"applied_index": near(rng, ctx.last_index),
        "sessions": {"by_node": {}}, "machine": value(rng, ctx, 1)})
    .to_string();
    match rng.gen_range(0..4) {
        0 => {
            let mut cut = rng.gen_range(0..=whole.len());
            while !whole.is_char_boundary(cut) {
                cut -= 1;
            }
            whole[..cut].to_owned()
        }
        1 => value(rng, ctx, 0).to_string(),
        _ => whole,
    }
}

fn node_reply_or_init(rng: &mut StdRng, ctx: &Ctx) -> Value {
    match rng.gen_range(0..3) {
        0 => json!({"type": "init", "node_id": ctx.node, "node_ids": ctx.members}),
        1 => json!({"type": "init_ok", "in_reply_to": rng.gen_range(0..10)}),
        _ => json!({"type": "error", "code": rng.gen_range(0..40), "text": "x",
            "in_reply_to": rng.gen_range(0..10)}),
    }
}
