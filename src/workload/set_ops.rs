//! Operations of Maelstrom's broadcast and g-set workloads: an even mix of adds of
//! fresh elements (0, 1, 2, … in order, so every element is added once) and reads
//! of the whole set.
//!
//! - broadcast: `broadcast {message}` / `read` (reply `messages`).
//! - g-set: `add {element}` / `read` (reply `value`).

use super::generator::{Invocation, WorkloadKind};
use crate::check::history::F;
use crate::protocol::Payload;
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

/// The next broadcast or g-set operation; `next_element` is the next fresh element.
pub(super) fn next(kind: WorkloadKind, next_element: &mut u64, rng: &mut StdRng) -> Invocation {
    if rng.gen_bool(0.5) {
        return Invocation {
            f: F::Read,
            key: None,
            value: Value::Null,
            request: Payload::client("read", json!({})),
        };
    }
    let element = json!(*next_element);
    *next_element += 1;
    match kind {
        WorkloadKind::Broadcast => Invocation {
            f: F::Broadcast,
            key: None,
            value: element.clone(),
            request: Payload::client("broadcast", json!({ "message": element })),
        },
        _ => Invocation {
            f: F::Add,
            key: None,
            value: element.clone(),
            request: Payload::client("add", json!({ "element": element })),
        },
    }
}
