//! Anomalies visible without a dependency graph: aborted reads (G1a), intermediate
//! reads (G1b) and internal inconsistency.

use super::order::show_list;
use super::report::{Anomaly, AnomalyKind};
use super::txn::{Elem, Mop, Parsed, Txn};
use crate::check::history::Kind;
use std::collections::{HashMap, HashSet};

/// Aborted and intermediate reads.
pub(crate) fn read_anomalies(p: &Parsed<'_>) -> Vec<Anomaly> {
    let mut out = Vec::new();
    for (r, reader) in p.txns.iter().enumerate() {
        if reader.outcome != Kind::Ok {
            continue;
        }
        let mut reported_g1a = HashSet::new();
        for m in &reader.mops {
            let Mop::Read {
                key,
                value: Some(list),
            } = m
            else {
                continue;
            };
            for e in list {
                let Some(&w) = p.writers[*key].get(e) else {
                    continue;
                };
                let writer = &p.txns[w];
                if writer.outcome == Kind::Fail && reported_g1a.insert(w) {
                    out.push(Anomaly {
                        kind: AnomalyKind::G1a,
                        message: format!(
                            "{} read {} = {}, including {e}, which was appended only by failed {}",
                            reader.name(),
                            p.keys.label(*key),
                            show_list(list),
                            writer.name()
                        ),
                        ops: [reader.records(), writer.records()].concat(),
                    });
                }
            }
            let Some(last) = list.last() else { continue };
            let Some(&w) = p.writers[*key].get(last) else {
                continue;
            };
            if w == r {
                continue;
            }
            let writer = &p.txns[w];
            let appended: Vec<&Elem> = writer.appends_to(*key).collect();
            if appended.len() > 1 && appended.last() != Some(&last) {
                out.push(Anomaly {
                    kind: AnomalyKind::G1b,
                    message: format!(
                        "{} read {} = {}, ending in {last}, an intermediate append of {}, which went on to append {}",
                        reader.name(),
                        p.keys.label(*key),
                        show_list(list),
                        writer.name(),
                        appended.last().map_or("", |s| s.as_str())
                    ),
                    ops: [reader.records(), writer.records()].concat(),
                });
            }
        }
    }
    out
}

/// What a transaction knows about one key so far.
enum KeyState {
    /// Not read yet; these are its own appends since the start.
    Unread(Vec<Elem>),
    /// The list it must see now.
    Known(Vec<Elem>),
}

/// Checks one `ok` transaction's reads against its earlier reads and appends.
fn internal_of(p: &Parsed<'_>, txn: &Txn<'_>) -> Option<Anomaly> {
    let mut state: HashMap<usize, KeyState> = HashMap::new();
    for m in &txn.mops {
        match m {
            Mop::Append { key, elem } => {
                match state
                    .entry(*key)
                    .or_insert_with(|| KeyState::Unread(Vec::new()))
                {
                    KeyState::Unread(v) | KeyState::Known(v) => v.push(elem.clone()),
                }
            }
            Mop::Read { key, value } => {
                let seen: &[Elem] = value.as_deref().unwrap_or(&[]);
                let problem = match state.get(key) {
                    Some(KeyState::Known(expected)) if expected.as_slice() != seen => {
                        Some(format!(
                            "expected {} from its earlier reads and appends",
                            show_list(expected)
                        ))
                    }
                    Some(KeyState::Unread(own)) if !seen.ends_with(own) => Some(format!(
                        "expected it to end with its own earlier appends {}",
                        show_list(own)
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
                            show_list(seen)
                        ),
                        ops: txn.records(),
                    });
                }
                state.insert(*key, KeyState::Known(seen.to_vec()));
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
