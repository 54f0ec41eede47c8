//! Write stamps: a hybrid logical time plus the stamping node's id.

use serde::{Deserialize, Serialize};

/// The version of a last-write-wins value. Stamps compare lexicographically by
/// `(time, node)`: a later time wins, and on equal times the greater node id wins,
/// so any two distinct stamps are ordered the same way on every node.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Stamp {
    /// Hybrid time in microseconds: the stamping node's clock, pushed past every
    /// stamp that node had seen (see [`HybridClock`]).
    pub time: u64,
    /// The node that stamped the write. Breaks ties between equal times.
    pub node: String,
}

/// A hybrid logical clock: physical time when it moves forward, a Lamport counter
/// when it does not. Deterministic: the physical time is an argument.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HybridClock {
    /// The highest time stamped or observed so far.
    last: u64,
}

impl HybridClock {
    /// A time for a new local write at physical time `now`: later than every time
    /// stamped or observed before, so a write issued after observing another is
    /// stamped later than it.
    pub fn tick(&mut self, now: u64) -> u64 {
        self.last = now.max(self.last.saturating_add(1));
        self.last
    }

    /// Records a stamp seen in a replicated write.
    pub fn observe(&mut self, time: u64) {
        self.last = self.last.max(time);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_order_by_time_then_node() {
        let s = |time, node: &str| Stamp {
            time,
            node: node.into(),
        };
        assert!(s(2, "n1") > s(1, "n9"));
        assert!(s(1, "n2") > s(1, "n1"));
        assert_eq!(s(1, "n1").cmp(&s(1, "n1")), std::cmp::Ordering::Equal);
    }

    #[test]
    fn the_clock_moves_past_observed_and_repeated_times() {
        let mut c = HybridClock::default();
        assert_eq!(c.tick(10), 10);
        assert_eq!(c.tick(10), 11, "same physical time: the counter moves on");
        c.observe(100);
        assert_eq!(c.tick(50), 101, "a write after observing another is later");
        assert_eq!(c.tick(500), 500);
    }
}
