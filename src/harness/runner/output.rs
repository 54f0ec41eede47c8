//! What a run produces: the history, the network counters, and every fault and
//! protocol violation seen, for the checkers and the report.

use crate::check::history::History;
use crate::check::lww::FinalRead;
use crate::harness::journal::Journal;
use crate::harness::net::NetCounters;
use serde::Serialize;

/// Most node events kept in a run's output (all are counted).
pub const MAX_NODE_EVENTS: usize = 1_000;

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
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct PartitionSpan {
    pub start_us: u64,
    pub end_us: u64,
    pub description: String,
}

/// A kill or a pause, in µs since the clients started: from the nemesis
/// operation that started it to the one that ended it (restart or resume).
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct NodeFaultSpan {
    /// `kill` or `pause`.
    pub fault: String,
    /// The Jepsen node spec the nodes were picked by (`one`, `minority`, …).
    pub targets: String,
    /// The nodes it hit (may be empty: a minority third of 3 nodes is nobody).
    pub nodes: Vec<String>,
    pub start_us: u64,
    pub end_us: u64,
    /// For humans: `kill minority: n1,n3`.
    pub description: String,
}

impl NodeFaultSpan {
    /// The span as a shaded band for the plots and the timeline.
    pub fn band(&self) -> PartitionSpan {
        PartitionSpan {
            start_us: self.start_us,
            end_us: self.end_us,
            description: self.description.clone(),
        }
    }
}

/// Something the kill or pause nemesis did to one node.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeEvent {
    /// Seconds since the clients started.
    pub time_s: f64,
    pub node: String,
    /// `killed`, `restarted` (a fresh process, sent `init`), `init_ok` (it
    /// answered; traffic reaches it again), `paused`, `resumed`, or `error` (the
    /// signal or restart failed; see `detail`).
    pub event: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// How a node ended after the test.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeExit {
    pub node: String,
    /// Exit status, or "killed (…)" when it did not exit after stdin closed.
    pub status: String,
}

/// What a run produced.
#[derive(Clone, Debug, Default)]
pub struct RunOutput {
    pub history: History,
    /// Network counters up to the end of the load (drain included; a quiet
    /// period and final reads excluded).
    pub net: NetCounters,
    /// µs from the clients' start to the end of the load (drain included; a
    /// quiet period and final reads excluded).
    pub duration: u64,
    pub partitions: Vec<PartitionSpan>,
    /// Kills and pauses, in start order.
    pub node_faults: Vec<NodeFaultSpan>,
    /// What the kill and pause nemeses did, node by node (the first
    /// [`MAX_NODE_EVENTS`]; all are counted).
    pub node_events: Vec<NodeEvent>,
    pub node_event_count: u64,
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
    /// The first messages of the run, for the Lamport diagram.
    pub journal: Journal,
}
