//! The summary's lines about kills and pauses.

use super::Results;
use std::fmt::Write;

/// Kill and pause spans listed in the summary (all are in `results.json`).
const SUMMARY_FAULTS: usize = 10;

impl Results {
    /// The kills and pauses of the run, one line each (up to [`SUMMARY_FAULTS`]);
    /// a kill with when each node answered `init` again.
    pub(super) fn node_fault_lines(&self, s: &mut String) {
        if self.node_faults.is_empty() {
            return;
        }
        let count = |f: &str| self.node_faults.iter().filter(|x| x.fault == f).count();
        let restarts = self
            .node_events
            .iter()
            .filter(|e| e.event == "restarted")
            .count();
        let _ = writeln!(
            s,
            "node faults: {} kills, {} pauses, {restarts} node restarts",
            count("kill"),
            count("pause"),
        );
        for f in self.node_faults.iter().take(SUMMARY_FAULTS) {
            let (t0, t1) = (f.start_us as f64 / 1e6, f.end_us as f64 / 1e6);
            let _ = write!(s, "    {t0:>7.2}–{t1:.2} s  {}", f.description);
            if f.fault == "kill" {
                // Events are in time order: what each node did first after the
                // restart, answer init or be killed again.
                let back: Vec<String> = f
                    .nodes
                    .iter()
                    .filter_map(|n| {
                        let next = self.node_events.iter().find(|e| {
                            e.node == *n
                                && e.time_s >= t1
                                && (e.event == "init_ok" || e.event == "killed")
                        })?;
                        Some(if next.event == "init_ok" {
                            format!("{n} {:.2} s", next.time_s)
                        } else {
                            format!("{n} killed again first")
                        })
                    })
                    .collect();
                if !back.is_empty() {
                    let _ = write!(s, "  (init_ok again: {})", back.join(", "));
                }
            }
            let _ = writeln!(s);
        }
        if self.node_faults.len() > SUMMARY_FAULTS {
            let _ = writeln!(
                s,
                "    … and {} more in results.json",
                self.node_faults.len() - SUMMARY_FAULTS
            );
        }
    }
}
