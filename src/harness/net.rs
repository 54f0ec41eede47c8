//! The harness's network: every message waits out a sampled latency in a queue
//! keyed by delivery time (real clock, µs), and node-to-node messages are dropped
//! when the current partition cuts their link, checked at send and at delivery.

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

/// A message in flight.
#[derive(Clone, Debug)]
pub struct Packet {
    pub src: String,
    pub dest: String,
    /// Both ends are nodes: subject to partitions and counted as a server message.
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
}

/// The delay queue and the current partition.
pub struct Net {
    latency: Latency,
    rng: StdRng,
    queue: BinaryHeap<Reverse<(u64, u64)>>,
    packets: HashMap<u64, Packet>,
    next_seq: u64,
    partition: Partition,
    counters: NetCounters,
}

impl Net {
    /// An empty network.
    pub fn new(latency: Latency, rng: StdRng) -> Net {
        Net {
            latency,
            rng,
            queue: BinaryHeap::new(),
            packets: HashMap::new(),
            next_seq: 0,
            partition: Partition::none(),
            counters: NetCounters::default(),
        }
    }

    /// Sends `packet` at `now`: dropped if partitioned, else queued after a delay.
    pub fn send(&mut self, now: u64, packet: Packet) {
        if packet.between_nodes {
            self.counters.server_messages += 1;
            if self.partition.blocks(&packet.src, &packet.dest) {
                self.counters.dropped += 1;
                return;
            }
        } else {
            self.counters.client_messages += 1;
        }
        let at = now + self.latency.sample(&mut self.rng);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.packets.insert(seq, packet);
        self.queue.push(Reverse((at, seq)));
    }

    /// When the next packet is due, if any.
    pub fn next_at(&self) -> Option<u64> {
        self.queue.peek().map(|Reverse((at, _))| *at)
    }

    /// Packets due by `now`, in delivery order, minus those the partition cuts.
    pub fn due(&mut self, now: u64) -> Vec<Packet> {
        let mut out = Vec::new();
        while let Some(&Reverse((at, seq))) = self.queue.peek() {
            if at > now {
                break;
            }
            self.queue.pop();
            let Some(p) = self.packets.remove(&seq) else {
                continue;
            };
            if p.between_nodes && self.partition.blocks(&p.src, &p.dest) {
                self.counters.dropped += 1;
                continue;
            }
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
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn delays_and_partitions() {
        let mut net = Net::new(Latency::Constant(100), StdRng::seed_from_u64(1));
        net.send(0, pkt("n1", "n2"));
        assert!(net.due(99).is_empty());
        assert_eq!(net.due(100).len(), 1);
        let cut = Partition::groups(&[vec!["n1".into()], vec!["n2".into()]]);
        net.send(200, pkt("n1", "n2"));
        net.set_partition(cut.clone());
        assert!(net.due(300).is_empty(), "cut at delivery");
        net.send(300, pkt("n2", "n1"));
        assert_eq!(net.in_flight(), 0, "cut at send");
        assert_eq!(net.counters().dropped, 2);
        assert_eq!(net.counters().server_messages, 3);
    }
}
