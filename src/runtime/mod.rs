//! The binary's shell around [`Node`]: a stdin reader thread, the wall clock, and
//! stdout writes. Protocol lines go to stdout only; logs go to stderr.

mod args;
pub mod input;

pub use args::{NodeArgs, incarnation};

use crate::machines::Machine;
use crate::node::{Node, NodeConfig};
use crate::storage::Volatile;
use input::{Input, LineReader};
use std::io::{self, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Longest the loop sleeps without checking the clock.
const MAX_WAIT: Duration = Duration::from_millis(10);

/// Runs `node` on stdin/stdout until stdin closes. Returns when everything that
/// could be answered was written. Lines are read as bytes: one that is not valid
/// UTF-8 is the node's to refuse (see [`Node::handle_bytes`]), not a reason to stop.
///
/// One thread: each turn waits (`poll(2)`) for input or the node's next deadline,
/// hands every line that arrived to the node as one round, fires due timers, and
/// writes the turn's output with one `write(2)`.
pub fn run<M: Machine>(mut node: Node<M>) -> io::Result<()> {
    let mut input = LineReader::new(io::stdin());
    let start = Instant::now();
    let now = || start.elapsed().as_micros() as u64;
    let stdout = io::stdout();
    let mut stderr = io::stderr();
    let mut out = Vec::with_capacity(1 << 16);
    loop {
        let wait = node.next_deadline().map_or(MAX_WAIT, |d| {
            Duration::from_micros(d.saturating_sub(now())).min(MAX_WAIT)
        });
        let closed = match input.wait(wait) {
            Ok(Input::Data) => false,
            Ok(Input::Timeout) => false,
            Ok(Input::Closed) => true,
            Err(e) => {
                let _ = writeln!(stderr, "stdin: {e}");
                true
            }
        };
        // Everything that arrived is one round: one persist, one apply pass, one
        // write of the output.
        if closed {
            let rest = input.rest().map(<[u8]>::to_vec);
            node.handle_lines(now(), input.lines().chain(rest.as_deref()));
        } else {
            node.handle_lines(now(), input.lines());
        }
        let skipped = input.take_skipped();
        if skipped > 0 {
            let _ = writeln!(
                stderr,
                "skipped {skipped} line(s) longer than {} bytes",
                input::MAX_LINE
            );
        }
        if node.next_deadline().is_some_and(|d| now() >= d) {
            node.tick(now());
        }
        out.clear();
        for msg in node.take_outbox() {
            if let Err(e) = msg.write_line(&mut out) {
                let _ = writeln!(stderr, "cannot encode {msg:?}: {e}");
            }
        }
        if !out.is_empty() {
            let mut lock = stdout.lock();
            lock.write_all(&out)?;
            lock.flush()?;
        }
        for line in node.take_logs() {
            let _ = writeln!(stderr, "{line}");
        }
        if let Some(why) = node.fatal() {
            return Err(io::Error::other(why.to_owned()));
        }
        if closed {
            return Ok(());
        }
    }
}

/// Runs a node process until stdin closes: the exit code for `main`. Broken pipes
/// (Maelstrom closing our stdout) end the run normally.
pub fn serve<M: Machine>(config: NodeConfig, machine: M, seed: u64) -> ExitCode {
    // Nothing outlives the process unless `init` opens `--data-dir` (which then
    // replaces this): no second copy of the log in memory.
    let node = Node::with_machine(config, machine, seed)
        .with_storage(Box::new(Volatile))
        .with_incarnation(incarnation());
    match run(node) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("node: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The whole `main` of a Maelstrom node binary for your own machine: parses the
/// same flags as `raft-kv` (see [`NodeArgs`]) and serves `machine` on
/// stdin/stdout. See `examples/queue.rs`.
pub fn main_with<M: Machine>(machine: M) -> ExitCode {
    use clap::Parser;
    /// A Maelstrom node (JSON lines on stdin/stdout) replicating a state machine
    /// with Raft.
    #[derive(Parser)]
    #[command(about)]
    struct Cli {
        #[command(flatten)]
        node: NodeArgs,
    }
    let cli = Cli::parse();
    match cli.node.config() {
        Ok(config) => serve(config, machine, cli.node.seed()),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
