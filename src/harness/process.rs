//! Node processes: spawning, one stdout reader thread and one stdin writer thread
//! per node, log files, and shutdown. Every child is killed when [`Nodes`] drops,
//! whatever the exit path.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Something a node's stdout produced.
#[derive(Debug)]
pub enum Event {
    /// One line (without its newline; invalid UTF-8 replaced).
    Line { node: usize, line: String },
    /// The node closed its stdout (it exited or is about to).
    Closed { node: usize },
}

struct Proc {
    id: String,
    child: Child,
    stdin: Option<Sender<String>>,
    writer: Option<JoinHandle<()>>,
    log: PathBuf,
    status: Option<ExitStatus>,
}

/// The running node processes of one test.
pub struct Nodes {
    procs: Vec<Proc>,
}

impl Nodes {
    /// Starts `bin args…` once per id, stderr to `log_dir/<id>.log` (and, with
    /// `echo_stderr`, also to ours, each line prefixed by the id). Stdout lines
    /// arrive on the returned channel.
    pub fn spawn(
        bin: &Path,
        args: &[String],
        ids: &[String],
        log_dir: &Path,
        echo_stderr: bool,
    ) -> Result<(Nodes, Receiver<Event>), String> {
        let (tx, rx) = mpsc::channel();
        let mut nodes = Nodes { procs: Vec::new() };
        for (i, id) in ids.iter().enumerate() {
            let log = log_dir.join(format!("{id}.log"));
            let stderr =
                File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
            let mut child = Command::new(bin)
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(if echo_stderr {
                    Stdio::piped()
                } else {
                    Stdio::from(stderr.try_clone().map_err(|e| e.to_string())?)
                })
                .spawn()
                .map_err(|e| format!("cannot start node {id} from {}: {e}", bin.display()))?;
            if let Some(err) = child.stderr.take() {
                let id = id.clone();
                std::thread::spawn(move || echo_lines(&id, err, stderr));
            }
            let (Some(stdout), Some(stdin)) = (child.stdout.take(), child.stdin.take()) else {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("node {id}: no stdin/stdout pipe"));
            };
            let events = tx.clone();
            std::thread::spawn(move || read_lines(i, stdout, events));
            let (line_tx, line_rx) = mpsc::channel::<String>();
            let writer = std::thread::spawn(move || write_lines(stdin, line_rx));
            nodes.procs.push(Proc {
                id: id.clone(),
                child,
                stdin: Some(line_tx),
                writer: Some(writer),
                log,
                status: None,
            });
        }
        Ok((nodes, rx))
    }

    /// Node ids, in index order.
    pub fn ids(&self) -> Vec<String> {
        self.procs.iter().map(|p| p.id.clone()).collect()
    }

    /// Queues `line` for node `i`'s stdin. False if its stdin is gone.
    pub fn send(&self, i: usize, line: String) -> bool {
        self.procs
            .get(i)
            .and_then(|p| p.stdin.as_ref())
            .is_some_and(|tx| tx.send(line).is_ok())
    }

    /// Node `i`'s exit status, waiting up to `wait` for it to exit.
    pub fn wait_exit(&mut self, i: usize, wait: Duration) -> Option<ExitStatus> {
        let p = self.procs.get_mut(i)?;
        let until = Instant::now() + wait;
        loop {
            if p.status.is_some() {
                return p.status;
            }
            if let Ok(Some(s)) = p.child.try_wait() {
                p.status = Some(s);
                return p.status;
            }
            if Instant::now() >= until {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The last `n` lines of node `i`'s log.
    pub fn log_tail(&self, i: usize, n: usize) -> String {
        self.procs
            .get(i)
            .map(|p| tail(&p.log, n))
            .unwrap_or_default()
    }

    /// CPU time (user + system) the node processes have used so far, in seconds,
    /// from /proc (0 where it cannot be read, e.g. not on Linux).
    pub fn cpu_seconds(&self) -> f64 {
        self.procs
            .iter()
            .map(|p| proc_cpu_seconds(p.child.id()))
            .sum()
    }

    /// Closes every stdin, gives the nodes `grace` to exit, then kills the rest.
    /// Returns each node's id and exit status (`None`: it had to be killed).
    pub fn shutdown(&mut self, grace: Duration) -> Vec<(String, Option<ExitStatus>)> {
        for p in &mut self.procs {
            p.stdin = None;
        }
        let until = Instant::now() + grace;
        let mut out = Vec::new();
        for i in 0..self.procs.len() {
            let left = until.saturating_duration_since(Instant::now());
            let status = self.wait_exit(i, left);
            let p = &mut self.procs[i];
            if status.is_none() {
                let _ = p.child.kill();
                if let Ok(s) = p.child.wait() {
                    p.status = Some(s);
                }
            }
            if let Some(w) = p.writer.take() {
                let _ = w.join();
            }
            out.push((p.id.clone(), status));
        }
        out
    }
}

impl Drop for Nodes {
    fn drop(&mut self) {
        for p in &mut self.procs {
            p.stdin = None;
            if p.status.is_none() {
                let _ = p.child.kill();
                let _ = p.child.wait();
            }
        }
    }
}

fn read_lines(node: usize, stdout: impl Read, events: Sender<Event>) {
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
    let _ = events.send(Event::Closed { node });
}

/// Copies a node's stderr to its log file and to our stderr, prefixed by its id.
fn echo_lines(id: &str, from: impl Read, log: File) {
    let mut log = BufWriter::new(log);
    for line in BufReader::new(from).split(b'\n') {
        let Ok(line) = line else { break };
        let _ = log.write_all(&line);
        let _ = log.write_all(b"\n");
        let _ = log.flush();
        eprintln!("{id} | {}", String::from_utf8_lossy(&line));
    }
}

fn write_lines(stdin: impl Write, lines: Receiver<String>) {
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
fn proc_cpu_seconds(pid: u32) -> f64 {
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
