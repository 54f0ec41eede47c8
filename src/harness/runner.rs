//! The event loop of a test: starts the nodes, sends `init`, routes every line
//! through the latency model and partitions, drives the clients on the real clock,
//! stops at the time limit, heals, drains, and shuts the nodes down.

use super::net::{Cargo, Net, NetCounters, Packet};
use super::partitions::{Schedule, Step};
use super::process::{Event, Nodes};
use super::progress::{Mode, Progress};
use crate::check::history::History;
use crate::check::lww::{FinalRead, FinalValue};
use crate::protocol::{Body, Message, Payload};
use crate::sim::convergence;
use crate::sim::{Latency, Partition};
use crate::workload::{ClientConfig, Clients, Generator, GeneratorConfig};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

/// The client id `init` comes from.
const INIT_CLIENT: &str = "c0";
/// How long nodes get to answer `init`.
const INIT_TIMEOUT: u64 = 10_000_000;
/// Longest the loop sleeps without looking at the clock.
const MAX_WAIT: u64 = 50_000;
/// Protocol violations kept verbatim (all are counted).
const MAX_VIOLATIONS: usize = 50;
/// Longest stored offending line.
const MAX_LINE: usize = 500;

/// Everything the event loop needs.
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub bin: PathBuf,
    pub node_args: Vec<String>,
    pub node_ids: Vec<String>,
    pub log_dir: PathBuf,
    pub latency: Latency,
    pub clients: ClientConfig,
    pub generator: GeneratorConfig,
    /// How long clients issue operations, µs.
    pub time_limit: u64,
    /// Partition start/heal period, µs; `None`: no nemesis.
    pub nemesis_interval: Option<u64>,
    pub seed: u64,
    pub progress: Mode,
    /// lww-kv: after draining, wait this many µs without load, then read every
    /// written key on every node (convergence). `None`: no final reads.
    pub final_reads_after: Option<u64>,
}

/// A line a node wrote that breaks the protocol.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Violation {
    pub node: String,
    /// Seconds since the clients started (negative: during init).
    pub time_s: f64,
    pub error: String,
    pub line: String,
}

/// A node that exited while the test ran.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Crash {
    pub node: String,
    pub time_s: f64,
    pub status: String,
    /// The last lines of its stderr log.
    pub log_tail: String,
}

/// A partition, in µs since the clients started.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartitionSpan {
    pub start_us: u64,
    pub end_us: u64,
    pub description: String,
}

/// How a node ended after the test.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeExit {
    pub node: String,
    /// Exit status, or "killed" when it did not exit after stdin closed.
    pub status: String,
}

/// What a run produced.
#[derive(Clone, Debug, Default)]
pub struct RunOutput {
    pub history: History,
    pub net: NetCounters,
    /// µs from the clients' start to the end of the run (drain included).
    pub duration: u64,
    pub partitions: Vec<PartitionSpan>,
    pub violations: Vec<Violation>,
    pub violation_count: u64,
    pub crashes: Vec<Crash>,
    /// Why the run could not proceed (start-up failure, init timeout).
    pub errors: Vec<String>,
    pub unexpected_replies: u64,
    pub node_exits: Vec<NodeExit>,
    /// CPU seconds the node processes used.
    pub node_cpu_s: f64,
    /// The final reads (lww-kv), in (node, key) order.
    pub final_reads: Vec<FinalRead>,
}

enum Phase {
    Init {
        deadline: u64,
    },
    Running {
        end: u64,
    },
    Draining {
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

struct Loop {
    cfg: RunConfig,
    clock: Instant,
    nodes: Nodes,
    net: Net,
    out: RunOutput,
    awaiting_init: BTreeSet<usize>,
    clients: Option<Clients>,
    /// Clock reading when clients started (history time 0).
    t0: u64,
    nemesis: Option<Schedule>,
    nemesis_rng: StdRng,
    open_partition: Option<(u64, String)>,
    abort: bool,
    /// Final reads sent: msg_id -> (node, key).
    final_asked: BTreeMap<u64, (String, Value)>,
    final_answers: BTreeMap<u64, FinalValue>,
}

/// Runs one test to the end. Never panics on node output.
pub fn run(cfg: RunConfig) -> RunOutput {
    let (nodes, events) = match Nodes::spawn(&cfg.bin, &cfg.node_args, &cfg.node_ids, &cfg.log_dir)
    {
        Ok(x) => x,
        Err(e) => {
            return RunOutput {
                errors: vec![e],
                ..RunOutput::default()
            };
        }
    };
    let mut lp = Loop {
        net: Net::new(
            cfg.latency,
            StdRng::seed_from_u64(crate::node::mix(cfg.seed, 1)),
        ),
        nemesis_rng: StdRng::seed_from_u64(crate::node::mix(cfg.seed, 2)),
        clock: Instant::now(),
        nodes,
        out: RunOutput::default(),
        awaiting_init: (0..cfg.node_ids.len()).collect(),
        clients: None,
        t0: 0,
        nemesis: None,
        open_partition: None,
        abort: false,
        final_asked: BTreeMap::new(),
        final_answers: BTreeMap::new(),
        cfg,
    };
    let mut progress = Progress::new(lp.cfg.progress);
    lp.send_init();
    let mut phase = Phase::Init {
        deadline: INIT_TIMEOUT,
    };
    loop {
        let now = lp.now();
        lp.deliver(now);
        if lp.abort {
            break;
        }
        match phase {
            Phase::Init { deadline } => {
                if lp.awaiting_init.is_empty() {
                    lp.start_clients(now);
                    phase = Phase::Running {
                        end: now + lp.cfg.time_limit,
                    };
                } else if now >= deadline {
                    let missing: Vec<String> = lp
                        .awaiting_init
                        .iter()
                        .map(|&i| lp.cfg.node_ids[i].clone())
                        .collect();
                    lp.out.errors.push(format!(
                        "no init_ok from {} within {} s",
                        missing.join(", "),
                        INIT_TIMEOUT / 1_000_000
                    ));
                    break;
                }
            }
            Phase::Running { end } => {
                if now < end {
                    lp.nemesis_step(now);
                } else {
                    if let Some(c) = lp.clients.as_mut() {
                        c.stop();
                    }
                    lp.nemesis = None;
                    lp.heal(now);
                    phase = Phase::Draining {
                        deadline: now + lp.cfg.clients.timeout,
                    };
                }
            }
            Phase::Draining { deadline } => {
                let idle = lp.clients.as_ref().is_none_or(|c| c.outstanding() == 0);
                if idle || now >= deadline {
                    match lp.cfg.final_reads_after {
                        Some(quiet) => phase = Phase::Quiet { until: now + quiet },
                        None => break,
                    }
                }
            }
            Phase::Quiet { until } => {
                if now >= until {
                    lp.send_final_reads(now);
                    phase = Phase::FinalReads {
                        deadline: now + 10 * lp.cfg.clients.timeout,
                    };
                }
            }
            Phase::FinalReads { deadline } => {
                if lp.final_answers.len() >= lp.final_asked.len() || now >= deadline {
                    break;
                }
            }
        }
        lp.poll_clients(now);
        if let Some(c) = lp.clients.as_ref() {
            let label = lp
                .open_partition
                .as_ref()
                .map_or("healed", |(_, d)| d.as_str());
            progress.update(now - lp.t0, lp.cfg.time_limit, c.history(), label);
        }
        // Sleep until the next thing to do, or a node speaks.
        let mut next = now + MAX_WAIT;
        let phase_at = match phase {
            Phase::Init { deadline }
            | Phase::Draining { deadline }
            | Phase::FinalReads { deadline } => deadline,
            Phase::Quiet { until } => until,
            Phase::Running { end } => end,
        };
        for t in [
            lp.net.next_at(),
            lp.clients
                .as_ref()
                .and_then(|c| c.next_wakeup().map(|t| t + lp.t0)),
            lp.nemesis.as_ref().map(|s| s.next_at() + lp.t0),
            progress.next_at().map(|t| t + lp.t0),
            Some(phase_at),
        ]
        .into_iter()
        .flatten()
        {
            next = next.min(t);
        }
        let wait = Duration::from_micros(next.saturating_sub(lp.now()));
        match events.recv_timeout(wait) {
            Ok(ev) => {
                lp.on_event(ev);
                while let Ok(ev) = events.try_recv() {
                    lp.on_event(ev);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            // Every reader thread ended: every node closed stdout (each reported).
            Err(RecvTimeoutError::Disconnected) => lp.abort = true,
        }
        if lp.abort {
            break;
        }
    }
    progress.finish();
    let now = lp.now();
    lp.close_partition(now);
    if let Some(mut c) = lp.clients.take() {
        c.finish(now - lp.t0);
        lp.out.unexpected_replies = c.unexpected_replies();
        lp.out.history = c.into_history();
    }
    lp.out.duration = now.saturating_sub(lp.t0);
    lp.collect_final_reads();
    lp.out.net = lp.net.counters();
    lp.out.node_cpu_s = lp.nodes.cpu_seconds();
    lp.out.node_exits = lp
        .nodes
        .shutdown(Duration::from_secs(2))
        .into_iter()
        .map(|(node, status)| NodeExit {
            node,
            status: status.map_or_else(|| "killed".into(), |s| s.to_string()),
        })
        .collect();
    lp.out
}

impl Loop {
    fn now(&self) -> u64 {
        self.clock.elapsed().as_micros() as u64
    }

    fn rel_s(&self, now: u64) -> f64 {
        (now as f64 - self.t0 as f64) / 1e6
    }

    fn send_init(&mut self) {
        let ids = self.cfg.node_ids.clone();
        for (i, id) in ids.iter().enumerate() {
            let msg = Message {
                src: INIT_CLIENT.into(),
                dest: id.clone(),
                body: Body {
                    in_reply_to: None,
                    msg_id: Some(i as u64 + 1),
                    payload: Payload::Init {
                        node_id: id.clone(),
                        node_ids: ids.clone(),
                    },
                },
            };
            self.net.send(
                0,
                Packet {
                    src: INIT_CLIENT.into(),
                    dest: id.clone(),
                    between_nodes: false,
                    cargo: Cargo::ToNode {
                        index: i,
                        line: msg.to_line(),
                    },
                },
            );
        }
    }

    fn start_clients(&mut self, now: u64) {
        self.t0 = now;
        let rng = StdRng::seed_from_u64(crate::node::mix(self.cfg.seed, 3));
        let generator = Generator::new(self.cfg.generator.clone());
        self.clients = Some(Clients::new(self.cfg.clients.clone(), generator, rng, 0));
        self.nemesis = self.cfg.nemesis_interval.map(|i| Schedule::new(0, i));
    }

    fn poll_clients(&mut self, now: u64) {
        let Some(c) = self.clients.as_mut() else {
            return;
        };
        for o in c.poll(now - self.t0) {
            let Some(index) = self.cfg.node_ids.iter().position(|n| *n == o.node) else {
                continue;
            };
            self.net.send(
                now,
                Packet {
                    src: o.client.clone(),
                    dest: o.node.clone(),
                    between_nodes: false,
                    cargo: Cargo::ToNode {
                        index,
                        line: o.to_message().to_line(),
                    },
                },
            );
        }
    }

    fn deliver(&mut self, now: u64) {
        for p in self.net.due(now) {
            match p.cargo {
                Cargo::ToNode { index, line } => {
                    // A node whose stdin is gone has exited; its Closed event reports it.
                    let _ = self.nodes.send(index, line);
                }
                Cargo::ToClient(msg) if msg.dest == INIT_CLIENT => {
                    if let Some(id) = msg
                        .body
                        .in_reply_to
                        .filter(|id| self.final_asked.contains_key(id))
                    {
                        self.final_answers
                            .insert(id, convergence::final_value(&msg.body.payload));
                    } else if matches!(msg.body.payload, Payload::InitOk)
                        && let Some(i) = self.cfg.node_ids.iter().position(|n| *n == msg.src)
                    {
                        self.awaiting_init.remove(&i);
                    }
                }
                Cargo::ToClient(msg) => {
                    let t = now.saturating_sub(self.t0);
                    match self.clients.as_mut() {
                        Some(c) => c.on_reply(t, &msg),
                        None => self.out.unexpected_replies += 1,
                    }
                }
            }
        }
    }

    /// Reads every key the clients wrote on every node, from the init client.
    fn send_final_reads(&mut self, now: u64) {
        let keys = self
            .clients
            .as_ref()
            .map(|c| convergence::written_keys(c.history()))
            .unwrap_or_default();
        // Init used msg ids 1..=node count.
        let mut msg_id = self.cfg.node_ids.len() as u64 + 1;
        for (index, node) in self.cfg.node_ids.clone().into_iter().enumerate() {
            for key in &keys {
                let msg = Message {
                    src: INIT_CLIENT.into(),
                    dest: node.clone(),
                    body: Body {
                        in_reply_to: None,
                        msg_id: Some(msg_id),
                        payload: Payload::client("read", serde_json::json!({ "key": key })),
                    },
                };
                self.final_asked.insert(msg_id, (node.clone(), key.clone()));
                msg_id += 1;
                self.net.send(
                    now,
                    Packet {
                        src: INIT_CLIENT.into(),
                        dest: node.clone(),
                        between_nodes: false,
                        cargo: Cargo::ToNode {
                            index,
                            line: msg.to_line(),
                        },
                    },
                );
            }
        }
    }

    fn collect_final_reads(&mut self) {
        let asked = std::mem::take(&mut self.final_asked);
        self.out.final_reads = asked
            .into_iter()
            .map(|(id, (node, key))| FinalRead {
                node,
                key,
                value: self
                    .final_answers
                    .remove(&id)
                    .unwrap_or_else(|| FinalValue::NoAnswer("no reply in time".into())),
            })
            .collect();
    }

    fn nemesis_step(&mut self, now: u64) {
        let Some(s) = self.nemesis.as_mut() else {
            return;
        };
        let t = now - self.t0;
        match s.poll(t, &mut self.nemesis_rng, &self.cfg.node_ids) {
            Some(Step::Start(choice)) => {
                self.close_partition(now);
                self.net.set_partition(choice.partition);
                self.open_partition = Some((t, choice.description));
            }
            Some(Step::Heal) => self.heal(now),
            None => {}
        }
    }

    fn heal(&mut self, now: u64) {
        self.close_partition(now);
        self.net.set_partition(Partition::none());
    }

    fn close_partition(&mut self, now: u64) {
        if let Some((start, description)) = self.open_partition.take() {
            self.out.partitions.push(PartitionSpan {
                start_us: start,
                end_us: now.saturating_sub(self.t0),
                description,
            });
        }
    }

    fn on_event(&mut self, ev: Event) {
        let now = self.now();
        match ev {
            Event::Line { node, line } => self.route(now, node, line),
            Event::Closed { node } => {
                let id = self.cfg.node_ids.get(node).cloned().unwrap_or_default();
                let status = self
                    .nodes
                    .wait_exit(node, Duration::from_secs(1))
                    .map_or_else(|| "closed stdout, still running".into(), |s| s.to_string());
                let log_tail = self.nodes.log_tail(node, 20);
                self.out.crashes.push(Crash {
                    node: id,
                    time_s: self.rel_s(now),
                    status,
                    log_tail,
                });
                self.abort = true;
            }
        }
    }

    fn violation(&mut self, now: u64, node: usize, error: String, line: &str) {
        self.out.violation_count += 1;
        if self.out.violations.len() < MAX_VIOLATIONS {
            let mut line = line.to_owned();
            if line.len() > MAX_LINE {
                let mut cut = MAX_LINE;
                while !line.is_char_boundary(cut) {
                    cut -= 1;
                }
                line.truncate(cut);
                line.push('…');
            }
            self.out.violations.push(Violation {
                node: self.cfg.node_ids.get(node).cloned().unwrap_or_default(),
                time_s: self.rel_s(now),
                error,
                line,
            });
        }
    }

    /// Routes one stdout line of node `node`.
    fn route(&mut self, now: u64, node: usize, line: String) {
        let Some(me) = self.cfg.node_ids.get(node).cloned() else {
            return;
        };
        let (src, dest) = match envelope(&line) {
            Ok(x) => x,
            Err(e) => return self.violation(now, node, e, &line),
        };
        if src != me {
            return self.violation(
                now,
                node,
                format!("message from node {me} claims src {src:?}"),
                &line,
            );
        }
        if let Some(index) = self.cfg.node_ids.iter().position(|n| *n == dest) {
            self.net.send(
                now,
                Packet {
                    src,
                    dest,
                    between_nodes: true,
                    cargo: Cargo::ToNode { index, line },
                },
            );
            return;
        }
        if !is_client_id(&dest) {
            return self.violation(
                now,
                node,
                format!("unknown destination {dest:?} (not a node or client id)"),
                &line,
            );
        }
        match Message::from_line(&line) {
            Ok(msg) => self.net.send(
                now,
                Packet {
                    src,
                    dest,
                    between_nodes: false,
                    cargo: Cargo::ToClient(msg),
                },
            ),
            Err(e) => self.violation(
                now,
                node,
                format!("reply to client {dest} cannot be decoded: {}", e.text),
                &line,
            ),
        }
    }
}

/// Client ids: `c` followed by digits.
fn is_client_id(id: &str) -> bool {
    id.strip_prefix('c')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Checks the envelope of a line: a JSON object with string `src` and `dest` and
/// a `body` object with a string `type`. Returns `(src, dest)`.
pub fn envelope(line: &str) -> Result<(String, String), String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(m) = v else {
        return Err("not a JSON object".into());
    };
    let src = m.get("src").and_then(Value::as_str);
    let dest = m.get("dest").and_then(Value::as_str);
    let (Some(src), Some(dest)) = (src, dest) else {
        return Err("message needs string src and dest".into());
    };
    let Some(Value::Object(body)) = m.get("body") else {
        return Err("message has no body object".into());
    };
    if !body.get("type").is_some_and(Value::is_string) {
        return Err("body has no string type".into());
    }
    Ok((src.to_owned(), dest.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes() {
        assert!(envelope("hello").unwrap_err().starts_with("not JSON"));
        assert!(envelope("[1]").is_err());
        assert!(envelope(r#"{"src":"n1","dest":"n2","body":{}}"#).is_err());
        assert_eq!(
            envelope(r#"{"src":"n1","dest":"n2","body":{"type":"gossip"}}"#),
            Ok(("n1".into(), "n2".into()))
        );
        assert!(is_client_id("c12") && !is_client_id("c") && !is_client_id("n1"));
    }
}
