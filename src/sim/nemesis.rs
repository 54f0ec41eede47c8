//! Partition schedules in the manner of Maelstrom's `--nemesis partition`: every
//! interval a partition starts or heals.

use super::network::Partition;
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// The partition shapes Maelstrom uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartitionKind {
    /// One node cut off from all others.
    IsolateOne,
    /// A random minority and majority.
    Halves,
    /// Every node sees a majority, but no two nodes see the same one.
    MajoritiesRing,
}

/// Picks a random partition of `nodes`; returns it with a label for reports.
pub fn random_partition(nodes: &[String], rng: &mut StdRng) -> (Partition, String) {
    // Below 3 nodes a ring cuts nothing and halves are an isolation.
    let kinds: &[PartitionKind] = if nodes.len() < 3 {
        &[PartitionKind::IsolateOne]
    } else {
        &[
            PartitionKind::IsolateOne,
            PartitionKind::Halves,
            PartitionKind::MajoritiesRing,
        ]
    };
    let kind = kinds[rng.gen_range(0..kinds.len())];
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
    match kind {
        PartitionKind::IsolateOne => {
            let (one, rest) = shuffled.split_at(1.min(n));
            (
                Partition::groups(&[one.to_vec(), rest.to_vec()]),
                format!("isolate {}", one.join(",")),
            )
        }
        PartitionKind::Halves => {
            let (minority, majority) = shuffled.split_at((n - 1) / 2);
            (
                Partition::groups(&[minority.to_vec(), majority.to_vec()]),
                format!("halves {} | {}", minority.join(","), majority.join(",")),
            )
        }
        PartitionKind::MajoritiesRing => {
            // On a shuffled ring, each node accepts messages from itself and the
            // next majority-1 nodes clockwise: every node hears a majority, and no
            // two hear the same one.
            let majority = n / 2 + 1;
            let pos = |id: &str| shuffled.iter().position(|x| x == id).unwrap_or(0);
            let accepts =
                |receiver: &str, sender: &str| (pos(sender) + n - pos(receiver)) % n < majority;
            (
                Partition::views(nodes, accepts),
                format!("majorities ring {}", shuffled.join("-")),
            )
        }
    }
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
    /// A schedule acting every `interval` µs, first at `interval`.
    pub fn new(interval: u64) -> Nemesis {
        Nemesis {
            interval: interval.max(1),
            next_at: interval.max(1),
            active: false,
        }
    }

    /// When the next action is due.
    pub fn next_at(&self) -> u64 {
        self.next_at
    }

    /// The action due now; alternates start and heal.
    pub fn step(&mut self, nodes: &[String], rng: &mut StdRng) -> NemesisAction {
        self.next_at += self.interval;
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
        (1..=n).map(|i| format!("n{i}")).collect()
    }

    fn reachable(p: &Partition, nodes: &[String], a: &str) -> usize {
        nodes
            .iter()
            .filter(|b| b.as_str() == a || !p.blocks(a, b))
            .count()
    }

    #[test]
    fn majorities_ring_gives_every_node_a_majority_but_not_all() {
        let nodes = ids(5);
        let mut rng = StdRng::seed_from_u64(3);
        let (p, _) = partition_of(PartitionKind::MajoritiesRing, &nodes, &mut rng);
        for a in &nodes {
            assert_eq!(
                reachable(&p, &nodes, a),
                3,
                "{a} should see exactly a majority"
            );
        }
    }

    #[test]
    fn halves_and_isolation_leave_exactly_one_majority_side() {
        let nodes = ids(5);
        let mut rng = StdRng::seed_from_u64(4);
        let (halves, _) = partition_of(PartitionKind::Halves, &nodes, &mut rng);
        let sizes: Vec<usize> = nodes
            .iter()
            .map(|a| reachable(&halves, &nodes, a))
            .collect();
        assert_eq!(sizes.iter().filter(|s| **s == 3).count(), 3);
        assert_eq!(sizes.iter().filter(|s| **s == 2).count(), 2);
        let (one, _) = partition_of(PartitionKind::IsolateOne, &nodes, &mut rng);
        let sizes: Vec<usize> = nodes.iter().map(|a| reachable(&one, &nodes, a)).collect();
        assert_eq!(sizes.iter().filter(|s| **s == 1).count(), 1);
    }
}
