//! Describing dependency cycles of a list-append history (the search and the
//! classification are [`crate::check::elle::cycle`]'s).

use super::graph::{Graph, Why};
use super::txn::Parsed;
use crate::check::elle::cycle::{self, Cycle, chain};
use crate::check::elle::graph::Edge;
use crate::check::elle::{Anomaly, AnomalyKind};

/// One sentence about why an edge exists.
fn explain(p: &Parsed<'_>, from: usize, e: &Edge<Why>) -> String {
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
fn describe(p: &Parsed<'_>, kind: AnomalyKind, cycle: &Cycle<'_, Why>) -> Anomaly {
    let chain = chain(
        cycle,
        |t| p.txns[t].name(),
        |w| w.key().map(|k| p.keys.label(k)),
    );
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
    cycle::cycle_anomalies(g, |kind, c| describe(p, kind, c))
}
