//! The kill nemesis in simulation: like Maelstrom's `--nemesis kill` (SIGKILL,
//! later a restart with the same arguments and `init` again), on a virtual clock.
//! Every `interval` it either kills some nodes (one, a majority, or all of them,
//! chosen at random) or restarts every killed node.

use super::cluster::Cluster;
use crate::machines::Machine;
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// The kill schedule.
#[derive(Clone, Debug)]
pub struct Killer {
    interval: u64,
    next_at: u64,
}

impl Killer {
    /// Acts every `interval` µs, first at `interval`.
    pub fn new(interval: u64) -> Killer {
        Killer {
            interval: interval.max(1),
            next_at: interval.max(1),
        }
    }

    /// When it next acts.
    pub fn next_at(&self) -> u64 {
        self.next_at
    }

    /// Kills or restarts; returns a label for the report.
    pub fn step<M: Machine>(&mut self, cluster: &mut Cluster<M>, rng: &mut StdRng) -> String {
        self.next_at += self.interval;
        if !cluster.down().is_empty() {
            return restart_all(cluster);
        }
        let mut ids: Vec<String> = cluster.nodes().keys().cloned().collect();
        ids.shuffle(rng);
        let count = match rng.gen_range(0..3) {
            0 => 1,
            1 => ids.len() / 2 + 1,
            _ => ids.len(),
        };
        ids.truncate(count);
        ids.sort();
        for id in &ids {
            cluster.crash(id);
        }
        format!("kill {}", ids.join(" "))
    }
}

/// Restarts every killed node; returns a label for the report.
pub fn restart_all<M: Machine>(cluster: &mut Cluster<M>) -> String {
    let down: Vec<String> = cluster.down().iter().cloned().collect();
    for id in &down {
        cluster.restart(id);
    }
    format!("restart {}", down.join(" "))
}
