//! Finding and classifying dependency cycles (G0, G1c, G-single, G2 and their
//! real-time variants) in a [`Graph`], whatever explains its edges.

use super::anomaly::{Anomaly, AnomalyKind};
use super::graph::{Edge, EdgeKind, Graph};
use super::scc::tarjan;
use crate::check::fx::FxMap;
use std::collections::VecDeque;

/// At most this many rw edges are tried as the single anti-dependency of a
/// G-single cycle, per component (each try is one breadth-first search).
const G_SINGLE_TRIES: usize = 64;

/// At most this many cycles of one class are described; the rest are counted.
const MAX_PER_KIND: usize = 32;

/// A cycle as a list of (source transaction, edge) steps.
pub(crate) type Cycle<'g, W> = Vec<(usize, &'g Edge<W>)>;

/// Which edges a search may use: these kinds, and edges that need real time only
/// when `Rt` is among them.
fn allows<W>(allowed: &[EdgeKind], e: &Edge<W>) -> bool {
    allowed.contains(&e.kind) && (!e.realtime || allowed.contains(&EdgeKind::Rt))
}

/// A strongly connected component of the full graph, with local numbering.
struct Component<'g, W> {
    nodes: Vec<usize>,
    local: FxMap<usize, usize>,
    graph: &'g Graph<W>,
}

impl<'g, W> Component<'g, W> {
    fn new(graph: &'g Graph<W>, nodes: Vec<usize>) -> Self {
        let local = nodes.iter().enumerate().map(|(i, &n)| (n, i)).collect();
        Component {
            nodes,
            local,
            graph,
        }
    }

    /// Edges from `node` that stay inside the component and are allowed.
    fn edges(&self, node: usize, allowed: &[EdgeKind]) -> impl Iterator<Item = &'g Edge<W>> {
        let local = &self.local;
        self.graph.out[node]
            .iter()
            .filter(move |e| allows(allowed, e) && local.contains_key(&e.to))
    }

    /// Shortest path from `from` to `to` over allowed edges (BFS), as steps.
    fn path(&self, from: usize, to: usize, allowed: &[EdgeKind]) -> Option<Cycle<'g, W>> {
        let mut parent: FxMap<usize, (usize, &'g Edge<W>)> = FxMap::default();
        let mut queue = VecDeque::from([from]);
        while let Some(u) = queue.pop_front() {
            for e in self.edges(u, allowed) {
                if e.to == to {
                    let mut steps = vec![(u, e)];
                    let mut at = u;
                    while at != from {
                        let (p, pe) = *parent.get(&at)?;
                        steps.push((p, pe));
                        at = p;
                    }
                    steps.reverse();
                    return Some(steps);
                }
                if e.to == from || parent.contains_key(&e.to) {
                    continue;
                }
                parent.insert(e.to, (u, e));
                queue.push_back(e.to);
            }
        }
        None
    }

    /// Some cycle using only allowed edges, if there is one.
    fn cycle_with(&self, allowed: &[EdgeKind]) -> Option<Cycle<'g, W>> {
        let adj: Vec<Vec<usize>> = self
            .nodes
            .iter()
            .map(|&n| self.edges(n, allowed).map(|e| self.local[&e.to]).collect())
            .collect();
        let sub = tarjan(&adj).into_iter().find(|c| c.len() > 1)?;
        let sub_nodes: Vec<usize> = sub.iter().map(|&i| self.nodes[i]).collect();
        let start = *sub_nodes.first()?;
        let inner = Component::new(self.graph, sub_nodes);
        inner.path(start, start, allowed)
    }

    /// A cycle made of one rw edge and a path back over the other allowed kinds.
    fn single_rw_cycle(&self, back: &[EdgeKind]) -> Option<Cycle<'g, W>> {
        let mut first = vec![EdgeKind::Rw];
        if back.contains(&EdgeKind::Rt) {
            first.push(EdgeKind::Rt);
        }
        let rw_edges = self.nodes.iter().flat_map(|&n| {
            self.edges(n, &first)
                .filter(|e| e.kind == EdgeKind::Rw)
                .map(move |e| (n, e))
        });
        for (a, e) in rw_edges.take(G_SINGLE_TRIES) {
            if let Some(mut steps) = self.path(e.to, a, back) {
                steps.push((a, e));
                return Some(steps);
            }
        }
        None
    }
}

/// The anomaly class of a cycle, from the kinds of its edges.
pub(crate) fn classify<W>(cycle: &Cycle<'_, W>) -> AnomalyKind {
    let count = |k: EdgeKind| cycle.iter().filter(|(_, e)| e.kind == k).count();
    let realtime = cycle.iter().any(|(_, e)| e.needs_realtime());
    let base = match (count(EdgeKind::Rw), count(EdgeKind::Wr)) {
        (0, 0) => 0,
        (0, _) => 1,
        (1, _) => 2,
        _ => 3,
    };
    use AnomalyKind::*;
    match (base, realtime) {
        (0, false) => G0,
        (1, false) => G1c,
        (2, false) => GSingle,
        (3, false) => G2,
        (0, true) => G0Realtime,
        (1, true) => G1cRealtime,
        (2, true) => GSingleRealtime,
        _ => G2Realtime,
    }
}

/// Example cycles of a component, at most one per anomaly class. Searches go from
/// the weakest edge sets up, so a class is only reported when the component has no
/// cycle of a weaker class in the same search.
fn example_cycles<'g, W>(c: &Component<'g, W>) -> Vec<(AnomalyKind, Cycle<'g, W>)> {
    use EdgeKind::*;
    let searches = [
        c.cycle_with(&[Ww]),
        c.cycle_with(&[Ww, Wr]),
        c.single_rw_cycle(&[Ww, Wr]),
        c.cycle_with(&[Ww, Wr, Rw]),
        c.cycle_with(&[Ww, Rt]),
        c.cycle_with(&[Ww, Wr, Rt]),
        c.single_rw_cycle(&[Ww, Wr, Rt]),
        c.cycle_with(&[Ww, Wr, Rw, Rt]),
    ];
    let mut out: Vec<(AnomalyKind, Cycle<'g, W>)> = Vec::new();
    for cycle in searches.into_iter().flatten() {
        let kind = classify(&cycle);
        if out.iter().all(|(k, _)| *k != kind) {
            out.push((kind, cycle));
        }
    }
    out
}

/// Renders a cycle's chain: `T1 -ww(k1)-> T2 -rw(k2)-> T1`, with `name` naming
/// transactions and `label` the key of an edge, if any.
pub(crate) fn chain<W>(
    cycle: &Cycle<'_, W>,
    name: impl Fn(usize) -> String,
    label: impl Fn(&W) -> Option<String>,
) -> String {
    let mut chain = String::new();
    for (from, e) in cycle {
        let mut edge = e.kind.name().to_string();
        if let Some(k) = label(&e.why) {
            edge.push_str(&format!("({k})"));
        }
        if e.realtime {
            edge.push_str("[rt]");
        }
        chain.push_str(&format!("{} -{edge}-> ", name(*from)));
    }
    if let Some((first, _)) = cycle.first() {
        chain.push_str(&name(*first));
    }
    chain
}

/// Cycle anomalies: for every non-trivial strongly connected component of the
/// graph, one example cycle per anomaly class found in it, rendered by
/// `describe`. At most [`MAX_PER_KIND`] per class are described; a final
/// anomaly per class counts the rest.
pub(crate) fn cycle_anomalies<W>(
    g: &Graph<W>,
    describe: impl Fn(AnomalyKind, &Cycle<'_, W>) -> Anomaly,
) -> Vec<Anomaly> {
    let adj: Vec<Vec<usize>> = g
        .out
        .iter()
        .map(|edges| edges.iter().map(|e| e.to).collect())
        .collect();
    let mut out = Vec::new();
    let mut per_kind: FxMap<AnomalyKind, usize> = FxMap::default();
    for nodes in tarjan(&adj) {
        if nodes.len() < 2 {
            continue;
        }
        let component = Component::new(g, nodes);
        for (kind, cycle) in example_cycles(&component) {
            let n = per_kind.entry(kind).or_default();
            *n += 1;
            if *n <= MAX_PER_KIND {
                out.push(describe(kind, &cycle));
            }
        }
    }
    let mut extra: Vec<(AnomalyKind, usize)> = per_kind
        .into_iter()
        .filter(|&(_, n)| n > MAX_PER_KIND)
        .collect();
    extra.sort();
    for (kind, n) in extra {
        out.push(Anomaly {
            kind,
            message: format!("... and {} more {kind} cycles not shown", n - MAX_PER_KIND),
            ops: Vec::new(),
        });
    }
    out
}
