//! The event loop of a test: starts the nodes, sends `init`, routes every line
//! through the latency model and partitions, drives the clients on the real clock,
//! stops at the time limit, heals, drains, and shuts the nodes down.
//!
//! One job per file: this file the loop itself (wait for the next thing to do,
//! then do it), `phases.rs` the moves from phase to phase, `routing.rs` lines
//! between nodes and clients, `lifecycle.rs` the init handshake, crashes and
//! shutdown, `nemesis.rs` partitions, `faults.rs` kills and pauses,
//! `final_reads.rs` the set-up messages (broadcast's topology) and the final
//! reads (lww-kv, sets, counters), `output.rs` what a run produces.

mod faults;
mod final_reads;
mod lifecycle;
mod nemesis;
mod output;
mod phases;
mod routing;

pub use output::{
    Crash, MAX_NODE_EVENTS, NodeEvent, NodeExit, NodeFaultSpan, PartitionSpan, RunOutput, Violation,
};
pub use routing::envelope;

use super::journal::Journal;
use super::net::{Net, NetCounters};
use super::partitions::Schedule;
use super::process::{Event, Nodes};
use super::progress::{Mode, Progress};
use crate::check::lww::FinalValue;
use crate::protocol::Payload;
use crate::sim::Latency;
use crate::sim::process_faults::{ProcessFault, ProcessNemesis};
use crate::workload::{ClientConfig, Clients, GeneratorConfig};
use faults::{NodeState, OpenFault};
use phases::Phase;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// The client id `init`, the set-up messages and the final reads come from.
const INIT_CLIENT: &str = "c0";
/// Longest the loop sleeps without looking at the clock.
const MAX_WAIT: u64 = 50_000;

/// Everything the event loop needs.
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub bin: PathBuf,
    pub node_args: Vec<String>,
    /// Messages `(node, body)` sent after `init`; the clients start once each is
    /// answered (broadcast's topology).
    pub setup: Vec<(String, Payload)>,
    pub node_ids: Vec<String>,
    pub log_dir: PathBuf,
    pub latency: Latency,
    pub clients: ClientConfig,
    pub generator: GeneratorConfig,
    /// How long clients issue operations, µs.
    pub time_limit: u64,
    pub nemesis: NemesisConfig,
    pub seed: u64,
    pub progress: Mode,
    /// After draining, wait this many µs without load, then send the workload's
    /// final reads to every node (lww-kv, sets, counters). `None`: no final reads.
    pub final_reads_after: Option<u64>,
    pub logging: Logging,
}

/// The faults of a run (`--nemesis`, `--nemesis-interval`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NemesisConfig {
    /// Network partitions, on their own schedule.
    pub partitions: bool,
    /// Kills and pauses, on one schedule shared by both (Jepsen's db package).
    pub processes: Vec<ProcessFault>,
    /// Mean gap between steps of each schedule, µs.
    pub interval: u64,
}

/// What to copy to stderr while running (Maelstrom's `--log-*` flags).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Logging {
    /// Every node's stderr, line by line, prefixed by the node id.
    pub stderr: bool,
    /// Every message as it is sent.
    pub net_send: bool,
    /// Every message as it is received.
    pub net_recv: bool,
}

/// The state of one run, shared by the loop's files.
struct Loop {
    cfg: RunConfig,
    clock: Instant,
    nodes: Nodes,
    net: Net,
    out: RunOutput,
    awaiting_init: BTreeSet<usize>,
    /// Set-up messages sent and not yet answered, by msg_id.
    awaiting_setup: BTreeSet<u64>,
    /// The clock and network counters when the load drained, before a quiet
    /// period and final reads: what the run's duration and msgs/op cover.
    load_end: Option<(u64, NetCounters)>,
    clients: Option<Clients>,
    /// Clock reading when clients started (history time 0).
    t0: u64,
    nemesis: Option<Schedule>,
    nemesis_rng: StdRng,
    open_partition: Option<(u64, String)>,
    /// The kill/pause schedule, while clients run.
    faults: Option<ProcessNemesis>,
    fault_rng: StdRng,
    /// Each node's state, by index.
    node_state: Vec<NodeState>,
    open_kill: Option<OpenFault>,
    open_pause: Option<OpenFault>,
    /// The init client's last msg id.
    next_init_msg_id: u64,
    abort: bool,
    /// Final reads sent: msg_id -> (node, key).
    final_asked: BTreeMap<u64, (String, Value)>,
    final_answers: BTreeMap<u64, FinalValue>,
    /// Events to show as they happen (faults), for the progress display.
    notices: Vec<String>,
}

/// Runs one test to the end. Never panics on node output.
pub fn run(cfg: RunConfig) -> RunOutput {
    let spawned = Nodes::spawn(
        &cfg.bin,
        &cfg.node_args,
        &cfg.node_ids,
        &cfg.log_dir,
        cfg.logging.stderr,
    );
    let (nodes, events) = match spawned {
        Ok(x) => x,
        Err(e) => {
            return RunOutput {
                errors: vec![e],
                ..RunOutput::default()
            };
        }
    };
    let mut lp = Loop::new(cfg, nodes);
    let mut progress = Progress::new(lp.cfg.progress);
    lp.send_init();
    let mut phase = Phase::start();
    loop {
        let now = lp.now();
        lp.deliver(now);
        if lp.abort {
            break;
        }
        match lp.advance(phase, now) {
            Some(next) => phase = next,
            None => break,
        }
        lp.poll_clients(now);
        for notice in std::mem::take(&mut lp.notices) {
            progress.notice(&notice);
        }
        if let Some(c) = lp.clients.as_ref() {
            let mut label = lp
                .open_partition
                .as_ref()
                .map_or("healed", |(_, d)| d.as_str())
                .to_owned();
            let faults = lp.fault_label();
            if !faults.is_empty() {
                label = format!("{label}  nodes: {faults}");
            }
            progress.update(now - lp.t0, lp.cfg.time_limit, c.history(), &label);
        }
        lp.wait(now, phase, &progress, &events);
        if lp.abort {
            break;
        }
    }
    progress.finish();
    lp.finish()
}

impl Loop {
    fn new(cfg: RunConfig, nodes: Nodes) -> Loop {
        Loop {
            net: Net::new(
                cfg.latency,
                StdRng::seed_from_u64(crate::node::mix(cfg.seed, 1)),
                Journal::new(cfg.logging.net_send, cfg.logging.net_recv),
            ),
            nemesis_rng: StdRng::seed_from_u64(crate::node::mix(cfg.seed, 2)),
            fault_rng: StdRng::seed_from_u64(crate::node::mix(cfg.seed, 4)),
            faults: None,
            node_state: vec![NodeState::Up; cfg.node_ids.len()],
            open_kill: None,
            open_pause: None,
            next_init_msg_id: 0,
            clock: Instant::now(),
            nodes,
            out: RunOutput::default(),
            awaiting_init: (0..cfg.node_ids.len()).collect(),
            awaiting_setup: BTreeSet::new(),
            load_end: None,
            clients: None,
            t0: 0,
            nemesis: None,
            open_partition: None,
            abort: false,
            final_asked: BTreeMap::new(),
            final_answers: BTreeMap::new(),
            notices: Vec::new(),
            cfg,
        }
    }

    fn now(&self) -> u64 {
        self.clock.elapsed().as_micros() as u64
    }

    fn rel_s(&self, now: u64) -> f64 {
        (now as f64 - self.t0 as f64) / 1e6
    }

    /// Sleeps until the next thing to do, or a node speaks; handles what the
    /// nodes said.
    fn wait(&mut self, now: u64, phase: Phase, progress: &Progress, events: &Receiver<Event>) {
        let mut next = now + MAX_WAIT;
        for t in [
            self.net.next_at(),
            self.clients
                .as_ref()
                .and_then(|c| c.next_wakeup().map(|t| t + self.t0)),
            self.nemesis.as_ref().map(|s| s.next_at() + self.t0),
            self.next_fault_at(),
            progress.next_at().map(|t| t + self.t0),
            Some(phase.deadline()),
        ]
        .into_iter()
        .flatten()
        {
            next = next.min(t);
        }
        let wait = Duration::from_micros(next.saturating_sub(self.now()));
        match events.recv_timeout(wait) {
            Ok(ev) => {
                self.on_event(ev);
                while let Ok(ev) = events.try_recv() {
                    self.on_event(ev);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            // Cannot happen while `nodes` keeps a sender for restarts; a closed
            // stdout is reported by its own event.
            Err(RecvTimeoutError::Disconnected) => self.abort = true,
        }
    }

    fn on_event(&mut self, ev: Event) {
        let now = self.now();
        match ev {
            Event::Line { node, line } => self.route(now, node, line),
            Event::Closed { node, incarnation } => self.on_closed(now, node, incarnation),
        }
    }

    /// Ends the run: closes the last partition and fault spans (resuming paused
    /// nodes), takes the history, collects the final reads and counters, and
    /// shuts the nodes down.
    fn finish(mut self) -> RunOutput {
        let now = self.now();
        self.close_partition(now);
        self.settle_faults(now);
        if let Some(mut c) = self.clients.take() {
            c.finish(now - self.t0);
            self.out.unexpected_replies = c.unexpected_replies();
            self.out.history = c.into_history();
        }
        let (end, net) = self.load_end.unwrap_or((now, self.net.counters()));
        self.out.duration = end.saturating_sub(self.t0);
        self.collect_final_reads();
        self.out.net = net;
        self.out.journal = self.net.take_journal();
        self.shut_down_nodes();
        self.out
    }
}
