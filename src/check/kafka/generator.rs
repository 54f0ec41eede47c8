//! A synthetic kafka history from a simulated correct server, for tests and
//! benchmarks: clients assign keys, send, poll from their positions (committing
//! what they read), occasionally crash, and a last client polls every key from
//! the start.

use crate::check::history::{F, History, Kind, Op};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Messages a simulated poll returns per key at most.
const POLL_LIMIT: usize = 10;

#[derive(Clone)]
enum Plan {
    Send { key: usize, msg: u64 },
    Poll,
    Assign { keys: Vec<usize>, seek: bool },
    Crash,
}

struct Planned {
    process: u64,
    invoke: u64,
    complete: u64,
    commit: Option<u64>,
    outcome: Kind,
    plan: Plan,
    /// Filled in when applied: the completion value.
    done: Value,
    /// Filled in when applied: the invocation value.
    asked: Value,
}

/// The simulated server and each process's client state.
#[derive(Default)]
struct World {
    logs: Vec<Vec<u64>>,
    committed: Vec<Option<u64>>,
    positions: BTreeMap<u64, BTreeMap<usize, u64>>,
}

fn key_name(k: usize) -> String {
    k.to_string()
}

impl World {
    fn apply(&mut self, t: &mut Planned, applied: bool) {
        match t.plan.clone() {
            Plan::Send { key, msg } => {
                t.asked = json!([["send", key_name(key), msg]]);
                t.done = t.asked.clone();
                if applied {
                    self.logs[key].push(msg);
                    let offset = self.logs[key].len() - 1;
                    t.done = json!([["send", key_name(key), [offset, msg]]]);
                }
            }
            Plan::Poll => {
                let pos = self.positions.entry(t.process).or_default();
                let from: Map<String, Value> =
                    pos.iter().map(|(k, o)| (key_name(*k), json!(o))).collect();
                t.asked = json!([["poll", null, from]]);
                t.done = t.asked.clone();
                if !applied {
                    return;
                }
                let mut msgs = Map::new();
                for (k, o) in pos.iter_mut() {
                    let log = &self.logs[*k];
                    let start = (*o as usize).min(log.len());
                    let pairs: Vec<Value> = log[start..]
                        .iter()
                        .take(POLL_LIMIT)
                        .enumerate()
                        .map(|(i, m)| json!([start + i, m]))
                        .collect();
                    if let Some(last) = pairs.len().checked_sub(1) {
                        let top = (start + last) as u64;
                        *o = top + 1;
                        let c = &mut self.committed[*k];
                        *c = Some(c.map_or(top, |c| c.max(top)));
                        msgs.insert(key_name(*k), Value::Array(pairs));
                    }
                }
                t.done = json!([["poll", msgs, from]]);
            }
            Plan::Assign { keys, seek } => {
                let names: Vec<String> = keys.iter().map(|&k| key_name(k)).collect();
                t.asked = json!({"keys": names, "seek_to_beginning": seek});
                let old = self.positions.remove(&t.process).unwrap_or_default();
                let mut pos = BTreeMap::new();
                let mut listed = Map::new();
                for &k in &keys {
                    if let Some(c) = self.committed[k].filter(|_| !seek) {
                        listed.insert(key_name(k), json!(c));
                    }
                    let start = if seek {
                        0
                    } else {
                        old.get(&k).copied().or(self.committed[k]).unwrap_or(0)
                    };
                    pos.insert(k, start);
                }
                self.positions.insert(t.process, pos);
                t.done = if seek {
                    t.asked.clone()
                } else {
                    json!({"keys": names, "seek_to_beginning": false, "committed": listed})
                };
            }
            Plan::Crash => {
                t.asked = Value::Null;
                t.done = Value::Null;
            }
        }
    }
}

/// Generates a kafka history of about `ops` operations over `keys` keys from
/// `concurrency` clients, as a correct server would produce it: every operation
/// takes effect at one instant inside its window. About 3% of sends fail and 3%
/// end `info` (applied or not); a client that got `info`, or crashed, continues
/// as a fresh process and assigns again. Deterministic for a given `seed`.
pub fn synthetic_history(ops: usize, keys: usize, concurrency: usize, seed: u64) -> History {
    let keys = keys.max(1);
    let concurrency = concurrency.max(1);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut free_at = vec![0u64; concurrency];
    let mut process: Vec<u64> = (0..concurrency as u64).collect();
    let mut fresh = vec![true; concurrency];
    let mut next_process = concurrency as u64;
    let mut next_msg = 0u64;
    let mut plan: Vec<Planned> = Vec::with_capacity(ops + 4);
    let all: Vec<usize> = (0..keys).collect();
    for _ in 0..ops {
        let w = (0..concurrency).min_by_key(|&w| free_at[w]).unwrap_or(0);
        let invoke = free_at[w] + rng.gen_range(0..50);
        let complete = invoke + rng.gen_range(10..2000);
        let roll: f64 = rng.r#gen();
        let step = if fresh[w] || roll < 0.03 {
            fresh[w] = false;
            let n = rng.gen_range(1..=keys);
            let mut ks: Vec<usize> = all.clone();
            for i in 0..n {
                let j = rng.gen_range(i..keys);
                ks.swap(i, j);
            }
            ks.truncate(n);
            Plan::Assign {
                keys: ks,
                seek: false,
            }
        } else if roll < 0.04 {
            Plan::Crash
        } else if roll < 0.55 {
            next_msg += 1;
            Plan::Send {
                key: rng.gen_range(0..keys),
                msg: next_msg,
            }
        } else {
            Plan::Poll
        };
        let fate: f64 = rng.r#gen();
        let commit_at = rng.gen_range(invoke + 1..complete);
        let (outcome, commit) = match step {
            Plan::Crash => (Kind::Info, None),
            Plan::Send { .. } if fate < 0.03 => (Kind::Fail, None),
            Plan::Send { .. } if fate < 0.06 => {
                let at = rng.gen_range(invoke + 1..complete + 5000);
                (Kind::Info, rng.gen_bool(0.5).then_some(at))
            }
            _ => (Kind::Ok, Some(commit_at)),
        };
        plan.push(Planned {
            process: process[w],
            invoke,
            complete,
            commit,
            outcome,
            plan: step,
            done: Value::Null,
            asked: Value::Null,
        });
        free_at[w] = complete;
        if outcome == Kind::Info {
            process[w] = next_process;
            next_process += 1;
            fresh[w] = true;
        }
    }
    // A final reader: every key from the start until all is read.
    let mut t = free_at.iter().copied().max().unwrap_or(0) + 10_000;
    let reader = next_process;
    let step = |plan: &mut Vec<Planned>, p: Plan, t: &mut u64| {
        plan.push(Planned {
            process: reader,
            invoke: *t,
            complete: *t + 100,
            commit: Some(*t + 50),
            outcome: Kind::Ok,
            plan: p,
            done: Value::Null,
            asked: Value::Null,
        });
        *t += 200;
    };
    step(
        &mut plan,
        Plan::Assign {
            keys: all.clone(),
            seek: true,
        },
        &mut t,
    );
    // Enough polls to read the longest log.
    let mut per_key = vec![0usize; keys];
    for p in &plan {
        if let Plan::Send { key, .. } = p.plan {
            per_key[key] += 1;
        }
    }
    let longest = per_key.into_iter().max().unwrap_or(0);
    for _ in 0..longest / POLL_LIMIT + 2 {
        step(&mut plan, Plan::Poll, &mut t);
    }
    let mut world = World {
        logs: vec![Vec::new(); keys],
        committed: vec![None; keys],
        positions: BTreeMap::new(),
    };
    let mut order: Vec<usize> = (0..plan.len()).collect();
    order.sort_by_key(|&i| (plan[i].commit.unwrap_or(plan[i].invoke), i));
    for i in order {
        let applied = plan[i].commit.is_some();
        world.apply(&mut plan[i], applied);
    }
    emit(&plan)
}

fn emit(plan: &[Planned]) -> History {
    let mut events: Vec<(u64, bool, usize)> = Vec::with_capacity(plan.len() * 2);
    for (i, t) in plan.iter().enumerate() {
        events.push((t.invoke, true, i));
        let end = if matches!(t.plan, Plan::Crash) {
            t.invoke
        } else {
            t.complete
        };
        events.push((end, false, i));
    }
    events.sort_unstable_by_key(|&(time, inv, i)| (time, i, !inv));
    let mut history = History::default();
    for (time, is_invoke, i) in events {
        let t = &plan[i];
        let f = match t.plan {
            Plan::Send { .. } => F::Send,
            Plan::Poll => F::Poll,
            Plan::Assign { .. } => F::Assign,
            Plan::Crash => F::Crash,
        };
        let (kind, value, error) = if is_invoke {
            (Kind::Invoke, t.asked.clone(), None)
        } else {
            match t.outcome {
                Kind::Ok => (Kind::Ok, t.done.clone(), None),
                Kind::Fail => (Kind::Fail, t.asked.clone(), Some("error 11")),
                _ => (Kind::Info, t.asked.clone(), Some("timeout")),
            }
        };
        let mut op = Op::new(t.process, kind, f, None, value).with_error(error);
        op.time = time;
        history.push(op);
    }
    history
}

/// `raft-kv bench-check -w kafka`: generates a valid history of `ops`
/// operations (over `ops / 2000` keys, at least 4, from 10 clients, plus the final
/// polls) and times the checker (real-time checks on). One line of numbers.
pub fn benchmark(ops: usize, seed: u64) -> String {
    let keys = (ops / 2000).max(4);
    let t0 = std::time::Instant::now();
    let history = synthetic_history(ops, keys, 10, seed);
    let generated = t0.elapsed();
    let reads: usize = history
        .ops
        .iter()
        .filter(|o| o.f == F::Poll && o.kind == Kind::Ok)
        .filter_map(|o| o.value[0][1].as_object())
        .flat_map(|m| m.values())
        .filter_map(Value::as_array)
        .map(Vec::len)
        .sum();
    let t1 = std::time::Instant::now();
    let report = super::check(&history, true);
    let checked = t1.elapsed();
    format!(
        "workload=kafka ops={} keys={keys} records={} polled_messages={reads} valid={} generate={:.3}s check={:.3}s",
        report.ops_checked,
        history.ops.len(),
        report.valid,
        generated.as_secs_f64(),
        checked.as_secs_f64()
    )
}
