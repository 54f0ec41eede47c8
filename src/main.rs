//! `raft-kv`: a Maelstrom node (the default) and its tools.

use clap::{Parser, Subcommand};
use raft_kv::machines::MachineKind;
use raft_kv::node::NodeConfig;
use std::process::ExitCode;

/// A Raft-replicated key-value node for Jepsen's Maelstrom (JSON lines on stdin/stdout).
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    node: NodeFlags,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run as a Maelstrom node (what happens with no subcommand).
    Node(NodeFlags),
    /// Run one deterministic simulation; the same flags and seed replay it exactly.
    Sim(raft_kv::sim::cli::SimArgs),
    /// Run many simulation seeds and print a summary.
    Soak(raft_kv::sim::cli::SoakArgs),
    /// Benchmark tables: latency against the hop bound, throughput, messages and
    /// CPU per operation, on the simulator and on real processes.
    Bench(raft_kv::bench::BenchArgs),
    /// Time a checker on a synthetic valid history: lin-kv's linearizability
    /// checker (the default), kafka's, or txn-rw-register's.
    BenchCheck {
        /// Operations in the history.
        #[arg(long, default_value_t = 100_000)]
        ops: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Whose checker: lin-kv, kafka or txn-rw-register.
        #[arg(short = 'w', long = "workload", default_value = "lin-kv")]
        workload: raft_kv::workload::WorkloadKind,
    },
    /// Run a Maelstrom-style test against real node processes (no JVM needed).
    Test(Box<raft_kv::harness::cli::TestArgs>),
    /// Browse stored test runs in a web browser.
    Serve(raft_kv::harness::serve::ServeArgs),
    /// Fuzz nodes and a simulated cluster with hostile protocol lines.
    Fuzz(raft_kv::fuzz::cli::FuzzArgs),
}

/// Settings of the node process: the machine, and the flags every node takes.
#[derive(clap::Args, Debug, Clone)]
struct NodeFlags {
    /// State machine driven by the log: kv (lin-kv), txn (txn-list-append), lww (lww-kv),
    /// txn-rw (txn-rw-register), or the workload's name: echo, unique-ids, broadcast,
    /// g-set, g-counter, pn-counter, kafka.
    #[arg(long, default_value = "kv")]
    machine: MachineKind,
    #[command(flatten)]
    common: raft_kv::runtime::NodeArgs,
}

fn run_node(args: &NodeFlags) -> ExitCode {
    let config = match args.common.config() {
        Ok(c) => NodeConfig {
            machine: args.machine,
            ..c
        },
        Err(e) => {
            eprintln!("raft-kv: {e}");
            return ExitCode::from(2);
        }
    };
    let machine = raft_kv::node::builtin_machine(&config);
    raft_kv::runtime::serve(config, machine, args.common.seed())
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return bad_arguments(e),
    };
    match &cli.command {
        None => run_node(&cli.node),
        Some(Command::Node(args)) => run_node(args),
        Some(Command::Sim(args)) => raft_kv::sim::cli::sim_main(args),
        Some(Command::Bench(args)) => raft_kv::bench::bench_main(args),
        Some(Command::Soak(args)) => raft_kv::sim::cli::soak_main(args),
        Some(Command::BenchCheck {
            ops,
            seed,
            workload,
        }) => {
            use raft_kv::workload::WorkloadKind;
            let line = match workload {
                WorkloadKind::LinKv => raft_kv::check::synthetic::benchmark(*ops, *seed),
                WorkloadKind::Kafka => raft_kv::check::kafka::benchmark(*ops, *seed),
                WorkloadKind::TxnRwRegister => raft_kv::check::rw_register::benchmark(*ops, *seed),
                other => {
                    eprintln!("raft-kv bench-check: no benchmark for {other}");
                    return ExitCode::from(2);
                }
            };
            println!("{line}");
            ExitCode::SUCCESS
        }
        Some(Command::Test(args)) => raft_kv::harness::run(args),
        Some(Command::Serve(args)) => raft_kv::harness::serve::serve_main(args),
        Some(Command::Fuzz(args)) => raft_kv::fuzz::cli::fuzz_main(args),
    }
}

/// Prints a command-line error. `raft-kv test` exits 254 on bad arguments, as
/// `maelstrom test` does; everything else exits as clap does (2; 0 for --help).
fn bad_arguments(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let testing = std::env::args().nth(1).as_deref() == Some("test");
    if !testing || matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        e.exit();
    }
    let _ = e.print();
    ExitCode::from(raft_kv::harness::EXIT_BAD_ARGS)
}
