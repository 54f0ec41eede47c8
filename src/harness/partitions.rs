//! The harness's partition nemesis: picks partitions and alternates them with heals.
//!
//! Kinds, as Maelstrom's `--nemesis partition`: one node isolated, a random
//! majority/minority split, and a majorities ring (every node sees a majority, no
//! two nodes the same one). [`pick`] delegates to the
//! simulator's shared nemesis.

use crate::sim::Partition;
use rand::rngs::StdRng;

/// A chosen partition and a human description of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    pub partition: Partition,
    pub description: String,
}

/// Picks one partition of `nodes` at random, with the simulator's shared nemesis
/// (so both drivers cut the network alike). With one node there is nothing to cut.
pub fn pick(rng: &mut StdRng, nodes: &[String]) -> Choice {
    if nodes.len() < 2 {
        return Choice {
            partition: Partition::none(),
            description: "nothing to partition (one node)".into(),
        };
    }
    let (partition, description) = crate::sim::nemesis::random_partition(nodes, rng);
    Choice {
        partition,
        description,
    }
}

/// Alternates partitions and heals every `interval` µs from `start`.
#[derive(Clone, Debug)]
pub struct Schedule {
    interval: u64,
    next: u64,
    active: bool,
}

/// What the schedule asks for now.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Start this partition.
    Start(Choice),
    /// Heal everything.
    Heal,
}

impl Schedule {
    /// First partition at `start + interval`.
    pub fn new(start: u64, interval: u64) -> Schedule {
        let interval = interval.max(1);
        Schedule {
            interval,
            next: start + interval,
            active: false,
        }
    }

    /// When the next step is due.
    pub fn next_at(&self) -> u64 {
        self.next
    }

    /// The step due at `now`, if any.
    pub fn poll(&mut self, now: u64, rng: &mut StdRng, nodes: &[String]) -> Option<Step> {
        if now < self.next {
            return None;
        }
        self.next += self.interval;
        self.active = !self.active;
        Some(if self.active {
            Step::Start(pick(rng, nodes))
        } else {
            Step::Heal
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn ids(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("n{i}")).collect()
    }

    #[test]
    fn every_kind_cuts_something_and_keeps_a_majority_somewhere() {
        let mut rng = StdRng::seed_from_u64(3);
        for n in 2..=7 {
            let nodes = ids(n);
            for _ in 0..50 {
                let c = pick(&mut rng, &nodes);
                assert!(!c.partition.is_healed(), "{n}: {}", c.description);
                // Some node still reaches a majority (itself included).
                let best = nodes
                    .iter()
                    .map(|a| {
                        nodes
                            .iter()
                            .filter(|b| a == *b || !c.partition.blocks(a, b))
                            .count()
                    })
                    .max()
                    .unwrap_or(0);
                assert!(best > n / 2 || n == 2, "{n}: {}", c.description);
            }
        }
    }

    #[test]
    fn schedule_alternates() {
        let mut rng = StdRng::seed_from_u64(1);
        let nodes = ids(3);
        let mut s = Schedule::new(0, 10);
        assert_eq!(s.poll(5, &mut rng, &nodes), None);
        assert!(matches!(s.poll(10, &mut rng, &nodes), Some(Step::Start(_))));
        assert_eq!(s.poll(20, &mut rng, &nodes), Some(Step::Heal));
        assert_eq!(s.next_at(), 30);
    }
}
