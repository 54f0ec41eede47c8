//! txn-rw-register operations, shaped like Maelstrom's (Elle's rw-register
//! generator): 1..=`max_txn_length` micro-ops over the active keys, half reads and
//! half writes, every write to a key a fresh value (1, 2, 3, ...), and a key
//! retired after `max_writes_per_key` writes.

use super::{Generator, Invocation};
use crate::check::history::F;
use crate::protocol::Payload;
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

impl Generator {
    /// The next rw-register transaction.
    pub(super) fn next_rw(&mut self, rng: &mut StdRng) -> Invocation {
        let len = rng.gen_range(1..=self.config.max_txn_length.max(1));
        let mut mops = Vec::with_capacity(len);
        for _ in 0..len {
            let slot = rng.gen_range(0..self.active.len());
            let key = self.active[slot].0;
            if rng.gen_bool(0.5) {
                mops.push(json!(["r", key, null]));
            } else {
                let v = self.next_value.entry(key).or_insert(1);
                mops.push(json!(["w", key, *v]));
                *v += 1;
                self.use_up(slot, self.config.max_writes_per_key);
            }
        }
        Invocation {
            f: F::Txn,
            key: None,
            value: Value::Array(mops.clone()),
            request: Payload::client("txn", json!({ "txn": mops })),
        }
    }
}
