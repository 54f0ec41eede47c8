//! `raft-kv fuzz`: runs the fuzzer, prints progress, what it tried, and every
//! failure with the shrunk lines that reproduce it.

use super::{FuzzConfig, FuzzReport, Target, escape, run};
use std::process::ExitCode;
use std::time::Instant;

/// `raft-kv fuzz` flags.
#[derive(clap::Args, Debug, Clone)]
pub struct FuzzArgs {
    /// Inputs to generate (over all targets).
    #[arg(long, default_value_t = 100_000)]
    pub iterations: u64,
    /// Seed: the same seed and iterations replay the run exactly.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Stop after this many failures (each is shrunk, which takes a while).
    #[arg(long, default_value_t = 3)]
    pub max_failures: usize,
}

/// `raft-kv fuzz`.
pub fn fuzz_main(args: &FuzzArgs) -> ExitCode {
    let config = FuzzConfig {
        iterations: args.iterations,
        seed: args.seed,
        max_failures: args.max_failures.max(1),
    };
    println!(
        "raft-kv fuzz --iterations {} --seed {}",
        config.iterations, config.seed
    );
    let started = Instant::now();
    let mut last = Instant::now();
    // Panics in a node are findings, reported with their message and location.
    let quiet = super::quiet_panics();
    let report = run(&config, &mut |r: &FuzzReport| {
        if last.elapsed().as_secs_f64() >= 2.0 {
            last = Instant::now();
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "[{secs:>7.1}s] {}/{} inputs ({:.0}/s), {} failures",
                r.inputs,
                config.iterations,
                r.inputs as f64 / secs.max(1e-9),
                r.failures.len()
            );
        }
    });
    drop(quiet);
    print!("{}", render(&report, started.elapsed().as_secs_f64()));
    if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The report as text: totals, what was tried, what came back, the failures.
pub fn render(r: &FuzzReport, secs: f64) -> String {
    let mut s = format!(
        "{} inputs in {secs:.1}s ({:.0}/s)\n",
        r.inputs,
        r.inputs as f64 / secs.max(1e-9)
    );
    s.push_str("targets (inputs, episodes):\n");
    for (target, (inputs, episodes)) in &r.by_target {
        s.push_str(&format!("  {target:<36} {inputs:>10} {episodes:>7}\n"));
    }
    s.push_str(&format!(
        "mutations applied (unmutated inputs: {}):\n",
        r.unmutated
    ));
    for (name, n) in &r.mutations {
        s.push_str(&format!("  {name:<20} {n:>10}\n"));
    }
    s.push_str("first reply to an input:\n");
    for (kind, n) in &r.outcomes {
        s.push_str(&format!("  {kind:<20} {n:>10}\n"));
    }
    s.push_str(&format!(
        "cluster: {} lines skipped (would touch the workload's keys or clients); {} ok operations in the checked workloads afterwards\n",
        r.skipped, r.workload_ok
    ));
    s.push_str(&format!("failures: {}\n", r.failures.len()));
    for f in &r.failures {
        s.push_str(&format!(
            "\n{} broke {} (episode seed {}): {}\n  shrunk from {} inputs to {}; after init, in order:\n",
            f.target,
            f.broken.property,
            f.episode_seed,
            f.broken.detail,
            f.original_len,
            f.inputs.len()
        ));
        for input in &f.inputs {
            let to = match f.target {
                Target::Cluster(_) => format!(" to n{}", input.node % 3 + 1),
                _ => String::new(),
            };
            s.push_str(&format!(
                "  at {}µs{to}: {}\n",
                input.at,
                escape(&input.bytes)
            ));
        }
    }
    s
}
