//! Shrinking a non-linearizable key history to a small witness a human can read.
//!
//! Only transformations that keep the implication "witness fails ⇒ history fails" are used:
//! 1. Cut at the stuck return `r` (the furthest point the search could not get past): keep
//!    the operations invoked before `r`; those completing after `r` become optional
//!    (optional reads vanish). The search failing to pass `r` is exactly this sub-history
//!    being non-linearizable.
//! 2. Start later: pick a cut time `t` before which every required operation has completed
//!    and keep only operations invoked at or after `t` (plus optional writes invoked before
//!    it, which may still take effect later), starting from an *unknown* register value.
//! 3. Drop reads one at a time while the rest still fails (reads change nothing, so any
//!    linearization of the larger set yields one of the smaller).

use super::history::Op;
use super::key_op::KeyOp;
use super::register::{ABSENT, UNKNOWN, ValueId};
use super::wgl::{self, Outcome, SearchOp};

/// A witness: indices into the key's operations, and how to start the register.
pub(crate) struct Witness {
    /// Indices of the witness operations, ascending.
    pub(crate) ops: Vec<usize>,
    /// True if the witness fails whatever the register held before its first operation.
    pub(crate) from_any_state: bool,
}

/// Upper bound on later cut points tried (each costs one small search).
const MAX_CUTS: usize = 64;

/// Upper bound on the states explored for one window (from one start state).
const WINDOW_STATES: usize = 20_000;

/// Extracts a small witness for a key whose search got stuck at op `stuck`.
pub(crate) fn extract(kops: &[KeyOp<'_>], stuck: usize, budget: usize) -> Witness {
    let all = Witness {
        ops: (0..kops.len()).collect(),
        from_any_state: false,
    };
    let small_budget = (budget / 16).max(10_000);
    let Some(base) = prefix(kops, stuck) else {
        return all;
    };
    if let Some(w) = local(&base, small_budget) {
        return w;
    }
    if base.len() <= MAX_SHRINK && fails(&base, &[ABSENT], small_budget) {
        return shrink(base, vec![ABSENT], small_budget);
    }
    all
}

/// Looks for a small window ending at op `stuck`'s return that cannot be linearized from
/// any state: proof of a violation without a full search. `None` if none is found.
pub(crate) fn local_violation(kops: &[KeyOp<'_>], stuck: usize, budget: usize) -> Option<Witness> {
    local(&prefix(kops, stuck)?, budget)
}

/// Larger candidate sets are not shrunk read by read (each try is a search).
const MAX_SHRINK: usize = 200;

/// Step 1: the ops invoked before `stuck`'s return, later completions made optional.
fn prefix(kops: &[KeyOp<'_>], stuck: usize) -> Option<Vec<(usize, SearchOp)>> {
    let r = kops.get(stuck)?.search.ret?;
    let mut base = Vec::new();
    for (i, k) in kops.iter().enumerate() {
        let mut s = k.search;
        if s.call >= r {
            continue;
        }
        if s.ret.is_some_and(|t| t > r) {
            s.ret = None;
        }
        if s.ret.is_none() && s.op.is_read() {
            continue;
        }
        base.push((i, s));
    }
    Some(base)
}

/// Steps 2 and 3 on a candidate set.
fn local(base: &[(usize, SearchOp)], budget: usize) -> Option<Witness> {
    let (chosen, inits) = latest_cut(base, budget)?;
    if chosen.len() > MAX_SHRINK {
        let from_any_state = inits != [ABSENT];
        return Some(Witness {
            ops: chosen.iter().map(|&(i, _)| i).collect(),
            from_any_state,
        });
    }
    Some(shrink(chosen, inits, budget))
}

/// Step 3: drops reads while the rest still fails.
fn shrink(mut chosen: Vec<(usize, SearchOp)>, inits: Vec<ValueId>, budget: usize) -> Witness {
    let mut k = 0;
    while k < chosen.len() {
        if chosen[k].1.op.is_read() {
            let mut without = chosen.clone();
            without.remove(k);
            if fails(&without, &inits, budget) {
                chosen = without;
                continue;
            }
        }
        k += 1;
    }
    Witness {
        ops: chosen.iter().map(|&(i, _)| i).collect(),
        from_any_state: inits != [ABSENT],
    }
}

/// More distinct candidate states than this at a cut: use the lazily bound [`UNKNOWN`].
const MAX_INITS: usize = 16;

type Window = (Vec<(usize, SearchOp)>, Vec<ValueId>);

/// Tries cut points from the latest back; returns the first window that fails from every
/// state the register could hold at the cut (absent, or a value written before it).
///
/// The window at cut `t` is every op invoked at or after `t`, plus the non-read ops invoked
/// before `t` that may take effect after it (still running at `t`, or `info`), made
/// optional. In any linearization, the ops taking effect after `t` are a subset of these
/// and start from the state at `t`, so a window that fails from every such state proves the
/// whole history fails.
fn latest_cut(base: &[(usize, SearchOp)], budget: usize) -> Option<Window> {
    let mut cuts: Vec<_> = base.iter().map(|(_, s)| s.call).collect();
    cuts.sort_unstable();
    cuts.dedup();
    // The earliest cut is the whole prefix, already known to fail from ABSENT.
    for &t in cuts.iter().skip(1).rev().take(MAX_CUTS) {
        // Ops invoked before t that may still take effect at or after t become optional:
        // if they took effect before t, their effect is part of the unknown start state.
        let window: Vec<_> = base
            .iter()
            .filter_map(|&(i, s)| {
                if s.call >= t {
                    return Some((i, s));
                }
                let open = s.ret.is_none_or(|e| e >= t);
                (open && !s.op.is_read()).then_some((i, SearchOp { ret: None, ..s }))
            })
            .collect();
        let mut inits = vec![ABSENT];
        for (_, s) in base.iter().filter(|(_, s)| s.call < t) {
            if let Some(v) = s.op.written() {
                inits.push(v);
            }
        }
        inits.sort_unstable();
        inits.dedup();
        if inits.len() > MAX_INITS {
            inits = vec![UNKNOWN];
        }
        match verdict(&window, &inits, budget.min(WINDOW_STATES)) {
            Some(true) => return Some((window, inits)),
            Some(false) => {}
            // Earlier cuts give larger windows: give up rather than burn time.
            None => return None,
        }
    }
    None
}

/// True if the search fails from every one of `inits`.
fn fails(ops: &[(usize, SearchOp)], inits: &[ValueId], budget: usize) -> bool {
    verdict(ops, inits, budget) == Some(true)
}

/// `Some(true)` if the search fails from every one of `inits`, `Some(false)` if it succeeds
/// from one of them, `None` if the budget ran out first.
fn verdict(ops: &[(usize, SearchOp)], inits: &[ValueId], budget: usize) -> Option<bool> {
    let search: Vec<SearchOp> = ops.iter().map(|&(_, s)| s).collect();
    for &init in inits {
        match wgl::search(&search, init, budget) {
            Outcome::Violation { .. } => {}
            Outcome::Linearizable => return Some(false),
            Outcome::Exhausted { .. } => return None,
        }
    }
    Some(true)
}

/// The history records (invokes and completions) of the given operations, in record order.
pub(crate) fn records(kops: &[KeyOp<'_>], ops: &[usize]) -> Vec<Op> {
    let mut out: Vec<Op> = Vec::new();
    for &i in ops {
        if let Some(k) = kops.get(i) {
            out.push(k.invoke.clone());
            out.extend(k.completion.cloned());
        }
    }
    out.sort_by_key(|o| o.index);
    out
}
