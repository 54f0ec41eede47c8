//! `results.json` and the human summary at the end of a run.

use super::checks::CheckOutcome;
use super::net::NetCounters;
use super::runner::{Crash, NodeExit, PartitionSpan, RunOutput, Violation};
use crate::workload::RunStats;
use serde::Serialize;
use std::fmt::Write;
use std::path::Path;

/// The settings a run used, recorded for reproduction.
#[derive(Clone, Debug, Serialize)]
pub struct Settings {
    /// The exact command line.
    pub command: Vec<String>,
    pub workload: String,
    pub bin: String,
    pub node_args: Vec<String>,
    pub node_count: usize,
    pub concurrency: usize,
    pub rate: f64,
    pub time_limit_s: f64,
    pub latency: String,
    pub nemesis: String,
    pub nemesis_interval_s: f64,
    pub availability: Option<String>,
    pub consistency_models: Vec<String>,
    pub client_timeout_ms: f64,
    pub seed: u64,
}

/// Everything `results.json` says.
#[derive(Clone, Debug, Serialize)]
pub struct Results {
    /// All checkers valid, no protocol violations, no crashes, no errors.
    pub valid: bool,
    pub checks: Vec<CheckOutcome>,
    pub stats: RunStats,
    pub net: NetCounters,
    pub unexpected_replies: u64,
    pub protocol_violation_count: u64,
    /// The first protocol violations, verbatim.
    pub protocol_violations: Vec<Violation>,
    pub crashes: Vec<Crash>,
    pub errors: Vec<String>,
    pub partitions: Vec<PartitionSpan>,
    pub node_exits: Vec<NodeExit>,
    /// CPU seconds (user + system) used by all node processes.
    pub node_cpu_s: f64,
    pub settings: Settings,
}

impl Results {
    /// Assembles the results of `out`.
    pub fn new(out: &RunOutput, checks: Vec<CheckOutcome>, settings: Settings) -> Results {
        let stats = RunStats::compute(&out.history, out.duration, out.net.server_messages);
        let valid = checks.iter().all(|c| c.valid)
            && out.violation_count == 0
            && out.crashes.is_empty()
            && out.errors.is_empty();
        Results {
            valid,
            checks,
            stats,
            net: out.net,
            unexpected_replies: out.unexpected_replies,
            protocol_violation_count: out.violation_count,
            protocol_violations: out.violations.clone(),
            crashes: out.crashes.clone(),
            errors: out.errors.clone(),
            partitions: out.partitions.clone(),
            node_exits: out.node_exits.clone(),
            node_cpu_s: out.node_cpu_s,
            settings,
        }
    }

    /// Writes `results.json` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), String> {
        let path = dir.join("results.json");
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        std::fs::write(&path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))
    }

    /// A short summary for humans.
    pub fn summary(&self, dir: &Path) -> String {
        let mut s = String::new();
        for e in &self.errors {
            let _ = writeln!(s, "error: {e}");
        }
        for c in &self.crashes {
            let _ = writeln!(
                s,
                "node {} exited early at {:.2} s ({}); last lines of its log:",
                c.node, c.time_s, c.status
            );
            for line in c.log_tail.lines() {
                let _ = writeln!(s, "    {line}");
            }
        }
        if self.protocol_violation_count > 0 {
            let _ = writeln!(
                s,
                "{} protocol violation(s) on node stdout:",
                self.protocol_violation_count
            );
            for v in self.protocol_violations.iter().take(5) {
                let _ = writeln!(
                    s,
                    "    {} at {:.2} s: {}: {}",
                    v.node, v.time_s, v.error, v.line
                );
            }
        }
        let width = self
            .checks
            .iter()
            .map(|c| c.name.chars().count())
            .max()
            .unwrap_or(0);
        for c in &self.checks {
            let _ = writeln!(
                s,
                "{:<width$} {}  {}",
                c.name,
                if c.valid { "valid" } else { "INVALID" },
                c.summary
            );
        }
        let st = &self.stats;
        let _ = writeln!(
            s,
            "ops: ok {} fail {} info {} | availability {:.3} | {:.1} ok/s | {:.2} msgs/op ({} node-to-node, {} dropped)",
            st.ok,
            st.fail,
            st.info,
            st.availability,
            st.ok_per_sec,
            st.msgs_per_op,
            self.net.server_messages,
            self.net.dropped
        );
        let _ = writeln!(
            s,
            "latency ms: p50 {:.1} p95 {:.1} p99 {:.1} max {:.1} | partitions: {}",
            st.latency_p50_ms,
            st.latency_p95_ms,
            st.latency_p99_ms,
            st.latency_max_ms,
            self.partitions.len()
        );
        let _ = writeln!(s, "store: {}", dir.display());
        let _ = writeln!(
            s,
            "{}",
            if self.valid {
                "Everything looks good! ヽ(‘ー`)ノ"
            } else {
                "Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻"
            }
        );
        s
    }
}
