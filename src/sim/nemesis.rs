//! Partition schedules in the manner of Maelstrom's `--nemesis partition` (Jepsen's
//! `partition-package`): partitions start and heal alternately, the first step
//! when the clients start and each later one after a random gap uniform in
//! [0, 2 × interval) (Jepsen's `stagger`), so steps come *around* the interval on
//! average rather than on a fixed beat.

use super::network::Partition;
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use std::collections::{BTreeMap, BTreeSet};

/// The partition shapes of Jepsen's partition package (`partition-specs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartitionKind {
    /// `one`: one node cut off from all others.
    One,
    /// `minority-third`: a random group of fewer than a third of the nodes
    /// (`(n - 1) / 3`, so none below 4 nodes) cut off from the rest.
    MinorityThird,
    /// `majority`: the shuffled nodes cut in half, the smaller half first
    /// (`n / 2` nodes | the rest).
    Majority,
    /// `majorities-ring`: every node sees a majority, but no two nodes see the
    /// same one.
    MajoritiesRing,
}

impl PartitionKind {
    /// Every kind, in Jepsen's order.
    pub const ALL: [PartitionKind; 4] = [
        PartitionKind::One,
        PartitionKind::MinorityThird,
        PartitionKind::Majority,
        PartitionKind::MajoritiesRing,
    ];

    /// Jepsen's name for the kind.
    pub fn name(self) -> &'static str {
        match self {
            PartitionKind::One => "one",
            PartitionKind::MinorityThird => "minority-third",
            PartitionKind::Majority => "majority",
            PartitionKind::MajoritiesRing => "majorities-ring",
        }
    }
}

/// Picks a random partition of `nodes` (each kind equally likely, as Jepsen's
/// `rand/nth` over the specs); returns it with a label for reports. Like Jepsen's,
/// some picks cut nothing on small clusters (a minority third of 3 nodes is
/// empty; a ring on 2 nodes sees everything).
pub fn random_partition(nodes: &[String], rng: &mut StdRng) -> (Partition, String) {
    let kind = PartitionKind::ALL[rng.gen_range(0..PartitionKind::ALL.len())];
    partition_of(kind, nodes, rng)
}

/// A partition of the given kind over `nodes`, shuffled by `rng`.
pub fn partition_of(
    kind: PartitionKind,
    nodes: &[String],
    rng: &mut StdRng,
) -> (Partition, String) {
    let mut shuffled = nodes.to_vec();
    shuffled.shuffle(rng);
    let n = shuffled.len();
    let split = |at: usize, name: &str| {
        let (a, b) = shuffled.split_at(at.min(n));
        (
            Partition::groups(&[a.to_vec(), b.to_vec()]),
            format!("{name} {} | {}", a.join(","), b.join(",")),
        )
    };
    match kind {
        PartitionKind::One => split(1, "one"),
        PartitionKind::MinorityThird => split(n.saturating_sub(1) / 3, "minority-third"),
        PartitionKind::Majority => split(n / 2, "majority"),
        PartitionKind::MajoritiesRing => majorities_ring(nodes, &shuffled, rng),
    }
}

/// Jepsen's `majorities-ring` (0.3.x, as Maelstrom runs it): every node hears a
/// majority (itself included).
///
/// Up to 5 nodes it is the "perfect" ring: the shuffled nodes in a circle, each
/// window of `majority` consecutive nodes is the view of the node in its middle.
/// So on 4 or 5 nodes each node hears both of its neighbours and every link is
/// two-way; on 3 nodes (windows of 2) each node hears only the one before it.
/// Larger clusters get Jepsen's stochastic variant: a symmetric graph built by
/// linking a least-connected node to another least-connected node it is not yet
/// linked to, until every node is linked to a majority (views may then repeat).
fn majorities_ring(nodes: &[String], shuffled: &[String], rng: &mut StdRng) -> (Partition, String) {
    let n = shuffled.len();
    let majority = n / 2 + 1;
    let mut hears: BTreeMap<&str, BTreeSet<&str>> = shuffled
        .iter()
        .map(|a| (a.as_str(), BTreeSet::from([a.as_str()])))
        .collect();
    let description = if n <= 5 {
        for start in 0..n {
            let window: Vec<&str> = (0..majority)
                .map(|k| shuffled[(start + k) % n].as_str())
                .collect();
            if let Some(set) = hears.get_mut(window[majority / 2]) {
                set.extend(window.iter().copied());
            }
        }
        format!("majorities-ring {}", shuffled.join("-"))
    } else {
        loop {
            // Least connected first; ties in random order.
            let mut order: Vec<&str> = shuffled.iter().map(String::as_str).collect();
            order.shuffle(rng);
            order.sort_by_key(|a| hears[a].len());
            let a = order[0];
            if hears[a].len() >= majority {
                break;
            }
            let Some(&b) = order.iter().find(|b| !hears[a].contains(*b)) else {
                break;
            };
            hears.entry(a).or_default().insert(b);
            hears.entry(b).or_default().insert(a);
        }
        let views: Vec<String> = hears
            .iter()
            .map(|(a, set)| {
                let others: Vec<&str> = set.iter().copied().filter(|b| b != a).collect();
                format!("{a}:{}", others.join(","))
            })
            .collect();
        format!("majorities-ring {}", views.join(" "))
    };
    let accepts =
        |receiver: &str, sender: &str| hears.get(receiver).is_some_and(|set| set.contains(sender));
    (Partition::views(nodes, accepts), description)
}

/// A random gap uniform in [0, 2 × `interval`) µs: Jepsen's `stagger`.
pub fn stagger(interval: u64, rng: &mut StdRng) -> u64 {
    rng.gen_range(0..2 * interval.max(1))
}

/// When to start and heal partitions.
#[derive(Clone, Debug)]
pub struct Nemesis {
    interval: u64,
    next_at: u64,
    active: bool,
}

/// What the nemesis does at its next step.
#[derive(Clone, Debug, PartialEq)]
pub enum NemesisAction {
    Start(Partition, String),
    Heal,
}

impl Nemesis {
    /// A schedule acting on average every `interval` µs, first at `start` (as
    /// Jepsen's `stagger`, whose first operation goes at once).
    pub fn new(start: u64, interval: u64) -> Nemesis {
        Nemesis {
            interval: interval.max(1),
            next_at: start,
            active: false,
        }
    }

    /// When the next action is due.
    pub fn next_at(&self) -> u64 {
        self.next_at
    }

    /// The action due now; alternates start and heal, and schedules the next
    /// a [`stagger`]ed gap later.
    pub fn step(&mut self, nodes: &[String], rng: &mut StdRng) -> NemesisAction {
        self.next_at += stagger(self.interval, rng);
        self.active = !self.active;
        if self.active {
            let (p, label) = random_partition(nodes, rng);
            NemesisAction::Start(p, label)
        } else {
            NemesisAction::Heal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("n{i}")).collect()
    }

    fn reachable(p: &Partition, nodes: &[String], a: &str) -> usize {
        nodes
            .iter()
            .filter(|b| b.as_str() == a || !p.blocks(a, b))
            .count()
    }

    /// Who `receiver` hears, itself included.
    fn hears(p: &Partition, nodes: &[String], receiver: &str) -> Vec<String> {
        nodes
            .iter()
            .filter(|s| s.as_str() == receiver || !p.blocks(s, receiver))
            .cloned()
            .collect()
    }

    #[test]
    fn majorities_ring_gives_every_node_its_own_majority() {
        for n in 3..=9 {
            let nodes = ids(n);
            for seed in 0..20 {
                let mut rng = StdRng::seed_from_u64(seed);
                let (p, d) = partition_of(PartitionKind::MajoritiesRing, &nodes, &mut rng);
                let views: Vec<Vec<String>> = nodes.iter().map(|a| hears(&p, &nodes, a)).collect();
                for (a, view) in nodes.iter().zip(&views) {
                    assert!(view.len() > n / 2, "{n} nodes, {d}: {a} hears {view:?}");
                    if n <= 5 {
                        assert_eq!(view.len(), n / 2 + 1, "{d}: the perfect ring is exact");
                    }
                }
                // Jepsen's stochastic variant (over 5 nodes) does not promise
                // distinct views; the perfect ring does.
                let distinct: BTreeSet<&Vec<String>> = views.iter().collect();
                if n <= 5 {
                    assert_eq!(distinct.len(), n, "{d}: two nodes hear the same majority");
                }
            }
        }
    }

    #[test]
    fn majorities_ring_links_are_two_way_from_four_nodes_as_in_jepsen() {
        for n in 3..=9 {
            let nodes = ids(n);
            let mut rng = StdRng::seed_from_u64(n as u64);
            let (p, d) = partition_of(PartitionKind::MajoritiesRing, &nodes, &mut rng);
            let one_way = nodes
                .iter()
                .flat_map(|a| nodes.iter().map(move |b| (a, b)))
                .filter(|(a, b)| p.blocks(a, b) != p.blocks(b, a))
                .count();
            // Three nodes make windows of two: each hears only its predecessor.
            let expected = if n == 3 { 6 } else { 0 };
            assert_eq!(one_way, expected, "{n} nodes: {d}");
        }
    }

    #[test]
    fn a_five_node_ring_lets_each_node_reach_a_majority_both_ways() {
        // Every node and its two neighbours form a majority with two-way links:
        // a leader there can still commit, as under Maelstrom.
        let nodes = ids(5);
        let mut rng = StdRng::seed_from_u64(7);
        let (p, d) = partition_of(PartitionKind::MajoritiesRing, &nodes, &mut rng);
        for a in &nodes {
            let both_ways = nodes
                .iter()
                .filter(|b| *b == a || (!p.blocks(a, b) && !p.blocks(b, a)))
                .count();
            assert_eq!(both_ways, 3, "{d}: {a}");
        }
    }

    #[test]
    fn halves_and_isolation_leave_exactly_one_majority_side() {
        let nodes = ids(5);
        let mut rng = StdRng::seed_from_u64(4);
        let (halves, _) = partition_of(PartitionKind::Majority, &nodes, &mut rng);
        let sizes: Vec<usize> = nodes
            .iter()
            .map(|a| reachable(&halves, &nodes, a))
            .collect();
        assert_eq!(sizes.iter().filter(|s| **s == 3).count(), 3);
        assert_eq!(sizes.iter().filter(|s| **s == 2).count(), 2);
        let (one, _) = partition_of(PartitionKind::One, &nodes, &mut rng);
        let sizes: Vec<usize> = nodes.iter().map(|a| reachable(&one, &nodes, a)).collect();
        assert_eq!(sizes.iter().filter(|s| **s == 1).count(), 1);
    }

    #[test]
    fn minority_third_cuts_fewer_than_a_third() {
        let mut rng = StdRng::seed_from_u64(5);
        for (n, cut) in [(3, 0), (4, 1), (5, 1), (7, 2), (9, 2), (10, 3)] {
            let nodes = ids(n);
            let (p, label) = partition_of(PartitionKind::MinorityThird, &nodes, &mut rng);
            let small = nodes
                .iter()
                .filter(|a| reachable(&p, &nodes, a) == cut)
                .count();
            if cut == 0 {
                assert!(p.is_healed(), "{n}: {label}");
            } else {
                assert_eq!(small, cut, "{n}: {label}");
                assert!(3 * cut < n, "{n}");
            }
        }
    }

    #[test]
    fn every_kind_is_picked_and_steps_are_staggered_around_the_interval() {
        let mut rng = StdRng::seed_from_u64(6);
        let nodes = ids(5);
        let mut seen = std::collections::BTreeSet::new();
        let mut nemesis = Nemesis::new(0, 1_000);
        assert_eq!(nemesis.next_at(), 0, "the first step goes at once");
        nemesis.step(&nodes, &mut rng);
        let mut gaps = Vec::new();
        let mut last = nemesis.next_at();
        for _ in 0..400 {
            if let NemesisAction::Start(_, label) = nemesis.step(&nodes, &mut rng) {
                seen.insert(label.split(' ').next().unwrap_or("").to_owned());
            }
            gaps.push(nemesis.next_at() - last);
            last = nemesis.next_at();
        }
        assert_eq!(seen.len(), 4, "{seen:?}");
        assert!(gaps.iter().all(|g| *g < 2_000), "{gaps:?}");
        assert!(gaps.iter().any(|g| *g < 500) && gaps.iter().any(|g| *g > 1_500));
        let mean = gaps.iter().sum::<u64>() as f64 / gaps.len() as f64;
        assert!((800.0..1_200.0).contains(&mean), "mean gap {mean}");
    }
}
