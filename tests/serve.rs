//! `raft-kv serve` over a real store: a short run of a scripted node is stored,
//! the server is started on a free port, and its routes are fetched over HTTP.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_raft-kv");

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A store `name` holding one run of the single-node map fixture, and the run's
/// URL path.
fn store_with_a_run(name: &str) -> (PathBuf, String) {
    let store = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&store);
    let bin = format!(
        "{}/tests/fixtures/single_map.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = Command::new(BIN)
        .args([
            "test",
            "--bin",
            &bin,
            "--node-count",
            "1",
            "--time-limit",
            "1",
        ])
        .args(["--rate", "50", "--no-progress", "--store"])
        .arg(&store)
        .output()
        .expect("raft-kv test runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = std::fs::canonicalize(store.join("latest")).unwrap();
    let id = run.file_name().unwrap().to_string_lossy().into_owned();
    // A file just outside the store, which no URL may reach.
    std::fs::write(store.parent().unwrap().join("secret.txt"), "secret").unwrap();
    (store, format!("/runs/lin-kv/{id}/"))
}

fn start(store: &Path) -> (Server, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0", "--store"])
        .arg(store)
        .stdout(Stdio::piped())
        .spawn()
        .expect("raft-kv serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|a| a.trim().strip_suffix('/'))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    (Server(child), addr)
}

/// (status, headers, body) of `METHOD path`.
fn request(addr: &str, method: &str, path: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(s, "{method} {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_lowercase(), body.to_owned())
}

#[test]
fn serves_the_index_a_run_its_files_and_nothing_else() {
    let (store, run) = store_with_a_run("serve-store");
    let (_server, addr) = start(&store);
    let get = |p: &str| request(&addr, "GET", p);

    let (status, head, body) = get("/");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(body.contains(&format!("href=\"{run}\"")), "{body}");
    assert!(
        body.contains("class=\"valid\""),
        "validity coloured: {body}"
    );

    let (status, _, body) = get(&run);
    assert_eq!(status, 200, "{body}");
    for part in [
        "Validity: <b>valid</b>",
        "well-formed",
        "linearizable",
        "src=\"files/latency-raw.svg\"",
        "src=\"files/rate.svg\"",
        "href=\"timeline?page=0\"",
        "href=\"files/node-logs/n0.log\"",
        "files/history.jsonl?download",
    ] {
        assert!(body.contains(part), "{part} missing from the run page");
    }

    let (status, head, body) = get(&format!("{run}files/latency-quantiles.svg"));
    assert_eq!(status, 200);
    assert!(
        head.contains("image/svg+xml") && body.starts_with("<svg"),
        "{head}"
    );
    let (status, head, _) = get(&format!("{run}files/history.jsonl?download"));
    assert_eq!(status, 200);
    assert!(head.contains("content-disposition: attachment"), "{head}");
    let (status, _, body) = get(&format!("{run}timeline?page=0"));
    assert_eq!(status, 200);
    assert!(body.contains("class=\"op\""), "{body}");

    // Missing runs and files, and every way out of the store.
    for path in [
        "/runs/lin-kv/19990101T000000.000Z/".to_string(),
        format!("{run}files/nope.svg"),
        format!("{run}files/../../../secret.txt"),
        format!("{run}files/%2e%2e/%2e%2e/%2e%2e/secret.txt"),
        "/runs/%2e%2e/secret.txt/".to_string(),
        "/runs/lin-kv/..%2f..%2fsecret.txt/".to_string(),
        "/elsewhere".to_string(),
    ] {
        let (status, _, body) = get(&path);
        assert_eq!(status, 404, "{path}: {body}");
        assert!(!body.contains("secret"), "{path} leaked: {body}");
    }
    let (status, _, _) = request(&addr, "POST", "/");
    assert_eq!(status, 405, "read-only");
}

/// The headless Chromium to render pages with: `$RAFT_KV_CHROMIUM`, else
/// `chromium` on the PATH. `None` when there is none (CI installs it).
fn chromium() -> Option<String> {
    let candidate = std::env::var("RAFT_KV_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    Command::new(&candidate)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| candidate)
}

/// Renders `url` headless: (DOM, console lines) and a screenshot at `png`.
fn render(browser: &str, url: &str, png: &Path) -> (String, Vec<String>) {
    let flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
    ];
    let shot = Command::new(browser)
        .args(flags)
        .arg("--window-size=1200,1600")
        .arg(format!("--screenshot={}", png.display()))
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        shot.status.success(),
        "{}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let dom = Command::new(browser)
        .args(flags)
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom", url])
        .output()
        .expect("chromium runs");
    let console = String::from_utf8_lossy(&dom.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_owned)
        .collect();
    (String::from_utf8_lossy(&dom.stdout).into_owned(), console)
}

// The index and a run page render in a real browser with their content and no
// console messages; the screenshots are kept in target/tmp/screenshots/.
#[test]
fn renders_in_a_headless_browser() {
    let Some(browser) = chromium() else {
        // .ci/run installs it when Debian's packages are reachable; the HTTP tests
        // above cover every route either way.
        eprintln!("skipped: no chromium (apt-get install chromium)");
        return;
    };
    let (store, run) = store_with_a_run("browser-store");
    let (_server, addr) = start(&store);
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for (name, path, expect) in [
        (
            "index",
            "/".to_string(),
            vec!["raft-kv test runs", "lin-kv", "valid"],
        ),
        (
            "run",
            run.clone(),
            vec![
                "Validity: <b>valid</b>",
                "linearizable",
                "latency-raw.svg",
                "Node logs",
            ],
        ),
        (
            "timeline",
            format!("{run}timeline?page=0"),
            vec!["class=\"op\""],
        ),
    ] {
        let png = shots.join(format!("{name}.png"));
        let (dom, console) = render(&browser, &format!("http://{addr}{path}"), &png);
        for e in expect {
            assert!(
                dom.contains(e),
                "{name}: {e} missing from the rendered page"
            );
        }
        assert!(console.is_empty(), "{name}: console says {console:?}");
        let size = std::fs::metadata(&png).map_or(0, |m| m.len());
        assert!(size > 10_000, "{name}: screenshot of {size} bytes");
    }
}
