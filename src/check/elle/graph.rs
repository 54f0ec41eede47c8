//! A dependency graph over transactions: ww, wr, rw and real-time edges, each with
//! a checker-specific explanation `W`.

use crate::check::fx::FxSet;

/// The type of a dependency edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum EdgeKind {
    /// Write-write: the target wrote a later version of a key the source wrote.
    Ww,
    /// Write-read: the target read the source's write.
    Wr,
    /// Read-write (anti-dependency): the source read a version the target
    /// overwrote.
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

/// One outgoing edge.
#[derive(Clone, Debug)]
pub(crate) struct Edge<W> {
    pub to: usize,
    pub kind: EdgeKind,
    /// A ww or rw edge inferred from a version order that itself rests on
    /// real-time order: it only counts for real-time models, like an `Rt` edge.
    pub realtime: bool,
    pub why: W,
}

impl<W> Edge<W> {
    /// Whether this edge only holds under real-time (strict) models.
    pub fn needs_realtime(&self) -> bool {
        self.realtime || self.kind == EdgeKind::Rt
    }
}

/// Dependency graph; node ids are transaction indices of the checker's own list.
#[derive(Debug)]
pub(crate) struct Graph<W> {
    /// Outgoing edges of every transaction, weakest kinds first.
    pub out: Vec<Vec<Edge<W>>>,
}

/// Builds a [`Graph`], dropping self-edges and repeated (from, to, kind) edges.
pub(crate) struct Builder<W> {
    out: Vec<Vec<Edge<W>>>,
    seen: FxSet<(usize, usize, EdgeKind, bool)>,
}

impl<W> Builder<W> {
    /// A builder for `n` transactions.
    pub fn new(n: usize) -> Builder<W> {
        Builder {
            out: (0..n).map(|_| Vec::new()).collect(),
            seen: FxSet::default(),
        }
    }

    /// Adds an edge that holds in every model.
    pub fn add(&mut self, from: usize, to: usize, kind: EdgeKind, why: W) {
        self.add_edge(from, to, kind, false, why);
    }

    /// Adds an edge; `realtime` marks ww/rw edges inferred from real-time order.
    pub fn add_edge(&mut self, from: usize, to: usize, kind: EdgeKind, realtime: bool, why: W) {
        if from != to && from < self.out.len() && self.seen.insert((from, to, kind, realtime)) {
            self.out[from].push(Edge {
                to,
                kind,
                realtime,
                why,
            });
        }
    }

    /// The graph, with each node's edges sorted weakest first (so searches prefer
    /// ww over wr over rw over rt, and model-independent edges first).
    pub fn finish(self) -> Graph<W> {
        let mut out = self.out;
        for edges in &mut out {
            edges.sort_by_key(|e| (e.needs_realtime(), e.kind));
        }
        Graph { out }
    }
}

/// One transaction's place in time, for real-time edges.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Span {
    /// The transaction's node id in the graph.
    pub txn: usize,
    /// Invocation (time, history index).
    pub invoke: (u64, usize),
    /// Completion (time, history index) if it completed `ok`.
    pub complete: Option<(u64, usize)>,
}

/// Real-time order as (predecessor, successor) pairs: T1 -> T2 when T1 completed
/// before T2 was invoked. Only the frontier (completed transactions not already
/// implied by a later completed one) gets pairs, so the transitive closure is right
/// with few pairs. `on_pair` is called once per pair.
pub(crate) fn realtime_pairs(spans: &[Span], mut on_pair: impl FnMut(usize, usize)) {
    // (time, record index, position in spans, is completion)
    let mut events: Vec<(u64, usize, usize, bool)> = Vec::with_capacity(spans.len() * 2);
    for (i, s) in spans.iter().enumerate() {
        events.push((s.invoke.0, s.invoke.1, i, false));
        if let Some((t, idx)) = s.complete {
            events.push((t, idx, i, true));
        }
    }
    events.sort_unstable();
    let mut frontier: Vec<usize> = Vec::new();
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); spans.len()];
    for (_, _, i, done) in events {
        if done {
            let pred = std::mem::take(&mut preds[i]);
            frontier.retain(|f| !pred.contains(f));
            frontier.push(i);
        } else {
            for &f in &frontier {
                on_pair(spans[f].txn, spans[i].txn);
            }
            preds[i] = frontier.clone();
        }
    }
}
