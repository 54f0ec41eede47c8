//! Anomalies visible without a dependency graph: aborted reads (G1a), intermediate
//! reads (G1b) and internal inconsistency.

use super::order::KeyOrder;
use super::report::{Anomaly, AnomalyKind};
use super::txn::{Elem, Mop, Parsed, Txn};
use crate::check::fx::{FxMap, FxSet};
use crate::check::history::Kind;

/// Aborted reads: one anomaly per key and failed writer whose append was read.
pub(crate) fn aborted_reads(p: &Parsed<'_>, orders: &[KeyOrder]) -> Vec<Anomaly> {
    let mut out = Vec::new();
    for (key, order) in orders.iter().enumerate() {
        let mut reported = FxSet::default();
        for e in order.observed_elems() {
            let Some(&w) = p.writers[key].get(&e) else {
                continue;
            };
            let writer = &p.txns[w];
            if writer.outcome != Kind::Fail || !reported.insert(w) {
                continue;
            }
            let Some((r, list)) = order.first_reader(p, e) else {
                continue;
            };
            let reader = &p.txns[r];
            out.push(Anomaly {
                kind: AnomalyKind::G1a,
                message: format!(
                    "{} read {} = {}, including {}, which was appended only by failed {}",
                    reader.name(),
                    p.keys.label(key),
                    p.show_list(list),
                    p.show(e),
                    writer.name()
                ),
                ops: [reader.records(), writer.records()].concat(),
            });
        }
    }
    out
}

/// Intermediate reads: a read ending in an append that its writer followed with
/// another append to the same key.
pub(crate) fn intermediate_reads(p: &Parsed<'_>) -> Vec<Anomaly> {
    let mut out = Vec::new();
    for (r, reader) in p.txns.iter().enumerate() {
        if reader.outcome != Kind::Ok {
            continue;
        }
        for m in &reader.mops {
            let Mop::Read {
                key,
                value: Some(list),
            } = m
            else {
                continue;
            };
            let Some(&last) = list.last() else { continue };
            let Some(&w) = p.writers[*key].get(&last) else {
                continue;
            };
            if w == r {
                continue;
            }
            let writer = &p.txns[w];
            let final_append = writer.appends_to(*key).last();
            if final_append.is_some_and(|f| f != last) {
                out.push(Anomaly {
                    kind: AnomalyKind::G1b,
                    message: format!(
                        "{} read {} = {}, ending in {}, an intermediate append of {}, \
                         which went on to append {}",
                        reader.name(),
                        p.keys.label(*key),
                        p.show_list(list),
                        p.show(last),
                        writer.name(),
                        final_append.map_or("", |f| p.show(f))
                    ),
                    ops: [reader.records(), writer.records()].concat(),
                });
            }
        }
    }
    out
}

/// What a transaction must see of one key: `base` (a list it read, if any) followed
/// by its own appends since.
struct Expect<'a> {
    base: Option<&'a [Elem]>,
    own: Vec<Elem>,
}

/// Checks one `ok` transaction's reads against its earlier reads and appends.
fn internal_of(p: &Parsed<'_>, txn: &Txn<'_>) -> Option<Anomaly> {
    let mut state: FxMap<usize, Expect<'_>> = FxMap::default();
    for m in &txn.mops {
        match m {
            Mop::Append { key, elem } => state
                .entry(*key)
                .or_insert(Expect {
                    base: None,
                    own: Vec::new(),
                })
                .own
                .push(*elem),
            Mop::Read { key, value } => {
                let seen: &[Elem] = value.as_deref().unwrap_or(&[]);
                let problem = match state.get(key) {
                    Some(Expect {
                        base: Some(base),
                        own,
                    }) if seen.len() != base.len() + own.len()
                        || !seen.starts_with(base)
                        || !seen.ends_with(own) =>
                    {
                        let expected = [*base, own.as_slice()].concat();
                        Some(format!(
                            "expected {} from its earlier read and appends",
                            p.show_list(&expected)
                        ))
                    }
                    Some(Expect { base: None, own }) if !seen.ends_with(own) => Some(format!(
                        "expected it to end with its own earlier appends {}",
                        p.show_list(own)
                    )),
                    _ => None,
                };
                if let Some(problem) = problem {
                    return Some(Anomaly {
                        kind: AnomalyKind::Internal,
                        message: format!(
                            "{} read {} = {}, but {problem}",
                            txn.name(),
                            p.keys.label(*key),
                            p.show_list(seen)
                        ),
                        ops: txn.records(),
                    });
                }
                state.insert(
                    *key,
                    Expect {
                        base: Some(seen),
                        own: Vec::new(),
                    },
                );
            }
        }
    }
    None
}

/// Internal inconsistencies of every `ok` transaction.
pub(crate) fn internal_anomalies(p: &Parsed<'_>) -> Vec<Anomaly> {
    p.txns
        .iter()
        .filter(|t| t.outcome == Kind::Ok)
        .filter_map(|t| internal_of(p, t))
        .collect()
}
