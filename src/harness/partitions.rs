//! The harness's partition nemesis: picks partitions and alternates them with heals.
//!
//! Kinds, as Maelstrom's `--nemesis partition`: one node isolated, a random
//! majority/minority split, and a majorities ring (every node sees a majority, no
//! two nodes the same one). [`pick`] is the one place that chooses, so it can be
//! swapped for the simulator's shared nemesis later.

use crate::sim::Partition;
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// A chosen partition and a human description of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    pub partition: Partition,
    pub description: String,
}

/// Picks one partition of `nodes` at random. With one node there is nothing to cut.
pub fn pick(rng: &mut StdRng, nodes: &[String]) -> Choice {
    let n = nodes.len();
    if n < 2 {
        return Choice {
            partition: Partition::none(),
            description: "nothing to partition (one node)".into(),
        };
    }
    // Two nodes: only isolation cuts anything. Three: a ring sees everything.
    let kinds = match n {
        2 => 1,
        3 => 2,
        _ => 3,
    };
    match rng.gen_range(0..kinds) {
        0 => {
            let lone = nodes[rng.gen_range(0..n)].clone();
            let rest: Vec<String> = nodes.iter().filter(|x| **x != lone).cloned().collect();
            Choice {
                description: format!("isolate {lone}"),
                partition: Partition::groups(&[vec![lone], rest]),
            }
        }
        1 => {
            let mut shuffled = nodes.to_vec();
            shuffled.shuffle(rng);
            let minority = shuffled.split_off(n / 2 + 1);
            let majority = shuffled;
            Choice {
                description: format!(
                    "majority {} | minority {}",
                    majority.join(","),
                    minority.join(",")
                ),
                partition: Partition::groups(&[majority, minority]),
            }
        }
        _ => majorities_ring(rng, nodes),
    }
}

/// Nodes on a shuffled ring; each sees itself and its nearest `n/2` neighbours in
/// total (a majority), so every node's view differs.
fn majorities_ring(rng: &mut StdRng, nodes: &[String]) -> Choice {
    let mut ring = nodes.to_vec();
    ring.shuffle(rng);
    let n = ring.len();
    let pos = |id: &str| ring.iter().position(|x| x == id).unwrap_or(0);
    let reach = n / 2; // each side: at most n/2 hops, both sides together a majority
    let sees = |a: &str, b: &str| {
        let d = (pos(a) + n - pos(b)) % n;
        let d = d.min(n - d);
        d <= reach.div_ceil(2).max(1)
    };
    Choice {
        description: format!("majorities ring {}", ring.join("-")),
        partition: Partition::views(nodes, sees),
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
    fn ring_views_differ_and_are_majorities() {
        let mut rng = StdRng::seed_from_u64(9);
        let nodes = ids(5);
        let c = majorities_ring(&mut rng, &nodes);
        let views: Vec<Vec<&String>> = nodes
            .iter()
            .map(|a| {
                nodes
                    .iter()
                    .filter(|b| a == *b || !c.partition.blocks(a, b))
                    .collect()
            })
            .collect();
        for v in &views {
            assert_eq!(v.len(), 3, "{}: {views:?}", c.description);
        }
        for i in 0..views.len() {
            for j in i + 1..views.len() {
                assert_ne!(views[i], views[j]);
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
