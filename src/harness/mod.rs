//! `raft-kv test`: a JVM-free, Maelstrom-compatible test harness that runs real
//! node processes (ours or any Maelstrom node binary), routes their messages
//! through a latency model and partitions, drives Maelstrom-rules clients, checks
//! the history and stores a report (`store/<workload>/<timestamp>/`).
//!
//! One job per file: [`cli`] flags, [`process`] child processes (and their kills,
//! pauses and restarts), [`net`] delays and cuts, [`journal`] the record of
//! messages, [`partitions`] the partition nemesis,
//! [`runner`] the event loop, [`checks`] the checkers, [`report`] results and
//! summary, [`artifacts`] the files of a run, [`plot`], [`timeline`] and
//! [`messages`] the pictures, [`store`] the directory layout, [`progress`] the
//! status line. [`serve`] shows stored runs in a browser.

pub mod artifacts;
pub mod checks;
pub mod cli;
pub mod journal;
pub mod messages;
pub mod net;
pub mod partitions;
pub mod plot;
pub mod process;
pub mod progress;
pub mod report;
pub mod runner;
pub mod serve;
pub mod store;
pub mod timeline;

use crate::workload::probes::setup_requests;
use crate::workload::{ClientConfig, GeneratorConfig};
use cli::TestArgs;
use report::Validity;
use std::process::ExitCode;

/// Workloads with final reads (lww-kv, sets, counters): real time without load
/// between the final heal and the final reads (plus 20 mean latencies): a few
/// election timeouts and retry intervals of our nodes.
const FINAL_QUIET: u64 = 3_000_000;

/// Exit status of a run whose analysis is invalid.
pub const EXIT_INVALID: u8 = 1;
/// Exit status when the validity is unknown (a checker could not decide).
pub const EXIT_UNKNOWN: u8 = 2;
/// Exit status for bad arguments.
pub const EXIT_BAD_ARGS: u8 = 254;
/// Exit status when the test itself failed: the store cannot be written, a node
/// cannot be started or never answers `init`.
pub const EXIT_CRASH: u8 = 255;

/// Why a test could not give a verdict.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// The flags make no sense (exit 254).
    BadArgs(String),
    /// The test could not run (exit 255).
    Crash(String),
}

/// Runs `raft-kv test` `--test-count` times, as Maelstrom does: exit 0 when every
/// run is valid, else the status of the first run that is not (1 invalid, 2
/// unknown; later runs are not started), 254 for bad arguments, 255 when a run
/// could not be carried out.
pub fn run(args: &TestArgs) -> ExitCode {
    for i in 0..args.test_count {
        if args.test_count > 1 {
            eprintln!("raft-kv test: run {} of {}", i + 1, args.test_count);
        }
        match run_once(args, i) {
            Ok(Validity::Valid) => {}
            Ok(Validity::Invalid) => return ExitCode::from(EXIT_INVALID),
            Ok(Validity::Unknown) => return ExitCode::from(EXIT_UNKNOWN),
            Err(Failure::BadArgs(e)) => {
                eprintln!("raft-kv test: {e}");
                return ExitCode::from(EXIT_BAD_ARGS);
            }
            Err(Failure::Crash(e)) => {
                eprintln!("raft-kv test: {e}");
                return ExitCode::from(EXIT_CRASH);
            }
        }
    }
    ExitCode::SUCCESS
}

/// One run: its verdict, stored under `--store`.
fn run_once(args: &TestArgs, index: u64) -> Result<Validity, Failure> {
    args.validate().map_err(Failure::BadArgs)?;
    let latency = args.latency_model().map_err(Failure::BadArgs)?;
    let bin = args.node_binary().map_err(Failure::Crash)?;
    let node_ids = args.node_ids();
    let node_count = node_ids.len();
    let concurrency = args.concurrency.resolve(node_count);
    let timeout = crate::workload::timeout::client_timeout(args.workload, latency.mean());
    let seed = args.seed.map_or_else(clock_seed, |s| s.wrapping_add(index));
    let consistency = args
        .workload
        .consistency()
        .with_models(&args.consistency_models);
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
    let dir =
        store::create_run_dir(&args.store, &args.workload.to_string()).map_err(Failure::Crash)?;
    let data = std::path::absolute(dir.join("data")).unwrap_or_else(|_| dir.join("data"));
    // The node creates it (`<data>/<node id>/`) when it gets `--data-dir`.
    let node_args = args.node_args_for(&bin, &data);
    let settings = report::Settings {
        command: std::env::args().collect(),
        workload: args.workload.to_string(),
        bin: bin.display().to_string(),
        node_args: node_args.clone(),
        node_ids: node_ids.clone(),
        node_count,
        concurrency,
        rate: args.rate,
        time_limit_s: args.time_limit,
        latency: latency.to_string(),
        nemesis: args.nemesis_label(),
        nemesis_interval_s: args.nemesis_interval,
        availability: args.availability.map(|a| match a {
            cli::Availability::Total => "total".to_string(),
            cli::Availability::Fraction(f) => f.to_string(),
        }),
        consistency_models: args.consistency_models.clone(),
        topology: args.topology.to_string(),
        client_timeout_ms: timeout as f64 / 1e3,
        seed,
    };
    eprintln!(
        "raft-kv test: {} on {} of {}, {concurrency} clients at {} ops/s for {} s, node latency {}, nemesis {}, seed {seed}",
        args.workload,
        node_ids.join(","),
        bin.display(),
        args.rate,
        args.time_limit,
        latency,
        args.nemesis_label()
    );
    let cfg = runner::RunConfig {
        bin,
        node_args: node_args.clone(),
        setup: setup_requests(args.workload, args.topology, &node_ids),
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
        nemesis: runner::NemesisConfig {
            partitions: args.partitions(),
            processes: args.process_faults(),
            interval: (args.nemesis_interval * 1e6) as u64,
        },
        seed,
        progress: progress::Mode::detect(args.no_progress),
        final_reads_after: consistency
            .needs_final_reads()
            .then_some(FINAL_QUIET + 20 * latency.mean()),
        logging: runner::Logging {
            stderr: args.log_stderr,
            net_send: args.log_net_send,
            net_recv: args.log_net_recv,
        },
    };
    let out = runner::run(cfg);
    let checkers = checks::checkers_for(args.workload, consistency, args.availability);
    let mut outcomes = checks::run_all(&checkers, &out.history);
    outcomes.extend(checks::final_outcomes(
        consistency,
        &out.history,
        &out.final_reads,
    ));
    let results = report::Results::new(&out, outcomes, settings);
    artifacts::write_all(&dir, &out, &results).map_err(Failure::Crash)?;
    print!("{}", results.summary(&dir));
    if !out.errors.is_empty() {
        return Err(Failure::Crash(out.errors.join("; ")));
    }
    Ok(results.valid)
}

fn clock_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    (nanos as u64) ^ (u64::from(std::process::id()) << 32)
}
