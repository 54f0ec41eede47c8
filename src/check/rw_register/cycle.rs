//! Describing dependency cycles of a register history (the search and the
//! classification are [`crate::check::elle::cycle`]'s).

use super::graph::Why;
use super::txn::Parsed;
use crate::check::elle::cycle::{self, Cycle, chain};
use crate::check::elle::graph::{Edge, Graph};
use crate::check::elle::{Anomaly, AnomalyKind};

/// One sentence about why an edge exists.
fn explain(p: &Parsed<'_>, from: usize, e: &Edge<Why>) -> String {
    let (a, b) = (p.txns[from].name(), p.txns[e.to].name());
    let how = if e.realtime {
        " (an order known from real time)"
    } else {
        ""
    };
    match &e.why {
        Why::Wr { key, value } => format!(
            "{b} read {} = {}, written by {a}",
            p.keys.label(*key),
            p.show(*value)
        ),
        Why::Ww { key, a: va, b: vb } => format!(
            "{a} wrote {} = {}, which precedes {b}'s {}{how}",
            p.keys.label(*key),
            p.show(*va),
            p.show(*vb)
        ),
        Why::Rw { key, a: va, b: vb } => format!(
            "{a} read {} = {}, which precedes {b}'s write of {}{how}",
            p.keys.label(*key),
            p.show(*va),
            p.show(*vb)
        ),
        Why::Rt => format!(
            "{a} completed (t={}) before {b} was invoked (t={})",
            p.txns[from].completion.map_or(0, |c| c.time),
            p.txns[e.to].invoke.time
        ),
    }
}

/// Renders a cycle as an anomaly: `T1 -ww(k1)-> T2 -rw(k2)-> T1. <explanations>`.
fn describe(p: &Parsed<'_>, kind: AnomalyKind, cycle: &Cycle<'_, Why>) -> Anomaly {
    let chain = chain(
        cycle,
        |t| p.txns[t].name(),
        |w| w.key().map(|k| p.keys.label(k)),
    );
    let details: Vec<String> = cycle.iter().map(|(f, e)| explain(p, *f, e)).collect();
    Anomaly {
        kind,
        message: format!("{kind} cycle: {chain}. {}", details.join("; ")),
        ops: cycle
            .iter()
            .flat_map(|(f, _)| p.txns[*f].records())
            .collect(),
    }
}

/// Cycle anomalies: one example cycle per anomaly class per strongly connected
/// component.
pub(crate) fn cycle_anomalies(p: &Parsed<'_>, g: &Graph<Why>) -> Vec<Anomaly> {
    cycle::cycle_anomalies(g, |kind, c| describe(p, kind, c))
}
