//! set-full (Jepsen's `set-full`, as Maelstrom's broadcast and g-set use it), with
//! the cluster's final reads.
//!
//! Adds (`add`, or `broadcast`: the same thing) put one element into a grow-only
//! set; reads return the whole set. Per element, in history order:
//! - **known**: the add completed ok, or a read observed the element (whichever
//!   came first);
//! - **last present** / **last absent**: the latest-invoked ok read that did / did
//!   not contain it (reads completing after the add was invoked).
//!
//! After the final heal and a quiet period every node is read once more (the final
//! reads, which come after every history read). Then an element is
//! - **lost** when it is known and some final read lacks it (with no final reads:
//!   when the last absent read came after the last present one and after it was
//!   known, Jepsen's rule);
//! - **stable** when it is not lost and was observed: from some point on, every
//!   read had it. Its *stable latency* runs from when it was known to just after
//!   the last read that missed it; it is **stale** when a read invoked after it was
//!   known missed it (normal for an eventually consistent set, an anomaly in
//!   `linearizable` mode);
//! - **never read** otherwise (an indefinite add nobody observed).
//!
//! Invalid: a lost element; an element read that no add ever attempted (or whose
//! add definitely failed, or that was not added yet); a read listing an element
//! twice or returning something other than a list; a missing or unanswered final
//! read; in `linearizable` mode, a stale element.

#[cfg(test)]
mod tests;

use super::Verdict;
use super::final_read::{FinalRead, FinalValue};
use super::fx::FxMap;
use super::history::{F, History, Kind, Op};
use serde_json::Value;
use std::collections::HashMap;

/// Anomalies of one kind described one by one (all are counted).
const MAX_LISTED: usize = 10;

/// One read's view: history index and time of its invocation.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Seen {
    index: usize,
    time: u64,
}

/// What is known about one element.
#[derive(Clone, Debug)]
struct Element {
    value: String,
    outcome: Kind,
    known: Option<Seen>,
    last_present: Option<Seen>,
    last_absent: Option<Seen>,
    /// Nodes whose final read lacked it.
    missing_at: Vec<String>,
}

/// The analysis of a set history: counts, latencies and anomalies.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SetFullReport {
    /// Elements whose add was invoked.
    pub attempted: usize,
    /// Elements whose add was acknowledged.
    pub acknowledged: usize,
    pub stable: usize,
    pub lost: usize,
    pub never_read: usize,
    /// Stable elements a read missed after they were known.
    pub stale: usize,
    /// Stable latency of every stable element, µs, sorted.
    pub stable_latencies: Vec<u64>,
    /// Ok reads judged, final reads included.
    pub reads: usize,
    /// Final reads judged.
    pub final_reads: usize,
    /// Everything wrong except staleness, readable.
    pub anomalies: Vec<String>,
    /// Anomalies found (all of them; `anomalies` lists the first few per kind).
    pub anomaly_count: usize,
    /// The stale elements, readable (the worst first).
    pub stale_elements: Vec<String>,
}

impl SetFullReport {
    /// The stable latency at quantile `q` (0..=1), in ms.
    pub fn latency_ms(&self, q: f64) -> f64 {
        if self.stable_latencies.is_empty() {
            return 0.0;
        }
        let i = ((self.stable_latencies.len() as f64 - 1.0) * q).round() as usize;
        self.stable_latencies[i] as f64 / 1000.0
    }
}

/// Collects anomalies of several kinds, listing the first few of each.
#[derive(Default)]
struct Anomalies {
    listed: Vec<String>,
    per_kind: HashMap<&'static str, usize>,
    count: usize,
}

impl Anomalies {
    fn add(&mut self, kind: &'static str, text: impl FnOnce() -> String) {
        self.count += 1;
        let n = self.per_kind.entry(kind).or_default();
        *n += 1;
        if *n <= MAX_LISTED {
            self.listed.push(format!("{kind}: {}", text()));
        }
    }
}

/// Analyses `history` and the final reads.
pub fn analyse(history: &History, final_reads: &[FinalRead]) -> SetFullReport {
    let mut problems = Anomalies::default();
    let pairs = match history.pairs() {
        Ok(p) => p,
        Err(e) => {
            problems.add("ill-formed history", || e);
            return finish(Vec::new(), 0, problems);
        }
    };
    // Each completion's invocation, and each add invocation's outcome.
    let mut invoke_of: HashMap<usize, &Op> = HashMap::new();
    let mut outcome_of: HashMap<usize, Kind> = HashMap::new();
    for p in &pairs {
        outcome_of.insert(p.invoke.index, p.outcome());
        if let Some(c) = p.completion {
            invoke_of.insert(c.index, p.invoke);
        }
    }
    let mut elements: Vec<Element> = Vec::new();
    let mut ids: FxMap<String, usize> = FxMap::default();
    let mut reads = 0;
    for op in &history.ops {
        let is_add = matches!(op.f, F::Add | F::Broadcast);
        match (op.kind, is_add, op.f) {
            (Kind::Invoke, true, _) => {
                let value = op.value.to_string();
                if ids.contains_key(&value) {
                    problems.add("element added twice", || {
                        format!("op {} adds {value} again", op.index)
                    });
                    continue;
                }
                ids.insert(value.clone(), elements.len());
                elements.push(Element {
                    value,
                    outcome: outcome_of.get(&op.index).copied().unwrap_or(Kind::Info),
                    known: None,
                    last_present: None,
                    last_absent: None,
                    missing_at: Vec::new(),
                });
            }
            (Kind::Ok, true, _) => {
                if let Some(&id) = ids.get(&op.value.to_string()) {
                    let e = &mut elements[id];
                    e.known = e.known.or(Some(Seen {
                        index: op.index,
                        time: op.time,
                    }));
                }
            }
            (Kind::Ok, false, F::Read) => {
                let Some(inv) = invoke_of.get(&op.index) else {
                    continue;
                };
                reads += 1;
                let read = Seen {
                    index: inv.index,
                    time: inv.time,
                };
                let done = Seen {
                    index: op.index,
                    time: op.time,
                };
                let label = format!("op {} via {}", op.index, op.node.as_deref().unwrap_or("?"));
                let present = present_ids(&op.value, &ids, &label, &mut problems);
                observe(&mut elements, &present, read, done);
            }
            _ => {}
        }
    }
    let finals = judge_final_reads(&mut elements, &ids, final_reads, history, &mut problems);
    reads += finals;
    for e in &elements {
        if e.outcome == Kind::Fail && e.last_present.is_some() {
            problems.add("failed add observed", || {
                format!("{} was read although its add definitely failed", e.value)
            });
        }
    }
    let mut report = finish(elements, reads, problems);
    report.final_reads = finals;
    report
}

/// The ids of the elements a read returned; anomalies for anything else in it.
fn present_ids(
    value: &Value,
    ids: &FxMap<String, usize>,
    label: &str,
    problems: &mut Anomalies,
) -> Vec<bool> {
    let mut present = vec![false; ids.len()];
    let Some(items) = value.as_array() else {
        problems.add("not a list", || format!("{label} read {value}"));
        return present;
    };
    for item in items {
        let text = item.to_string();
        match ids.get(&text) {
            Some(&id) if present[id] => {
                problems.add("duplicated", || format!("{label} lists {text} twice"))
            }
            Some(&id) => present[id] = true,
            None => problems.add("never added", || {
                format!("{label} read {text}, which no add had attempted")
            }),
        }
    }
    present
}

/// Records one ok read, invoked at `read` and completed at `done`.
fn observe(elements: &mut [Element], present: &[bool], read: Seen, done: Seen) {
    for (e, &here) in elements.iter_mut().zip(present) {
        let slot = if here {
            e.known = e.known.or(Some(done));
            &mut e.last_present
        } else {
            &mut e.last_absent
        };
        if slot.is_none_or(|s| s.index < read.index) {
            *slot = Some(read);
        }
    }
}

/// Applies the final reads; returns how many there were.
fn judge_final_reads(
    elements: &mut [Element],
    ids: &FxMap<String, usize>,
    final_reads: &[FinalRead],
    history: &History,
    problems: &mut Anomalies,
) -> usize {
    if final_reads.is_empty() {
        if !elements.is_empty() {
            problems.add("no final reads", || {
                "elements were added but no node was read at the end".into()
            });
        }
        return 0;
    }
    // After every history op, in the order given.
    let end = history.ops.last().map_or(0, |o| o.time);
    let mut views = Vec::new();
    for (i, r) in final_reads.iter().enumerate() {
        let label = format!("final read on {}", r.node);
        let FinalValue::Value(text) = &r.value else {
            problems.add("final read unanswered", || {
                format!("{label}: {:?}", r.value)
            });
            continue;
        };
        let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        let present = present_ids(&value, ids, &label, problems);
        let at = Seen {
            index: history.ops.len() + i,
            time: end,
        };
        observe(elements, &present, at, at);
        views.push((r.node.clone(), present));
    }
    // Every element known by now must be in every final read.
    for (id, e) in elements.iter_mut().enumerate() {
        if e.known.is_none() {
            continue;
        }
        for (node, present) in &views {
            if !present[id] {
                e.missing_at.push(node.clone());
            }
        }
    }
    final_reads.len()
}

/// Classifies every element and totals the report.
fn finish(elements: Vec<Element>, reads: usize, mut problems: Anomalies) -> SetFullReport {
    let mut r = SetFullReport {
        attempted: elements.len(),
        reads,
        ..SetFullReport::default()
    };
    let mut stale: Vec<(u64, String)> = Vec::new();
    for e in &elements {
        if e.outcome == Kind::Ok {
            r.acknowledged += 1;
        }
        let Some(known) = e.known else {
            r.never_read += 1;
            continue;
        };
        let absent_last = match (e.last_absent, e.last_present) {
            (Some(a), Some(p)) => a.index > p.index,
            (Some(_), None) => true,
            (None, _) => false,
        };
        let jepsen_lost = absent_last && e.last_absent.is_some_and(|a| a.index > known.index);
        if !e.missing_at.is_empty() || jepsen_lost {
            r.lost += 1;
            problems.add("lost", || {
                if e.missing_at.is_empty() {
                    format!("{} was known, then no longer read", e.value)
                } else {
                    format!(
                        "{} ({}) missing from the final read on {}",
                        e.value,
                        if e.outcome == Kind::Ok {
                            "acknowledged"
                        } else {
                            "observed"
                        },
                        e.missing_at.join(", ")
                    )
                }
            });
            continue;
        }
        if e.last_present.is_none() {
            r.never_read += 1;
            continue;
        }
        r.stable += 1;
        let latency = e
            .last_absent
            .map_or(0, |a| (a.time + 1).saturating_sub(known.time));
        r.stable_latencies.push(latency);
        if e.last_absent.is_some_and(|a| a.index > known.index) {
            stale.push((latency, e.value.clone()));
        }
    }
    r.stable_latencies.sort_unstable();
    r.stale = stale.len();
    stale.sort_by(|a, b| b.cmp(a));
    r.stale_elements = stale
        .into_iter()
        .take(MAX_LISTED)
        .map(|(l, v)| format!("{v} stable after {:.1} ms", l as f64 / 1000.0))
        .collect();
    r.anomaly_count = problems.count;
    r.anomalies = problems.listed;
    r
}

/// The set-full verdict; `linearizable` makes stale elements anomalies.
pub fn check(history: &History, final_reads: &[FinalRead], linearizable: bool) -> Verdict {
    let r = analyse(history, final_reads);
    let mut anomalies = r.anomalies.clone();
    if linearizable {
        anomalies.extend(r.stale_elements.iter().map(|s| format!("stale: {s}")));
    }
    let valid = r.anomaly_count == 0 && !(linearizable && r.stale > 0);
    Verdict {
        checker: if linearizable {
            "set-full (linearizable)".into()
        } else {
            "set-full".into()
        },
        valid,
        summary: format!(
            "{} added ({} acknowledged): {} stable, {} lost, {} never read, {} stale | stable latency ms p50 {:.0} p95 {:.0} max {:.0} | {} reads, {} final",
            r.attempted,
            r.acknowledged,
            r.stable,
            r.lost,
            r.never_read,
            r.stale,
            r.latency_ms(0.5),
            r.latency_ms(0.95),
            r.latency_ms(1.0),
            r.reads,
            r.final_reads
        ),
        anomalies,
    }
}
