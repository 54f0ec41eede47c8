//! `latency-quantiles.svg`: latency quantiles (0.5, 0.95, 0.99, max) of ok
//! operations over time, one colour per operation kind, one dash per quantile.
//! Time is cut into at most [`BUCKETS`] buckets, so the size is bounded.

use super::{Chart, SERIES, Scale, buckets, kinds, points};
use crate::check::history::{History, Kind};
use crate::harness::runner::PartitionSpan;

/// Most time buckets.
pub const BUCKETS: usize = 100;
/// The quantiles drawn, with their dash patterns.
const QUANTILES: [(f64, &str, &str); 4] = [
    (0.5, "p50", ""),
    (0.95, "p95", "6 3"),
    (0.99, "p99", "2 2"),
    (1.0, "max", "1 4"),
];

/// Renders the plot. `duration` is the run's length in µs.
pub fn latency_quantiles_svg(
    history: &History,
    partitions: &[PartitionSpan],
    duration: u64,
) -> String {
    let all: Vec<_> = points(history)
        .into_iter()
        .filter(|p| p.outcome == Kind::Ok)
        .collect();
    let kinds = kinds(&all);
    let max = all.iter().map(|p| p.ms).fold(1.0, f64::max);
    let mut chart = Chart::new(
        "Latency quantiles of ok operations (ms, log scale)",
        "latency (ms)",
        duration,
        Scale::log_to(max),
        partitions,
    );
    let (n, width) = buckets(duration as f64 / 1e6, BUCKETS);
    let mut rows = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        let colour = SERIES[i % SERIES.len()];
        let mut per_bucket: Vec<Vec<f64>> = vec![Vec::new(); n];
        for p in all.iter().filter(|p| p.f == *kind) {
            let b = ((p.t / width) as usize).min(n - 1);
            per_bucket[b].push(p.ms);
        }
        for v in &mut per_bucket {
            v.sort_by(f64::total_cmp);
        }
        for (q, name, dash) in QUANTILES {
            let line: Vec<(f64, f64)> = per_bucket
                .iter()
                .enumerate()
                .filter(|(_, v)| !v.is_empty())
                .map(|(b, v)| {
                    let idx = ((v.len() - 1) as f64 * q).round() as usize;
                    ((b as f64 + 0.5) * width, v[idx])
                })
                .collect();
            chart.line(&line, colour, dash, &format!("{kind} {name}"));
            rows.push((
                format!("{kind} {name}"),
                colour.to_string(),
                dash.to_string(),
            ));
        }
    }
    chart.legend(&rows);
    chart.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::plot::raw::tests::history;

    #[test]
    fn one_line_per_kind_and_quantile_and_bounded() {
        let svg = latency_quantiles_svg(&history(1_000), &[], 100_000);
        assert_eq!(svg.matches("<polyline").count(), 2 * QUANTILES.len());
        assert!(svg.contains("read p99") && svg.contains("write max"));
        let big = latency_quantiles_svg(&history(200_000), &[], 20_000_000);
        assert!(big.len() < 100_000, "{} bytes", big.len());
    }
}
