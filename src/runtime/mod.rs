//! The binary's shell around [`Node`]: a stdin reader thread, the wall clock, and
//! stdout writes. Protocol lines go to stdout only; logs go to stderr.

mod args;

pub use args::{NodeArgs, incarnation};

use crate::machines::Machine;
use crate::node::{Node, NodeConfig};
use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Longest the loop sleeps without checking the clock.
const MAX_WAIT: Duration = Duration::from_millis(10);
/// Most lines handled before output is flushed.
const MAX_BATCH: usize = 1024;

/// Runs `node` on stdin/stdout until stdin closes. Returns when everything that
/// could be answered was written. Lines are read as bytes: one that is not valid
/// UTF-8 is the node's to refuse (see [`Node::handle_bytes`]), not a reason to stop.
pub fn run<M: Machine>(mut node: Node<M>) -> io::Result<()> {
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || read_lines(io::stdin().lock(), &tx));
    let start = Instant::now();
    let now = || start.elapsed().as_micros() as u64;
    let stdout = io::stdout();
    let mut stderr = io::stderr();
    loop {
        let wait = node.next_deadline().map_or(MAX_WAIT, |d| {
            Duration::from_micros(d.saturating_sub(now())).min(MAX_WAIT)
        });
        let mut closed = false;
        match rx.recv_timeout(wait) {
            Ok(line) => {
                // Everything that arrived meanwhile is one round: one persist, one
                // apply pass, one write of the output.
                let mut batch = vec![line];
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(line) => batch.push(line),
                        Err(mpsc::TryRecvError::Empty) => break,
                        Err(mpsc::TryRecvError::Disconnected) => {
                            closed = true;
                            break;
                        }
                    }
                }
                node.handle_lines(now(), batch.iter().map(Vec::as_slice));
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => closed = true,
        }
        if node.next_deadline().is_some_and(|d| now() >= d) {
            node.tick(now());
        }
        // One write for the whole turn (stdout alone flushes at every newline).
        let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
        for msg in node.take_outbox() {
            writeln!(out, "{}", msg.to_line())?;
        }
        out.flush()?;
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

/// Sends every line of `input` (without its `\n` or `\r\n`) until end of input,
/// a read error, or a closed channel.
fn read_lines(mut input: impl BufRead, tx: &mpsc::Sender<Vec<u8>>) {
    loop {
        let mut line = Vec::new();
        match input.read_until(b'\n', &mut line) {
            Ok(0) => return,
            Ok(_) => {
                if line.last() == Some(&b'\n') {
                    line.pop();
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                }
                if tx.send(line).is_err() {
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                eprintln!("stdin: {e}");
                return;
            }
        }
    }
}

/// Runs a node process until stdin closes: the exit code for `main`. Broken pipes
/// (Maelstrom closing our stdout) end the run normally.
pub fn serve<M: Machine>(config: NodeConfig, machine: M, seed: u64) -> ExitCode {
    let node = Node::with_machine(config, machine, seed).with_incarnation(incarnation());
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
