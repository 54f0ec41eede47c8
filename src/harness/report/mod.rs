//! `results.json` and the human summary at the end of a run.

use super::checks::CheckOutcome;
use super::net::NetCounters;
use super::runner::{
    Crash, NodeEvent, NodeExit, NodeFaultSpan, PartitionSpan, RunOutput, Violation,
};
use crate::workload::RunStats;
use serde::{Serialize, Serializer};

mod faults;
use std::fmt::Write;
use std::path::Path;

/// Most anomalies kept per checker in `results.json` (all are counted).
pub const MAX_ANOMALIES: usize = 20;

/// A verdict, as Jepsen's `:valid?`: `true`, `false` or `"unknown"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validity {
    Valid,
    Invalid,
    /// A checker could not decide (e.g. its search budget ran out), or the test
    /// could not run.
    Unknown,
}

impl Validity {
    /// The weakest of two verdicts: invalid beats unknown beats valid.
    pub fn and(self, other: Validity) -> Validity {
        use Validity::*;
        match (self, other) {
            (Invalid, _) | (_, Invalid) => Invalid,
            (Unknown, _) | (_, Unknown) => Unknown,
            _ => Valid,
        }
    }

    /// A word for humans and the run index: valid, invalid or unknown.
    pub fn word(self) -> &'static str {
        match self {
            Validity::Valid => "valid",
            Validity::Invalid => "invalid",
            Validity::Unknown => "unknown",
        }
    }
}

impl Serialize for Validity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Validity::Valid => s.serialize_bool(true),
            Validity::Invalid => s.serialize_bool(false),
            Validity::Unknown => s.serialize_str("unknown"),
        }
    }
}

/// The settings a run used, recorded for reproduction.
#[derive(Clone, Debug, Serialize)]
pub struct Settings {
    /// The exact command line.
    pub command: Vec<String>,
    pub workload: String,
    pub bin: String,
    pub node_args: Vec<String>,
    pub node_ids: Vec<String>,
    pub node_count: usize,
    pub concurrency: usize,
    pub rate: f64,
    pub time_limit_s: f64,
    /// Latency of node-to-node messages (client messages take none).
    pub latency: String,
    pub nemesis: String,
    pub nemesis_interval_s: f64,
    pub availability: Option<String>,
    pub consistency_models: Vec<String>,
    pub topology: String,
    pub client_timeout_ms: f64,
    pub seed: u64,
}

/// Everything `results.json` says.
#[derive(Clone, Debug, Serialize)]
pub struct Results {
    /// `true` when every checker is valid and no node broke the protocol or
    /// crashed; `"unknown"` when a checker could not decide or the test could not
    /// run; else `false`.
    pub valid: Validity,
    pub checks: Vec<CheckOutcome>,
    pub stats: RunStats,
    pub net: NetCounters,
    /// Replies that matched no waiting request: late (their request had already
    /// timed out) or duplicates. Ignored, as Maelstrom's clients ignore them.
    pub unmatched_replies: u64,
    pub protocol_violation_count: u64,
    /// The first protocol violations, verbatim.
    pub protocol_violations: Vec<Violation>,
    pub crashes: Vec<Crash>,
    /// Why the test could not run (a node that cannot start or never answers init).
    pub errors: Vec<String>,
    pub partitions: Vec<PartitionSpan>,
    /// Kills (until the restart) and pauses (until the resume).
    pub node_faults: Vec<NodeFaultSpan>,
    /// Node by node: killed, restarted, init_ok, paused, resumed (the first
    /// 1,000; `node_event_count` counts them all).
    pub node_events: Vec<NodeEvent>,
    pub node_event_count: u64,
    pub node_exits: Vec<NodeExit>,
    /// CPU seconds (user + system) used by all node processes.
    pub node_cpu_s: f64,
    pub settings: Settings,
}

impl Results {
    /// Assembles the results of `out`.
    pub fn new(out: &RunOutput, mut checks: Vec<CheckOutcome>, settings: Settings) -> Results {
        let stats = RunStats::compute(&out.history, out.duration, out.net.server_messages);
        let mut valid = checks
            .iter()
            .fold(Validity::Valid, |v, c| v.and(c.validity));
        if out.violation_count > 0 || !out.crashes.is_empty() {
            valid = Validity::Invalid;
        }
        if !out.errors.is_empty() {
            valid = valid.and(Validity::Unknown);
        }
        for c in &mut checks {
            c.anomaly_count = c.anomalies.len();
            c.anomalies.truncate(MAX_ANOMALIES);
        }
        Results {
            valid,
            checks,
            stats,
            net: out.net,
            unmatched_replies: out.unexpected_replies,
            protocol_violation_count: out.violation_count,
            protocol_violations: out.violations.clone(),
            crashes: out.crashes.clone(),
            errors: out.errors.clone(),
            partitions: out.partitions.clone(),
            node_faults: out.node_faults.clone(),
            node_events: out.node_events.clone(),
            node_event_count: out.node_event_count,
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
                "{:<width$} {:<7}  {}",
                c.name,
                match c.validity {
                    Validity::Valid => "valid",
                    Validity::Invalid => "INVALID",
                    Validity::Unknown => "UNKNOWN",
                },
                c.summary
            );
        }
        let st = &self.stats;
        let _ = writeln!(
            s,
            "ops: ok {} fail {} info {} | availability {:.3} (ok/invoked), answered {:.3} | {:.1} ok/s",
            st.ok, st.fail, st.info, st.availability, st.answered, st.ok_per_sec,
        );
        let _ = write!(
            s,
            "net: {:.2} node-to-node msgs/op ({} sent, {} dropped by partitions",
            st.msgs_per_op, self.net.server_messages, self.net.dropped
        );
        if self.net.dropped_node_down > 0 {
            let _ = write!(s, ", {} dropped at nodes down", self.net.dropped_node_down);
        }
        let _ = writeln!(s, "), {} client msgs", self.net.client_messages);
        let _ = writeln!(
            s,
            "latency ms (ok ops): p50 {:.1} p95 {:.1} p99 {:.1} max {:.1} | partitions: {}",
            st.latency_p50_ms,
            st.latency_p95_ms,
            st.latency_p99_ms,
            st.latency_max_ms,
            self.partitions.len()
        );
        self.node_fault_lines(&mut s);
        if self.unmatched_replies > 0 {
            let _ = writeln!(
                s,
                "{} replies matched no waiting request (late, after their client timed out, or duplicates) and were ignored",
                self.unmatched_replies
            );
        }
        let killed: Vec<&str> = self
            .node_exits
            .iter()
            .filter(|e| e.status.starts_with("killed"))
            .map(|e| e.node.as_str())
            .collect();
        if !killed.is_empty() {
            let _ = writeln!(
                s,
                "node(s) {} did not exit within 2 s of their stdin closing and were killed",
                killed.join(", ")
            );
        }
        let _ = writeln!(s, "store: {}", dir.display());
        let _ = writeln!(
            s,
            "{}",
            match self.valid {
                Validity::Valid => "Everything looks good! ヽ(‘ー`)ノ",
                Validity::Invalid => "Analysis invalid! (ﾉಥ益ಥ）ﾉ ┻━┻",
                Validity::Unknown => "Errors occurred during analysis, but no anomalies found. ಠ~ಠ",
            }
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_combines_and_serializes_like_jepsen() {
        use Validity::*;
        assert_eq!(Valid.and(Unknown), Unknown);
        assert_eq!(Unknown.and(Invalid), Invalid);
        assert_eq!(Valid.and(Valid), Valid);
        let json = serde_json::to_string(&[Valid, Invalid, Unknown]).unwrap();
        assert_eq!(json, r#"[true,false,"unknown"]"#);
    }
}
