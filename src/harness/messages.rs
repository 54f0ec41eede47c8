//! `messages.svg`: a Lamport diagram of the run's first messages (Maelstrom's
//! `messages.svg`): one vertical lane per client and node, time going down, an
//! arrow from each send to its receipt, labelled with the body type. Rows are
//! events in time order, so simultaneous messages stay apart. Dropped messages end
//! in a red cross. Bounded by the journal ([`super::journal::MAX_ENTRIES`]).

use super::journal::{Entry, Fate, Journal};
use super::plot::escape;
use std::fmt::Write;

const LANE: f64 = 110.0;
const ROW: f64 = 9.0;
const TOP: f64 = 50.0;
const LEFT: f64 = 70.0;

/// Renders the diagram.
pub fn messages_svg(journal: &Journal) -> String {
    let entries = journal.entries();
    let lanes = lanes(entries);
    let lane_x = |id: &str| LEFT + lanes.iter().position(|l| l == id).unwrap_or(0) as f64 * LANE;
    let mut times: Vec<u64> = entries
        .iter()
        .flat_map(|e| match e.fate {
            Fate::Delivered(t) | Fate::Dropped(t) => vec![e.sent, t],
            Fate::InFlight => vec![e.sent],
        })
        .collect();
    times.sort_unstable();
    times.dedup();
    let row = |t: u64| times.partition_point(|x| *x < t) as f64;
    let y = |t: u64| TOP + row(t) * ROW;
    let bottom = TOP + times.len() as f64 * ROW + 20.0;
    let width = LEFT + lanes.len().max(1) as f64 * LANE;
    let start = times.first().copied().unwrap_or(0);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{bottom:.0}" font-family="sans-serif" font-size="10">"#
    );
    let _ = writeln!(
        s,
        r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs><rect width="{width:.0}" height="{bottom:.0}" fill="white"/>"##
    );
    let _ = writeln!(
        s,
        r#"<text x="8" y="16" font-size="12">{} of {} messages; time goes down (ms since the first); red: dropped (a partition, or a node down)</text>"#,
        entries.len(),
        journal.total()
    );
    for id in &lanes {
        let x = lane_x(id);
        let _ = writeln!(
            s,
            r##"<line x1="{x}" x2="{x}" y1="{}" y2="{bottom:.0}" stroke="#bbb"/><text x="{x}" y="{}" text-anchor="middle" font-weight="bold">{}</text>"##,
            TOP - 12.0,
            TOP - 16.0,
            escape(id)
        );
    }
    for (r, t) in times.iter().enumerate().step_by(10) {
        let _ = writeln!(
            s,
            r##"<text x="4" y="{:.1}" fill="#666">{:.1}</text>"##,
            TOP + r as f64 * ROW + 3.0,
            (*t - start) as f64 / 1e3
        );
    }
    for e in entries {
        let (x0, y0) = (lane_x(&e.src), y(e.sent));
        let x1 = lane_x(&e.dest);
        let (y1, stroke, extra) = match e.fate {
            Fate::Delivered(t) => (y(t), "#333", r#" marker-end="url(#arrow)""#.to_string()),
            Fate::Dropped(t) => (y(t), "#d62728", r#" stroke-dasharray="4 2""#.to_string()),
            Fate::InFlight => (
                bottom - 10.0,
                "#999",
                r#" stroke-dasharray="2 2""#.to_string(),
            ),
        };
        // A dropped or unfinished message goes halfway.
        let x1 = if matches!(e.fate, Fate::Delivered(_)) {
            x1
        } else {
            (x0 + x1) / 2.0
        };
        let title = format!(
            "{} → {} at {:.3} ms{}\n{}",
            e.src,
            e.dest,
            (e.sent - start) as f64 / 1e3,
            match e.fate {
                Fate::Delivered(t) => format!(", received at {:.3} ms", (t - start) as f64 / 1e3),
                Fate::Dropped(t) => format!(", dropped at {:.3} ms", (t - start) as f64 / 1e3),
                Fate::InFlight => ", still in flight at the end".into(),
            },
            e.text
        );
        let _ = writeln!(
            s,
            r#"<g><title>{}</title><line x1="{x0:.1}" y1="{y0:.1}" x2="{x1:.1}" y2="{y1:.1}" stroke="{stroke}"{extra}/><text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{stroke}">{}</text></g>"#,
            escape(&title),
            (x0 + x1) / 2.0,
            (y0 + y1) / 2.0 - 2.0,
            escape(&e.kind)
        );
        if matches!(e.fate, Fate::Dropped(_)) {
            let _ = writeln!(
                s,
                r##"<path d="M{:.1},{:.1}l6,6m0,-6l-6,6" stroke="#d62728"/>"##,
                x1 - 3.0,
                y1 - 3.0
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

/// Lanes: clients first (c0, c1, …, by number), then nodes (by name).
fn lanes(entries: &[Entry]) -> Vec<String> {
    let mut ids: Vec<String> = entries
        .iter()
        .flat_map(|e| [e.src.clone(), e.dest.clone()])
        .collect();
    ids.sort_by_key(|id| {
        let client = id.starts_with('c');
        let n: u64 = id.get(1..).and_then(|n| n.parse().ok()).unwrap_or(u64::MAX);
        (!client, n, id.clone())
    });
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_for_delivered_and_crosses_for_dropped() {
        let mut j = Journal::new(false, false);
        let line = |t: &str| format!(r#"{{"body":{{"type":"{t}"}}}}"#);
        let a = j.sent(0, "c1", "n0", || line("write"));
        j.delivered(0, a, "c1", "n0", String::new);
        let b = j.sent(5, "n0", "n10", || line("append_entries"));
        j.dropped(9, b);
        let c = j.sent(6, "n0", "n2", || line("append<&>"));
        j.delivered(12, c, "n0", "n2", String::new);
        j.sent(13, "n2", "n0", || line("append_ok"));
        let svg = messages_svg(&j);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("marker-end").count(), 2);
        assert_eq!(
            svg.matches("<path d=\"M").count(),
            2,
            "the arrowhead and one cross"
        );
        assert!(svg.contains("append&lt;&amp;&gt;"));
        let order: Vec<usize> = ["c1", "n0", "n2", "n10"]
            .iter()
            .map(|id| svg.find(&format!(">{id}</text>")).unwrap())
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "lanes in order");
    }
}
