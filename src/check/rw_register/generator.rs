//! A synthetic txn-rw-register history from a simulated strictly serializable
//! store, for tests and benchmarks.

use crate::check::history::{F, History, Kind, Op};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

/// A micro-op as generated: read or write(value) of a key.
#[derive(Clone, Copy)]
enum GenMop {
    Read(usize),
    Write(usize, u64),
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
    /// Filled in when applied: the value read by each read micro-op.
    reads: Vec<Option<u64>>,
}

fn mops_json(mops: &[GenMop], reads: Option<&[Option<u64>]>) -> Value {
    let items = mops
        .iter()
        .enumerate()
        .map(|(i, m)| match *m {
            GenMop::Write(k, v) => json!(["w", k, v]),
            GenMop::Read(k) => {
                let seen = reads.and_then(|r| r.get(i).copied().flatten());
                json!(["r", k, seen])
            }
        })
        .collect();
    Value::Array(items)
}

/// Generates a history of `txns` rw-register transactions from `concurrency`
/// clients as a correct strictly serializable store would produce it: each
/// transaction takes effect at one instant inside its invoke..complete window.
/// Keys are used `keys` at a time and retired after about 16 writes (like
/// Maelstrom's generator). About 5% of transactions fail (never applied) and 5%
/// end `info` (applied or not, possibly after the `info`); a client that got `info`
/// continues under a fresh process id. Deterministic for a given `seed`.
pub fn synthetic_history(txns: usize, keys: usize, concurrency: usize, seed: u64) -> History {
    const WRITES_PER_KEY: u64 = 16;
    let keys = keys.max(1);
    let concurrency = concurrency.max(1);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut free_at = vec![0u64; concurrency];
    let mut process: Vec<u64> = (0..concurrency as u64).collect();
    let mut next_process = concurrency as u64;
    // Active keys: (key, writes so far).
    let mut active: Vec<(usize, u64)> = (0..keys).map(|k| (k, 0)).collect();
    let mut next_key = keys;
    let mut plan: Vec<Planned> = Vec::with_capacity(txns);
    for _ in 0..txns {
        let w = (0..concurrency).min_by_key(|&w| free_at[w]).unwrap_or(0);
        let invoke = free_at[w] + rng.gen_range(0..50);
        let complete = invoke + rng.gen_range(10..2000);
        let len = rng.gen_range(1..=4);
        let mut mops = Vec::with_capacity(len);
        for _ in 0..len {
            let slot = rng.gen_range(0..active.len());
            let (k, written) = active[slot];
            if rng.gen_bool(0.5) {
                mops.push(GenMop::Write(k, written + 1));
                active[slot].1 += 1;
                if active[slot].1 >= WRITES_PER_KEY {
                    active[slot] = (next_key, 0);
                    next_key += 1;
                }
            } else {
                mops.push(GenMop::Read(k));
            }
        }
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
    let mut order: Vec<usize> = (0..plan.len())
        .filter(|&i| plan[i].commit.is_some())
        .collect();
    order.sort_by_key(|&i| (plan[i].commit, i));
    let mut state: std::collections::HashMap<usize, u64> = Default::default();
    for i in order {
        let t = &mut plan[i];
        for (j, m) in t.mops.iter().enumerate() {
            match *m {
                GenMop::Write(k, v) => {
                    state.insert(k, v);
                }
                GenMop::Read(k) => t.reads[j] = state.get(&k).copied(),
            }
        }
    }
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
        let mut op = Op::new(t.process, kind, F::Txn, None, value).with_error(error);
        op.time = time;
        history.push(op);
    }
    history
}

/// `raft-kv bench-check -w txn-rw-register`: generates a valid history of `ops`
/// transactions (10 keys active at a time, 10 clients) and times the checker
/// against strict serializability. One line of numbers.
pub fn benchmark(ops: usize, seed: u64) -> String {
    let t0 = std::time::Instant::now();
    let history = synthetic_history(ops, 10, 10, seed);
    let generated = t0.elapsed();
    let t1 = std::time::Instant::now();
    let report = super::check(&history, crate::check::models::Models::STRICT);
    let checked = t1.elapsed();
    format!(
        "workload=txn-rw-register txns={} records={} valid={} generate={:.3}s check={:.3}s",
        report.txns_checked,
        history.ops.len(),
        report.valid,
        generated.as_secs_f64(),
        checked.as_secs_f64()
    )
}
