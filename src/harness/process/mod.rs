//! Node processes: spawning, one stdout reader thread and one stdin writer thread
//! per node, log files, the kill and pause nemeses' signals, restarts, and
//! shutdown. Every child is killed when [`Nodes`] drops, whatever the exit path.
//!
//! A node's process may be replaced (a kill, then a restart): each process of a
//! node is an *incarnation*, numbered from 0, and its stdout's end is reported
//! with its number, so the end of a killed incarnation is not taken for a crash
//! of the next one.

mod io;

pub use io::tail;

use std::fs::{File, OpenOptions};
use std::io::Write;
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
    /// Incarnation `incarnation` of the node closed its stdout (it exited or is
    /// about to).
    Closed { node: usize, incarnation: u32 },
}

/// A signal the pause nemesis sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// SIGSTOP: the process stops running (its stdin still fills up).
    Stop,
    /// SIGCONT: it runs again.
    Cont,
}

impl Signal {
    fn name(self) -> &'static str {
        match self {
            Signal::Stop => "STOP",
            Signal::Cont => "CONT",
        }
    }
}

struct Proc {
    id: String,
    child: Child,
    stdin: Option<Sender<String>>,
    writer: Option<JoinHandle<()>>,
    log: PathBuf,
    status: Option<ExitStatus>,
    incarnation: u32,
    /// Killed by the nemesis and not restarted yet.
    down: bool,
}

/// How to start a node's process.
struct Launch {
    bin: PathBuf,
    args: Vec<String>,
    echo_stderr: bool,
    events: Sender<Event>,
}

/// The running node processes of one test.
pub struct Nodes {
    procs: Vec<Proc>,
    launch: Launch,
    /// CPU seconds used by incarnations that were killed.
    gone_cpu_s: f64,
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
        let mut nodes = Nodes {
            procs: Vec::new(),
            launch: Launch {
                bin: bin.to_path_buf(),
                args: args.to_vec(),
                echo_stderr,
                events: tx,
            },
            gone_cpu_s: 0.0,
        };
        for (i, id) in ids.iter().enumerate() {
            let log = log_dir.join(format!("{id}.log"));
            File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
            let p = nodes.launch.start(i, id, log, 0)?;
            nodes.procs.push(p);
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

    /// True when `incarnation` is node `i`'s running process: not one the
    /// nemesis killed (or replaced since).
    pub fn is_current(&self, i: usize, incarnation: u32) -> bool {
        self.procs
            .get(i)
            .is_some_and(|p| p.incarnation == incarnation && !p.down)
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

    /// Node `i`'s process, if it is still running (not reaped): the only
    /// processes it is safe to signal, since their pid cannot have been reused.
    fn running(&mut self, i: usize) -> Result<&mut Proc, String> {
        let p = self
            .procs
            .get_mut(i)
            .ok_or_else(|| format!("no node {i}"))?;
        if p.down {
            return Err(format!("{} is down", p.id));
        }
        if p.status.is_none()
            && let Ok(Some(s)) = p.child.try_wait()
        {
            p.status = Some(s);
        }
        match p.status {
            Some(s) => Err(format!("{} had already exited ({s})", p.id)),
            None => Ok(p),
        }
    }

    /// SIGKILLs node `i` (the nemesis's kill) and reaps it; its stdin is dropped
    /// and it counts as down until [`Nodes::restart`]. An error when it had
    /// already exited on its own (a crash, reported as such) or is down.
    pub fn kill(&mut self, i: usize) -> Result<(), String> {
        let p = self.running(i)?;
        let cpu = io::proc_cpu_seconds(p.child.id());
        p.child
            .kill()
            .map_err(|e| format!("cannot kill {}: {e}", p.id))?;
        p.status = p.child.wait().ok();
        p.stdin = None;
        // The writer ends on its own: its queue or the pipe is closed.
        p.writer = None;
        p.down = true;
        self.gone_cpu_s += cpu;
        Ok(())
    }

    /// Sends `signal` to node `i` with the `kill` command (std has no portable
    /// SIGSTOP). An error when the node is not running or the signal failed.
    pub fn signal(&mut self, i: usize, signal: Signal) -> Result<(), String> {
        let p = self.running(i)?;
        let pid = p.child.id().to_string();
        let out = Command::new("kill")
            .args(["-s", signal.name(), &pid])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run kill -s {}: {e}", signal.name()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "kill -s {} {pid} ({}): {}",
                signal.name(),
                p.id,
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// Starts node `i` again after a kill: the same command, a fresh process (a
    /// new incarnation), its stderr appended to the same log after a marker line.
    pub fn restart(&mut self, i: usize) -> Result<(), String> {
        let Some(old) = self.procs.get(i) else {
            return Err(format!("no node {i}"));
        };
        if !old.down {
            return Err(format!("{} is not down", old.id));
        }
        let (id, log, incarnation) = (old.id.clone(), old.log.clone(), old.incarnation + 1);
        if let Ok(mut f) = OpenOptions::new().append(true).open(&log) {
            let _ = writeln!(
                f,
                "--- raft-kv test: {id} killed; restarted (incarnation {incarnation}) ---"
            );
        }
        let p = self.launch.start(i, &id, log, incarnation)?;
        self.procs[i] = p;
        Ok(())
    }

    /// The last `n` lines of node `i`'s log.
    pub fn log_tail(&self, i: usize, n: usize) -> String {
        self.procs
            .get(i)
            .map(|p| tail(&p.log, n))
            .unwrap_or_default()
    }

    /// CPU time (user + system) the node processes have used so far, in seconds,
    /// killed incarnations included, from /proc (0 where it cannot be read, e.g.
    /// not on Linux).
    pub fn cpu_seconds(&self) -> f64 {
        self.gone_cpu_s
            + self
                .procs
                .iter()
                .filter(|p| !p.down)
                .map(|p| io::proc_cpu_seconds(p.child.id()))
                .sum::<f64>()
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

impl Launch {
    /// Starts incarnation `incarnation` of node `id` (index `i`), its stderr
    /// appended to `log`.
    fn start(&self, i: usize, id: &str, log: PathBuf, incarnation: u32) -> Result<Proc, String> {
        let stderr = OpenOptions::new()
            .append(true)
            .open(&log)
            .map_err(|e| format!("cannot open {}: {e}", log.display()))?;
        let mut child = Command::new(&self.bin)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if self.echo_stderr {
                Stdio::piped()
            } else {
                Stdio::from(stderr.try_clone().map_err(|e| e.to_string())?)
            })
            .spawn()
            .map_err(|e| format!("cannot start node {id} from {}: {e}", self.bin.display()))?;
        if let Some(err) = child.stderr.take() {
            let id = id.to_owned();
            std::thread::spawn(move || io::echo_lines(&id, err, stderr));
        }
        let (Some(stdout), Some(stdin)) = (child.stdout.take(), child.stdin.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("node {id}: no stdin/stdout pipe"));
        };
        let events = self.events.clone();
        std::thread::spawn(move || io::read_lines(i, incarnation, stdout, events));
        let (line_tx, line_rx) = mpsc::channel::<String>();
        let writer = std::thread::spawn(move || io::write_lines(stdin, line_rx));
        Ok(Proc {
            id: id.to_owned(),
            child,
            stdin: Some(line_tx),
            writer: Some(writer),
            log,
            status: None,
            incarnation,
            down: false,
        })
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
