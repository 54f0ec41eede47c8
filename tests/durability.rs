//! A real node process with `--data-dir`, killed with SIGKILL and started again,
//! still has what it acknowledged; without `--data-dir` it comes back empty.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

const INIT: &str = r#"{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}"#;

fn start(data_dir: Option<&Path>) -> (Child, BufReader<ChildStdout>) {
    start_with(&[], data_dir)
}

/// Starts raft-kv with `args` (and `--data-dir`, if given).
fn start_with(args: &[&str], data_dir: Option<&Path>) -> (Child, BufReader<ChildStdout>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_raft-kv"));
    cmd.args(args);
    if let Some(d) = data_dir {
        cmd.arg("--data-dir").arg(d);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("raft-kv starts");
    let out = BufReader::new(child.stdout.take().expect("stdout"));
    (child, out)
}

/// Sends `line` and returns the next line the node prints.
fn ask(child: &mut Child, out: &mut BufReader<ChildStdout>, line: &str) -> String {
    let stdin = child.stdin.as_mut().expect("stdin");
    writeln!(stdin, "{line}").expect("node reads");
    stdin.flush().expect("flush");
    let mut reply = String::new();
    out.read_line(&mut reply).expect("node answers");
    reply
}

fn write_then_kill_then_read(data_dir: Option<&Path>) -> String {
    let (mut child, mut out) = start(data_dir);
    assert!(ask(&mut child, &mut out, INIT).contains("init_ok"));
    let w = r#"{"src":"c1","dest":"n1","body":{"type":"write","msg_id":2,"key":"x","value":42}}"#;
    assert!(ask(&mut child, &mut out, w).contains("write_ok"));
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let (mut child, mut out) = start(data_dir);
    assert!(ask(&mut child, &mut out, INIT).contains("init_ok"));
    let r = r#"{"src":"c1","dest":"n1","body":{"type":"read","msg_id":3,"key":"x"}}"#;
    let reply = ask(&mut child, &mut out, r);
    let _ = child.kill();
    let _ = child.wait();
    reply
}

#[test]
fn an_acknowledged_write_survives_sigkill_with_a_data_dir() {
    let dir = std::env::temp_dir().join(format!("raft-kv-durability-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let reply = write_then_kill_then_read(Some(&dir));
    assert!(
        reply.contains(r#""type":"read_ok""#) && reply.contains(r#""value":42"#),
        "{reply}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_a_data_dir_a_killed_node_comes_back_empty() {
    let reply = write_then_kill_then_read(None);
    assert!(reply.contains(r#""code":20"#), "{reply}");
}

/// Sends `line` and returns the first line the node prints for `client`,
/// skipping the Raft messages it sends its (absent) peers meanwhile.
fn ask_as(client: &str, child: &mut Child, out: &mut BufReader<ChildStdout>, line: &str) -> String {
    let stdin = child.stdin.as_mut().expect("stdin");
    writeln!(stdin, "{line}").expect("node reads");
    stdin.flush().expect("flush");
    let dest = format!(r#""dest":"{client}""#);
    loop {
        let mut reply = String::new();
        let n = out.read_line(&mut reply).expect("node answers");
        assert!(n > 0, "the node closed its stdout");
        if reply.contains(&dest) {
            return reply;
        }
    }
}

/// g-set answers an add at once and replicates it later. A node that never
/// reaches a leader (its two peers do not exist) acknowledges an element, is
/// killed, and after its restart still holds it: the add was kept as a handoff
/// before the acknowledgement left, and is handed to the log again.
#[test]
fn an_element_acknowledged_before_replication_survives_sigkill() {
    let dir = std::env::temp_dir().join(format!("raft-kv-handoff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let start_gset = || start_with(&["--machine", "g-set"], Some(&dir));
    let init = r#"{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1","n2","n3"]}}"#;
    let (mut child, mut out) = start_gset();
    assert!(ask_as("c0", &mut child, &mut out, init).contains("init_ok"));
    let add = r#"{"src":"c1","dest":"n1","body":{"type":"add","msg_id":2,"element":7}}"#;
    assert!(ask_as("c1", &mut child, &mut out, add).contains("add_ok"));
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let (mut child, mut out) = start_gset();
    assert!(ask_as("c0", &mut child, &mut out, init).contains("init_ok"));
    let read = r#"{"src":"c1","dest":"n1","body":{"type":"read","msg_id":3}}"#;
    let reply = ask_as("c1", &mut child, &mut out, read);
    let _ = child.kill();
    let _ = child.wait();
    assert!(reply.contains(r#""value":[7]"#), "{reply}");
    let _ = std::fs::remove_dir_all(&dir);
}
