//! The dependency graph of a register history: wr edges from who wrote a version
//! to who read it, ww and rw edges from the version-order facts, and real-time
//! edges.

use super::order::Facts;
use super::txn::{NIL, Parsed, Val};
use crate::check::elle::graph::{Builder, EdgeKind, Graph, Span, realtime_pairs};
use crate::check::fx::FxMap;
use crate::check::history::Kind;

/// Why an edge exists, for explaining cycles.
#[derive(Clone, Debug)]
pub(crate) enum Why {
    /// The target read `value` of `key`, written by the source.
    Wr { key: usize, value: Val },
    /// Version `a` (by the source) precedes `b` (by the target).
    Ww { key: usize, a: Val, b: Val },
    /// The source read `a`, which precedes `b`, written by the target.
    Rw { key: usize, a: Val, b: Val },
    /// Real-time order.
    Rt,
}

impl Why {
    /// The key the edge is about, if any.
    pub fn key(&self) -> Option<usize> {
        match self {
            Why::Wr { key, .. } | Why::Ww { key, .. } | Why::Rw { key, .. } => Some(*key),
            Why::Rt => None,
        }
    }
}

/// Which transactions belong in the graph: `ok` ones, and `info` ones whose
/// write some other `ok` transaction read (so it happened).
pub(crate) fn members(p: &Parsed<'_>) -> Vec<bool> {
    let mut observed = vec![false; p.txns.len()];
    for (r, txn) in p.txns.iter().enumerate() {
        if txn.outcome != Kind::Ok {
            continue;
        }
        for &(key, v) in &txn.ext_reads {
            if let Some(w) = p.writer(key, v).filter(|&w| w != r) {
                observed[w] = true;
            }
        }
    }
    p.txns
        .iter()
        .zip(observed)
        .map(|(t, seen)| t.outcome == Kind::Ok || (t.outcome == Kind::Info && seen))
        .collect()
}

/// Builds the graph from the parsed history and the version-order facts.
pub(crate) fn build(p: &Parsed<'_>, members: &[bool], facts: &[Facts]) -> Graph<Why> {
    let mut b = Builder::new(p.txns.len());
    let writer = |key: usize, v: Val| p.writer(key, v).filter(|&w| members[w]);
    // Readers of each version, by key.
    let mut readers: Vec<FxMap<Val, Vec<usize>>> = vec![FxMap::default(); p.keys.len()];
    for (r, txn) in p.txns.iter().enumerate() {
        if txn.outcome != Kind::Ok {
            continue;
        }
        for &(key, value) in &txn.ext_reads {
            readers[key].entry(value).or_default().push(r);
            if let Some(w) = writer(key, value).filter(|_| value != NIL) {
                b.add(w, r, EdgeKind::Wr, Why::Wr { key, value });
            }
        }
    }
    for (key, f) in facts.iter().enumerate() {
        let mut ordered: Vec<(&(Val, Val), &bool)> = f.iter().collect();
        ordered.sort_unstable();
        for (&(a, v), &rt) in ordered {
            let Some(wb) = writer(key, v) else { continue };
            if a != NIL
                && let Some(wa) = writer(key, a)
            {
                b.add_edge(wa, wb, EdgeKind::Ww, rt, Why::Ww { key, a, b: v });
            }
            for &r in readers[key].get(&a).map_or(&[][..], Vec::as_slice) {
                b.add_edge(r, wb, EdgeKind::Rw, rt, Why::Rw { key, a, b: v });
            }
        }
    }
    let spans: Vec<Span> = p
        .txns
        .iter()
        .enumerate()
        .filter(|(t, _)| members[*t])
        .map(|(t, txn)| Span {
            txn: t,
            invoke: (txn.invoke.time, txn.invoke.index),
            complete: match (txn.outcome, txn.completion) {
                (Kind::Ok, Some(c)) => Some((c.time, c.index)),
                _ => None,
            },
        })
        .collect();
    realtime_pairs(&spans, |from, to| b.add(from, to, EdgeKind::Rt, Why::Rt));
    b.finish()
}
