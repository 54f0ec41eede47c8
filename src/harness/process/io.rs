//! The threads around a node process (stdout lines to the event channel, its
//! stderr to the log file and ours, queued lines to its stdin) and what the
//! harness reads about it afterwards (its log's tail, its CPU time).

use super::Event;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, Sender};

/// Sends each stdout line of node `node` as an event, then [`Event::Closed`] for
/// this `incarnation` of it.
pub(super) fn read_lines(node: usize, incarnation: u32, stdout: impl Read, events: Sender<Event>) {
    let mut reader = BufReader::new(stdout);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                    buf.pop();
                }
                let line = String::from_utf8_lossy(&buf).into_owned();
                if events.send(Event::Line { node, line }).is_err() {
                    return;
                }
            }
        }
    }
    let _ = events.send(Event::Closed { node, incarnation });
}

/// Copies a node's stderr to its log file and to our stderr, prefixed by its id.
pub(super) fn echo_lines(id: &str, from: impl Read, log: File) {
    let mut log = BufWriter::new(log);
    for line in BufReader::new(from).split(b'\n') {
        let Ok(line) = line else { break };
        let _ = log.write_all(&line);
        let _ = log.write_all(b"\n");
        let _ = log.flush();
        eprintln!("{id} | {}", String::from_utf8_lossy(&line));
    }
}

/// Writes the queued lines to a node's stdin until the queue or the pipe closes.
pub(super) fn write_lines(stdin: impl Write, lines: Receiver<String>) {
    let mut out = BufWriter::new(stdin);
    while let Ok(line) = lines.recv() {
        let mut batch = vec![line];
        while let Ok(more) = lines.try_recv() {
            batch.push(more);
        }
        for line in batch {
            if out.write_all(line.as_bytes()).is_err() || out.write_all(b"\n").is_err() {
                return;
            }
        }
        if out.flush().is_err() {
            return;
        }
    }
}

/// The last `n` lines of a file (reads at most its last 64 KiB).
pub fn tail(path: &Path, n: usize) -> String {
    let Ok(mut f) = File::open(path) else {
        return String::new();
    };
    let len = f.metadata().map_or(0, |m| m.len());
    let from = len.saturating_sub(64 * 1024);
    let mut bytes = Vec::new();
    if f.seek(SeekFrom::Start(from)).is_err() || f.read_to_end(&mut bytes).is_err() {
        return String::new();
    }
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// utime + stime of a process from /proc/<pid>/stat, assuming 100 clock ticks a
/// second (Linux's USER_HZ on every common platform).
pub(super) fn proc_cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are fields 14
    // and 15 of the whole line, so 12 and 13 after the name.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (ticks(11) + ticks(12)) as f64 / 100.0
}
