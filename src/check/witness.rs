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
use super::linearizability::KeyOp;
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
const MAX_CUTS: usize = 256;

/// Extracts a small witness for a key whose search got stuck at op `stuck`.
pub(crate) fn extract(kops: &[KeyOp<'_>], stuck: usize, budget: usize) -> Witness {
    let all = Witness {
        ops: (0..kops.len()).collect(),
        from_any_state: false,
    };
    let Some(r) = kops.get(stuck).and_then(|k| k.search.ret) else {
        return all;
    };
    let small_budget = (budget / 16).max(10_000);
    // 1. Everything invoked before r; ops completing after r become optional.
    let mut base: Vec<(usize, SearchOp)> = Vec::new();
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
    if !fails(&base, &[ABSENT], small_budget) {
        return all;
    }
    // 2. The latest cut that still fails from any state the register could hold there.
    let (mut chosen, inits) =
        latest_cut(&base, small_budget).unwrap_or((base.clone(), vec![ABSENT]));
    // 3. Drop reads while it still fails.
    let mut k = 0;
    while k < chosen.len() {
        if chosen[k].1.op.is_read() {
            let mut without = chosen.clone();
            without.remove(k);
            if fails(&without, &inits, small_budget) {
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
fn latest_cut(base: &[(usize, SearchOp)], budget: usize) -> Option<Window> {
    let mut cuts: Vec<_> = base.iter().map(|(_, s)| s.call).collect();
    cuts.sort_unstable();
    cuts.dedup();
    // The earliest cut is the whole prefix, already known to fail from ABSENT.
    for &t in cuts.iter().skip(1).rev().take(MAX_CUTS) {
        // Every required op invoked before t must have completed before t.
        let clean = base
            .iter()
            .all(|(_, s)| s.call >= t || s.ret.is_none_or(|e| e < t));
        if !clean {
            continue;
        }
        let window: Vec<_> = base
            .iter()
            .filter(|(_, s)| s.call >= t || s.ret.is_none())
            .copied()
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
        if fails(&window, &inits, budget) {
            return Some((window, inits));
        }
    }
    None
}

/// True if the search fails from every one of `inits`.
fn fails(ops: &[(usize, SearchOp)], inits: &[ValueId], budget: usize) -> bool {
    let search: Vec<SearchOp> = ops.iter().map(|&(_, s)| s).collect();
    inits.iter().all(|&init| {
        matches!(
            wgl::search(&search, init, budget),
            Outcome::Violation { .. }
        )
    })
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
