//! The counter checkers (g-counter, pn-counter).
//!
//! **Final reads** (Maelstrom's rule, always): after the final heal and a quiet
//! period every node's read must equal the sum of the acknowledged deltas plus the
//! deltas of some subset of the indefinite adds (failed adds never count), and all
//! nodes must agree.
//!
//! **Reads during the run**: a read is *in its window* when its value equals the
//! adds that completed ok before it was invoked, plus some subset of the adds that
//! might have taken effect by the time it completed (ok adds concurrent with it,
//! indefinite adds invoked before it completed). That is exactly what a
//! linearizable counter promises. Reads outside their window (stale, or ahead of
//! what was attempted) are always reported; with `strict` (opt-in, for
//! linearizable counters such as raft-kv's) they make the history invalid.

mod sums;
#[cfg(test)]
mod tests;

pub use sums::Sums;

use super::Verdict;
use super::final_read::{FinalRead, FinalValue};
use super::history::{F, History, Kind};
use std::collections::{BTreeMap, BTreeSet};

/// Reads outside their window described one by one (all are counted).
const MAX_LISTED: usize = 10;

/// Both counter verdicts: final reads, then reads during the run.
pub fn check(history: &History, final_reads: &[FinalRead], strict: bool) -> Vec<Verdict> {
    vec![
        final_reads_verdict(history, final_reads),
        reads_verdict(history, strict),
    ]
}

/// A delta or read value as an integer (JSON numbers that are integers).
fn integer(v: &serde_json::Value) -> Option<i128> {
    v.as_i64()
        .map(i128::from)
        .or_else(|| v.as_u64().map(i128::from))
}

/// The values the counter may hold once every add has settled.
pub fn acceptable_final(history: &History) -> Result<(Sums, usize, usize), String> {
    let mut definite = 0i128;
    let mut indefinite = Vec::new();
    for pair in history.pairs()? {
        if pair.invoke.f != F::Add {
            continue;
        }
        let Some(delta) = integer(&pair.invoke.value) else {
            return Err(format!(
                "op {}: delta {} is not an integer",
                pair.invoke.index, pair.invoke.value
            ));
        };
        match pair.outcome() {
            Kind::Ok => definite += delta,
            Kind::Info | Kind::Invoke => indefinite.push(delta),
            Kind::Fail => {}
        }
    }
    let mut sums = Sums::exactly(0);
    for d in &indefinite {
        sums.maybe_add(*d);
    }
    let count = history
        .ops
        .iter()
        .filter(|o| o.f == F::Add && o.kind == Kind::Ok)
        .count();
    Ok((sums.shifted(definite), count, indefinite.len()))
}

fn final_reads_verdict(history: &History, final_reads: &[FinalRead]) -> Verdict {
    let checker = "counter final reads".to_string();
    let (acceptable, definite, indefinite) = match acceptable_final(history) {
        Ok(x) => x,
        Err(e) => return Verdict::ill_formed(&checker, e),
    };
    let mut anomalies = Vec::new();
    if final_reads.is_empty() {
        anomalies.push("no node was read at the end".to_string());
    }
    let mut values = BTreeSet::new();
    for r in final_reads {
        let value = match &r.value {
            FinalValue::Value(text) => serde_json::from_str(text).ok().as_ref().and_then(integer),
            _ => None,
        };
        match value {
            Some(v) => {
                values.insert(v);
                if !acceptable.contains(v) {
                    anomalies.push(format!(
                        "{} read {v}, which no subset of the indefinite adds explains",
                        r.node
                    ));
                }
            }
            None => anomalies.push(format!("{}: no integer value: {:?}", r.node, r.value)),
        }
    }
    if values.len() > 1 {
        let by_node: Vec<String> = final_reads
            .iter()
            .map(|r| format!("{}: {:?}", r.node, r.value))
            .collect();
        anomalies.push(format!("the nodes disagree: {}", by_node.join(", ")));
    }
    let (lo, hi) = acceptable.bounds();
    Verdict {
        checker,
        valid: anomalies.is_empty(),
        summary: format!(
            "{} nodes read {}; acceptable {lo}..={hi} in {} range(s) ({definite} acknowledged, {indefinite} indefinite adds)",
            final_reads.len(),
            values
                .iter()
                .map(i128::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            acceptable.range_count()
        ),
        anomalies,
    }
}

/// A read in flight: the acknowledged sum when it was invoked, and the ok adds
/// concurrent with it.
struct InFlight {
    definite: i128,
    concurrent: Vec<i128>,
}

/// Reads outside their window, counted and described.
#[derive(Default)]
struct Outside {
    stale: usize,
    ahead: usize,
    listed: Vec<String>,
}

fn reads_verdict(history: &History, strict: bool) -> Verdict {
    let checker = if strict {
        "counter reads (strict)"
    } else {
        "counter reads (reported)"
    }
    .to_string();
    let pairs = match history.pairs() {
        Ok(p) => p,
        Err(e) => return Verdict::ill_formed(&checker, e),
    };
    let outcome: BTreeMap<usize, Kind> = pairs
        .iter()
        .map(|p| (p.invoke.index, p.outcome()))
        .collect();
    let mut definite = 0i128;
    let mut indefinite = Sums::exactly(0);
    let mut open_adds: BTreeMap<u64, i128> = BTreeMap::new();
    let mut reads: BTreeMap<u64, InFlight> = BTreeMap::new();
    let mut outside = Outside::default();
    let mut malformed = Vec::new();
    let mut checked = 0;
    for op in &history.ops {
        match (op.f, op.kind) {
            (F::Add, Kind::Invoke) => {
                let Some(delta) = integer(&op.value) else {
                    malformed.push(format!(
                        "op {}: delta {} is not an integer",
                        op.index, op.value
                    ));
                    continue;
                };
                match outcome.get(&op.index) {
                    Some(Kind::Ok) => {
                        open_adds.insert(op.process, delta);
                        for r in reads.values_mut() {
                            r.concurrent.push(delta);
                        }
                    }
                    Some(Kind::Fail) => {}
                    _ => indefinite.maybe_add(delta),
                }
            }
            (F::Add, Kind::Ok) => {
                if let Some(delta) = open_adds.remove(&op.process) {
                    definite += delta;
                }
            }
            (F::Read, Kind::Invoke) if outcome.get(&op.index) == Some(&Kind::Ok) => {
                reads.insert(
                    op.process,
                    InFlight {
                        definite,
                        concurrent: open_adds.values().copied().collect(),
                    },
                );
            }
            (F::Read, Kind::Ok) => {
                let Some(r) = reads.remove(&op.process) else {
                    continue;
                };
                let Some(value) = integer(&op.value) else {
                    malformed.push(format!(
                        "op {}: read {} is not an integer",
                        op.index, op.value
                    ));
                    continue;
                };
                checked += 1;
                let mut window = indefinite.clone();
                for d in &r.concurrent {
                    window.maybe_add(*d);
                }
                let window = window.shifted(r.definite);
                if !window.contains(value) {
                    let (lo, hi) = window.bounds();
                    if value < lo {
                        outside.stale += 1;
                    } else {
                        outside.ahead += 1;
                    }
                    if outside.listed.len() < MAX_LISTED {
                        outside.listed.push(format!(
                            "op {} (process {}, node {}) read {value}; possible then: {lo}..={hi} in {} range(s)",
                            op.index,
                            op.process,
                            op.node.as_deref().unwrap_or("?"),
                            window.range_count()
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    let out_count = outside.stale + outside.ahead;
    let mut anomalies = malformed.clone();
    anomalies.extend(outside.listed);
    Verdict {
        checker,
        valid: malformed.is_empty() && (!strict || out_count == 0),
        summary: format!(
            "{checked} ok reads: {out_count} outside their window ({} stale, {} ahead){}",
            outside.stale,
            outside.ahead,
            if strict || out_count == 0 {
                ""
            } else {
                "; allowed without strict mode"
            }
        ),
        anomalies,
    }
}
