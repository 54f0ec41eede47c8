//! The nemesis side of the loop: starting and healing partitions on the schedule,
//! and recording each one for the report.

use super::{Loop, PartitionSpan};
use crate::harness::partitions::Step;
use crate::sim::Partition;

impl Loop {
    /// Starts or heals a partition if the schedule says so at `now`.
    pub(super) fn nemesis_step(&mut self, now: u64) {
        let Some(s) = self.nemesis.as_mut() else {
            return;
        };
        let t = now - self.t0;
        match s.poll(t, &mut self.nemesis_rng, &self.cfg.node_ids) {
            Some(Step::Start(choice)) => {
                self.close_partition(now);
                self.net.set_partition(choice.partition);
                self.notices.push(format!(
                    "{:>6.1} s  partition starts: {}",
                    t as f64 / 1e6,
                    choice.description
                ));
                self.open_partition = Some((t, choice.description));
            }
            Some(Step::Heal) => {
                if self.open_partition.is_some() {
                    self.notices
                        .push(format!("{:>6.1} s  partition heals", t as f64 / 1e6));
                }
                self.heal(now);
            }
            None => {}
        }
    }

    /// Heals the network.
    pub(super) fn heal(&mut self, now: u64) {
        self.close_partition(now);
        self.net.set_partition(Partition::none());
    }

    /// Records the open partition, if any, as ending at `now`.
    pub(super) fn close_partition(&mut self, now: u64) {
        if let Some((start, description)) = self.open_partition.take() {
            self.out.partitions.push(PartitionSpan {
                start_us: start,
                end_us: now.saturating_sub(self.t0),
                description,
            });
        }
    }
}
