//! The dependency graph over transactions: ww, wr and rw edges inferred from the
//! version orders, plus real-time edges.

use super::order::KeyOrder;
use super::txn::{Elem, Mop, Parsed, Txn};
use crate::check::elle::{
    self,
    graph::{Builder, EdgeKind, Span, realtime_pairs},
};
use crate::check::fx::{FxMap, FxSet};
use crate::check::history::Kind;

/// Why an edge exists, for explaining cycles.
#[derive(Clone, Debug)]
pub(crate) enum Why {
    /// `prev` (by the source) is followed by `next` (by the target) in `key`.
    Ww { key: usize, prev: Elem, next: Elem },
    /// The target read `elem` of `key`, appended by the source.
    Wr { key: usize, elem: Elem },
    /// The source read `key` ending in `last` (`None`: empty); the target appended
    /// `next`, which comes after it.
    Rw {
        key: usize,
        last: Option<Elem>,
        next: Elem,
    },
    /// Real-time order.
    Rt,
}

impl Why {
    /// The key the edge is about, if any.
    pub fn key(&self) -> Option<usize> {
        match self {
            Why::Ww { key, .. } | Why::Wr { key, .. } | Why::Rw { key, .. } => Some(*key),
            Why::Rt => None,
        }
    }
}

/// The list-append dependency graph.
pub(crate) type Graph = elle::graph::Graph<Why>;

/// Which transactions belong in the graph.
fn members(p: &Parsed<'_>, orders: &[KeyOrder]) -> Vec<bool> {
    p.txns
        .iter()
        .map(|t| match t.outcome {
            Kind::Ok => true,
            Kind::Info | Kind::Invoke => t.mops.iter().any(|m| match m {
                Mop::Append { key, elem } => orders[*key].observed(*elem),
                Mop::Read { .. } => false,
            }),
            Kind::Fail => false,
        })
        .collect()
}

/// Builds the graph from the parsed history and the version orders.
pub(crate) fn build(p: &Parsed<'_>, orders: &[KeyOrder]) -> Graph {
    let n = p.txns.len();
    let in_graph = members(p, orders);
    let mut b = Builder::new(n);
    let writer = |key: usize, e: &Elem| -> Option<usize> {
        p.writers[key].get(e).copied().filter(|&w| in_graph[w])
    };
    // Appends nobody has read yet (by graph members): after every observed element.
    let mut unobserved: Vec<Vec<(usize, Elem)>> = vec![Vec::new(); orders.len()];
    for (t, txn) in p.txns.iter().enumerate() {
        if !in_graph[t] {
            continue;
        }
        for m in &txn.mops {
            if let Mop::Append { key, elem } = m
                && orders[*key].usable
                && !orders[*key].observed(*elem)
            {
                unobserved[*key].push((t, *elem));
            }
        }
    }
    // ww: consecutive elements of each key's order, then the last one to unobserved.
    for (key, order) in orders.iter().enumerate() {
        if !order.usable {
            continue;
        }
        for pair in order.elems.windows(2) {
            if let (Some(a), Some(c)) = (writer(key, &pair[0]), writer(key, &pair[1])) {
                let why = Why::Ww {
                    key,
                    prev: pair[0],
                    next: pair[1],
                };
                b.add(a, c, EdgeKind::Ww, why);
            }
        }
        if let Some(last) = order.elems.last()
            && let Some(a) = writer(key, last)
        {
            for (c, e) in &unobserved[key] {
                let why = Why::Ww {
                    key,
                    prev: *last,
                    next: *e,
                };
                b.add(a, *c, EdgeKind::Ww, why);
            }
        }
    }
    // wr and rw from each ok transaction's external reads.
    for (r, txn) in p.txns.iter().enumerate() {
        if txn.outcome != Kind::Ok {
            continue;
        }
        for (key, list) in external_reads(txn) {
            let order = &orders[key];
            if !order.usable {
                continue;
            }
            let last = list.last().copied();
            if let Some(e) = last
                && let Some(w) = writer(key, &e)
            {
                b.add(w, r, EdgeKind::Wr, Why::Wr { key, elem: e });
            }
            if let Some(next) = order.elems.get(list.len()) {
                if let Some(w) = writer(key, next) {
                    let next = *next;
                    b.add(r, w, EdgeKind::Rw, Why::Rw { key, last, next });
                }
            } else {
                for &(w, next) in &unobserved[key] {
                    b.add(r, w, EdgeKind::Rw, Why::Rw { key, last, next });
                }
            }
        }
    }
    add_realtime(p, &in_graph, &mut b);
    b.finish()
}

/// The version of each key a transaction read from others: its first read of the
/// key, minus its own earlier appends (skipped if the read does not end with them).
fn external_reads<'t>(txn: &'t Txn<'_>) -> Vec<(usize, &'t [Elem])> {
    let mut own: FxMap<usize, Vec<Elem>> = FxMap::default();
    let mut read = FxSet::default();
    let mut out = Vec::new();
    for m in &txn.mops {
        match m {
            Mop::Append { key, elem } => own.entry(*key).or_default().push(*elem),
            Mop::Read { key, value } => {
                if !read.insert(*key) {
                    continue;
                }
                let list: &[Elem] = value.as_deref().unwrap_or(&[]);
                let mine = own.get(key).map_or(&[][..], |v| v.as_slice());
                if list.ends_with(mine) {
                    out.push((*key, &list[..list.len() - mine.len()]));
                }
            }
        }
    }
    out
}

/// Real-time edges between graph members: T1 -> T2 when T1 completed `ok` before
/// T2 was invoked (transitively reduced; see [`realtime_pairs`]).
fn add_realtime(p: &Parsed<'_>, in_graph: &[bool], b: &mut Builder<Why>) {
    let spans: Vec<Span> = p
        .txns
        .iter()
        .enumerate()
        .filter(|(t, _)| in_graph[*t])
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
}
