//! From a request's URL to its reply, without a socket (so every route is tested
//! directly):
//!
//! - `/`: the index of runs;
//! - `/runs/<workload>/<run>/`: a run's page;
//! - `/runs/<workload>/<run>/timeline?page=N`: one timeline page (0-based);
//! - `/runs/<workload>/<run>/files/<path>`: a file of the run (`?download` to
//!   save it).
//!
//! Anything else is 404; a method other than GET or HEAD is 405.

use super::pages;
use super::paths::{percent_decode, resolve};
use super::runs::{self, RunInfo};
use crate::check::history::History;
use crate::harness::runner::{NodeFaultSpan, PartitionSpan};
use crate::harness::timeline;
use std::path::Path;

/// A reply: status, headers, body.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    fn html(status: u16, body: String) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
            body: body.into_bytes(),
        }
    }

    fn not_found(what: &str) -> Reply {
        Reply::html(
            404,
            pages::page(
                "not found",
                &format!(
                    "<p><a href=\"/\">all runs</a></p><h1>Not found</h1><p>{}</p>",
                    crate::harness::plot::escape(what)
                ),
            ),
        )
    }
}

/// The reply to a GET (or HEAD, `get` true) of `url` on `store`.
pub fn handle(store: &Path, get: bool, url: &str) -> Reply {
    if !get {
        return Reply {
            status: 405,
            headers: vec![("Allow".into(), "GET, HEAD".into())],
            body: b"read-only: GET or HEAD only\n".to_vec(),
        };
    }
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let Some(segments) = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect::<Option<Vec<String>>>()
    else {
        return Reply::not_found("malformed path");
    };
    match segments.as_slice() {
        [] => Reply::html(200, pages::index(store, &runs::list(store))),
        [runs_, workload, id, rest @ ..] if runs_ == "runs" => {
            let Some(dir) = resolve(store, &[workload.clone(), id.clone()]) else {
                return Reply::not_found("no such run");
            };
            if !dir.is_dir() {
                return Reply::not_found("no such run");
            }
            let run = RunInfo {
                workload: workload.clone(),
                id: id.clone(),
                results: runs::read_results(&dir),
                dir,
            };
            match rest {
                [] => {
                    let pages = history(&run.dir).map_or(1, |h| timeline::page_count(&h));
                    Reply::html(200, pages::run(&run, pages))
                }
                [t] if t == "timeline" => timeline_page(&run, query),
                [files, path @ ..] if files == "files" && !path.is_empty() => {
                    let mut segs = vec![workload.clone(), id.clone()];
                    segs.extend(path.iter().cloned());
                    file(store, &segs, query == "download")
                }
                _ => Reply::not_found("no such page"),
            }
        }
        _ => Reply::not_found("no such page"),
    }
}

fn history(dir: &Path) -> Option<History> {
    let f = std::fs::File::open(dir.join("history.jsonl")).ok()?;
    History::read_jsonl(std::io::BufReader::new(f)).ok()
}

fn timeline_page(run: &RunInfo, query: &str) -> Reply {
    let Some(h) = history(&run.dir) else {
        return Reply::not_found("this run has no readable history.jsonl");
    };
    let page = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("page="))
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(0);
    let mut partitions: Vec<PartitionSpan> =
        serde_json::from_value(run.results["partitions"].clone()).unwrap_or_default();
    let faults: Vec<NodeFaultSpan> =
        serde_json::from_value(run.results["node_faults"].clone()).unwrap_or_default();
    partitions.extend(
        faults
            .iter()
            .filter(|f| !f.nodes.is_empty())
            .map(NodeFaultSpan::band),
    );
    let duration = (run.results["stats"]["duration_s"].as_f64().unwrap_or(0.0) * 1e6) as u64;
    let duration = duration.max(h.ops.last().map_or(0, |o| o.time));
    Reply::html(
        200,
        timeline::page_html(&h, &partitions, duration, page, &|p| {
            format!("timeline?page={p}")
        }),
    )
}

fn file(store: &Path, segments: &[String], download: bool) -> Reply {
    let Some(path) = resolve(store, segments).filter(|p| p.is_file()) else {
        return Reply::not_found("no such file");
    };
    let Ok(body) = std::fs::read(&path) else {
        return Reply::not_found("unreadable file");
    };
    let name = segments.last().cloned().unwrap_or_default();
    let mut headers = vec![("Content-Type".into(), content_type(&name).into())];
    if download {
        headers.push((
            "Content-Disposition".into(),
            format!("attachment; filename=\"{}\"", name.replace('"', "")),
        ));
    }
    Reply {
        status: 200,
        headers,
        body,
    }
}

/// The content type of a stored file, by extension.
pub fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, e)| e) {
        Some("svg") => "image/svg+xml",
        Some("html") => "text/html; charset=utf-8",
        Some("json") => "application/json",
        _ => "text/plain; charset=utf-8",
    }
}
