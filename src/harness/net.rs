//! The harness's network: node-to-node messages wait out a sampled latency in a
//! queue keyed by delivery time (real clock, µs) and are dropped when the current
//! partition cuts their link, checked at send and at delivery. Messages between a
//! client and a node take no time, as in Maelstrom (client latency would only hide
//! anomalies), and are never cut. A message due at a node that is down (killed,
//! or restarted and not yet initialised) is dropped at delivery. Every message is
//! noted in the [`Journal`].

use super::journal::Journal;
use crate::protocol::Message;
use crate::sim::{Latency, Partition};
use rand::rngs::StdRng;
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// What is carried.
#[derive(Clone, Debug)]
pub enum Cargo {
    /// A line for node `index`, forwarded as it was written (foreign node-to-node
    /// bodies need not be ours).
    ToNode { index: usize, line: String },
    /// A decoded message for a client.
    ToClient(Message),
}

impl Cargo {
    /// The message as a line.
    pub fn line(&self) -> String {
        match self {
            Cargo::ToNode { line, .. } => line.clone(),
            Cargo::ToClient(m) => m.to_line(),
        }
    }
}

/// A message in flight.
#[derive(Clone, Debug)]
pub struct Packet {
    pub src: String,
    pub dest: String,
    /// Both ends are nodes: delayed, subject to partitions and counted as a
    /// server message.
    pub between_nodes: bool,
    pub cargo: Cargo,
}

/// Message counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct NetCounters {
    /// Node-to-node messages sent.
    pub server_messages: u64,
    /// Client-to-node and node-to-client messages sent.
    pub client_messages: u64,
    /// Node-to-node messages dropped by partitions.
    pub dropped: u64,
    /// Messages (from nodes or clients) dropped because their destination node
    /// was down: killed, or restarted and not yet answering `init`.
    pub dropped_node_down: u64,
}

/// The delay queue, the current partition and the journal.
pub struct Net {
    latency: Latency,
    rng: StdRng,
    queue: BinaryHeap<Reverse<(u64, u64)>>,
    /// Packets in flight with their journal entry.
    packets: HashMap<u64, (Packet, Option<usize>)>,
    next_seq: u64,
    partition: Partition,
    counters: NetCounters,
    journal: Journal,
}

impl Net {
    /// An empty network that notes messages in `journal`.
    pub fn new(latency: Latency, rng: StdRng, journal: Journal) -> Net {
        Net {
            latency,
            rng,
            queue: BinaryHeap::new(),
            packets: HashMap::new(),
            next_seq: 0,
            partition: Partition::none(),
            counters: NetCounters::default(),
            journal,
        }
    }

    /// Sends `packet` at `now`: a client message is due at once; a node-to-node
    /// message is dropped if partitioned, else queued after a sampled delay.
    pub fn send(&mut self, now: u64, packet: Packet) {
        let entry = self
            .journal
            .sent(now, &packet.src, &packet.dest, || packet.cargo.line());
        let delay = if packet.between_nodes {
            self.counters.server_messages += 1;
            if self.partition.blocks(&packet.src, &packet.dest) {
                self.counters.dropped += 1;
                self.journal.dropped(now, entry);
                return;
            }
            self.latency.sample(&mut self.rng)
        } else {
            self.counters.client_messages += 1;
            0
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        self.packets.insert(seq, (packet, entry));
        self.queue.push(Reverse((now + delay, seq)));
    }

    /// When the next packet is due, if any.
    pub fn next_at(&self) -> Option<u64> {
        self.queue.peek().map(|Reverse((at, _))| *at)
    }

    /// Packets due by `now`, in delivery order, minus those the partition cuts
    /// and those `accepts` refuses (a destination node that is down).
    pub fn due(&mut self, now: u64, accepts: impl Fn(&Packet) -> bool) -> Vec<Packet> {
        let mut out = Vec::new();
        while let Some(&Reverse((at, seq))) = self.queue.peek() {
            if at > now {
                break;
            }
            self.queue.pop();
            let Some((p, entry)) = self.packets.remove(&seq) else {
                continue;
            };
            if p.between_nodes && self.partition.blocks(&p.src, &p.dest) {
                self.counters.dropped += 1;
                self.journal.dropped(now, entry);
                continue;
            }
            if !accepts(&p) {
                self.counters.dropped_node_down += 1;
                self.journal.dropped(now, entry);
                continue;
            }
            self.journal
                .delivered(now, entry, &p.src, &p.dest, || p.cargo.line());
            out.push(p);
        }
        out
    }

    /// Replaces the partition.
    pub fn set_partition(&mut self, partition: Partition) {
        self.partition = partition;
    }

    /// Messages waiting for delivery.
    pub fn in_flight(&self) -> usize {
        self.packets.len()
    }

    /// The counters so far.
    pub fn counters(&self) -> NetCounters {
        self.counters
    }

    /// Takes the journal.
    pub fn take_journal(&mut self) -> Journal {
        std::mem::take(&mut self.journal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::journal::Fate;
    use rand::SeedableRng;

    fn pkt(src: &str, dest: &str) -> Packet {
        Packet {
            src: src.into(),
            dest: dest.into(),
            between_nodes: true,
            cargo: Cargo::ToNode {
                index: 0,
                line: "x".into(),
            },
        }
    }

    #[test]
    fn client_messages_take_no_time_and_are_never_cut() {
        let mut net = Net::new(
            Latency::Constant(100),
            StdRng::seed_from_u64(1),
            Journal::default(),
        );
        net.set_partition(Partition::groups(&[vec!["n0".into()], vec!["c1".into()]]));
        let mut p = pkt("c1", "n0");
        p.between_nodes = false;
        net.send(7, p);
        assert_eq!(net.next_at(), Some(7));
        assert_eq!(net.due(7, |_| true).len(), 1);
        assert_eq!(net.counters().client_messages, 1);
        assert_eq!(net.take_journal().entries()[0].fate, Fate::Delivered(7));
    }

    #[test]
    fn delays_and_partitions() {
        let mut net = Net::new(
            Latency::Constant(100),
            StdRng::seed_from_u64(1),
            Journal::default(),
        );
        net.send(0, pkt("n1", "n2"));
        assert!(net.due(99, |_| true).is_empty());
        assert_eq!(net.due(100, |_| true).len(), 1);
        let cut = Partition::groups(&[vec!["n1".into()], vec!["n2".into()]]);
        net.send(200, pkt("n1", "n2"));
        net.set_partition(cut.clone());
        assert!(net.due(300, |_| true).is_empty(), "cut at delivery");
        net.send(300, pkt("n2", "n1"));
        assert_eq!(net.in_flight(), 0, "cut at send");
        assert_eq!(net.counters().dropped, 2);
        assert_eq!(net.counters().server_messages, 3);
        net.set_partition(Partition::none());
        net.send(400, pkt("n2", "n1"));
        net.send(400, pkt("n1", "n2"));
        let due = net.due(500, |p| p.dest != "n1");
        assert_eq!(due.len(), 1, "n1 is down");
        assert_eq!(due[0].dest, "n2");
        assert_eq!(net.counters().dropped_node_down, 1);
        assert_eq!(net.counters().dropped, 2, "not a partition");
    }
}
