//! `latency.svg`: latency of every operation over time, on a log scale, coloured
//! by outcome, with partitions shaded. Hand-written SVG, no dependencies.

use super::runner::PartitionSpan;
use crate::check::history::{History, Kind};
use std::fmt::Write;

const W: f64 = 900.0;
const H: f64 = 420.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 45.0;

/// Colour of an outcome (shared with the timeline).
pub fn colour(kind: Kind) -> &'static str {
    match kind {
        Kind::Ok => "#2a9d4b",
        Kind::Fail => "#d62728",
        Kind::Info => "#e8a317",
        Kind::Invoke => "#888888",
    }
}

/// Escapes text for XML/HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Renders the plot. `duration` is the run's length in µs.
pub fn latency_svg(history: &History, partitions: &[PartitionSpan], duration: u64) -> String {
    // (invoke time s, latency ms, outcome)
    let points: Vec<(f64, f64, Kind)> = history
        .pairs()
        .unwrap_or_default()
        .iter()
        .filter_map(|p| {
            let c = p.completion?;
            Some((
                p.invoke.time as f64 / 1e6,
                c.time.saturating_sub(p.invoke.time) as f64 / 1e3,
                c.kind,
            ))
        })
        .collect();
    let t_max = (duration as f64 / 1e6)
        .max(points.iter().map(|p| p.0).fold(0.0, f64::max))
        .max(1e-3);
    let lat_max = points.iter().map(|p| p.1).fold(1.0, f64::max);
    let (lo, hi) = (-1.0_f64, lat_max.log10().ceil().max(0.0));
    let pw = W - LEFT - RIGHT;
    let ph = H - TOP - BOTTOM;
    let x = |t: f64| LEFT + t / t_max * pw;
    let y = |ms: f64| {
        let l = ms.max(10f64.powf(lo)).log10();
        TOP + ph - (l - lo) / (hi - lo) * ph
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="18" font-size="13">Latency by operation (log scale); shaded: partitions</text>"#
    );
    for p in partitions {
        let (x0, x1) = (x(p.start_us as f64 / 1e6), x(p.end_us as f64 / 1e6));
        let _ = writeln!(
            s,
            r##"<rect x="{x0:.1}" y="{TOP}" width="{:.1}" height="{ph}" fill="#999" fill-opacity="0.2"><title>{}</title></rect>"##,
            (x1 - x0).max(0.5),
            escape(&p.description)
        );
    }
    // Axes and ticks.
    let _ = writeln!(
        s,
        r#"<path d="M{LEFT},{TOP} V{} H{}" stroke="black" fill="none"/>"#,
        TOP + ph,
        LEFT + pw
    );
    let mut decade = lo as i32;
    while decade <= hi as i32 {
        let v = 10f64.powi(decade);
        let yy = y(v);
        let label = if v < 1.0 {
            format!("{v}")
        } else {
            format!("{v:.0}")
        };
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{label}</text>"##,
            LEFT + pw,
            LEFT - 5.0,
            yy + 4.0
        );
        decade += 1;
    }
    let step = nice_step(t_max / 8.0);
    let mut t = 0.0;
    while t <= t_max + 1e-9 {
        let xx = x(t);
        let _ = writeln!(
            s,
            r#"<line x1="{xx:.1}" x2="{xx:.1}" y1="{}" y2="{}" stroke="black"/><text x="{xx:.1}" y="{}" text-anchor="middle">{}</text>"#,
            TOP + ph,
            TOP + ph + 5.0,
            TOP + ph + 17.0,
            trim(t)
        );
        t += step;
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">time (s)</text>"#,
        LEFT + pw / 2.0,
        H - 8.0
    );
    let _ = writeln!(
        s,
        r#"<text transform="translate(14,{}) rotate(-90)" text-anchor="middle">latency (ms)</text>"#,
        TOP + ph / 2.0
    );
    for (t, ms, kind) in &points {
        let _ = writeln!(
            s,
            r#"<circle cx="{:.1}" cy="{:.1}" r="2" fill="{}" fill-opacity="0.7"/>"#,
            x(*t),
            y(*ms),
            colour(*kind)
        );
    }
    for (i, kind) in [Kind::Ok, Kind::Fail, Kind::Info].into_iter().enumerate() {
        let lx = W - RIGHT - 150.0 + i as f64 * 50.0;
        let _ = writeln!(
            s,
            r#"<circle cx="{lx}" cy="14" r="4" fill="{}"/><text x="{}" y="18">{:?}</text>"#,
            colour(kind),
            lx + 7.0,
            kind
        );
    }
    s.push_str("</svg>\n");
    s
}

fn nice_step(raw: f64) -> f64 {
    let raw = raw.max(1e-3);
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}

fn trim(t: f64) -> String {
    let s = format!("{t:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::history::{F, Op};

    #[test]
    fn renders_points_and_partitions() {
        let mut h = History::default();
        for (t, kind) in [(0, Kind::Invoke), (5_000, Kind::Ok)] {
            h.push(Op {
                index: 0,
                time: t,
                process: 0,
                kind,
                f: F::Read,
                key: None,
                value: serde_json::Value::Null,
                error: None,
                node: None,
            });
        }
        let spans = [PartitionSpan {
            start_us: 1_000,
            end_us: 2_000,
            description: "isolate <n1>".into(),
        }];
        let svg = latency_svg(&h, &spans, 10_000);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<circle").count(), 1 + 3);
        assert!(svg.contains("isolate &lt;n1&gt;"));
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(3.0), 5.0);
    }
}
