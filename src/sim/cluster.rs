//! A deterministic in-process cluster: real [`Node`]s on a virtual clock, with a
//! seeded simulated network. The same seed and inputs give the same transcript.

use super::network::{NetConfig, Partition};
use crate::machines::{Builtin, Machine};
use crate::node::{Node, NodeConfig, mix};
use crate::protocol::{Body, Message, Payload};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

/// A message in flight.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct InFlight {
    at: u64,
    seq: u64,
}

/// Network counters.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NetStats {
    /// Node-to-node messages sent.
    pub server_messages: u64,
    /// Messages between clients and nodes.
    pub client_messages: u64,
    /// Messages dropped by partitions or loss.
    pub dropped: u64,
    /// Wall-clock nanoseconds spent inside the nodes' handlers (for CPU-per-op
    /// benchmarks; not part of the deterministic transcript).
    pub node_cpu_ns: u64,
}

/// A simulated cluster of nodes driving machine `M`.
pub struct Cluster<M: Machine = Builtin> {
    now: u64,
    nodes: BTreeMap<String, Node<M>>,
    /// When each node next needs a tick.
    deadlines: BTreeMap<String, u64>,
    net: NetConfig,
    rng: StdRng,
    partition: Partition,
    queue: BinaryHeap<Reverse<InFlight>>,
    in_flight: BTreeMap<u64, Message>,
    next_seq: u64,
    to_clients: Vec<(u64, Message)>,
    next_client_msg_id: u64,
    stats: NetStats,
    transcript: Option<Vec<String>>,
    hash: u64,
    node_logs: Vec<(u64, String, String)>,
    /// Crashed nodes: messages to them are dropped and they get no ticks.
    down: BTreeSet<String>,
    config: NodeConfig,
    make: Box<dyn Fn(&str) -> M>,
    seed: u64,
    /// Restarts so far (each restarted process gets the next incarnation).
    restarts: u64,
    /// Messages between nodes travel as protocol lines (see [`Cluster::over_the_wire`]).
    wire: bool,
    /// Lines between nodes that the receiving node could not decode.
    wire_errors: Vec<String>,
}

impl Cluster<Builtin> {
    /// A cluster of `ids` running the built-in machine `config.machine`, each sent
    /// `init` at time 0 by client `c0`.
    pub fn new(ids: &[String], config: NodeConfig, net: NetConfig, seed: u64) -> Cluster {
        let machine_config = config.clone();
        let make = move |_: &str| crate::node::builtin_machine(&machine_config);
        Cluster::with_machine(ids, config, net, seed, make)
    }

    /// Node ids like Maelstrom's `--node-count N`: `n0`..`n(N-1)`.
    pub fn node_ids(count: usize) -> Vec<String> {
        (0..count).map(|i| format!("n{i}")).collect()
    }
}

impl<M: Machine> Cluster<M> {
    /// A cluster of `ids`, node `id` driving `make(id)`, each sent `init` at time
    /// 0 by client `c0`.
    pub fn with_machine(
        ids: &[String],
        config: NodeConfig,
        net: NetConfig,
        seed: u64,
        make: impl Fn(&str) -> M + 'static,
    ) -> Cluster<M> {
        let mut nodes = BTreeMap::new();
        for (i, id) in ids.iter().enumerate() {
            let node = Node::with_machine(config.clone(), make(id), mix(seed, i as u64));
            nodes.insert(id.clone(), node);
        }
        let mut cluster = Cluster {
            now: 0,
            nodes,
            deadlines: BTreeMap::new(),
            net,
            rng: StdRng::seed_from_u64(seed),
            partition: Partition::none(),
            queue: BinaryHeap::new(),
            in_flight: BTreeMap::new(),
            next_seq: 0,
            to_clients: Vec::new(),
            next_client_msg_id: 1,
            stats: NetStats::default(),
            transcript: None,
            hash: 0xcbf2_9ce4_8422_2325,
            node_logs: Vec::new(),
            down: BTreeSet::new(),
            config,
            make: Box::new(make),
            seed,
            restarts: 0,
            wire: false,
            wire_errors: Vec::new(),
        };
        for id in ids {
            cluster.send_init(id, 0);
        }
        cluster
    }

    fn send_init(&mut self, id: &str, at: u64) {
        let init = Payload::Init {
            node_id: id.to_owned(),
            node_ids: self.nodes.keys().cloned().collect(),
        };
        let msg_id = self.next_client_msg_id;
        self.next_client_msg_id += 1;
        self.enqueue(
            at,
            Message {
                src: "c0".into(),
                dest: id.to_owned(),
                body: Body {
                    in_reply_to: None,
                    msg_id: Some(msg_id),
                    payload: init,
                },
            },
        );
    }

    /// Kills node `id` like SIGKILL: everything it held in memory is gone, only
    /// what it persisted survives. Messages to it are dropped until [`restart`](Cluster::restart).
    pub fn crash(&mut self, id: &str) {
        if self.down.contains(id) {
            return;
        }
        let Some(node) = self.nodes.get_mut(id) else {
            return;
        };
        let storage = node.take_storage();
        self.restarts += 1;
        let seed = mix(self.seed, 1_000 + self.restarts);
        let fresh = Node::with_machine(self.config.clone(), (self.make)(id), seed)
            .with_storage(storage)
            .with_incarnation(self.restarts);
        self.nodes.insert(id.to_owned(), fresh);
        self.deadlines.remove(id);
        self.down.insert(id.to_owned());
        self.note(format!("nemesis kill {id}"));
    }

    /// Starts a crashed node again: it receives `init` and recovers from storage.
    pub fn restart(&mut self, id: &str) {
        if self.down.remove(id) {
            self.note(format!("nemesis restart {id}"));
            self.send_init(id, self.now);
        }
    }

    /// The crashed nodes.
    pub fn down(&self) -> &BTreeSet<String> {
        &self.down
    }

    /// Starts recording a one-line-per-event transcript.
    pub fn record_transcript(&mut self) {
        self.transcript = Some(Vec::new());
    }

    /// The transcript recorded so far.
    pub fn transcript(&self) -> &[String] {
        self.transcript.as_deref().unwrap_or(&[])
    }

    /// A hash of every delivered message and fault, for replay checks.
    pub fn transcript_hash(&self) -> u64 {
        self.hash
    }

    /// The current virtual time in microseconds.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// The nodes.
    pub fn nodes(&self) -> &BTreeMap<String, Node<M>> {
        &self.nodes
    }

    /// One node.
    pub fn node(&self, id: &str) -> Option<&Node<M>> {
        self.nodes.get(id)
    }

    /// Network counters.
    pub fn stats(&self) -> NetStats {
        self.stats
    }

    /// Node log lines: (time, node, line).
    pub fn take_node_logs(&mut self) -> Vec<(u64, String, String)> {
        std::mem::take(&mut self.node_logs)
    }

    /// The node that leads the highest term, if any.
    pub fn leader(&self) -> Option<String> {
        self.nodes
            .iter()
            .filter_map(|(id, n)| n.raft().filter(|r| r.is_leader()).map(|r| (r.term(), id)))
            .max()
            .map(|(_, id)| id.clone())
    }

    /// Sends `payload` from `client` to `node`; returns the request's msg_id.
    pub fn client_send(&mut self, client: &str, node: &str, payload: Payload) -> u64 {
        let msg_id = self.next_client_msg_id;
        self.next_client_msg_id += 1;
        let msg = Message {
            src: client.into(),
            dest: node.into(),
            body: Body {
                in_reply_to: None,
                msg_id: Some(msg_id),
                payload,
            },
        };
        self.send(msg);
        msg_id
    }

    /// From now on every message between nodes is rendered as a protocol line and
    /// parsed back at its destination, as between real processes, so a message a
    /// peer cannot read shows up: it is recorded (see [`Cluster::wire_errors`]) and
    /// handed to the node as the raw line. Slower; for hostile-input tests.
    pub fn over_the_wire(&mut self) {
        self.wire = true;
    }

    /// Lines between nodes that their receiver could not decode (with
    /// [`Cluster::over_the_wire`]): each is a node sending what a peer cannot read.
    pub fn wire_errors(&self) -> &[String] {
        &self.wire_errors
    }

    /// Hands a client's raw line (any bytes, without the newline) to `node` at
    /// once: messages between clients and nodes have no latency. Returns false
    /// when there is no such node, or it is down.
    pub fn inject_line(&mut self, node: &str, bytes: &[u8]) -> bool {
        let now = self.now;
        if self.down.contains(node) {
            return false;
        }
        let Some(n) = self.nodes.get_mut(node) else {
            return false;
        };
        n.handle_bytes(now, bytes);
        self.stats.client_messages += 1;
        self.after_node(node);
        true
    }

    /// Sends a client's message into the network.
    pub fn send_from_client(&mut self, msg: Message) {
        self.send(msg);
    }

    /// Messages that reached clients, with arrival times.
    pub fn take_client_messages(&mut self) -> Vec<(u64, Message)> {
        std::mem::take(&mut self.to_clients)
    }

    /// Replaces the partition.
    pub fn set_partition(&mut self, partition: Partition, label: &str) {
        self.partition = partition;
        self.note(format!("nemesis {label}"));
    }

    /// The current partition.
    pub fn partition(&self) -> &Partition {
        &self.partition
    }

    /// Runs every event up to and including time `t`, then sets the clock to `t`.
    pub fn run_until(&mut self, t: u64) {
        while let Some(at) = self.next_event_time() {
            if at > t {
                break;
            }
            self.step_once();
        }
        self.now = self.now.max(t);
    }

    /// Runs for `d` microseconds.
    pub fn run_for(&mut self, d: u64) {
        self.run_until(self.now + d);
    }

    /// When the next message arrives or a node needs a tick.
    pub fn next_event_time(&self) -> Option<u64> {
        let msg = self.queue.peek().map(|Reverse(f)| f.at);
        let tick = self.deadlines.values().min().copied();
        match (msg, tick) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn step_once(&mut self) {
        let msg_at = self.queue.peek().map(|Reverse(f)| f.at);
        let tick = self
            .deadlines
            .iter()
            .min_by_key(|(id, t)| (**t, (*id).clone()))
            .map(|(id, t)| (id.clone(), *t));
        match (msg_at, tick) {
            (Some(m), Some((_, t))) if m <= t => self.deliver_next(),
            (Some(_), None) => self.deliver_next(),
            (_, Some((id, t))) => {
                self.now = self.now.max(t);
                let now = self.now;
                if let Some(node) = self.nodes.get_mut(&id) {
                    let started = std::time::Instant::now();
                    node.tick(now);
                    self.stats.node_cpu_ns += started.elapsed().as_nanos() as u64;
                }
                self.after_node(&id);
            }
            (None, None) => {}
        }
    }

    fn deliver_next(&mut self) {
        let Some(Reverse(f)) = self.queue.pop() else {
            return;
        };
        let Some(msg) = self.in_flight.remove(&f.seq) else {
            return;
        };
        self.now = self.now.max(f.at);
        let between_nodes = self.nodes.contains_key(&msg.src) && self.nodes.contains_key(&msg.dest);
        if between_nodes && self.partition.blocks(&msg.src, &msg.dest) {
            self.stats.dropped += 1;
            return;
        }
        if self.down.contains(&msg.dest) {
            self.stats.dropped += 1;
            return;
        }
        self.note_delivery(&msg);
        let dest = msg.dest.clone();
        match self.nodes.get_mut(&dest) {
            Some(node) => {
                let started = std::time::Instant::now();
                if self.wire && between_nodes {
                    let line = msg.to_line();
                    match Message::from_line(&line) {
                        Ok(decoded) => node.handle(self.now, decoded),
                        Err(e) => {
                            let cut: String = line.chars().take(300).collect();
                            self.wire_errors.push(format!(
                                "{} -> {dest} unreadable ({}): {cut}",
                                msg.src, e.text
                            ));
                            node.handle_line(self.now, &line);
                        }
                    }
                } else {
                    node.handle(self.now, msg);
                }
                self.stats.node_cpu_ns += started.elapsed().as_nanos() as u64;
                self.after_node(&dest);
            }
            None => self.to_clients.push((self.now, msg)),
        }
    }

    fn after_node(&mut self, id: &str) {
        if self.down.contains(id) {
            return;
        }
        let Some(node) = self.nodes.get_mut(id) else {
            return;
        };
        let out = node.take_outbox();
        let logs = node.take_logs();
        match node.next_deadline() {
            Some(d) => self.deadlines.insert(id.to_owned(), d.max(self.now + 1)),
            None => self.deadlines.remove(id),
        };
        for line in logs {
            self.node_logs.push((self.now, id.to_owned(), line));
        }
        for msg in out {
            self.send(msg);
        }
    }

    fn send(&mut self, msg: Message) {
        let between_nodes = self.nodes.contains_key(&msg.src) && self.nodes.contains_key(&msg.dest);
        if between_nodes {
            self.stats.server_messages += 1;
            if self.partition.blocks(&msg.src, &msg.dest) || self.chance(self.net.loss) {
                self.stats.dropped += 1;
                return;
            }
            if self.chance(self.net.duplicate) {
                let delay = self.net.latency.sample(&mut self.rng);
                self.enqueue(self.now + delay, msg.clone());
            }
            let delay = self.net.latency.sample(&mut self.rng);
            self.enqueue(self.now + delay, msg);
        } else {
            // As in Maelstrom: messages between a client and a node take no
            // time (client latency would only hide anomalies).
            self.stats.client_messages += 1;
            self.enqueue(self.now, msg);
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.rng.gen_bool(p.min(1.0))
    }

    fn enqueue(&mut self, at: u64, msg: Message) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.in_flight.insert(seq, msg);
        self.queue.push(Reverse(InFlight { at, seq }));
    }

    /// Hashes a delivery by its identity (time, endpoints, ids): cheap, and any
    /// divergence in content soon shows up as a divergence in these. The full line
    /// is rendered only when a transcript is being recorded.
    fn note_delivery(&mut self, msg: &Message) {
        let mut h = self.hash;
        h = fnv1a_continue(h, &self.now.to_le_bytes());
        h = fnv1a_continue(h, msg.src.as_bytes());
        h = fnv1a_continue(h, msg.dest.as_bytes());
        h = fnv1a_continue(h, &msg.body.msg_id.unwrap_or(u64::MAX).to_le_bytes());
        h = fnv1a_continue(h, &msg.body.in_reply_to.unwrap_or(u64::MAX).to_le_bytes());
        self.hash = h;
        if let Some(t) = self.transcript.as_mut() {
            let line = msg.to_line();
            t.push(format!(
                "{:>9.3}ms {} -> {} {}",
                self.now as f64 / 1000.0,
                msg.src,
                msg.dest,
                body_of(&line)
            ));
        }
    }

    fn note(&mut self, event: String) {
        let line = format!("{:>9.3}ms {event}", self.now as f64 / 1000.0);
        self.hash = fnv1a_continue(self.hash, line.as_bytes());
        if let Some(t) = self.transcript.as_mut() {
            t.push(line);
        }
    }
}

fn body_of(line: &str) -> &str {
    line.find("\"body\":")
        .map_or(line, |i| &line[i + 7..line.len() - 1])
}

fn fnv1a_continue(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}
