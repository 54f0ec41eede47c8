//! The Wing–Gong–Lowe linearizability search for one register.
//!
//! Operations become call and return entries in a doubly linked list ordered by time. The
//! search walks the list: at a call entry it tries to linearize that operation next (apply
//! the model, "lift" its entries out of the list, restart from the head); at a return entry
//! it has failed to linearize that operation in time and backtracks. A cache of
//! (set of linearized operations, state) pairs prunes configurations already explored.
//! Optional operations (`info`) have no return entry: they may be linearized or not.

use super::register::{RegOp, ValueId};
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

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
    Exhausted,
}

/// A small fast hasher for the cache (FxHash-style multiply-rotate).
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

type Cache = HashSet<(Box<[u64]>, ValueId), BuildHasherDefault<FxHasher>>;

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
    fn pushed(&mut self, stack: &[(usize, ValueId)]) {
        let d = stack.len() - 1;
        let x = stack[d].0;
        if self.agree == d && self.best.get(d) == Some(&x) {
            self.agree = d + 1;
        } else if self.agree == d && self.best.len() == d {
            self.best.push(x);
            self.agree = d + 1;
        } else if stack.len() > self.best.len() {
            self.best = stack.iter().map(|&(n, _)| n).collect();
            self.agree = stack.len();
        }
    }

    fn popped(&mut self, len: usize) {
        self.agree = self.agree.min(len);
    }
}

/// Searches for a linearization of `ops` starting from state `init`, exploring at most
/// `budget` distinct configurations.
pub fn search(ops: &[SearchOp], init: ValueId, budget: usize) -> Outcome {
    let mut entries = Entries::new(ops);
    let tail = entries.tail();
    let words = ops.len().div_ceil(64).max(1);
    let mut bits = vec![0u64; words];
    let mut cache = Cache::default();
    let mut remaining = ops.iter().filter(|o| o.required()).count();
    let mut state = init;
    // Stack of (call node, state before it) for the linearized operations.
    let mut stack: Vec<(usize, ValueId)> = Vec::new();
    let mut longest = Longest {
        best: Vec::new(),
        agree: 0,
    };
    let mut stuck_node = 0usize;
    let mut node = entries.next[0];
    loop {
        if remaining == 0 {
            return Outcome::Linearizable;
        }
        let (i, is_call) = entries.op[node];
        if node != tail && is_call {
            if let Some(new_state) = ops[i].op.step(state) {
                bits[i / 64] |= 1 << (i % 64);
                if cache.insert((bits.clone().into_boxed_slice(), new_state)) {
                    if cache.len() > budget {
                        return Outcome::Exhausted;
                    }
                    stack.push((node, state));
                    longest.pushed(&stack);
                    state = new_state;
                    entries.lift(node);
                    if ops[i].required() {
                        remaining -= 1;
                    }
                    node = entries.next[0];
                    continue;
                }
                bits[i / 64] &= !(1 << (i % 64));
            }
            node = entries.next[node];
            continue;
        }
        // A return entry (or the end of the list): backtrack.
        if node != tail {
            stuck_node = stuck_node.max(node);
        }
        let Some((call, before)) = stack.pop() else {
            let stuck = entries.op[stuck_node].0;
            let longest = longest.best.iter().map(|&n| entries.op[n].0).collect();
            return Outcome::Violation { stuck, longest };
        };
        longest.popped(stack.len());
        let j = entries.op[call].0;
        bits[j / 64] &= !(1 << (j % 64));
        state = before;
        entries.unlift(call);
        if ops[j].required() {
            remaining += 1;
        }
        node = entries.next[call];
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
        let ops: Vec<SearchOp> = (0..20).map(|k| op(RegOp::Write(k), 0, None)).collect();
        let mut all = ops.clone();
        all.push(op(RegOp::Read(99), 1, Some(2)));
        assert_eq!(search(&all, ABSENT, 100), Outcome::Exhausted);
    }
}
