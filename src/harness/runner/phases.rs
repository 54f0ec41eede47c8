//! The phases of a run and the moves between them: init handshake, set-up
//! messages (broadcast's topology), client load (with the nemesis), drain (after
//! healing, resuming and restarting every node, and once restarted nodes answered
//! `init`), for kafka the final polls, and for workloads with final reads a quiet
//! period then the final reads.

use super::Loop;
use super::faults::RESTART_INIT_TIMEOUT;
use crate::harness::partitions::Schedule;
use crate::sim::process_faults::ProcessNemesis;
use crate::workload::{Clients, Generator};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// How long nodes get to answer `init`, µs.
const INIT_TIMEOUT: u64 = 10_000_000;
/// Longest the final polls (kafka) may take, µs: Maelstrom clips them to 10 s.
const FINAL_POLLS: u64 = 10_000_000;

/// Where a run is. Every phase ends at a deadline on the loop's clock (µs).
#[derive(Clone, Copy, Debug)]
pub(super) enum Phase {
    Init {
        deadline: u64,
    },
    /// Set-up messages sent; waiting for every answer.
    Setup {
        deadline: u64,
    },
    Running {
        end: u64,
    },
    Draining {
        deadline: u64,
    },
    /// kafka: every client polls every key from the start until caught up.
    FinalPolls {
        deadline: u64,
    },
    /// No load, network healed: let the nodes converge.
    Quiet {
        until: u64,
    },
    /// Final reads sent; waiting for the answers.
    FinalReads {
        deadline: u64,
    },
}

impl Phase {
    /// The first phase: waiting for every node's `init_ok`.
    pub(super) fn start() -> Phase {
        Phase::Init {
            deadline: INIT_TIMEOUT,
        }
    }

    /// When this phase ends at the latest.
    pub(super) fn deadline(self) -> u64 {
        match self {
            Phase::Init { deadline }
            | Phase::Setup { deadline }
            | Phase::Draining { deadline }
            | Phase::FinalPolls { deadline }
            | Phase::FinalReads { deadline } => deadline,
            Phase::Quiet { until } => until,
            Phase::Running { end } => end,
        }
    }
}

impl Loop {
    /// Does what `phase` calls for at `now`: the phase to continue in, or `None`
    /// when the run is over.
    pub(super) fn advance(&mut self, phase: Phase, now: u64) -> Option<Phase> {
        match phase {
            Phase::Init { deadline } => {
                if self.awaiting_init.is_empty() {
                    if self.send_setup(now) {
                        return Some(Phase::Setup {
                            deadline: now + INIT_TIMEOUT,
                        });
                    }
                    self.start_clients(now);
                    return Some(Phase::Running {
                        end: now + self.cfg.time_limit,
                    });
                } else if now >= deadline {
                    let missing: Vec<String> = self
                        .awaiting_init
                        .iter()
                        .map(|&i| self.cfg.node_ids[i].clone())
                        .collect();
                    self.out.errors.push(format!(
                        "no init_ok from {} within {} s",
                        missing.join(", "),
                        INIT_TIMEOUT / 1_000_000
                    ));
                    return None;
                }
            }
            Phase::Setup { deadline } => {
                if self.awaiting_setup.is_empty() {
                    self.start_clients(now);
                    return Some(Phase::Running {
                        end: now + self.cfg.time_limit,
                    });
                } else if now >= deadline {
                    self.out.errors.push(format!(
                        "{} set-up message(s) unanswered within {} s",
                        self.awaiting_setup.len(),
                        INIT_TIMEOUT / 1_000_000
                    ));
                    return None;
                }
            }
            Phase::Running { end } => {
                if now < end {
                    self.nemesis_step(now);
                    self.fault_step(now);
                } else {
                    if let Some(c) = self.clients.as_mut() {
                        c.stop();
                    }
                    self.nemesis = None;
                    self.heal(now);
                    // Everything paused or killed is back before the drain.
                    self.end_faults(now);
                    let restarts = if self.restarting() {
                        RESTART_INIT_TIMEOUT
                    } else {
                        0
                    };
                    return Some(Phase::Draining {
                        deadline: now + self.cfg.clients.timeout.max(restarts),
                    });
                }
            }
            Phase::Draining { deadline } => {
                self.fault_step(now);
                let idle = self.clients.as_ref().is_none_or(|c| c.outstanding() == 0);
                if (idle && !self.restarting()) || now >= deadline {
                    let t = now.saturating_sub(self.t0);
                    if self.clients.as_mut().is_some_and(|c| c.start_final(t)) {
                        return Some(Phase::FinalPolls {
                            deadline: now + FINAL_POLLS + self.cfg.clients.timeout,
                        });
                    }
                    return self.after_load(now);
                }
            }
            Phase::FinalPolls { deadline } => {
                let done = self
                    .clients
                    .as_ref()
                    .is_none_or(|c| c.exhausted() && c.outstanding() == 0);
                if done || now >= deadline {
                    return self.after_load(now);
                }
            }
            Phase::Quiet { until } => {
                if now >= until {
                    self.send_final_reads(now);
                    return Some(Phase::FinalReads {
                        deadline: now + 10 * self.cfg.clients.timeout,
                    });
                }
            }
            Phase::FinalReads { deadline } => {
                if self.final_answers.len() >= self.final_asked.len() || now >= deadline {
                    return None;
                }
            }
        }
        Some(phase)
    }

    /// What follows the client load: the quiet period before final reads, or
    /// the end.
    fn after_load(&mut self, now: u64) -> Option<Phase> {
        let quiet = self.cfg.final_reads_after?;
        // Duration and msgs/op cover the load, not the probe.
        self.load_end = Some((now, self.net.counters()));
        Some(Phase::Quiet { until: now + quiet })
    }

    /// Starts the clients (history time 0 is `now`) and the nemesis schedules.
    fn start_clients(&mut self, now: u64) {
        self.t0 = now;
        let rng = StdRng::seed_from_u64(crate::node::mix(self.cfg.seed, 3));
        let generator = Generator::new(self.cfg.generator.clone());
        self.clients = Some(Clients::new(self.cfg.clients.clone(), generator, rng, 0));
        let n = &self.cfg.nemesis;
        self.nemesis = n.partitions.then(|| Schedule::new(0, n.interval));
        self.faults = ProcessNemesis::new(&n.processes, 0, n.interval);
    }
}
