//! Operations of Maelstrom's pn-counter and g-counter workloads.
//!
//! pn-counter: an even mix of `add {delta}` with delta uniform in -5..=4 and `read`.
//! g-counter: the same stream with the negative adds filtered out (as Maelstrom's
//! `gen/filter` does), so a third of the operations are adds of 0..=4.

use super::generator::{Invocation, WorkloadKind};
use crate::check::history::F;
use crate::protocol::Payload;
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

/// The next counter operation.
pub(super) fn next(kind: WorkloadKind, rng: &mut StdRng) -> Invocation {
    loop {
        if rng.gen_bool(0.5) {
            return Invocation {
                f: F::Read,
                key: None,
                value: Value::Null,
                request: Payload::client("read", json!({})),
            };
        }
        let delta: i64 = rng.gen_range(-5..5);
        if delta < 0 && kind == WorkloadKind::GCounter {
            continue;
        }
        return Invocation {
            f: F::Add,
            key: None,
            value: json!(delta),
            request: Payload::client("add", json!({ "delta": delta })),
        };
    }
}
