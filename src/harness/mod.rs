//! `raft-kv test`: a JVM-free, Maelstrom-compatible test harness that runs real
//! node processes (ours or any Maelstrom node binary), routes their messages
//! through a latency model and partitions, drives Maelstrom-rules clients, checks
//! the history and stores a report (`store/<workload>/<timestamp>/`).
//!
//! One job per file: [`cli`] flags, [`process`] child processes, [`net`] delays
//! and cuts, [`partitions`] the nemesis, [`runner`] the event loop, [`checks`]
//! the checkers, [`report`] results and summary, [`plot`] and [`timeline`] the
//! pictures, [`store`] the directory layout, [`progress`] the status line.

pub mod checks;
pub mod cli;
pub mod net;
pub mod partitions;
pub mod plot;
pub mod process;
pub mod progress;
pub mod report;
pub mod runner;
pub mod store;
pub mod timeline;

use crate::workload::{ClientConfig, GeneratorConfig, WorkloadKind};
use cli::TestArgs;
use std::path::Path;
use std::process::ExitCode;

/// lww-kv: real time without load between the final heal and the final reads (plus
/// 20 mean latencies): a few election timeouts and retry intervals of our nodes.
const FINAL_QUIET: u64 = 3_000_000;

/// Exit status of a run whose analysis is invalid.
pub const EXIT_INVALID: u8 = 1;
/// Exit status when the test could not be set up (bad flags, unwritable store).
pub const EXIT_SETUP: u8 = 2;

/// Runs `raft-kv test`: exit 0 when valid, 1 when invalid, 2 when it could not run.
pub fn run(args: &TestArgs) -> ExitCode {
    match run_inner(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(EXIT_INVALID),
        Err(e) => {
            eprintln!("raft-kv test: {e}");
            ExitCode::from(EXIT_SETUP)
        }
    }
}

fn run_inner(args: &TestArgs) -> Result<bool, String> {
    args.validate()?;
    let latency = args.latency_model()?;
    let bin = args.node_binary()?;
    let node_args = args.node_args_for(&bin);
    let node_count = args.node_count as usize;
    let node_ids: Vec<String> = (1..=node_count).map(|i| format!("n{i}")).collect();
    let concurrency = args.concurrency.resolve(node_count);
    let timeout = (10 * latency.mean()).max(1_000_000);
    let seed = args.seed.unwrap_or_else(clock_seed);
    let mut generator = GeneratorConfig::for_workload(args.workload, node_count, concurrency);
    if let Some(k) = args.key_count {
        generator.key_count = k;
    }
    if let Some(n) = args.max_txn_length {
        generator.max_txn_length = n;
    }
    if let Some(n) = args.max_writes_per_key {
        generator.max_writes_per_key = n;
    }
    let dir = store::create_run_dir(&args.store, &args.workload.to_string())?;
    let settings = report::Settings {
        command: std::env::args().collect(),
        workload: args.workload.to_string(),
        bin: bin.display().to_string(),
        node_args: node_args.clone(),
        node_count,
        concurrency,
        rate: args.rate,
        time_limit_s: args.time_limit,
        latency: latency.to_string(),
        nemesis: args.nemesis.clone(),
        nemesis_interval_s: args.nemesis_interval,
        availability: args.availability.map(|a| match a {
            cli::Availability::Total => "total".to_string(),
            cli::Availability::Fraction(f) => f.to_string(),
        }),
        consistency_models: args.consistency_models.clone(),
        client_timeout_ms: timeout as f64 / 1e3,
        seed,
    };
    eprintln!(
        "raft-kv test: {} on {node_count} node(s) of {}, {concurrency} clients at {} ops/s for {} s, latency {}, nemesis {}, seed {seed}",
        args.workload,
        bin.display(),
        args.rate,
        args.time_limit,
        latency,
        args.nemesis
    );
    let cfg = runner::RunConfig {
        bin,
        node_args: node_args.clone(),
        node_ids: node_ids.clone(),
        log_dir: dir.join("node-logs"),
        latency,
        clients: ClientConfig {
            concurrency,
            rate: args.rate,
            timeout,
            nodes: node_ids,
        },
        generator,
        time_limit: (args.time_limit * 1e6) as u64,
        nemesis_interval: (args.nemesis == "partition")
            .then_some((args.nemesis_interval * 1e6) as u64),
        seed,
        progress: progress::Mode::detect(args.no_progress),
        final_reads_after: (args.workload == WorkloadKind::LwwKv)
            .then_some(FINAL_QUIET + 20 * latency.mean()),
    };
    let out = runner::run(cfg);
    let checkers = checks::checkers_for(args.workload, args.availability);
    let mut outcomes = checks::run_all(&checkers, &out.history);
    if args.workload == WorkloadKind::LwwKv {
        outcomes.extend(checks::lww_outcomes(&out.history, &out.final_reads));
    }
    let results = report::Results::new(&out, outcomes, settings);
    write_artifacts(&dir, &out, &results)?;
    eprint!("{}", results.summary(&dir));
    Ok(results.valid)
}

fn write_artifacts(
    dir: &Path,
    out: &runner::RunOutput,
    results: &report::Results,
) -> Result<(), String> {
    results.write(dir)?;
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    };
    let mut jsonl = Vec::new();
    out.history
        .write_jsonl(&mut jsonl)
        .map_err(|e| format!("history: {e}"))?;
    std::fs::write(dir.join("history.jsonl"), jsonl).map_err(|e| format!("history.jsonl: {e}"))?;
    if !out.final_reads.is_empty() {
        let lines: Vec<String> = out
            .final_reads
            .iter()
            .map(|r| serde_json::to_string(r).unwrap_or_default())
            .collect();
        write("final-reads.jsonl", lines.join("\n") + "\n")?;
    }
    write(
        "latency.svg",
        plot::latency_svg(&out.history, &out.partitions, out.duration),
    )?;
    write(
        "timeline.html",
        timeline::timeline_html(&out.history, &out.partitions, out.duration),
    )
}

fn clock_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    (nanos as u64) ^ (u64::from(std::process::id()) << 32)
}
