//! One simulated test: a cluster, Maelstrom-style clients, a nemesis, invariant
//! checks, and the history they produce. Identified completely by its [`SimConfig`],
//! which includes the seed, so any run can be replayed exactly.

pub use super::config::SimConfig;

use super::cluster::{Cluster, NetStats};
use super::config::SECOND;
use super::convergence;
use super::invariants::Invariants;
use super::kill::{self, Killer};
use super::nemesis::{Nemesis, NemesisAction};
use super::network::{NetConfig, Partition};
use crate::check::history::History;
use crate::check::lww::FinalRead;
use crate::machines::Machine;
use crate::node::{builtin_machine, mix};
use crate::workload::probes::{final_read_requests, setup_requests};
use crate::workload::{ClientConfig, Clients, Generator, GeneratorConfig, RunStats};
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::fmt;

/// A partition interval, for reports.
#[derive(Clone, Debug, PartialEq)]
pub struct PartitionSpan {
    pub start: u64,
    pub end: u64,
    pub label: String,
}

/// What a simulated run produced.
#[derive(Clone, Debug)]
pub struct SimOutcome {
    pub history: History,
    pub stats: RunStats,
    pub net: NetStats,
    pub transcript_hash: u64,
    /// Raft safety violations seen while running.
    pub invariant_violations: Vec<String>,
    pub partitions: Vec<PartitionSpan>,
    /// Virtual time at the end, µs.
    pub end_time: u64,
    /// Every node's final reads after the final heal and a quiet period (see
    /// [`super::convergence`]; lww-kv, broadcast, g-set and the counters); empty
    /// for other workloads.
    pub final_reads: Vec<FinalRead>,
    /// Snapshots nodes installed from a leader (InstallSnapshot completed).
    pub snapshots_installed: u64,
    /// Snapshots compared between nodes that took one at the same index.
    pub snapshots_compared: u64,
}

impl fmt::Display for SimOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} | transcript {:016x}",
            self.stats, self.transcript_hash
        )
    }
}

/// Runs one simulated test of the built-in machine for the workload.
pub fn run(config: &SimConfig) -> SimOutcome {
    let mut node = config.node.clone();
    node.machine = config.workload.machine();
    run_with(config, move |_| builtin_machine(&node))
}

/// Runs one simulated test with node `id` driving `make(id)` (tests use it to run
/// deliberately broken machines through the workload's checkers).
pub fn run_with<M: Machine>(config: &SimConfig, make: impl Fn(&str) -> M + 'static) -> SimOutcome {
    let ids = Cluster::node_ids(config.node_count);
    let net = NetConfig {
        latency: config.latency,
        loss: config.loss,
        duplicate: config.duplicate,
    };
    let mut node = config.node.clone();
    node.machine = config.workload.machine();
    let mut cluster = Cluster::with_machine(&ids, node, net, mix(config.seed, 1), make);
    run_on(config, &mut cluster)
}

/// Runs the test `config` describes on `cluster`, from the cluster's current time
/// on (the fuzzer hands over a cluster it attacked first). `config` must describe
/// the cluster: nodes named [`Cluster::node_ids`]`(config.node_count)`, the
/// workload's machine; its network settings are the cluster's own.
pub fn run_on<M: Machine>(config: &SimConfig, cluster: &mut Cluster<M>) -> SimOutcome {
    let ids = Cluster::node_ids(config.node_count);
    let start = cluster.now();
    let messages_before = cluster.stats().server_messages;
    for (to, request) in setup_requests(config.workload, config.topology, &ids) {
        cluster.client_send(convergence::FINAL_CLIENT, &to, request);
    }
    let mut rng = StdRng::seed_from_u64(mix(config.seed, 2));
    let generator = Generator::new(GeneratorConfig::for_workload(
        config.workload,
        config.node_count,
        config.concurrency,
    ));
    let client_config = ClientConfig {
        concurrency: config.concurrency,
        rate: config.rate,
        timeout: config.client_timeout(),
        nodes: ids.clone(),
    };
    let mut clients = Clients::new(
        client_config,
        generator,
        StdRng::seed_from_u64(mix(config.seed, 3)),
        start,
    );
    let mut nemesis = config
        .nemesis_interval
        .map(|i| Nemesis::new(start, (i * SECOND as f64) as u64));
    let mut killer = config
        .kill_interval
        .map(|i| Killer::new((i * SECOND as f64) as u64));
    let mut invariants = Invariants::new();
    let mut partitions: Vec<PartitionSpan> = Vec::new();
    let end = start + (config.time_limit * SECOND as f64) as u64;

    // Phase 1: load and faults until the time limit.
    let mut now = start;
    while now < end {
        let mut t = end;
        for candidate in [
            cluster.next_event_time(),
            clients.next_wakeup(),
            nemesis.as_ref().map(Nemesis::next_at),
            killer.as_ref().map(|k| start + k.next_at()),
        ]
        .into_iter()
        .flatten()
        {
            t = t.min(candidate.max(now));
        }
        if let Some(k) = killer.as_mut().filter(|k| start + k.next_at() <= t) {
            cluster.run_until(t);
            let label = k.step(cluster, &mut rng);
            partitions.push(PartitionSpan {
                start: t,
                end: t,
                label,
            });
        }
        if let Some(n) = nemesis.as_mut().filter(|n| n.next_at() <= t) {
            match n.step(&ids, &mut rng) {
                NemesisAction::Start(p, label) => {
                    partitions.push(PartitionSpan {
                        start: t,
                        end,
                        label: label.clone(),
                    });
                    cluster.run_until(t);
                    cluster.set_partition(p, &label);
                }
                NemesisAction::Heal => {
                    cluster.run_until(t);
                    heal(cluster, &mut partitions, t);
                }
            }
        }
        now = t;
        advance(cluster, &mut clients, &mut invariants, now);
        if now >= end {
            break;
        }
    }

    // Phase 2: heal, restart killed nodes, stop issuing, and wait for in-flight
    // requests.
    clients.stop();
    heal(cluster, &mut partitions, now);
    if !cluster.down().is_empty() {
        cluster.run_until(now);
        let label = kill::restart_all(cluster);
        partitions.push(PartitionSpan {
            start: now,
            end: now,
            label,
        });
    }
    let drain_until = now + config.client_timeout() + SECOND;
    now = drive(
        cluster,
        &mut clients,
        &mut invariants,
        now,
        drain_until,
        |c| c.outstanding() == 0,
    );
    // Phase 2b (kafka): every client polls every key from the start until it
    // has caught up (Jepsen's final polls), for at most FINAL_POLLS.
    if clients.start_final(now) {
        let until = now + FINAL_POLLS + config.client_timeout();
        now = drive(cluster, &mut clients, &mut invariants, now, until, |c| {
            c.exhausted() && c.outstanding() == 0
        });
    }
    clients.finish(now);
    let net = cluster.stats();
    let history = clients.into_history();
    let stats = RunStats::compute(&history, end - start, net.server_messages - messages_before);
    // Phase 3 (lww-kv, sets, counters): quiet, then read every node.
    let requests = final_read_requests(config.workload, &history);
    let final_reads = if !requests.is_empty() {
        let reads = convergence::final_reads(
            cluster,
            &requests,
            convergence::quiet_period(config),
            convergence::read_timeout(config),
            config.client_timeout(),
        );
        invariants.observe(cluster);
        now = cluster.now();
        reads
    } else {
        Vec::new()
    };
    SimOutcome {
        history,
        stats,
        net,
        transcript_hash: cluster.transcript_hash(),
        invariant_violations: invariants.violations().to_vec(),
        partitions,
        end_time: now,
        final_reads,
        snapshots_installed: cluster
            .nodes()
            .values()
            .map(|n| n.snapshots_installed())
            .sum(),
        snapshots_compared: invariants.snapshots_compared,
    }
}

/// Longest the final polls may take, µs (Maelstrom clips them to 10 s).
const FINAL_POLLS: u64 = 10 * SECOND;

/// Runs the cluster and the clients from `now` until `done` holds or `until`;
/// returns the time reached.
fn drive<M: Machine>(
    cluster: &mut Cluster<M>,
    clients: &mut Clients,
    invariants: &mut Invariants,
    mut now: u64,
    until: u64,
    done: impl Fn(&Clients) -> bool,
) -> u64 {
    while !done(clients) && now < until {
        let mut t = until;
        for c in [cluster.next_event_time(), clients.next_wakeup()]
            .into_iter()
            .flatten()
        {
            t = t.min(c.max(now));
        }
        now = t;
        advance(cluster, clients, invariants, now);
    }
    now
}

fn heal<M: Machine>(cluster: &mut Cluster<M>, partitions: &mut [PartitionSpan], now: u64) {
    if let Some(last) = partitions.last_mut().filter(|p| p.end > now) {
        last.end = now;
    }
    if !cluster.partition().is_healed() {
        cluster.set_partition(Partition::none(), "heal");
    }
}

fn advance<M: Machine>(
    cluster: &mut Cluster<M>,
    clients: &mut Clients,
    invariants: &mut Invariants,
    now: u64,
) {
    cluster.run_until(now);
    invariants.observe(cluster);
    for (at, msg) in cluster.take_client_messages() {
        clients.on_reply(at, &msg);
    }
    for out in clients.poll(now) {
        cluster.send_from_client(out.to_message());
    }
}
