//! The dependency graph over transactions: ww, wr and rw edges inferred from the
//! version orders, plus real-time edges.

use super::order::KeyOrder;
use super::txn::{Elem, Mop, Parsed, Txn};
use crate::check::fx::{FxMap, FxSet};
use crate::check::history::Kind;

/// The type of a dependency edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum EdgeKind {
    /// Write-write: the target appended after the source, to the same key.
    Ww,
    /// Write-read: the target read the source's append.
    Wr,
    /// Read-write (anti-dependency): the source read a version the target appended after.
    Rw,
    /// Real time: the source completed before the target was invoked.
    Rt,
}

impl EdgeKind {
    /// `ww`, `wr`, `rw` or `rt`.
    pub fn name(self) -> &'static str {
        match self {
            EdgeKind::Ww => "ww",
            EdgeKind::Wr => "wr",
            EdgeKind::Rw => "rw",
            EdgeKind::Rt => "rt",
        }
    }
}

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

/// One outgoing edge.
#[derive(Clone, Debug)]
pub(crate) struct Edge {
    pub to: usize,
    pub kind: EdgeKind,
    pub why: Why,
}

/// Dependency graph; node ids are transaction indices in [`Parsed::txns`].
#[derive(Debug)]
pub(crate) struct Graph {
    /// Outgoing edges of every transaction. Only `ok` transactions and `info` ones
    /// with an observed append have edges.
    pub out: Vec<Vec<Edge>>,
}

struct Builder {
    out: Vec<Vec<Edge>>,
    seen: FxSet<(usize, usize, EdgeKind)>,
}

impl Builder {
    fn add(&mut self, from: usize, to: usize, kind: EdgeKind, why: Why) {
        if from != to && self.seen.insert((from, to, kind)) {
            self.out[from].push(Edge { to, kind, why });
        }
    }
}

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
    let mut b = Builder {
        out: vec![Vec::new(); n],
        seen: FxSet::default(),
    };
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
    let mut out = b.out;
    for edges in &mut out {
        // Weakest kinds first, so searches prefer ww over wr over rw over rt.
        edges.sort_by_key(|e| e.kind);
    }
    Graph { out }
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

/// Real-time edges: T1 -> T2 when T1 completed `ok` before T2 was invoked. Only the
/// frontier (completed transactions not already implied by a later completed one)
/// gets edges, so the transitive closure is right with few edges.
fn add_realtime(p: &Parsed<'_>, in_graph: &[bool], b: &mut Builder) {
    // (time, record index, txn, is completion)
    let mut events: Vec<(u64, usize, usize, bool)> = Vec::new();
    for (t, txn) in p.txns.iter().enumerate() {
        if !in_graph[t] {
            continue;
        }
        events.push((txn.invoke.time, txn.invoke.index, t, false));
        if let (Kind::Ok, Some(c)) = (txn.outcome, txn.completion) {
            events.push((c.time, c.index, t, true));
        }
    }
    events.sort_unstable();
    let mut frontier: Vec<usize> = Vec::new();
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); p.txns.len()];
    for (_, _, t, done) in events {
        if done {
            let pred = std::mem::take(&mut preds[t]);
            frontier.retain(|f| !pred.contains(f));
            frontier.push(t);
        } else {
            for &f in &frontier {
                b.add(f, t, EdgeKind::Rt, Why::Rt);
            }
            preds[t] = frontier.clone();
        }
    }
}
