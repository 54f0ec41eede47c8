//! `timeline.html`: one column per client process, each operation a box from its
//! invocation to its completion, coloured by outcome, with the operation on hover.

use super::plot::{colour, escape};
use super::runner::PartitionSpan;
use crate::check::history::{History, Kind};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Vertical pixels per second of the run.
const PX_PER_S: f64 = 200.0;
const COL_W: f64 = 64.0;
const HEADER: f64 = 24.0;
/// Most operations drawn; later ones are left out (and said so).
const MAX_OPS: usize = 50_000;

/// Renders the timeline. `duration` is the run's length in µs.
pub fn timeline_html(history: &History, partitions: &[PartitionSpan], duration: u64) -> String {
    let pairs = history.pairs().unwrap_or_default();
    let mut columns: BTreeMap<u64, usize> = BTreeMap::new();
    for p in &pairs {
        let n = columns.len();
        columns.entry(p.invoke.process).or_insert(n);
    }
    // Columns in process order.
    for (i, v) in columns.values_mut().enumerate() {
        *v = i;
    }
    let end_s = duration as f64 / 1e6;
    let height = HEADER + end_s * PX_PER_S + 40.0;
    let width = columns.len() as f64 * COL_W + 60.0;
    let mut s = String::new();
    s.push_str("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>raft-kv timeline</title>\n<style>\n");
    s.push_str("body{font-family:sans-serif;font-size:11px;margin:8px}\n");
    s.push_str(".op{position:absolute;width:58px;border-radius:2px;overflow:hidden;white-space:nowrap;color:white;font-size:9px;box-sizing:border-box;border:1px solid rgba(0,0,0,.25)}\n");
    s.push_str(".hdr{position:absolute;top:0;width:58px;text-align:center;font-weight:bold}\n");
    s.push_str(".part{position:absolute;left:0;background:rgba(150,150,150,.2)}\n");
    s.push_str(".tick{position:absolute;left:0;width:50px;border-top:1px solid #ccc;color:#666}\n");
    s.push_str("</style></head><body>\n");
    let _ = writeln!(
        s,
        "<p>{} operations over {:.1} s; one column per process; <span style=\"color:{}\">ok</span> <span style=\"color:{}\">fail</span> <span style=\"color:{}\">info</span>; grey bands: partitions. Hover a box for the operation.</p>",
        pairs.len(),
        end_s,
        colour(Kind::Ok),
        colour(Kind::Fail),
        colour(Kind::Info)
    );
    if pairs.len() > MAX_OPS {
        let _ = writeln!(s, "<p>Only the first {MAX_OPS} operations are drawn.</p>");
    }
    let _ = writeln!(
        s,
        "<div style=\"position:relative;width:{width:.0}px;height:{height:.0}px\">"
    );
    let y = |us: u64| HEADER + us as f64 / 1e6 * PX_PER_S;
    for p in partitions {
        let _ = writeln!(
            s,
            "<div class=\"part\" style=\"top:{:.1}px;height:{:.1}px;width:{width:.0}px\" title=\"{}\"></div>",
            y(p.start_us),
            (y(p.end_us) - y(p.start_us)).max(1.0),
            escape(&p.description)
        );
    }
    let mut t = 0.0;
    while t <= end_s {
        let _ = writeln!(
            s,
            "<div class=\"tick\" style=\"top:{:.1}px\">{t:.0} s</div>",
            HEADER + t * PX_PER_S
        );
        t += 1.0;
    }
    for (process, col) in &columns {
        let _ = writeln!(
            s,
            "<div class=\"hdr\" style=\"left:{:.0}px\">p{process}</div>",
            60.0 + *col as f64 * COL_W
        );
    }
    for p in pairs.iter().take(MAX_OPS) {
        let col = columns.get(&p.invoke.process).copied().unwrap_or(0);
        let end = p.completion.map_or(duration, |c| c.time);
        let kind = p.outcome();
        let value = p.completion.map_or(&p.invoke.value, |c| &c.value);
        let key = p
            .invoke
            .key
            .as_ref()
            .map_or(String::new(), |k| format!(" {k}"));
        let label = format!("{:?}{key} {value}", p.invoke.f).to_lowercase();
        let title = format!(
            "process {} {:?}{key}\ninvoke {} at {:.3} s\n{:?} {} at {:.3} s ({:.1} ms){}{}",
            p.invoke.process,
            p.invoke.f,
            p.invoke.value,
            p.invoke.time as f64 / 1e6,
            kind,
            value,
            end as f64 / 1e6,
            end.saturating_sub(p.invoke.time) as f64 / 1e3,
            p.completion
                .and_then(|c| c.error.as_ref())
                .map_or(String::new(), |e| format!("\nerror: {e}")),
            p.invoke
                .node
                .as_ref()
                .map_or(String::new(), |n| format!("\nnode: {n}")),
        );
        let _ = writeln!(
            s,
            "<div class=\"op\" style=\"left:{:.0}px;top:{:.1}px;height:{:.1}px;background:{}\" title=\"{}\">{}</div>",
            60.0 + col as f64 * COL_W,
            y(p.invoke.time),
            (y(end) - y(p.invoke.time)).max(2.0),
            colour(kind),
            escape(&title),
            escape(&label)
        );
    }
    s.push_str("</div>\n</body></html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::history::{F, Op};
    use serde_json::json;

    #[test]
    fn one_box_per_operation_with_escaped_titles() {
        let mut h = History::default();
        for (p, t, kind) in [
            (0, 0, Kind::Invoke),
            (1, 10, Kind::Invoke),
            (0, 900, Kind::Ok),
        ] {
            h.push(Op {
                index: 0,
                time: t,
                process: p,
                kind,
                f: F::Write,
                key: Some(json!("<k>")),
                value: json!(1),
                error: None,
                node: Some("n1".into()),
            });
        }
        let html = timeline_html(&h, &[], 1_000);
        assert_eq!(html.matches("class=\"op\"").count(), 2);
        assert_eq!(html.matches("class=\"hdr\"").count(), 2);
        assert!(html.contains("&quot;&lt;k&gt;&quot;"));
        assert!(!html.contains("\"<k>\""));
    }
}
