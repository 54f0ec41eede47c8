//! The files of a run, written into its store directory: `results.json`,
//! `history.jsonl` (streamed, op by op), `final-reads.jsonl` (lww-kv), the plots
//! `latency-raw.svg`, `latency-quantiles.svg` and `rate.svg`, `timeline.html` and
//! `messages.svg`. Every file but the history has a size bound independent of the
//! run's length.

use super::report::Results;
use super::runner::{PartitionSpan, RunOutput};
use super::{messages, plot, timeline};
use std::io::{BufWriter, Write};
use std::path::Path;

/// The pictures and pages of a run, in the order a reader wants them.
pub const PICTURES: [&str; 5] = [
    "latency-raw.svg",
    "latency-quantiles.svg",
    "rate.svg",
    "timeline.html",
    "messages.svg",
];

/// The shaded bands of the plots and the timeline: partitions, then the kills
/// and pauses that hit some node.
pub fn bands(out: &RunOutput) -> Vec<PartitionSpan> {
    let mut bands = out.partitions.clone();
    bands.extend(
        out.node_faults
            .iter()
            .filter(|f| !f.nodes.is_empty())
            .map(|f| f.band()),
    );
    bands
}

/// Writes every file of the run `out` into `dir`.
pub fn write_all(dir: &Path, out: &RunOutput, results: &Results) -> Result<(), String> {
    results.write(dir)?;
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    let history = dir.join("history.jsonl");
    let file =
        std::fs::File::create(&history).map_err(|e| format!("{}: {e}", history.display()))?;
    let mut w = BufWriter::new(file);
    out.history
        .write_jsonl(&mut w)
        .and_then(|()| w.flush())
        .map_err(|e| format!("{}: {e}", history.display()))?;
    if !out.final_reads.is_empty() {
        let lines: Vec<String> = out
            .final_reads
            .iter()
            .map(|r| serde_json::to_string(r).unwrap_or_default())
            .collect();
        write("final-reads.jsonl", lines.join("\n") + "\n")?;
    }
    let bands = bands(out);
    let (h, p, d) = (&out.history, &bands, out.duration);
    write("latency-raw.svg", plot::raw::latency_raw_svg(h, p, d))?;
    write(
        "latency-quantiles.svg",
        plot::quantiles::latency_quantiles_svg(h, p, d),
    )?;
    write("rate.svg", plot::rate::rate_svg(h, p, d))?;
    write("timeline.html", timeline::timeline_html(h, p, d))?;
    write("messages.svg", messages::messages_svg(&out.journal))
}
