//! A synthetic txn-list-append history from a simulated strictly serializable store.

use crate::check::history::{F, History, Kind, Op};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

/// A micro-op as generated: `read` or `append(value)` on a key.
#[derive(Clone, Copy)]
enum GenMop {
    Read(usize),
    Append(usize, u64),
}

/// One simulated transaction.
struct Planned {
    process: u64,
    invoke: u64,
    complete: u64,
    outcome: Kind,
    /// When the store applied it, if it did.
    commit: Option<u64>,
    mops: Vec<GenMop>,
    /// Filled in when applied: the list read by each read micro-op.
    reads: Vec<Option<Vec<u64>>>,
}

fn mops_json(mops: &[GenMop], reads: Option<&[Option<Vec<u64>>]>) -> Value {
    let items = mops
        .iter()
        .enumerate()
        .map(|(i, m)| match *m {
            GenMop::Append(k, v) => json!(["append", k, v]),
            GenMop::Read(k) => {
                let seen = reads.and_then(|r| r.get(i).cloned().flatten());
                json!(["r", k, seen])
            }
        })
        .collect();
    Value::Array(items)
}

/// Generates a history of `txns` list-append transactions over `keys` keys from
/// `concurrency` concurrent clients, as a correct strictly serializable store would
/// produce it: each transaction takes effect atomically at one instant inside its
/// invoke..complete window. About 5% of transactions fail (never applied) and 5%
/// end `info` (applied or not, possibly after the `info` record); a client that got
/// `info` continues under a fresh process id. Deterministic for a given `seed`.
pub fn synthetic_history(txns: usize, keys: usize, concurrency: usize, seed: u64) -> History {
    let keys = keys.max(1);
    let concurrency = concurrency.max(1);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut free_at = vec![0u64; concurrency];
    let mut process: Vec<u64> = (0..concurrency as u64).collect();
    let mut next_process = concurrency as u64;
    let mut next_value = vec![1u64; keys];
    let mut plan: Vec<Planned> = Vec::with_capacity(txns);
    for _ in 0..txns {
        let w = (0..concurrency).min_by_key(|&w| free_at[w]).unwrap_or(0);
        let invoke = free_at[w] + rng.gen_range(0..50);
        let complete = invoke + rng.gen_range(10..2000);
        let len = rng.gen_range(1..=4);
        let mops: Vec<GenMop> = (0..len)
            .map(|_| {
                let k = rng.gen_range(0..keys);
                if rng.gen_bool(0.5) {
                    let v = next_value[k];
                    next_value[k] += 1;
                    GenMop::Append(k, v)
                } else {
                    GenMop::Read(k)
                }
            })
            .collect();
        let roll: f64 = rng.r#gen();
        let (outcome, commit) = if roll < 0.05 {
            (Kind::Fail, None)
        } else if roll < 0.10 {
            let applied = rng.gen_bool(0.5);
            let at = rng.gen_range(invoke + 1..complete + 5000);
            (Kind::Info, applied.then_some(at))
        } else {
            (Kind::Ok, Some(rng.gen_range(invoke + 1..complete)))
        };
        plan.push(Planned {
            process: process[w],
            invoke,
            complete,
            outcome,
            commit,
            reads: vec![None; mops.len()],
            mops,
        });
        free_at[w] = complete;
        if outcome == Kind::Info {
            process[w] = next_process;
            next_process += 1;
        }
    }
    // Apply committed transactions in commit order.
    let mut order: Vec<usize> = (0..plan.len())
        .filter(|&i| plan[i].commit.is_some())
        .collect();
    order.sort_by_key(|&i| (plan[i].commit, i));
    let mut state: Vec<Vec<u64>> = vec![Vec::new(); keys];
    for i in order {
        let t = &mut plan[i];
        for (j, m) in t.mops.iter().enumerate() {
            match *m {
                GenMop::Append(k, v) => state[k].push(v),
                GenMop::Read(k) => {
                    t.reads[j] = (!state[k].is_empty()).then(|| state[k].clone());
                }
            }
        }
    }
    // Emit records in time order; completions before invocations at equal times.
    let mut events: Vec<(u64, bool, usize)> = Vec::with_capacity(plan.len() * 2);
    for (i, t) in plan.iter().enumerate() {
        events.push((t.invoke, true, i));
        events.push((t.complete, false, i));
    }
    events.sort_unstable();
    let mut history = History::default();
    for (time, is_invoke, i) in events {
        let t = &plan[i];
        let (kind, value, error) = if is_invoke {
            (Kind::Invoke, mops_json(&t.mops, None), None)
        } else {
            match t.outcome {
                Kind::Ok => (Kind::Ok, mops_json(&t.mops, Some(&t.reads)), None),
                Kind::Fail => (Kind::Fail, mops_json(&t.mops, None), Some("txn-conflict")),
                _ => (Kind::Info, mops_json(&t.mops, None), Some("timeout")),
            }
        };
        history.push(Op {
            index: 0,
            time,
            process: t.process,
            kind,
            f: F::Txn,
            key: None,
            value,
            error: error.map(str::to_string),
            node: None,
        });
    }
    history
}
