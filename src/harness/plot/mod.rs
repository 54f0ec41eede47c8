//! The run's plots, as Maelstrom draws them, in hand-written SVG: raw latency
//! ([`raw`], a bounded sample of points), latency quantiles over time
//! ([`quantiles`]) and throughput over time ([`rate`]), per operation kind, with
//! faults shaded. Every plot's size is bounded whatever the run's length.
//!
//! This file holds what they share: colours, a chart frame with its axes, and the
//! operations of a history as (time, latency, outcome, kind) points.

pub mod quantiles;
pub mod rate;
pub mod raw;

use super::runner::PartitionSpan;
use crate::check::history::{History, Kind};
use std::fmt::Write;

/// Colour of an outcome (shared with the timeline).
pub fn colour(kind: Kind) -> &'static str {
    match kind {
        Kind::Ok => "#2a9d4b",
        Kind::Fail => "#d62728",
        Kind::Info => "#e8a317",
        Kind::Invoke => "#888888",
    }
}

/// Colours for operation kinds (read, write, cas, txn, …), in order of first use.
pub const SERIES: [&str; 8] = [
    "#1f77b4", "#9467bd", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#ff7f0e",
];

/// Escapes text for XML/HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One completed operation, for plotting.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Invocation time, s since the clients started.
    pub t: f64,
    /// Latency, ms.
    pub ms: f64,
    pub outcome: Kind,
    /// The operation kind's name (`read`, `write`, …).
    pub f: String,
}

/// Every completed operation of `history`, in invocation order.
pub fn points(history: &History) -> Vec<Point> {
    history
        .pairs()
        .unwrap_or_default()
        .iter()
        .filter_map(|p| {
            let c = p.completion?;
            Some(Point {
                t: p.invoke.time as f64 / 1e6,
                ms: c.time.saturating_sub(p.invoke.time) as f64 / 1e3,
                outcome: c.kind,
                f: format!("{:?}", p.invoke.f).to_lowercase(),
            })
        })
        .collect()
}

/// The operation kinds among `points`, in order of first use.
pub fn kinds(points: &[Point]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in points {
        if !out.contains(&p.f) {
            out.push(p.f.clone());
        }
    }
    out
}

/// The y axis of a chart.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scale {
    /// From 0 to this.
    Linear(f64),
    /// Decades from 10^lo to 10^hi.
    Log(i32, i32),
}

impl Scale {
    /// A log scale from 0.1 to the decade above `max`.
    pub fn log_to(max: f64) -> Scale {
        Scale::Log(-1, max.max(1.0).log10().ceil().max(0.0) as i32)
    }
}

const W: f64 = 900.0;
const H: f64 = 420.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 150.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 45.0;

/// The colour of a fault band, by its description's first word (Jepsen's
/// colours for kill and pause; grey for partitions), as `#rrggbb`.
pub fn band_colour(description: &str) -> &'static str {
    match description.split(' ').next() {
        Some("kill") => "#d9544f",
        Some("pause") => "#4f6fd9",
        _ => "#999999",
    }
}

/// A chart: time on x (s), `scale` on y.
pub struct Chart {
    t_max: f64,
    scale: Scale,
    out: String,
}

impl Chart {
    /// Starts a chart over `duration` µs with `title`, faults (`partitions`:
    /// partitions, kills and pauses) shaded, axes drawn.
    pub fn new(
        title: &str,
        y_label: &str,
        duration: u64,
        scale: Scale,
        partitions: &[PartitionSpan],
    ) -> Chart {
        let mut c = Chart {
            t_max: (duration as f64 / 1e6).max(1e-3),
            scale,
            out: String::new(),
        };
        let _ = writeln!(
            c.out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="11">"#
        );
        let _ = writeln!(c.out, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
        let _ = writeln!(
            c.out,
            r#"<text x="{LEFT}" y="18" font-size="13">{} (shaded: partitions grey, kills red, pauses blue)</text>"#,
            escape(title)
        );
        for p in partitions {
            let (x0, x1) = (c.x(p.start_us as f64 / 1e6), c.x(p.end_us as f64 / 1e6));
            let _ = writeln!(
                c.out,
                r##"<rect x="{x0:.1}" y="{TOP}" width="{:.1}" height="{:.1}" fill="{}" fill-opacity="0.25"><title>{}</title></rect>"##,
                (x1 - x0).max(0.5),
                H - TOP - BOTTOM,
                band_colour(&p.description),
                escape(&p.description)
            );
        }
        c.axes(y_label);
        c
    }

    fn plot_w() -> f64 {
        W - LEFT - RIGHT
    }

    fn plot_h() -> f64 {
        H - TOP - BOTTOM
    }

    /// x of time `t` (s).
    pub fn x(&self, t: f64) -> f64 {
        LEFT + (t / self.t_max).clamp(0.0, 1.0) * Chart::plot_w()
    }

    /// y of value `v`.
    pub fn y(&self, v: f64) -> f64 {
        let frac = match self.scale {
            Scale::Linear(max) => v / max.max(1e-9),
            Scale::Log(lo, hi) => {
                let l = v.max(10f64.powi(lo)).log10();
                (l - f64::from(lo)) / f64::from((hi - lo).max(1))
            }
        };
        TOP + Chart::plot_h() * (1.0 - frac.clamp(0.0, 1.0))
    }

    fn axes(&mut self, y_label: &str) {
        let (pw, ph) = (Chart::plot_w(), Chart::plot_h());
        let _ = writeln!(
            self.out,
            r#"<path d="M{LEFT},{TOP} V{} H{}" stroke="black" fill="none"/>"#,
            TOP + ph,
            LEFT + pw
        );
        let ticks: Vec<(f64, String)> = match self.scale {
            Scale::Log(lo, hi) => (lo..=hi)
                .map(|d| {
                    let v = 10f64.powi(d);
                    (
                        v,
                        if v < 1.0 {
                            format!("{v}")
                        } else {
                            format!("{v:.0}")
                        },
                    )
                })
                .collect(),
            Scale::Linear(max) => {
                let step = nice_step(max / 5.0);
                (0..=((max / step).floor() as usize))
                    .map(|i| (i as f64 * step, trim(i as f64 * step)))
                    .collect()
            }
        };
        for (v, label) in ticks {
            let yy = self.y(v);
            let _ = writeln!(
                self.out,
                r##"<line x1="{LEFT}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{label}</text>"##,
                LEFT + pw,
                LEFT - 5.0,
                yy + 4.0
            );
        }
        let step = nice_step(self.t_max / 8.0);
        let mut t = 0.0;
        while t <= self.t_max + 1e-9 {
            let xx = self.x(t);
            let _ = writeln!(
                self.out,
                r#"<line x1="{xx:.1}" x2="{xx:.1}" y1="{}" y2="{}" stroke="black"/><text x="{xx:.1}" y="{}" text-anchor="middle">{}</text>"#,
                TOP + ph,
                TOP + ph + 5.0,
                TOP + ph + 17.0,
                trim(t)
            );
            t += step;
        }
        let _ = writeln!(
            self.out,
            r#"<text x="{}" y="{}" text-anchor="middle">time (s)</text>"#,
            LEFT + pw / 2.0,
            H - 8.0
        );
        let _ = writeln!(
            self.out,
            r#"<text transform="translate(14,{}) rotate(-90)" text-anchor="middle">{}</text>"#,
            TOP + ph / 2.0,
            escape(y_label)
        );
    }

    /// Appends raw SVG.
    pub fn push(&mut self, svg: &str) {
        self.out.push_str(svg);
        self.out.push('\n');
    }

    /// A polyline through `(t, v)` points.
    pub fn line(&mut self, points: &[(f64, f64)], colour: &str, dash: &str, title: &str) {
        if points.is_empty() {
            return;
        }
        let coords: Vec<String> = points
            .iter()
            .map(|(t, v)| format!("{:.1},{:.1}", self.x(*t), self.y(*v)))
            .collect();
        let _ = writeln!(
            self.out,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="1.5" stroke-dasharray="{dash}"><title>{}</title></polyline>"#,
            coords.join(" "),
            escape(title)
        );
    }

    /// A legend on the right: (label, colour, dash) per row.
    pub fn legend(&mut self, rows: &[(String, String, String)]) {
        let x = W - RIGHT + 15.0;
        for (i, (label, colour, dash)) in rows.iter().enumerate() {
            let y = TOP + 10.0 + i as f64 * 16.0;
            let _ = writeln!(
                self.out,
                r#"<line x1="{x}" x2="{}" y1="{y}" y2="{y}" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/><text x="{}" y="{}">{}</text>"#,
                x + 22.0,
                x + 27.0,
                y + 4.0,
                escape(label)
            );
        }
    }

    /// A note under the title.
    pub fn note(&mut self, text: &str) {
        let _ = writeln!(
            self.out,
            r##"<text x="{}" y="18" text-anchor="end" fill="#555">{}</text>"##,
            W - 10.0,
            escape(text)
        );
    }

    /// Closes the SVG.
    pub fn finish(mut self) -> String {
        self.out.push_str("</svg>\n");
        self.out
    }
}

/// A round step (1, 2 or 5 × 10^k) at least `raw`.
pub fn nice_step(raw: f64) -> f64 {
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

/// Time buckets for plots over time: `n` buckets of `width` s covering `t_max` s.
pub fn buckets(t_max: f64, n: usize) -> (usize, f64) {
    let width = nice_step(t_max.max(1e-3) / n as f64);
    (((t_max / width).ceil() as usize).max(1), width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_scales_and_buckets() {
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(Scale::log_to(250.0), Scale::Log(-1, 3));
        let (n, w) = buckets(60.0, 100);
        assert!(n <= 100 && n as f64 * w >= 60.0, "{n} × {w}");
        let c = Chart::new("t", "y", 10_000_000, Scale::Linear(10.0), &[]);
        assert!(c.y(10.0) < c.y(0.0));
        assert_eq!(c.x(0.0), LEFT);
    }
}
