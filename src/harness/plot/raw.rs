//! `latency-raw.svg`: the latency of operations over time, log scale, coloured by
//! outcome, one marker shape per operation kind. Long runs are sampled evenly (at
//! most [`MAX_POINTS`] per outcome), so the file stays small and readable.

use super::{Chart, Point, Scale, colour, kinds, points};
use crate::check::history::{History, Kind};
use crate::harness::runner::PartitionSpan;
use std::fmt::Write;

/// Most points drawn per outcome (ok, fail, info).
pub const MAX_POINTS: usize = 2_000;

/// Renders the plot. `duration` is the run's length in µs.
pub fn latency_raw_svg(history: &History, partitions: &[PartitionSpan], duration: u64) -> String {
    let all = points(history);
    let kinds = kinds(&all);
    let max = all.iter().map(|p| p.ms).fold(1.0, f64::max);
    let mut chart = Chart::new(
        "Latency of each operation (ms, log scale)",
        "latency (ms)",
        duration,
        Scale::log_to(max),
        partitions,
    );
    let mut drawn = 0;
    for outcome in [Kind::Ok, Kind::Info, Kind::Fail] {
        let of: Vec<&Point> = all.iter().filter(|p| p.outcome == outcome).collect();
        let stride = of.len().div_ceil(MAX_POINTS).max(1);
        for p in of.iter().step_by(stride) {
            let shape = kinds.iter().position(|k| *k == p.f).unwrap_or(0);
            chart.push(&marker(shape, chart.x(p.t), chart.y(p.ms), colour(outcome)));
            drawn += 1;
        }
    }
    if drawn < all.len() {
        chart.note(&format!(
            "{drawn} of {} operations, sampled evenly",
            all.len()
        ));
    }
    let mut rows: Vec<(String, String, String)> = [Kind::Ok, Kind::Fail, Kind::Info]
        .iter()
        .map(|k| {
            (
                format!("{k:?}").to_lowercase(),
                colour(*k).to_string(),
                String::new(),
            )
        })
        .collect();
    chart.legend(&rows);
    rows.clear();
    let mut shapes = String::new();
    for (i, k) in kinds.iter().enumerate() {
        let y = 30.0 + 10.0 + (3 + i) as f64 * 16.0 + 8.0;
        shapes.push_str(&marker(i, 765.0, y, "#444"));
        let _ = write!(shapes, r#"<text x="780" y="{:.1}">{k}</text>"#, y + 4.0);
    }
    chart.push(&shapes);
    chart.finish()
}

/// A marker of shape `shape` (circle, square, triangle, diamond) at (x, y).
fn marker(shape: usize, x: f64, y: f64, fill: &str) -> String {
    match shape % 4 {
        0 => {
            format!(r#"<circle cx="{x:.1}" cy="{y:.1}" r="2.2" fill="{fill}" fill-opacity="0.7"/>"#)
        }
        1 => format!(
            r#"<rect x="{:.1}" y="{:.1}" width="4" height="4" fill="{fill}" fill-opacity="0.7"/>"#,
            x - 2.0,
            y - 2.0
        ),
        2 => format!(
            r#"<path d="M{x:.1},{:.1}l2.5,4.5h-5z" fill="{fill}" fill-opacity="0.7"/>"#,
            y - 2.5
        ),
        _ => format!(
            r#"<path d="M{x:.1},{:.1}l2.5,2.5l-2.5,2.5l-2.5,-2.5z" fill="{fill}" fill-opacity="0.7"/>"#,
            y - 2.5
        ),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::check::history::{F, Op};

    /// `n` operations, alternately reads and writes, every tenth failed.
    pub(crate) fn history(n: u64) -> History {
        let op = |kind, f, time| Op {
            time,
            ..Op::new(0, kind, f, None, serde_json::Value::Null)
        };
        let mut h = History::default();
        for i in 0..n {
            let f = if i % 2 == 0 { F::Read } else { F::Write };
            h.push(op(Kind::Invoke, f, i * 100));
            let done = if i % 10 == 0 { Kind::Fail } else { Kind::Ok };
            h.push(op(done, f, i * 100 + 50 + i % 7 * 10));
        }
        h
    }

    #[test]
    fn points_are_sampled_so_the_size_is_bounded() {
        let spans = [PartitionSpan {
            start_us: 1_000,
            end_us: 2_000,
            description: "one <n1>".into(),
        }];
        let small = latency_raw_svg(&history(10), &spans, 10_000);
        assert!(small.starts_with("<svg") && small.trim_end().ends_with("</svg>"));
        assert!(small.contains("one &lt;n1&gt;"));
        assert!(!small.contains("sampled"));
        let big = latency_raw_svg(&history(100_000), &spans, 10_000_000);
        assert!(big.contains("sampled evenly"), "says so");
        let marks = big.matches("fill-opacity=\"0.7\"").count();
        assert!(marks <= 2 * MAX_POINTS + 10, "{marks}");
        assert!(big.len() < 600_000, "{} bytes", big.len());
    }
}
