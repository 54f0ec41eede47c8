//! Synthetic lin-kv histories for tests and benchmarks.
//!
//! Clients run overlapping operations against a perfectly linearizable set of registers:
//! every operation takes effect at a random point inside its [invoke, complete] window.
//! About 2% of operations end `info` (timed out); those take effect later or never.

use super::history::{F, History, Kind, Op};
use super::linearizability::check;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::time::Instant;

/// One planned operation before its records are emitted.
struct Planned {
    process: u64,
    key: usize,
    f: F,
    value: Value,
    start: u64,
    end: u64,
    /// When the operation takes effect, if ever.
    effect: Option<u64>,
    info: bool,
    /// Filled in when applied: the completion kind and value.
    outcome: Kind,
    result: Value,
}

/// Generates a linearizable history of `ops` operations over `keys` keys with `concurrency`
/// clients, deterministically from `seed`. Keys are used a few at a time, in rolling order
/// (like Maelstrom's lin-kv), so each key gets about `ops / keys` operations.
pub fn synthetic_history(ops: usize, keys: usize, concurrency: usize, seed: u64) -> History {
    synthetic_history_with(ops, keys, concurrency, 0.02, seed)
}

/// Like [`synthetic_history`], with the fraction of operations that end `info` given.
pub fn synthetic_history_with(
    ops: usize,
    keys: usize,
    concurrency: usize,
    info_rate: f64,
    seed: u64,
) -> History {
    let mut rng = StdRng::seed_from_u64(seed);
    let keys = keys.max(1);
    let concurrency = concurrency.max(1);
    let active = keys.min(concurrency.max(2));
    // (time the worker is free, its current process id)
    let mut workers: Vec<(u64, u64)> = (0..concurrency as u64).map(|p| (0, p)).collect();
    let mut next_process = concurrency as u64;
    let mut plan: Vec<Planned> = Vec::with_capacity(ops);
    for i in 0..ops {
        let w = (0..workers.len())
            .min_by_key(|&w| (workers[w].0, w))
            .unwrap_or(0);
        let start = workers[w].0 + rng.gen_range(1..200);
        let dur = rng.gen_range(50..3000);
        let end = start + dur;
        let key = (i * keys / ops.max(1) + rng.gen_range(0..active)) % keys;
        let (f, value) = match rng.gen_range(0..3) {
            0 => (F::Read, Value::Null),
            1 => (F::Write, json!(rng.gen_range(0..5))),
            _ => (F::Cas, json!([rng.gen_range(0..5), rng.gen_range(0..5)])),
        };
        let info = rng.gen_bool(info_rate.clamp(0.0, 1.0));
        let effect = if !info {
            Some(rng.gen_range(start..=end))
        } else if rng.gen_bool(0.5) {
            Some(start + rng.gen_range(0..dur * 5))
        } else {
            None
        };
        let process = workers[w].1;
        plan.push(Planned {
            process,
            key,
            f,
            value,
            start,
            end,
            effect,
            info,
            outcome: if info { Kind::Info } else { Kind::Ok },
            result: Value::Null,
        });
        workers[w].0 = end;
        if info {
            workers[w].1 = next_process;
            next_process += 1;
        }
    }
    apply(&mut plan, keys);
    emit(&plan)
}

/// Applies every operation at its effect time to a per-key register.
fn apply(plan: &mut [Planned], keys: usize) {
    let mut order: Vec<(u64, usize)> = plan
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.effect.map(|t| (t, i)))
        .collect();
    order.sort_unstable();
    let mut state: Vec<Value> = vec![Value::Null; keys];
    for (_, i) in order {
        let p = &mut plan[i];
        let reg = &mut state[p.key];
        match p.f {
            F::Read => p.result = reg.clone(),
            F::Write => *reg = p.value.clone(),
            F::Cas => {
                if !reg.is_null() && *reg == p.value[0] {
                    *reg = p.value[1].clone();
                } else if !p.info {
                    p.outcome = Kind::Fail;
                }
            }
            _ => {}
        }
    }
}

/// Turns the plan into invoke and completion records ordered by time.
fn emit(plan: &[Planned]) -> History {
    let mut records: Vec<(u64, usize, Op)> = Vec::with_capacity(plan.len() * 2);
    for (i, p) in plan.iter().enumerate() {
        let base = Op {
            index: 0,
            time: p.start,
            process: p.process,
            kind: Kind::Invoke,
            f: p.f,
            key: Some(json!(p.key)),
            value: p.value.clone(),
            error: None,
            node: Some(format!("n{}", p.process % 5)),
        };
        let mut done = base.clone();
        done.time = p.end;
        done.kind = p.outcome;
        match p.outcome {
            Kind::Ok if p.f == F::Read => done.value = p.result.clone(),
            Kind::Fail => done.error = Some("precondition-failed".into()),
            Kind::Info => done.error = Some("timeout".into()),
            _ => {}
        }
        records.push((p.start, 2 * i, base));
        records.push((p.end, 2 * i + 1, done));
    }
    records.sort_by_key(|(t, seq, _)| (*t, *seq));
    let mut h = History::default();
    for (_, _, op) in records {
        h.push(op);
    }
    h
}

/// Generates a lin-kv-shaped history (5 nodes, ~10 active keys, ~100 ops per key,
/// concurrency 10, values 0..4), checks it, and returns a one-line summary with timings.
pub fn benchmark(ops: usize, seed: u64) -> String {
    let keys = (ops / 100).max(1);
    let t0 = Instant::now();
    let history = synthetic_history(ops, keys, 10, seed);
    let generated = t0.elapsed();
    let t1 = Instant::now();
    let report = check(&history);
    let checked = t1.elapsed();
    format!(
        "ops={} keys={} records={} valid={} ops_checked={} generate={:.3}s check={:.3}s",
        ops,
        report.keys_checked,
        history.ops.len(),
        report.valid,
        report.ops_checked,
        generated.as_secs_f64(),
        checked.as_secs_f64()
    )
}
