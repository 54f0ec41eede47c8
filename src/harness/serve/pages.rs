//! The HTML pages of `raft-kv serve`: the index of runs and a run's page.

use super::runs::{RunInfo, start_time};
use crate::harness::artifacts::PICTURES;
use crate::harness::plot::escape;
use serde_json::Value;
use std::fmt::Write;
use std::path::Path;

const STYLE: &str = "body{font-family:sans-serif;font-size:14px;margin:16px;color:#222}\
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}\
th{background:#f4f4f4}.valid{background:#d8f3dc}.invalid{background:#ffd6d6}\
.unknown,.incomplete{background:#fff3c4}pre{background:#f7f7f7;padding:6px;overflow-x:auto;max-height:30em}\
img{max-width:100%;border:1px solid #eee;margin:4px 0}a{color:#1559b3}";

/// A whole page around `body`.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n{body}</body></html>\n",
        escape(title)
    )
}

/// The index: one row per run, newest first.
pub fn index(store: &Path, runs: &[RunInfo]) -> String {
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<h1>raft-kv test runs</h1><p>{} run(s) in <code>{}</code>.</p>",
        runs.len(),
        escape(&store.display().to_string())
    );
    b.push_str("<table><tr><th>start</th><th>workload</th><th>nodes</th><th>nemesis</th><th>valid</th><th>ok/s</th><th>availability</th><th>ops ok / fail / info</th></tr>\n");
    for r in runs {
        let s = &r.results["settings"];
        let st = &r.results["stats"];
        let num = |v: &Value, digits: usize| {
            v.as_f64()
                .map_or("–".to_string(), |f| format!("{f:.digits$}"))
        };
        let _ = writeln!(
            b,
            "<tr><td><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td class=\"{v}\">{v}</td><td>{}</td><td>{}</td><td>{} / {} / {}</td></tr>",
            escape(&r.url()),
            escape(&start_time(&r.id)),
            escape(&r.workload),
            num(&s["node_count"], 0),
            escape(s["nemesis"].as_str().unwrap_or("–")),
            num(&st["ok_per_sec"], 1),
            num(&st["availability"], 3),
            num(&st["ok"], 0),
            num(&st["fail"], 0),
            num(&st["info"], 0),
            v = r.validity(),
        );
    }
    b.push_str("</table>\n");
    page("raft-kv runs", &b)
}

/// A run's page: summary, checkers, plots, timeline, logs and files.
pub fn run(run: &RunInfo, timeline_pages: usize) -> String {
    let r = &run.results;
    let s = &r["settings"];
    let st = &r["stats"];
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<p><a href=\"/\">all runs</a></p><h1>{} · {}</h1><p class=\"{v}\" style=\"padding:6px\">Validity: <b>{v}</b></p>",
        escape(&run.workload),
        escape(&start_time(&run.id)),
        v = run.validity()
    );
    b.push_str("<h2>Summary</h2><table>\n");
    let rows: [(&str, String); 12] = [
        ("command", text(&s["command"])),
        ("node binary", text(&s["bin"])),
        ("nodes", text(&s["node_ids"])),
        ("clients", text(&s["concurrency"])),
        ("rate (ops/s)", text(&s["rate"])),
        ("time limit (s)", text(&s["time_limit_s"])),
        ("node-to-node latency", text(&s["latency"])),
        (
            "nemesis",
            format!(
                "{} every {} s on average",
                text(&s["nemesis"]),
                text(&s["nemesis_interval_s"])
            ),
        ),
        ("client timeout (ms)", text(&s["client_timeout_ms"])),
        ("seed", text(&s["seed"])),
        (
            "operations",
            format!(
                "ok {} · fail {} · info {} · {} ok/s",
                text(&st["ok"]),
                text(&st["fail"]),
                text(&st["info"]),
                fixed(&st["ok_per_sec"], 1)
            ),
        ),
        (
            "availability",
            format!(
                "{} (ok ÷ invoked) · answered {} (ok or a definite answer about the data)",
                fixed(&st["availability"], 4),
                fixed(&st["answered"], 4)
            ),
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(b, "<tr><th>{k}</th><td>{}</td></tr>", escape(&v));
    }
    let _ = writeln!(
        b,
        "<tr><th>latency of ok ops (ms)</th><td>p50 {} · p95 {} · p99 {} · max {}</td></tr>",
        fixed(&st["latency_p50_ms"], 1),
        fixed(&st["latency_p95_ms"], 1),
        fixed(&st["latency_p99_ms"], 1),
        fixed(&st["latency_max_ms"], 1)
    );
    let net = &r["net"];
    let _ = writeln!(
        b,
        "<tr><th>network</th><td>{} node-to-node messages per op · {} sent · {} dropped by partitions · {} dropped at nodes down · {} client messages</td></tr>",
        fixed(&st["msgs_per_op"], 2),
        text(&net["server_messages"]),
        text(&net["dropped"]),
        text(&net["dropped_node_down"]),
        text(&net["client_messages"])
    );
    b.push_str("</table>\n");
    problems(&mut b, r);
    b.push_str("<h2>Checkers</h2>\n");
    for c in r["checks"].as_array().into_iter().flatten() {
        let v = match &c["valid"] {
            Value::Bool(true) => "valid",
            Value::Bool(false) => "invalid",
            _ => "unknown",
        };
        let _ = writeln!(
            b,
            "<h3><span class=\"{v}\" style=\"padding:2px 6px\">{v}</span> {}</h3><p>{}</p>",
            escape(c["name"].as_str().unwrap_or("?")),
            escape(c["summary"].as_str().unwrap_or(""))
        );
        let anomalies = c["anomalies"].as_array().cloned().unwrap_or_default();
        if !anomalies.is_empty() {
            let _ = writeln!(
                b,
                "<p>{} anomal{} (showing {}), with witnesses:</p>",
                text(&c["anomaly_count"]),
                if anomalies.len() == 1 { "y" } else { "ies" },
                anomalies.len()
            );
            for a in anomalies {
                let t = match a {
                    Value::String(s) => s,
                    other => serde_json::to_string_pretty(&other).unwrap_or_default(),
                };
                let _ = writeln!(b, "<pre>{}</pre>", escape(&t));
            }
        }
    }
    b.push_str("<h2>Plots</h2>\n");
    for name in &PICTURES[..3] {
        if run.dir.join(name).exists() {
            let _ = writeln!(b, "<div><img src=\"files/{name}\" alt=\"{name}\"></div>");
        }
    }
    let _ = writeln!(
        b,
        "<h2>Timeline and messages</h2><p>Timeline: {} page(s): {} · <a href=\"files/timeline.html\">timeline.html</a> (a selection of pages) · <a href=\"files/messages.svg\">messages.svg</a> (Lamport diagram of the first messages)</p>",
        timeline_pages,
        (0..timeline_pages.min(20))
            .map(|p| format!("<a href=\"timeline?page={p}\">{}</a>", p + 1))
            .collect::<Vec<_>>()
            .join(" ")
            + if timeline_pages > 20 {
                format!(
                    " … <a href=\"timeline?page={}\">last</a>",
                    timeline_pages - 1
                )
            } else {
                String::new()
            }
            .as_str()
    );
    b.push_str("<h2>Node logs</h2><ul>\n");
    for f in files(&run.dir.join("node-logs")) {
        let _ = writeln!(
            b,
            "<li><a href=\"files/node-logs/{n}\">{n}</a> ({} bytes)</li>",
            f.1,
            n = escape(&f.0)
        );
    }
    b.push_str("</ul><h2>Files</h2><ul>\n");
    for f in files(&run.dir) {
        let _ = writeln!(
            b,
            "<li><a href=\"files/{n}\">{n}</a> ({} bytes) · <a href=\"files/{n}?download\">download</a></li>",
            f.1,
            n = escape(&f.0)
        );
    }
    b.push_str("</ul>\n");
    page(&format!("{} {}", run.workload, run.id), &b)
}

/// Errors, crashes, protocol violations, partitions, kills and pauses, when
/// there are any.
fn problems(b: &mut String, r: &Value) {
    let list = |key: &str| r[key].as_array().cloned().unwrap_or_default();
    for (key, title) in [
        ("errors", "Errors (the test could not run)"),
        ("crashes", "Node crashes"),
        ("protocol_violations", "Protocol violations"),
    ] {
        let items = list(key);
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(b, "<h2>{title}</h2>");
        for i in items {
            let t = serde_json::to_string_pretty(&i).unwrap_or_default();
            let _ = writeln!(b, "<pre>{}</pre>", escape(&t));
        }
    }
    let parts = list("partitions");
    if !parts.is_empty() {
        let _ = writeln!(
            b,
            "<h2>Partitions</h2><table><tr><th>from (s)</th><th>to (s)</th><th>cut</th></tr>"
        );
        for p in parts {
            let _ = writeln!(
                b,
                "<tr><td>{:.3}</td><td>{:.3}</td><td>{}</td></tr>",
                p["start_us"].as_f64().unwrap_or(0.0) / 1e6,
                p["end_us"].as_f64().unwrap_or(0.0) / 1e6,
                escape(p["description"].as_str().unwrap_or(""))
            );
        }
        b.push_str("</table>\n");
    }
    let faults = list("node_faults");
    if !faults.is_empty() {
        let _ = writeln!(
            b,
            "<h2>Kills and pauses</h2><table><tr><th>from (s)</th><th>to (s)</th><th>fault</th></tr>"
        );
        for f in faults {
            let _ = writeln!(
                b,
                "<tr><td>{:.3}</td><td>{:.3}</td><td>{}</td></tr>",
                f["start_us"].as_f64().unwrap_or(0.0) / 1e6,
                f["end_us"].as_f64().unwrap_or(0.0) / 1e6,
                escape(f["description"].as_str().unwrap_or(""))
            );
        }
        b.push_str("</table>\n");
        let events = list("node_events");
        let _ = writeln!(
            b,
            "<h3>Node events</h3><table><tr><th>at (s)</th><th>node</th><th>event</th></tr>"
        );
        for e in events {
            let _ = writeln!(
                b,
                "<tr><td>{:.3}</td><td>{}</td><td>{} {}</td></tr>",
                e["time_s"].as_f64().unwrap_or(0.0),
                escape(e["node"].as_str().unwrap_or("")),
                escape(e["event"].as_str().unwrap_or("")),
                escape(e["detail"].as_str().unwrap_or(""))
            );
        }
        b.push_str("</table>\n");
    }
}

/// Regular files of a directory: (name, size), sorted.
fn files(dir: &Path) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .filter_map(|e| {
                    let size = e.metadata().map_or(0, |m| m.len());
                    e.file_name().into_string().ok().map(|n| (n, size))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => "–".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}

fn fixed(v: &Value, digits: usize) -> String {
    v.as_f64().map_or("–".into(), |f| format!("{f:.digits$}"))
}
