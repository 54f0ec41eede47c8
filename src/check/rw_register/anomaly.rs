//! Anomalies visible without a dependency graph: internal inconsistency, garbage,
//! aborted (G1a) and intermediate (G1b) reads, and lost updates.

use super::txn::{Mop, NIL, Parsed, Txn, Val};
use crate::check::elle::{Anomaly, AnomalyKind};
use crate::check::fx::FxMap;
use crate::check::history::Kind;

/// A transaction's read that disagrees with its own earlier read or write of the
/// key.
fn internal_of(p: &Parsed<'_>, txn: &Txn<'_>) -> Option<Anomaly> {
    let mut state: FxMap<usize, (Val, bool)> = FxMap::default();
    for m in &txn.mops {
        match *m {
            Mop::Write { key, value } => {
                state.insert(key, (value, true));
            }
            Mop::Read {
                key,
                value: Some(v),
            } => {
                if let Some(&(expected, wrote)) = state.get(&key)
                    && expected != v
                {
                    let why = if wrote {
                        "its own write"
                    } else {
                        "its earlier read"
                    };
                    return Some(Anomaly {
                        kind: AnomalyKind::Internal,
                        message: format!(
                            "{} read {} = {}, but {why} makes it {}",
                            txn.name(),
                            p.keys.label(key),
                            p.show(v),
                            p.show(expected)
                        ),
                        ops: txn.records(),
                    });
                }
                state.insert(key, (v, false));
            }
            Mop::Read { value: None, .. } => {}
        }
    }
    None
}

/// Internal inconsistencies of every `ok` transaction.
pub(crate) fn internal(p: &Parsed<'_>) -> Vec<Anomaly> {
    p.txns
        .iter()
        .filter(|t| t.outcome == Kind::Ok)
        .filter_map(|t| internal_of(p, t))
        .collect()
}

/// Reads of versions nobody wrote (garbage), only failed transactions wrote (G1a),
/// or their writer overwrote within the same transaction (G1b).
pub(crate) fn read_anomalies(p: &Parsed<'_>) -> Vec<Anomaly> {
    let mut out = Vec::new();
    for (r, reader) in p.txns.iter().enumerate() {
        if reader.outcome != Kind::Ok {
            continue;
        }
        for m in &reader.mops {
            let Mop::Read {
                key,
                value: Some(v),
            } = *m
            else {
                continue;
            };
            if v == NIL {
                continue;
            }
            let read = format!(
                "{} read {} = {}",
                reader.name(),
                p.keys.label(key),
                p.show(v)
            );
            let Some(w) = p.writer(key, v) else {
                out.push(Anomaly {
                    kind: AnomalyKind::GarbageRead,
                    message: format!("{read}, which no transaction wrote"),
                    ops: reader.records(),
                });
                continue;
            };
            if w == r {
                continue;
            }
            let writer = &p.txns[w];
            let ops = || [reader.records(), writer.records()].concat();
            if writer.outcome == Kind::Fail {
                out.push(Anomaly {
                    kind: AnomalyKind::G1a,
                    message: format!("{read}, written only by failed {}", writer.name()),
                    ops: ops(),
                });
            } else if let Some(last) = writer.ext_write(key)
                && last != v
            {
                out.push(Anomaly {
                    kind: AnomalyKind::G1b,
                    message: format!(
                        "{read}, an intermediate write of {}, which went on to write {}",
                        writer.name(),
                        p.show(last)
                    ),
                    ops: ops(),
                });
            }
        }
    }
    out
}

/// Lost updates: two or more `ok` transactions read the same version of a key
/// and each wrote that key.
pub(crate) fn lost_updates(p: &Parsed<'_>) -> Vec<Anomaly> {
    let mut groups: FxMap<(usize, Val), Vec<usize>> = FxMap::default();
    for (t, txn) in p.txns.iter().enumerate() {
        if txn.outcome != Kind::Ok {
            continue;
        }
        for &(key, read) in &txn.ext_reads {
            if txn.ext_write(key).is_some() {
                groups.entry((key, read)).or_default().push(t);
            }
        }
    }
    let mut found: Vec<((usize, Val), Vec<usize>)> =
        groups.into_iter().filter(|(_, ts)| ts.len() > 1).collect();
    found.sort();
    found
        .into_iter()
        .map(|((key, read), ts)| {
            let names: Vec<String> = ts.iter().map(|&t| p.txns[t].name()).collect();
            Anomaly {
                kind: AnomalyKind::LostUpdate,
                message: format!(
                    "{} each read {} = {} and wrote {}; only one of them can have read it",
                    names.join(", "),
                    p.keys.label(key),
                    p.show(read),
                    p.keys.label(key)
                ),
                ops: ts.iter().flat_map(|&t| p.txns[t].records()).collect(),
            }
        })
        .collect()
}
