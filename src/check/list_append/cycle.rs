//! Finding and classifying dependency cycles (G0, G1c, G-single, G2 and their
//! real-time variants).

use super::graph::{Edge, EdgeKind, Graph, Why};
use super::report::{Anomaly, AnomalyKind};
use super::scc::tarjan;
use super::txn::Parsed;
use crate::check::fx::FxMap;
use std::collections::VecDeque;

/// At most this many rw edges are tried as the single anti-dependency of a
/// G-single cycle, per component (each try is one breadth-first search).
const G_SINGLE_TRIES: usize = 64;

/// At most this many cycles of one class are described; the rest are counted.
const MAX_PER_KIND: usize = 32;

/// A cycle as a list of (source transaction, edge) steps.
type Cycle<'g> = Vec<(usize, &'g Edge)>;

/// A strongly connected component of the full graph, with local numbering.
struct Component<'g> {
    nodes: Vec<usize>,
    local: FxMap<usize, usize>,
    graph: &'g Graph,
}

impl<'g> Component<'g> {
    fn new(graph: &'g Graph, nodes: Vec<usize>) -> Self {
        let local = nodes.iter().enumerate().map(|(i, &n)| (n, i)).collect();
        Component {
            nodes,
            local,
            graph,
        }
    }

    /// Edges from `node` that stay inside the component and have an allowed kind.
    fn edges(&self, node: usize, allowed: &[EdgeKind]) -> impl Iterator<Item = &'g Edge> {
        let local = &self.local;
        self.graph.out[node]
            .iter()
            .filter(move |e| allowed.contains(&e.kind) && local.contains_key(&e.to))
    }

    /// Shortest path from `from` to `to` over allowed edges (BFS), as steps.
    fn path(&self, from: usize, to: usize, allowed: &[EdgeKind]) -> Option<Cycle<'g>> {
        let mut parent: FxMap<usize, (usize, &'g Edge)> = FxMap::default();
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
    fn cycle_with(&self, allowed: &[EdgeKind]) -> Option<Cycle<'g>> {
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
    fn single_rw_cycle(&self, back: &[EdgeKind]) -> Option<Cycle<'g>> {
        let rw_edges = self
            .nodes
            .iter()
            .flat_map(|&n| self.edges(n, &[EdgeKind::Rw]).map(move |e| (n, e)));
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
fn classify(cycle: &Cycle<'_>) -> AnomalyKind {
    let count = |k: EdgeKind| cycle.iter().filter(|(_, e)| e.kind == k).count();
    let realtime = count(EdgeKind::Rt) > 0;
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
fn example_cycles<'g>(c: &Component<'g>) -> Vec<(AnomalyKind, Cycle<'g>)> {
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
    let mut out: Vec<(AnomalyKind, Cycle<'g>)> = Vec::new();
    for cycle in searches.into_iter().flatten() {
        let kind = classify(&cycle);
        if out.iter().all(|(k, _)| *k != kind) {
            out.push((kind, cycle));
        }
    }
    out
}

/// One sentence about why an edge exists.
fn explain(p: &Parsed<'_>, from: usize, e: &Edge) -> String {
    let (a, b) = (p.txns[from].name(), p.txns[e.to].name());
    match &e.why {
        Why::Ww { key, prev, next } => format!(
            "{b} appended {} to {} after {a}'s {}",
            p.show(*next),
            p.keys.label(*key),
            p.show(*prev)
        ),
        Why::Wr { key, elem } => {
            format!(
                "{b} read {a}'s append of {} to {}",
                p.show(*elem),
                p.keys.label(*key)
            )
        }
        Why::Rw { key, last, next } => {
            let seen = match last {
                Some(l) => format!("up to {}", p.show(*l)),
                None => "empty".to_string(),
            };
            format!(
                "{a} read {} {seen}, but {b} appended {} after that",
                p.keys.label(*key),
                p.show(*next)
            )
        }
        Why::Rt => format!(
            "{a} completed (t={}) before {b} was invoked (t={})",
            p.txns[from].completion.map_or(0, |c| c.time),
            p.txns[e.to].invoke.time
        ),
    }
}

/// Renders a cycle as an anomaly: `T1 -ww(k1)-> T2 -rw(k2)-> T1. <explanations>`.
fn describe(p: &Parsed<'_>, cycle: &Cycle<'_>) -> Anomaly {
    let kind = classify(cycle);
    let mut chain = String::new();
    for (from, e) in cycle {
        let label = match e.why.key() {
            Some(k) => format!("{}({})", e.kind.name(), p.keys.label(k)),
            None => e.kind.name().to_string(),
        };
        chain.push_str(&format!("{} -{label}-> ", p.txns[*from].name()));
    }
    if let Some((first, _)) = cycle.first() {
        chain.push_str(&p.txns[*first].name());
    }
    let details: Vec<String> = cycle.iter().map(|(f, e)| explain(p, *f, e)).collect();
    let ops = cycle
        .iter()
        .flat_map(|(f, _)| p.txns[*f].records())
        .collect();
    Anomaly {
        kind,
        message: format!("{kind} cycle: {chain}. {}", details.join("; ")),
        ops,
    }
}

/// Cycle anomalies: for every non-trivial strongly connected component of the
/// graph, one example cycle per anomaly class found in it.
pub(crate) fn cycle_anomalies(p: &Parsed<'_>, g: &Graph) -> Vec<Anomaly> {
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
                out.push(describe(p, &cycle));
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
