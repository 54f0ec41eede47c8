//! The runs in a store: every `store/<workload>/<run>/results.json`, newest first,
//! with what the index shows of each.

use super::paths::plain_name;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One stored run, as the index lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct RunInfo {
    pub workload: String,
    /// The run directory's name: its start time (`YYYYMMDDTHHMMSS.mmmZ`).
    pub id: String,
    pub dir: PathBuf,
    /// `results.json`, or `Null` when it cannot be read (a run still going).
    pub results: Value,
}

impl RunInfo {
    /// valid, invalid, unknown, or incomplete (no readable results).
    pub fn validity(&self) -> &'static str {
        match &self.results["valid"] {
            Value::Bool(true) => "valid",
            Value::Bool(false) => "invalid",
            Value::String(s) if s == "unknown" => "unknown",
            _ => "incomplete",
        }
    }

    /// The URL of the run's page.
    pub fn url(&self) -> String {
        format!("/runs/{}/{}/", self.workload, self.id)
    }
}

/// Every run in `store`, newest first.
pub fn list(store: &Path) -> Vec<RunInfo> {
    let mut runs = Vec::new();
    for workload in entries(store) {
        let wdir = store.join(&workload);
        // `latest` and a `.latest.*.tmp` link a run left behind point at runs
        // listed under their workload already.
        if !wdir.is_dir() || workload == "latest" || workload.starts_with('.') {
            continue;
        }
        for id in entries(&wdir) {
            let dir = wdir.join(&id);
            if dir.join("results.json").exists() || dir.join("node-logs").is_dir() {
                runs.push(RunInfo {
                    workload: workload.clone(),
                    results: read_results(&dir),
                    id,
                    dir,
                });
            }
        }
    }
    runs.sort_by(|a, b| b.id.cmp(&a.id).then(a.workload.cmp(&b.workload)));
    runs
}

/// A run's `results.json`, or `Null`.
pub fn read_results(dir: &Path) -> Value {
    std::fs::read_to_string(dir.join("results.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null)
}

/// Plain names in a directory, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| plain_name(n))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// `20260101T120000.123Z` as `2026-01-01 12:00:00 UTC`; other names unchanged.
pub fn start_time(id: &str) -> String {
    let b = id.as_bytes();
    if b.len() >= 15 && b[8] == b'T' && id.is_char_boundary(15) {
        format!(
            "{}-{}-{} {}:{}:{} UTC",
            &id[0..4],
            &id[4..6],
            &id[6..8],
            &id[9..11],
            &id[11..13],
            &id[13..15]
        )
    } else {
        id.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_times() {
        assert_eq!(
            start_time("20260102T030405.678Z"),
            "2026-01-02 03:04:05 UTC"
        );
        assert_eq!(start_time("odd"), "odd");
    }
}
