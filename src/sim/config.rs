//! The configuration of one simulated run: everything that determines it, the
//! seed included, and the command line that replays it. Its own module so that
//! the run ([`run`](mod@super::run)) and the phases it drives
//! ([`convergence`](super::convergence)) both depend on it without depending on
//! each other.

use super::network::Latency;
use crate::node::NodeConfig;
use crate::workload::{Topology, WorkloadKind};

/// One second of virtual time, µs.
pub(super) const SECOND: u64 = 1_000_000;

/// Everything that determines a simulated run.
#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    pub seed: u64,
    pub node_count: usize,
    pub workload: WorkloadKind,
    /// Seconds of client load.
    pub time_limit: f64,
    /// Target ops/s over all clients.
    pub rate: f64,
    pub concurrency: usize,
    pub latency: Latency,
    pub loss: f64,
    pub duplicate: f64,
    /// Seconds between partition start and heal; `None` for no nemesis.
    pub nemesis_interval: Option<f64>,
    /// Seconds between killing nodes and restarting them; `None` for no kills.
    pub kill_interval: Option<f64>,
    /// broadcast: the topology sent to every node before the clients start.
    pub topology: Topology,
    pub node: NodeConfig,
}

impl SimConfig {
    /// A lin-kv run on `node_count` nodes with Maelstrom-like defaults.
    pub fn lin_kv(seed: u64, node_count: usize) -> SimConfig {
        SimConfig {
            seed,
            node_count,
            workload: WorkloadKind::LinKv,
            time_limit: 20.0,
            rate: 100.0,
            concurrency: 2 * node_count,
            latency: Latency::Constant(10_000),
            loss: 0.0,
            duplicate: 0.0,
            nemesis_interval: Some(5.0),
            kill_interval: None,
            topology: Topology::default(),
            node: NodeConfig::default(),
        }
    }

    /// The client timeout, as Maelstrom's: 5 s, and for lin-kv max(1 s, 10 × the
    /// mean latency).
    pub fn client_timeout(&self) -> u64 {
        crate::workload::timeout::client_timeout(self.workload, self.latency.mean())
    }

    /// A command line that replays this run exactly.
    pub fn replay_command(&self) -> String {
        let mut cmd = format!(
            "raft-kv sim -w {} --seed {} --node-count {} --time-limit {} --rate {} --concurrency {} --latency {} --latency-dist {}",
            self.workload,
            self.seed,
            self.node_count,
            self.time_limit,
            self.rate,
            self.concurrency,
            self.latency.mean() as f64 / 1000.0,
            match self.latency {
                Latency::Constant(_) => "constant",
                Latency::Uniform(_) => "uniform",
                Latency::Exponential(_) => "exponential",
            }
        );
        if let Some(i) = self.nemesis_interval {
            cmd.push_str(&format!(" --nemesis partition --nemesis-interval {i}"));
        }
        if let Some(k) = self.kill_interval {
            cmd.push_str(&format!(" --kill-interval {k}"));
        }
        if self.loss > 0.0 {
            cmd.push_str(&format!(" --loss {}", self.loss));
        }
        if self.node.follower_reads {
            cmd.push_str(" --follower-reads");
        }
        if self.duplicate > 0.0 {
            cmd.push_str(&format!(" --duplicate {}", self.duplicate));
        }
        let defaults = NodeConfig::default();
        if (self.node.snapshot_entries, self.node.snapshot_retain)
            != (defaults.snapshot_entries, defaults.snapshot_retain)
        {
            cmd.push_str(&format!(
                " --snapshot-entries {} --snapshot-retain {}",
                self.node.snapshot_entries, self.node.snapshot_retain
            ));
        }
        if self.topology != Topology::default() {
            cmd.push_str(&format!(" --topology {}", self.topology));
        }
        cmd
    }
}
