//! `raft-kv bench --memory`: does a node's memory stay flat over millions of
//! operations? Runs node processes (3 by default) wired together by a minimal
//! in-process router, drives lin-kv writes, cas and reads at full speed from a
//! fixed pool of clients (no history, no checking: only the nodes are measured),
//! and prints every node's resident set size at each tenth of the run. Run once
//! with the node's default compaction and once without (`--snapshot-entries 0`).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

/// One node process.
struct Proc {
    child: Child,
    stdin: BufWriter<ChildStdin>,
}

/// What one run measured.
pub struct MemoryRun {
    /// (operations done, RSS in MB of each node) at each tenth of the run.
    pub samples: Vec<(u64, Vec<f64>)>,
    pub ops_per_sec: f64,
    /// Requests given up after 5 s without an answer.
    pub timed_out: u64,
}

/// The resident set size of process `pid` in MB (Linux), or 0 when unknown.
fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The `dest` of a protocol line, without parsing the whole body.
fn dest_of(line: &str) -> Option<&str> {
    let i = line.find("\"dest\":\"")? + 8;
    let end = line[i..].find('"')?;
    Some(&line[i..i + end])
}

/// Runs `ops` operations against `nodes` node processes of `bin` with `node_args`.
pub fn run(
    bin: &std::path::Path,
    node_args: &[String],
    nodes: usize,
    ops: u64,
    concurrency: usize,
) -> Result<MemoryRun, String> {
    let ids: Vec<String> = (0..nodes).map(|i| format!("n{i}")).collect();
    let (tx, rx) = mpsc::channel::<String>();
    let mut procs = Vec::new();
    for _ in &ids {
        let mut child = Command::new(bin)
            .args(node_args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let stdin = BufWriter::new(child.stdin.take().ok_or("no stdin")?);
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        procs.push(Proc { child, stdin });
    }
    drop(tx);
    let send = |procs: &mut Vec<Proc>, to: &str, line: &str| -> Result<(), String> {
        let i: usize = to
            .trim_start_matches('n')
            .parse()
            .map_err(|_| format!("bad node {to}"))?;
        let p = procs.get_mut(i).ok_or(format!("no node {to}"))?;
        writeln!(p.stdin, "{line}").map_err(|e| format!("node {to} closed: {e}"))
    };
    for (i, id) in ids.iter().enumerate() {
        let init = format!(
            r#"{{"src":"c0","dest":"{id}","body":{{"type":"init","msg_id":{i},"node_id":"{id}","node_ids":{}}}}}"#,
            serde_json::to_string(&ids).unwrap_or_default()
        );
        send(&mut procs, id, &init)?;
    }
    for p in procs.iter_mut() {
        p.stdin.flush().map_err(|e| format!("node closed: {e}"))?;
    }
    let mut next_msg = 1_000u64;
    let request = |client: usize, msg_id: u64| -> (String, String) {
        let node = format!("n{}", client % nodes);
        let key = msg_id % 100;
        let body = match msg_id % 4 {
            0 | 1 => {
                format!(r#"{{"type":"write","msg_id":{msg_id},"key":{key},"value":{msg_id}}}"#)
            }
            2 => format!(
                r#"{{"type":"cas","msg_id":{msg_id},"key":{key},"from":{},"to":{msg_id}}}"#,
                msg_id - 2
            ),
            _ => format!(r#"{{"type":"read","msg_id":{msg_id},"key":{key}}}"#),
        };
        let line = format!(
            r#"{{"src":"c{}","dest":"{node}","body":{body}}}"#,
            client + 1
        );
        (node, line)
    };
    // Wait for the inits, then give every client its first request.
    let mut inits = 0;
    while inits < nodes {
        let line = rx.recv().map_err(|_| "nodes exited during init")?;
        if line.contains("init_ok") {
            inits += 1;
        }
    }
    let mut idle: VecDeque<usize> = (0..concurrency).collect();
    // When each client's request went out; a request unanswered for 5 s is given
    // up (a node may never answer one whose fate it cannot know).
    let mut sent_at: Vec<Option<Instant>> = vec![None; concurrency];
    let mut timed_out = 0u64;
    let mut done = 0u64;
    let mut samples = Vec::new();
    let started = Instant::now();
    let tenth = (ops / 10).max(1);
    while done < ops {
        while let Some(client) = idle.pop_front() {
            sent_at[client] = Some(Instant::now());
            next_msg += 1;
            let (node, line) = request(client, next_msg);
            send(&mut procs, &node, &line)?;
        }
        for p in procs.iter_mut() {
            p.stdin.flush().map_err(|e| format!("node closed: {e}"))?;
        }
        let first = match rx.recv_timeout(std::time::Duration::from_secs(1)) {
            Ok(line) => Some(line),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => return Err("every node exited".into()),
        };
        for (client, at) in sent_at.iter_mut().enumerate() {
            if at.is_some_and(|t| t.elapsed().as_secs() >= 5) {
                *at = None;
                timed_out += 1;
                idle.push_back(client);
            }
        }
        for line in first.into_iter().chain(rx.try_iter()) {
            let Some(dest) = dest_of(&line) else { continue };
            if let Some(client) = dest.strip_prefix('c') {
                // Any reply (ok or error) frees the client.
                if let Ok(c) = client.parse::<usize>()
                    && c >= 1
                    && sent_at.get(c - 1).is_some_and(Option::is_some)
                {
                    sent_at[c - 1] = None;
                    idle.push_back(c - 1);
                    done += 1;
                    if done.is_multiple_of(tenth) {
                        let rss = procs.iter().map(|p| rss_mb(p.child.id())).collect();
                        samples.push((done, rss));
                    }
                }
            } else {
                let dest = dest.to_owned();
                send(&mut procs, &dest, &line)?;
            }
        }
    }
    let ops_per_sec = done as f64 / started.elapsed().as_secs_f64().max(1e-9);
    for mut p in procs {
        drop(p.stdin);
        let _ = p.child.kill();
        let _ = p.child.wait();
    }
    Ok(MemoryRun {
        samples,
        ops_per_sec,
        timed_out,
    })
}

/// Prints one run as a table row per sample.
pub fn print(label: &str, run: &MemoryRun) {
    println!(
        "## memory: {label} ({:.0} answered ops/s, {} given up after 5 s)",
        run.ops_per_sec, run.timed_out
    );
    println!("| ops | RSS MB per node |");
    println!("|---:|---|");
    for (ops, rss) in &run.samples {
        let rss: Vec<String> = rss.iter().map(|r| format!("{r:.1}")).collect();
        println!("| {ops} | {} |", rss.join(" / "));
    }
    if let (Some(first), Some(last)) = (run.samples.first(), run.samples.last()) {
        let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
        println!(
            "last / 10 % sample (largest node): {:.2}",
            max(&last.1) / max(&first.1).max(0.1)
        );
    }
    println!();
}
