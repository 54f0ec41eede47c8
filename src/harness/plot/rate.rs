//! `rate.svg`: throughput over time, operations per second by kind and outcome
//! (one colour per kind, solid ok, dashed fail, dotted info). Time is cut into at
//! most [`BUCKETS`] buckets, so the size is bounded.

use super::{Chart, SERIES, Scale, buckets, kinds, points};
use crate::check::history::{History, Kind};
use crate::harness::runner::PartitionSpan;

/// Most time buckets.
pub const BUCKETS: usize = 100;
const OUTCOMES: [(Kind, &str, &str); 3] = [
    (Kind::Ok, "ok", ""),
    (Kind::Fail, "fail", "6 3"),
    (Kind::Info, "info", "2 2"),
];

/// Renders the plot. `duration` is the run's length in µs.
pub fn rate_svg(history: &History, partitions: &[PartitionSpan], duration: u64) -> String {
    let all = points(history);
    let kinds = kinds(&all);
    let (n, width) = buckets(duration as f64 / 1e6, BUCKETS);
    let mut series = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        for (outcome, name, dash) in OUTCOMES {
            let mut counts = vec![0u64; n];
            for p in all.iter().filter(|p| p.f == *kind && p.outcome == outcome) {
                // Counted when it completed, as Jepsen's rate graph.
                let b = (((p.t + p.ms / 1e3) / width) as usize).min(n - 1);
                counts[b] += 1;
            }
            if counts.iter().all(|c| *c == 0) {
                continue;
            }
            let line: Vec<(f64, f64)> = counts
                .iter()
                .enumerate()
                .map(|(b, c)| ((b as f64 + 0.5) * width, *c as f64 / width))
                .collect();
            series.push((
                format!("{kind} {name}"),
                SERIES[i % SERIES.len()],
                dash,
                line,
            ));
        }
    }
    let max = series
        .iter()
        .flat_map(|s| s.3.iter().map(|(_, v)| *v))
        .fold(1.0, f64::max);
    let mut chart = Chart::new(
        "Throughput (operations/s, by completion time)",
        "ops/s",
        duration,
        Scale::Linear(max * 1.05),
        partitions,
    );
    let mut rows = Vec::new();
    for (label, colour, dash, line) in &series {
        chart.line(line, colour, dash, label);
        rows.push((label.clone(), colour.to_string(), dash.to_string()));
    }
    chart.legend(&rows);
    chart.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::plot::raw::tests::history;

    #[test]
    fn one_line_per_kind_and_outcome_seen() {
        let svg = rate_svg(&history(1_000), &[], 100_000);
        // read ok, read fail (every tenth op is a failed read), write ok.
        assert_eq!(svg.matches("<polyline").count(), 3, "{svg}");
        assert!(svg.contains("read fail") && !svg.contains("write info"));
        let big = rate_svg(&history(200_000), &[], 20_000_000);
        assert!(big.len() < 60_000, "{} bytes", big.len());
    }
}
