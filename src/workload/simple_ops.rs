//! Operations of Maelstrom's echo and unique-ids workloads: every client sends one
//! request after another, no key, no mix.
//!
//! - echo: `echo {echo: "Please echo N"}`, N uniform in 0..128 (Maelstrom's payload).
//! - unique-ids: `generate`.

use super::generator::{Invocation, WorkloadKind};
use crate::check::history::F;
use crate::protocol::Payload;
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

/// The next echo or unique-ids operation.
pub(super) fn next(kind: WorkloadKind, rng: &mut StdRng) -> Invocation {
    match kind {
        WorkloadKind::Echo => {
            let payload = json!(format!("Please echo {}", rng.gen_range(0..128)));
            Invocation {
                f: F::Echo,
                key: None,
                value: payload.clone(),
                request: Payload::client("echo", json!({ "echo": payload })),
            }
        }
        _ => Invocation {
            f: F::Generate,
            key: None,
            value: Value::Null,
            request: Payload::client("generate", json!({})),
        },
    }
}
