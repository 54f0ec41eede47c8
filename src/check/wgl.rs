//! The Wing–Gong–Lowe linearizability search for one register.
//!
//! Operations become call and return entries in a doubly linked list ordered by time. The
//! search walks the list: at a call entry it tries to linearize that operation next (apply
//! the model, "lift" its entries out of the list, restart from the head); at a return entry
//! it has failed to linearize that operation in time and backtracks. A cache of
//! (set of linearized operations, state) pairs prunes configurations already explored.
//! The set is an exact 128-bit bitset for up to 128 operations and a 128-bit Zobrist
//! fingerprint beyond that (collision odds ~2^-128 per pair; memory stays 24 bytes a state).
//! Required operations are tried before optional ones at every step, and among pending
//! optional operations with identical effects only the earliest is tried.
//! Optional operations (`info`) have no return entry: they may be linearized or not.

use super::fx::FxSet;
use super::register::{RegOp, ValueId};

/// A point in the history: time, then record index to break ties.
pub type Stamp = (u64, usize);

/// One operation as the search sees it.
#[derive(Clone, Copy, Debug)]
pub struct SearchOp {
    /// The register operation.
    pub op: RegOp,
    /// When the operation was invoked.
    pub call: Stamp,
    /// When it completed; `None` for optional operations (return time +infinity).
    pub ret: Option<Stamp>,
}

impl SearchOp {
    /// True if the operation must be linearized (it completed `ok`).
    pub fn required(&self) -> bool {
        self.ret.is_some()
    }
}

/// What the search found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A linearization exists.
    Linearizable,
    /// No linearization exists.
    Violation {
        /// The operation whose return the search got furthest to without linearizing it.
        stuck: usize,
        /// The longest sequence of operations the search linearized, in order.
        longest: Vec<usize>,
    },
    /// The state budget ran out before an answer.
    Exhausted {
        /// The operation whose return the search had got furthest to, if any.
        stuck: Option<usize>,
    },
}

/// Configurations already explored: (linearized-set fingerprint, state).
type Cache = FxSet<(u64, u64, ValueId)>;

/// Sorted call/return entries threaded on a doubly linked list.
/// Node 0 is the head sentinel, nodes `1..=n` are entries, node `n + 1` is the tail.
struct Entries {
    /// For each node: the operation, and whether this is its call entry.
    op: Vec<(usize, bool)>,
    /// For each call node, the node of its return entry (0 if none).
    ret_of: Vec<usize>,
    next: Vec<usize>,
    prev: Vec<usize>,
}

impl Entries {
    fn new(ops: &[SearchOp]) -> Entries {
        let mut sorted: Vec<(Stamp, usize, bool)> = Vec::with_capacity(ops.len() * 2);
        for (i, o) in ops.iter().enumerate() {
            sorted.push((o.call, i, true));
            if let Some(r) = o.ret {
                sorted.push((r, i, false));
            }
        }
        // Calls sort before returns at an identical stamp (only possible in odd input).
        sorted.sort_by_key(|&(s, i, call)| (s, !call, i));
        let n = sorted.len();
        let mut op = vec![(usize::MAX, false); n + 2];
        let mut ret_of = vec![0; n + 2];
        let mut call_node = vec![0; ops.len()];
        for (k, &(_, i, call)) in sorted.iter().enumerate() {
            let node = k + 1;
            op[node] = (i, call);
            if call {
                call_node[i] = node;
            } else {
                ret_of[call_node[i]] = node;
            }
        }
        let next = (0..n + 2).map(|k| (k + 1).min(n + 1)).collect();
        let prev = (0..n + 2).map(|k| k.saturating_sub(1)).collect();
        Entries {
            op,
            ret_of,
            next,
            prev,
        }
    }

    fn tail(&self) -> usize {
        self.op.len() - 1
    }

    fn unlink(&mut self, x: usize) {
        let (p, n) = (self.prev[x], self.next[x]);
        self.next[p] = n;
        self.prev[n] = p;
    }

    fn relink(&mut self, x: usize) {
        let (p, n) = (self.prev[x], self.next[x]);
        self.next[p] = x;
        self.prev[n] = x;
    }

    fn lift(&mut self, call: usize) {
        self.unlink(call);
        if self.ret_of[call] != 0 {
            self.unlink(self.ret_of[call]);
        }
    }

    fn unlift(&mut self, call: usize) {
        if self.ret_of[call] != 0 {
            self.relink(self.ret_of[call]);
        }
        self.relink(call);
    }
}

/// Tracks the longest linearized sequence seen without copying on every step.
struct Longest {
    best: Vec<usize>,
    /// How many leading entries of the current stack equal `best`.
    agree: usize,
}

impl Longest {
    fn pushed<T>(&mut self, stack: &[(usize, ValueId, T)]) {
        let d = stack.len() - 1;
        let x = stack[d].0;
        if self.agree == d && self.best.get(d) == Some(&x) {
            self.agree = d + 1;
        } else if self.agree == d && self.best.len() == d {
            self.best.push(x);
            self.agree = d + 1;
        } else if stack.len() > self.best.len() {
            self.best = stack.iter().map(|f| f.0).collect();
            self.agree = stack.len();
        }
    }

    fn popped(&mut self, len: usize) {
        self.agree = self.agree.min(len);
    }
}

/// A 128-bit Zobrist fingerprint of a set of operations: the XOR of a fixed pseudo-random
/// pair per operation. Two different sets collide with probability about 2^-128 per pair,
/// far below anything a search can explore, so the cache stores fingerprints, not bitsets.
fn zobrist(i: usize) -> (u64, u64) {
    fn splitmix(mut z: u64) -> u64 {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    let i = i as u64;
    (splitmix(2 * i), splitmix(2 * i + 1))
}

/// The pair XORed into the set fingerprint when op `i` of `n` is linearized: for up to 128
/// operations the fingerprint is the exact bitset; beyond that, a [`zobrist`] pair.
fn set_key(i: usize, n: usize) -> (u64, u64) {
    match (n <= 128, i < 64) {
        (true, true) => (1 << i, 0),
        (true, false) => (0, 1 << (i - 64)),
        (false, _) => zobrist(i),
    }
}

/// Which candidates a scan of the list considers: required operations are tried first, and
/// optional ones only once no required one can go next. Any order is complete (every call
/// entry before the first return entry is tried); this one avoids guessing `info` effects.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Pass {
    Required,
    Optional,
}

/// True if linearizing op `i` right after the optional op on top of `stack` is pointless.
///
/// Say the top frame linearized optional `o` from state `s`, and `x = ops[i]` could also
/// have been linearized at `s`. For a write or cas `x`, `x(o(s)) = x(s)`, so "o then x"
/// reaches the state of "x" alone with `o` used up: dominated by the sibling branch that
/// tries `x` at `s` (it exists: `x` was a candidate there too). For a read `x`, both being
/// valid means `o(s) = s`, and "x then o" reaches the same configuration. Either way the
/// branch can be skipped without losing a linearization.
fn dominated(
    ops: &[SearchOp],
    entries: &Entries,
    stack: &[(usize, ValueId, Pass)],
    i: usize,
) -> bool {
    let Some(&(node, before, _)) = stack.last() else {
        return false;
    };
    let o = entries.op[node].0;
    !ops[o].required() && ops[i].op.step(before).is_some()
}

/// Searches for a linearization of `ops` starting from state `init`, exploring at most
/// `budget` distinct configurations.
pub fn search(ops: &[SearchOp], init: ValueId, budget: usize) -> Outcome {
    let mut entries = Entries::new(ops);
    let tail = entries.tail();
    let keys: Vec<(u64, u64)> = (0..ops.len()).map(|i| set_key(i, ops.len())).collect();
    let mut set = (0u64, 0u64);
    let mut cache = Cache::default();
    let mut remaining = ops.iter().filter(|o| o.required()).count();
    let mut state = init;
    // Stack of (call node, state before it, pass it was chosen in) for linearized operations.
    let mut stack: Vec<(usize, ValueId, Pass)> = Vec::new();
    let mut longest = Longest {
        best: Vec::new(),
        agree: 0,
    };
    let mut stuck_node = 0usize;
    let mut node = entries.next[0];
    let mut pass = Pass::Required;
    let mut seen: Vec<RegOp> = Vec::new();
    loop {
        if remaining == 0 {
            return Outcome::Linearizable;
        }
        let (i, is_call) = entries.op[node];
        if node != tail && is_call {
            let wanted = if ops[i].required() {
                Pass::Required
            } else {
                Pass::Optional
            };
            // Pending optional ops with equal effects are interchangeable: try only the first.
            let fresh = pass == Pass::Required || wanted != pass || {
                let dup = seen.contains(&ops[i].op);
                if !dup {
                    seen.push(ops[i].op);
                }
                !dup
            };
            if wanted == pass
                && fresh
                && !dominated(ops, &entries, &stack, i)
                && let Some(new_state) = ops[i].op.step(state)
            {
                let k = keys[i];
                let next_set = (set.0 ^ k.0, set.1 ^ k.1);
                if cache.insert((next_set.0, next_set.1, new_state)) {
                    if cache.len() > budget {
                        let stuck = (stuck_node != 0).then(|| entries.op[stuck_node].0);
                        return Outcome::Exhausted { stuck };
                    }
                    stack.push((node, state, pass));
                    longest.pushed(&stack);
                    set = next_set;
                    state = new_state;
                    entries.lift(node);
                    if ops[i].required() {
                        remaining -= 1;
                    }
                    node = entries.next[0];
                    pass = Pass::Required;
                    continue;
                }
            }
            node = entries.next[node];
            continue;
        }
        // A return entry (or the end of the list): nothing more to try in this pass.
        if node != tail {
            stuck_node = stuck_node.max(node);
        }
        if pass == Pass::Required {
            pass = Pass::Optional;
            seen.clear();
            node = entries.next[0];
            continue;
        }
        let Some((call, before, was)) = stack.pop() else {
            let stuck = entries.op[stuck_node].0;
            let longest = longest.best.iter().map(|&n| entries.op[n].0).collect();
            return Outcome::Violation { stuck, longest };
        };
        longest.popped(stack.len());
        let j = entries.op[call].0;
        set = (set.0 ^ keys[j].0, set.1 ^ keys[j].1);
        state = before;
        entries.unlift(call);
        if ops[j].required() {
            remaining += 1;
        }
        node = entries.next[call];
        pass = was;
        if pass == Pass::Optional {
            // Rebuild the optional ops this scan has already considered, up to `call`.
            seen.clear();
            let mut n = entries.next[0];
            while n != node {
                let (k, c) = entries.op[n];
                if c && !ops[k].required() && !seen.contains(&ops[k].op) {
                    seen.push(ops[k].op);
                }
                n = entries.next[n];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::register::ABSENT;

    fn op(op: RegOp, call: u64, ret: Option<u64>) -> SearchOp {
        SearchOp {
            op,
            call: (call, 0),
            ret: ret.map(|r| (r, 0)),
        }
    }

    #[test]
    fn sequential_and_stale() {
        let ok = [
            op(RegOp::Write(1), 0, Some(1)),
            op(RegOp::Read(1), 2, Some(3)),
        ];
        assert_eq!(search(&ok, ABSENT, 1000), Outcome::Linearizable);
        let bad = [
            op(RegOp::Write(1), 0, Some(1)),
            op(RegOp::Read(ABSENT), 2, Some(3)),
        ];
        match search(&bad, ABSENT, 1000) {
            Outcome::Violation { stuck, longest } => {
                assert_eq!(stuck, 1);
                assert_eq!(longest, vec![0]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn budget_is_enforced() {
        let mut all: Vec<SearchOp> = (0..10)
            .map(|k| op(RegOp::Write(k), k.into(), Some(100)))
            .collect();
        all.push(op(RegOp::Read(9), 200, Some(201)));
        assert_eq!(search(&all, ABSENT, 1000), Outcome::Linearizable);
        assert!(matches!(search(&all, ABSENT, 5), Outcome::Exhausted { .. }));
    }
}
