//! The binary's shell around [`Node`]: a stdin reader thread, the wall clock, and
//! stdout writes. Protocol lines go to stdout only; logs go to stderr.

use crate::node::Node;
use std::io::{self, BufRead, Write};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Longest the loop sleeps without checking the clock.
const MAX_WAIT: Duration = Duration::from_millis(10);
/// Most lines handled before output is flushed.
const MAX_BATCH: usize = 1024;

/// Runs `node` on stdin/stdout until stdin closes. Returns when everything that
/// could be answered was written.
pub fn run(mut node: Node) -> io::Result<()> {
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        let stdin = io::stdin();
        for line in stdin.lock().lines() {
            match line {
                Ok(line) => {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    eprintln!("stdin: {e}");
                    break;
                }
            }
        }
    });
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
                node.handle_line(now(), &line);
                for _ in 1..MAX_BATCH {
                    match rx.try_recv() {
                        Ok(line) => node.handle_line(now(), &line),
                        Err(mpsc::TryRecvError::Empty) => break,
                        Err(mpsc::TryRecvError::Disconnected) => {
                            closed = true;
                            break;
                        }
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => closed = true,
        }
        if node.next_deadline().is_some_and(|d| now() >= d) {
            node.tick(now());
        }
        let mut out = stdout.lock();
        for msg in node.take_outbox() {
            writeln!(out, "{}", msg.to_line())?;
        }
        out.flush()?;
        for line in node.take_logs() {
            let _ = writeln!(stderr, "{line}");
        }
        if closed {
            return Ok(());
        }
    }
}
