//! The harness's partition nemesis: picks partitions and alternates them with heals.
//!
//! Kinds, as Jepsen's partition package behind Maelstrom's `--nemesis partition`:
//! `one` (a node isolated), `minority-third`, `majority` (random halves) and
//! `majorities-ring` (every node sees a majority, no two nodes the same one).
//! Picking and scheduling delegate to the simulator's shared nemesis, so both
//! drivers cut the network alike.

use crate::sim::Partition;
use crate::sim::nemesis::{Nemesis, NemesisAction};
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

/// Alternates partitions and heals, the first at `start` and each later step a
/// random gap uniform in [0, 2 × interval) after the last (Jepsen's `stagger`;
/// the simulator's [`Nemesis`] schedule).
#[derive(Clone, Debug)]
pub struct Schedule {
    nemesis: Nemesis,
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
    /// First partition at `start`, then on average every `interval` µs.
    pub fn new(start: u64, interval: u64) -> Schedule {
        Schedule {
            nemesis: Nemesis::new(start, interval),
        }
    }

    /// When the next step is due.
    pub fn next_at(&self) -> u64 {
        self.nemesis.next_at()
    }

    /// The step due at `now`, if any.
    pub fn poll(&mut self, now: u64, rng: &mut StdRng, nodes: &[String]) -> Option<Step> {
        if now < self.nemesis.next_at() {
            return None;
        }
        if nodes.len() < 2 {
            // Keep the schedule's rhythm; there is nothing to cut.
            return Some(match self.nemesis.step(nodes, rng) {
                NemesisAction::Start(..) => Step::Start(pick(rng, nodes)),
                NemesisAction::Heal => Step::Heal,
            });
        }
        Some(match self.nemesis.step(nodes, rng) {
            NemesisAction::Start(partition, description) => Step::Start(Choice {
                partition,
                description,
            }),
            NemesisAction::Heal => Step::Heal,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("n{i}")).collect()
    }

    #[test]
    fn every_kind_keeps_a_majority_somewhere() {
        let mut rng = StdRng::seed_from_u64(3);
        for n in 2..=7 {
            let nodes = ids(n);
            for _ in 0..50 {
                let c = pick(&mut rng, &nodes);
                // Jepsen's kinds cut nothing in two cases: a minority third of
                // fewer than 4 nodes, and a majorities ring of 2.
                let empty = c.description.starts_with("minority-third") && n < 4
                    || c.description.starts_with("majorities-ring") && n < 3;
                assert_eq!(c.partition.is_healed(), empty, "{n}: {}", c.description);
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
                // Jepsen's `majority` bisects: an even cluster splits evenly.
                let even_split = n % 2 == 0 && c.description.starts_with("majority ");
                assert!(
                    best > n / 2 || even_split || n == 2,
                    "{n}: {}",
                    c.description
                );
            }
        }
    }

    #[test]
    fn schedule_starts_at_once_then_alternates_at_staggered_times() {
        let mut rng = StdRng::seed_from_u64(1);
        let nodes = ids(3);
        let mut s = Schedule::new(5, 10);
        assert_eq!(s.poll(4, &mut rng, &nodes), None);
        assert!(matches!(s.poll(5, &mut rng, &nodes), Some(Step::Start(_))));
        let next = s.next_at();
        assert!((5..25).contains(&next), "{next}");
        assert_eq!(s.poll(next, &mut rng, &nodes), Some(Step::Heal));
        let one = ids(1);
        let mut s = Schedule::new(0, 10);
        let Some(Step::Start(c)) = s.poll(0, &mut rng, &one) else {
            panic!("a start");
        };
        assert!(c.partition.is_healed(), "{}", c.description);
    }
}
