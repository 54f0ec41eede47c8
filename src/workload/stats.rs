//! Summary numbers of a run, computed from its history and network counters.

use crate::check::history::{History, Kind};
use serde::Serialize;
use std::fmt;

/// What a run achieved.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RunStats {
    pub ok: u64,
    pub fail: u64,
    pub info: u64,
    /// Maelstrom's availability: ok ÷ invoked.
    pub availability: f64,
    /// ok or a definite answer about the data (errors 20, 22) ÷ invoked: see
    /// [`crate::check::availability::answered`].
    pub answered: f64,
    /// Latency of ok operations, in milliseconds.
    pub latency_p50_ms: f64,
    pub latency_p95_ms: f64,
    pub latency_p99_ms: f64,
    pub latency_max_ms: f64,
    /// ok operations per second over the run.
    pub ok_per_sec: f64,
    /// Node-to-node messages per completed operation.
    pub msgs_per_op: f64,
    pub duration_s: f64,
}

impl RunStats {
    /// Computes the numbers for `history`, which ran for `duration` µs and made
    /// `server_messages` node-to-node messages.
    pub fn compute(history: &History, duration: u64, server_messages: u64) -> RunStats {
        let mut s = RunStats::default();
        let mut latencies = Vec::new();
        let mut invoked_at = std::collections::HashMap::new();
        let (mut invoked, mut answered) = (0u64, 0u64);
        for op in &history.ops {
            if op.kind != Kind::Invoke && crate::check::availability::answered(op) {
                answered += 1;
            }
            match op.kind {
                Kind::Invoke => {
                    invoked += 1;
                    invoked_at.insert(op.process, op.time);
                }
                Kind::Ok => {
                    s.ok += 1;
                    if let Some(t) = invoked_at.remove(&op.process) {
                        latencies.push(op.time.saturating_sub(t));
                    }
                }
                Kind::Fail => s.fail += 1,
                Kind::Info => s.info += 1,
            }
        }
        let done = s.ok + s.fail + s.info;
        let per_invoked = |n: u64| {
            if invoked == 0 {
                0.0
            } else {
                n as f64 / invoked as f64
            }
        };
        s.availability = per_invoked(s.ok);
        s.answered = per_invoked(answered);
        latencies.sort_unstable();
        let q = |p: f64| -> f64 {
            if latencies.is_empty() {
                return 0.0;
            }
            let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
            latencies[i] as f64 / 1000.0
        };
        s.latency_p50_ms = q(0.50);
        s.latency_p95_ms = q(0.95);
        s.latency_p99_ms = q(0.99);
        s.latency_max_ms = q(1.0);
        s.duration_s = duration as f64 / 1e6;
        s.ok_per_sec = if duration == 0 {
            0.0
        } else {
            s.ok as f64 / s.duration_s
        };
        s.msgs_per_op = if done == 0 {
            0.0
        } else {
            server_messages as f64 / done as f64
        };
        s
    }
}

impl fmt::Display for RunStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ok {} fail {} info {} | availability {:.3} | latency ms p50 {:.1} p95 {:.1} p99 {:.1} max {:.1} | {:.1} ok/s | {:.2} msgs/op",
            self.ok,
            self.fail,
            self.info,
            self.availability,
            self.latency_p50_ms,
            self.latency_p95_ms,
            self.latency_p99_ms,
            self.latency_max_ms,
            self.ok_per_sec,
            self.msgs_per_op
        )
    }
}
