//! The values a sum can take when some terms may or may not count: a set of
//! integers kept as sorted, disjoint, non-adjacent closed ranges (Maelstrom's
//! pn-counter checker uses a Guava `TreeRangeSet` the same way).

/// Most ranges kept; beyond, the set widens to the range that spans it all (which
/// only ever accepts more, never rejects a possible value). Small deltas merge
/// ranges quickly, so this is rarely reached.
const MAX_RANGES: usize = 256;

/// A set of integers as ranges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sums {
    ranges: Vec<(i128, i128)>,
}

impl Sums {
    /// The set `{value}`.
    pub fn exactly(value: i128) -> Sums {
        Sums {
            ranges: vec![(value, value)],
        }
    }

    /// Adds an optional term: every value stays, and every value plus `delta`
    /// joins.
    pub fn maybe_add(&mut self, delta: i128) {
        if delta == 0 {
            return;
        }
        let shifted: Vec<(i128, i128)> = self
            .ranges
            .iter()
            .map(|&(lo, hi)| (lo + delta, hi + delta))
            .collect();
        self.ranges.extend(shifted);
        self.normalize();
    }

    /// Every value plus `offset`.
    pub fn shifted(&self, offset: i128) -> Sums {
        Sums {
            ranges: self
                .ranges
                .iter()
                .map(|&(lo, hi)| (lo + offset, hi + offset))
                .collect(),
        }
    }

    /// Whether `value` is in the set.
    pub fn contains(&self, value: i128) -> bool {
        let i = self.ranges.partition_point(|&(_, hi)| hi < value);
        self.ranges.get(i).is_some_and(|&(lo, _)| lo <= value)
    }

    /// The smallest and largest value.
    pub fn bounds(&self) -> (i128, i128) {
        let lo = self.ranges.first().map_or(0, |r| r.0);
        let hi = self.ranges.last().map_or(0, |r| r.1);
        (lo, hi)
    }

    /// How many ranges the set is made of.
    pub fn range_count(&self) -> usize {
        self.ranges.len()
    }

    fn normalize(&mut self) {
        self.ranges.sort_unstable();
        let mut merged: Vec<(i128, i128)> = Vec::with_capacity(self.ranges.len());
        for &(lo, hi) in &self.ranges {
            match merged.last_mut() {
                Some(last) if lo <= last.1 + 1 => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        if merged.len() > MAX_RANGES {
            let (lo, hi) = (merged[0].0, merged[merged.len() - 1].1);
            merged = vec![(lo, hi)];
        }
        self.ranges = merged;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subset_sums_are_exact() {
        let mut s = Sums::exactly(10);
        s.maybe_add(3);
        assert!(s.contains(10) && s.contains(13));
        assert!(!s.contains(11) && !s.contains(12) && !s.contains(14));
        s.maybe_add(-5);
        // {10, 13, 5, 8}
        for v in [5, 8, 10, 13] {
            assert!(s.contains(v), "{v} in {s:?}");
        }
        for v in [4, 6, 7, 9, 11, 12, 14] {
            assert!(!s.contains(v), "{v} not in {s:?}");
        }
        s.maybe_add(1);
        s.maybe_add(1);
        assert_eq!(s.range_count(), 1, "{s:?}");
        assert_eq!(s.bounds(), (5, 15));
        assert_eq!(s.shifted(-5).bounds(), (0, 10));
    }

    #[test]
    fn too_many_ranges_widen_to_the_hull() {
        let mut s = Sums::exactly(0);
        for i in 0..12 {
            s.maybe_add(1000 << i);
        }
        assert!(s.range_count() <= MAX_RANGES, "4096 ranges widened: {s:?}");
        assert!(s.contains(1) && s.contains(0) && s.contains((1000 << 12) - 1000));
    }
}
