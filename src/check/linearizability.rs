//! Linearizability checker for lin-kv histories: every key is an independent
//! compare-and-set register that starts empty.
//!
//! The history is split by key (P-compositionality) and each key is checked with the
//! Wing–Gong–Lowe search in [`super::wgl`]. `fail` operations and `info` reads are dropped;
//! `info` writes and cas operations (and operations that never completed) may take effect at
//! any time after their invocation, or never. When a key is not linearizable, a small witness
//! is extracted by the private `witness` module.

use super::history::{F, History, Kind, Op, Pair};
use super::key_op::KeyOp;
use super::register::{ABSENT, Interner, RegOp};
use super::wgl::{self, Outcome, SearchOp};
use super::witness;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;

/// Default cap on the configurations explored per key.
pub const DEFAULT_MAX_STATES: usize = 2_000_000;

/// Tuning knobs for [`check_with`].
#[derive(Clone, Copy, Debug)]
pub struct CheckOptions {
    /// Maximum number of distinct (linearized set, state) configurations explored per key
    /// before the key is reported as unknown.
    pub max_states: usize,
    /// Worker threads used to check keys in parallel (at least 1). Results do not depend on it.
    pub threads: usize,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            max_states: DEFAULT_MAX_STATES,
            threads: 2,
        }
    }
}

/// The verdict on a whole history.
#[derive(Clone, Debug, PartialEq)]
pub struct LinReport {
    /// True when every key is linearizable.
    pub valid: bool,
    /// Number of distinct keys checked.
    pub keys_checked: usize,
    /// Number of operations that entered the search (ok ops plus info writes and cas).
    pub ops_checked: usize,
    /// One entry per key that is not linearizable (or could not be decided), in order of
    /// the key's first appearance; a history-wide problem uses key `null`.
    pub failures: Vec<KeyFailure>,
}

/// Why one key is not linearizable.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyFailure {
    /// The key (`null` for a problem with the whole history).
    pub key: Value,
    /// A small set of history records (invokes with their completions, in record order)
    /// that cannot be linearized together.
    pub witness: Vec<Op>,
    /// A human-readable explanation.
    pub message: String,
}

/// Checks a history with default options.
pub fn check(history: &History) -> LinReport {
    check_with(history, &CheckOptions::default())
}

/// Checks a history, key by key.
pub fn check_with(history: &History, opts: &CheckOptions) -> LinReport {
    let pairs = match history.pairs() {
        Ok(p) => p,
        Err(e) => return ill_formed(format!("ill-formed history: {e}")),
    };
    let groups = match group_by_key(&pairs) {
        Ok(g) => g,
        Err(e) => return ill_formed(e),
    };
    let results = run_parallel(&groups, opts);
    let mut report = LinReport {
        valid: true,
        keys_checked: groups.len(),
        ops_checked: 0,
        failures: Vec::new(),
    };
    for (ops, result) in results {
        report.ops_checked += ops;
        if let Err(f) = result {
            report.valid = false;
            report.failures.push(f);
        }
    }
    report
}

/// Checks the records of a single key (invokes and completions, in record order).
pub fn check_key(ops: &[Op]) -> Result<(), KeyFailure> {
    let history = History { ops: ops.to_vec() };
    let key = ops
        .iter()
        .find_map(|o| o.key.clone())
        .unwrap_or(Value::Null);
    let pairs = history.pairs().map_err(|e| KeyFailure {
        key: key.clone(),
        witness: Vec::new(),
        message: format!("ill-formed history: {e}"),
    })?;
    check_pairs(&key, &pairs, DEFAULT_MAX_STATES).1
}

fn ill_formed(message: String) -> LinReport {
    LinReport {
        valid: false,
        keys_checked: 0,
        ops_checked: 0,
        failures: vec![KeyFailure {
            key: Value::Null,
            witness: Vec::new(),
            message,
        }],
    }
}

type Group<'a> = (Value, Vec<Pair<'a>>);

/// Splits pairs by key, keys in order of first appearance.
fn group_by_key<'a>(pairs: &[Pair<'a>]) -> Result<Vec<Group<'a>>, String> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut groups: Vec<Group<'a>> = Vec::new();
    for p in pairs {
        let Some(key) = &p.invoke.key else {
            return Err(format!(
                "op {} has no key (not a lin-kv operation)",
                p.invoke.index
            ));
        };
        let slot = *index.entry(key.to_string()).or_insert_with(|| {
            groups.push((key.clone(), Vec::new()));
            groups.len() - 1
        });
        groups[slot].1.push(*p);
    }
    Ok(groups)
}

type KeyResult = (usize, Result<(), KeyFailure>);

/// Checks every group, spreading keys over threads; output is in group order.
fn run_parallel(groups: &[Group<'_>], opts: &CheckOptions) -> Vec<KeyResult> {
    let threads = opts.threads.clamp(1, groups.len().max(1));
    let budget = opts.max_states;
    let mut slots: Vec<Option<KeyResult>> = vec![None; groups.len()];
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    (t..groups.len())
                        .step_by(threads)
                        .map(|g| (g, check_pairs(&groups[g].0, &groups[g].1, budget)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            // A panicking worker leaves its slots empty; they are reported below.
            if let Ok(done) = h.join() {
                for (g, r) in done {
                    slots[g] = Some(r);
                }
            }
        }
    });
    slots
        .into_iter()
        .zip(groups)
        .map(|(slot, (key, _))| {
            slot.unwrap_or_else(|| {
                let message = "checker worker panicked".to_string();
                (
                    0,
                    Err(KeyFailure {
                        key: key.clone(),
                        witness: Vec::new(),
                        message,
                    }),
                )
            })
        })
        .collect()
}

/// Checks one key's pairs; returns the number of ops searched and the verdict.
fn check_pairs(key: &Value, pairs: &[Pair<'_>], budget: usize) -> KeyResult {
    let fail = |message: String, witness: Vec<Op>| KeyFailure {
        key: key.clone(),
        witness,
        message,
    };
    let kops = match build_ops(pairs) {
        Ok(k) => k,
        Err(e) => return (0, Err(fail(e, Vec::new()))),
    };
    let search: Vec<SearchOp> = kops.iter().map(|k| k.search).collect();
    // A cheap first attempt; if it runs out, look for a local proof before the full search.
    let probe = budget.min(PROBE_STATES);
    let mut outcome = wgl::search(&search, ABSENT, probe);
    if let Outcome::Exhausted { stuck } = outcome
        && budget > probe
    {
        let local = stuck.and_then(|s| witness::local_violation(&kops, s, probe).map(|w| (s, w)));
        if let Some((s, w)) = local {
            let message = violation_message(&kops, s, None, &w);
            return (
                kops.len(),
                Err(fail(message, witness::records(&kops, &w.ops))),
            );
        }
        outcome = wgl::search(&search, ABSENT, budget);
    }
    match outcome {
        Outcome::Linearizable => (kops.len(), Ok(())),
        Outcome::Exhausted { stuck } => {
            let local =
                stuck.and_then(|s| witness::local_violation(&kops, s, budget).map(|w| (s, w)));
            if let Some((s, w)) = local {
                let message = violation_message(&kops, s, None, &w);
                return (
                    kops.len(),
                    Err(fail(message, witness::records(&kops, &w.ops))),
                );
            }
            let message = format!(
                "search budget exhausted (unknown) after {budget} states over {} ops",
                kops.len()
            );
            (kops.len(), Err(fail(message, Vec::new())))
        }
        Outcome::Violation { stuck, longest } => {
            let w = witness::extract(&kops, stuck, budget);
            let message = violation_message(&kops, stuck, Some(&longest), &w);
            (
                kops.len(),
                Err(fail(message, witness::records(&kops, &w.ops))),
            )
        }
    }
}

/// States explored before trying a local proof of a violation.
const PROBE_STATES: usize = 100_000;

/// Explains a violation: the op that could not be linearized, the longest linearizable
/// prefix found (if the full search ran) and how to read the witness.
fn violation_message(
    kops: &[KeyOp<'_>],
    stuck: usize,
    longest: Option<&[usize]>,
    w: &witness::Witness,
) -> String {
    let describe_at = |i: usize| kops.get(i).map_or_else(String::new, describe_kop);
    let prefix = match longest {
        Some(l) => format!(
            "the longest linearizable prefix has {} of {} ops (last: {})",
            l.len(),
            kops.len(),
            l.last()
                .map_or_else(|| "none".to_string(), |&i| describe_at(i)),
        ),
        None => format!("shown by a local search over {} ops", kops.len()),
    };
    format!(
        "cannot linearize `{}`; {prefix}. These {} ops cannot be ordered{}:",
        describe_at(stuck),
        w.ops.len(),
        if w.from_any_state {
            ", whatever the register held before the first of them"
        } else {
            ", starting from an empty register"
        },
    )
}

/// Turns pairs into search operations: drops fails and info reads, makes info ops optional.
fn build_ops<'a>(pairs: &[Pair<'a>]) -> Result<Vec<KeyOp<'a>>, String> {
    let mut interner = Interner::default();
    let mut out = Vec::with_capacity(pairs.len());
    for p in pairs {
        let inv = p.invoke;
        let outcome = p.outcome();
        if outcome == Kind::Fail {
            continue;
        }
        if let Some(c) = p.completion
            && c.time < inv.time
        {
            return Err(format!(
                "op {} completes before its invocation {}",
                c.index, inv.index
            ));
        }
        let ok = outcome == Kind::Ok;
        let op = match inv.f {
            F::Read if !ok => continue,
            F::Read => {
                RegOp::Read(interner.intern(p.completion.map_or(&Value::Null, |c| &c.value)))
            }
            F::Write => RegOp::Write(interner.intern(&inv.value)),
            F::Cas => match inv.value.as_array().map(Vec::as_slice) {
                Some([from, to]) => RegOp::Cas(interner.intern(from), interner.intern(to)),
                _ => {
                    return Err(format!(
                        "cas op {} has value {}, not [from, to]",
                        inv.index, inv.value
                    ));
                }
            },
            other => {
                return Err(format!(
                    "op {} is a {} op, not a register op",
                    inv.index,
                    other.name()
                ));
            }
        };
        let ret = if ok {
            p.completion.map(|c| (c.time, c.index))
        } else {
            None
        };
        let search = SearchOp {
            op,
            call: (inv.time, inv.index),
            ret,
        };
        out.push(KeyOp {
            invoke: inv,
            completion: p.completion,
            search,
        });
    }
    Ok(out)
}

fn describe_kop(k: &KeyOp<'_>) -> String {
    describe(k.invoke, k.completion)
}

/// One line describing an operation, e.g. `p3 ok cas [1,2] @ 12.345ms..13.001ms`.
pub fn describe(invoke: &Op, completion: Option<&Op>) -> String {
    let outcome = match completion.map(|c| c.kind) {
        Some(Kind::Ok) => "ok",
        Some(Kind::Fail) => "fail",
        Some(Kind::Info) | Some(Kind::Invoke) | None => "info",
    };
    let f = invoke.f.name();
    let value = match (invoke.f, completion) {
        (F::Read, Some(c)) if c.kind == Kind::Ok => &c.value,
        _ => &invoke.value,
    };
    let end = completion.map_or_else(|| "?".to_string(), |c| ms(c.time));
    format!(
        "p{} {outcome} {f} {value} @ {}..{end}",
        invoke.process,
        ms(invoke.time)
    )
}

fn ms(micros: u64) -> String {
    format!("{}.{:03}ms", micros / 1000, micros % 1000)
}

/// Pairs the records of a witness: each invoke with the next record of its process.
fn witness_lines(records: &[Op]) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, r) in records.iter().enumerate() {
        if r.kind != Kind::Invoke {
            continue;
        }
        let completion = records[i + 1..].iter().find(|c| c.process == r.process);
        let completion = completion.filter(|c| c.kind != Kind::Invoke);
        lines.push(describe(r, completion));
    }
    lines
}

impl fmt::Display for KeyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "key {}: {}", self.key, self.message)?;
        for line in witness_lines(&self.witness) {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

impl fmt::Display for LinReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "linearizability: {} ({} keys, {} ops checked)",
            if self.valid { "valid" } else { "INVALID" },
            self.keys_checked,
            self.ops_checked
        )?;
        for failure in &self.failures {
            write!(f, "{failure}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "linearizability_tests.rs"]
mod tests;
