//! `timeline.html`: one column per client process, each operation a box from its
//! invocation to its completion, coloured by outcome, with the operation on hover.
//!
//! The run is cut into pages of [`PAGE_OPS`] operations (in invocation order). In
//! a page the vertical axis is event order, not time: every invocation and
//! completion gets its own row (its time in the margin), so a 1 ms operation is
//! as readable as a 5 s one. `timeline.html` holds at most [`MAX_STATIC_PAGES`]
//! pages (the first, the last, and evenly spread ones), so its size is bounded;
//! `raft-kv serve` renders any page of any run on demand ([`page_html`]).

use super::plot::{colour, escape};
use super::runner::PartitionSpan;
use crate::check::history::{History, Kind, Pair};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Operations per page.
pub const PAGE_OPS: usize = 500;
/// Most pages in the static `timeline.html`.
pub const MAX_STATIC_PAGES: usize = 6;
const ROW: f64 = 13.0;
const COL_W: f64 = 72.0;
const MARGIN: f64 = 70.0;
const HEADER: f64 = 20.0;

/// How many pages `history` makes.
pub fn page_count(history: &History) -> usize {
    let pairs = history.pairs().map_or(0, |p| p.len());
    pairs.div_ceil(PAGE_OPS).max(1)
}

/// The static `timeline.html`: a bounded selection of pages.
pub fn timeline_html(history: &History, partitions: &[PartitionSpan], duration: u64) -> String {
    let pairs = history.pairs().unwrap_or_default();
    let pages = pairs.len().div_ceil(PAGE_OPS).max(1);
    let chosen = chosen_pages(pages);
    let mut s = head("raft-kv timeline");
    let _ = writeln!(
        s,
        "<p>{} operations over {:.1} s in {pages} page(s) of up to {PAGE_OPS}. {}{}</p>",
        pairs.len(),
        duration as f64 / 1e6,
        legend(),
        if chosen.len() < pages {
            format!(
                " This file shows pages {}; <code>raft-kv serve</code> shows every page.",
                chosen
                    .iter()
                    .map(|p| (p + 1).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        s,
        "<p>{}</p>",
        chosen
            .iter()
            .map(|p| format!("<a href=\"#page-{}\">page {}</a>", p + 1, p + 1))
            .collect::<Vec<_>>()
            .join(" · ")
    );
    for &p in &chosen {
        let _ = writeln!(
            s,
            "<h3 id=\"page-{}\">Page {} of {pages}</h3>",
            p + 1,
            p + 1
        );
        page_body(&mut s, &pairs, p, partitions, duration);
    }
    s.push_str("</body></html>\n");
    s
}

/// One page of the timeline as a whole HTML document, with links to the others
/// made by `link(page)` (0-based).
pub fn page_html(
    history: &History,
    partitions: &[PartitionSpan],
    duration: u64,
    page: usize,
    link: &dyn Fn(usize) -> String,
) -> String {
    let pairs = history.pairs().unwrap_or_default();
    let pages = pairs.len().div_ceil(PAGE_OPS).max(1);
    let page = page.min(pages - 1);
    let mut s = head(&format!("timeline page {}", page + 1));
    let _ = writeln!(
        s,
        "<p>{} operations over {:.1} s, {PAGE_OPS} per page. {}</p>",
        pairs.len(),
        duration as f64 / 1e6,
        legend()
    );
    let mut nav = Vec::new();
    let mut shown = std::collections::BTreeSet::new();
    for p in [
        0,
        page.saturating_sub(2),
        page.saturating_sub(1),
        page,
        page + 1,
        page + 2,
        pages - 1,
    ] {
        if p < pages && shown.insert(p) {
            nav.push(p);
        }
    }
    let mut links = String::new();
    let mut last = None;
    for p in nav {
        if last.is_some_and(|l: usize| p > l + 1) {
            links.push_str(" … ");
        }
        if p == page {
            let _ = write!(links, " <b>{}</b> ", p + 1);
        } else {
            let _ = write!(links, " <a href=\"{}\">{}</a> ", escape(&link(p)), p + 1);
        }
        last = Some(p);
    }
    let _ = writeln!(s, "<p class=\"nav\">Page {links} of {pages}</p>");
    page_body(&mut s, &pairs, page, partitions, duration);
    s.push_str("</body></html>\n");
    s
}

/// Pages for the static file: all when few, else the first, the last and evenly
/// spread ones between.
fn chosen_pages(pages: usize) -> Vec<usize> {
    if pages <= MAX_STATIC_PAGES {
        return (0..pages).collect();
    }
    let mut out: Vec<usize> = (0..MAX_STATIC_PAGES)
        .map(|i| i * (pages - 1) / (MAX_STATIC_PAGES - 1))
        .collect();
    out.dedup();
    out
}

fn head(title: &str) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title>\n<style>\n\
body{{font-family:sans-serif;font-size:11px;margin:8px}}\n\
.page{{position:relative;margin-bottom:24px}}\n\
.op{{position:absolute;width:{}px;border-radius:2px;overflow:hidden;white-space:nowrap;color:white;font-size:9px;line-height:11px;box-sizing:border-box;border:1px solid rgba(0,0,0,.25);padding:0 2px}}\n\
.hdr{{position:absolute;top:0;width:{}px;text-align:center;font-weight:bold}}\n\
.part{{position:absolute;left:0;background:rgba(150,150,150,.22)}}\n\
.tick{{position:absolute;left:0;width:{}px;color:#666;font-size:9px}}\n\
</style></head><body>\n",
        escape(title),
        COL_W - 4.0,
        COL_W - 4.0,
        MARGIN - 6.0
    );
    s
}

fn legend() -> String {
    format!(
        "One column per client process, one box per operation from invocation to completion; rows are events in time order (time on the left), so short operations stay readable. <span style=\"color:{}\">ok</span> <span style=\"color:{}\">fail</span> <span style=\"color:{}\">info</span> (unknown outcome); bands: partitions (grey), kills (red), pauses (blue). Hover a box for the operation.",
        colour(Kind::Ok),
        colour(Kind::Fail),
        colour(Kind::Info)
    )
}

/// Draws page `page` of `pairs` into `s`.
fn page_body(
    s: &mut String,
    pairs: &[Pair<'_>],
    page: usize,
    partitions: &[PartitionSpan],
    duration: u64,
) {
    let ops = &pairs[(page * PAGE_OPS).min(pairs.len())..((page + 1) * PAGE_OPS).min(pairs.len())];
    // Every event's time, in order; an op spans from its invocation's row to
    // its completion's.
    let mut times: Vec<u64> = ops
        .iter()
        .flat_map(|p| [p.invoke.time, p.completion.map_or(duration, |c| c.time)])
        .collect();
    times.sort_unstable();
    times.dedup();
    let row = |t: u64| times.partition_point(|x| *x < t) as f64;
    let y = |r: f64| HEADER + r * ROW;
    let mut columns: BTreeMap<u64, usize> = BTreeMap::new();
    for p in ops {
        columns.entry(p.invoke.process).or_insert(0);
    }
    for (i, v) in columns.values_mut().enumerate() {
        *v = i;
    }
    let width = MARGIN + columns.len() as f64 * COL_W;
    let height = y(times.len() as f64) + ROW;
    let _ = writeln!(
        s,
        "<div class=\"page\" style=\"width:{width:.0}px;height:{height:.0}px\">"
    );
    let (first, last) = (
        times.first().copied().unwrap_or(0),
        times.last().copied().unwrap_or(0),
    );
    for p in partitions
        .iter()
        .filter(|p| p.end_us >= first && p.start_us <= last)
    {
        let (r0, r1) = (row(p.start_us), row(p.end_us));
        let _ = writeln!(
            s,
            "<div class=\"part\" style=\"top:{:.1}px;height:{:.1}px;width:{width:.0}px;background:{}40\" title=\"{}\"></div>",
            y(r0),
            ((r1 - r0) * ROW).max(2.0),
            super::plot::band_colour(&p.description),
            escape(&format!(
                "{} ({:.3}–{:.3} s)",
                p.description,
                p.start_us as f64 / 1e6,
                p.end_us as f64 / 1e6
            ))
        );
    }
    for (r, t) in times.iter().enumerate().step_by(4) {
        let _ = writeln!(
            s,
            "<div class=\"tick\" style=\"top:{:.1}px\">{:.3} s</div>",
            y(r as f64),
            *t as f64 / 1e6
        );
    }
    for (process, col) in &columns {
        let _ = writeln!(
            s,
            "<div class=\"hdr\" style=\"left:{:.0}px\">p{process}</div>",
            MARGIN + *col as f64 * COL_W
        );
    }
    for p in ops {
        let col = columns.get(&p.invoke.process).copied().unwrap_or(0);
        let end = p.completion.map_or(duration, |c| c.time);
        let kind = p.outcome();
        let value = p.completion.map_or(&p.invoke.value, |c| &c.value);
        let key = p
            .invoke
            .key
            .as_ref()
            .map_or(String::new(), |k| format!(" {k}"));
        let label = format!("{:?}{key} {value}", p.invoke.f).to_lowercase();
        let title = format!(
            "process {} {:?}{key}\ninvoke {} at {:.3} s\n{:?} {} at {:.3} s ({:.1} ms){}{}",
            p.invoke.process,
            p.invoke.f,
            p.invoke.value,
            p.invoke.time as f64 / 1e6,
            kind,
            value,
            end as f64 / 1e6,
            end.saturating_sub(p.invoke.time) as f64 / 1e3,
            p.completion
                .and_then(|c| c.error.as_ref())
                .map_or(String::new(), |e| format!("\nerror: {e}")),
            p.invoke
                .node
                .as_ref()
                .map_or(String::new(), |n| format!("\nnode: {n}")),
        );
        let (r0, r1) = (row(p.invoke.time), row(end));
        let _ = writeln!(
            s,
            "<div class=\"op\" style=\"left:{:.0}px;top:{:.1}px;height:{:.1}px;background:{}\" title=\"{}\">{}</div>",
            MARGIN + col as f64 * COL_W,
            y(r0),
            ((r1 - r0) * ROW + ROW - 1.0).max(ROW - 1.0),
            colour(kind),
            escape(&title),
            escape(&label)
        );
    }
    s.push_str("</div>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::history::{F, Op};
    use serde_json::json;

    fn history(n: u64) -> History {
        let mut h = History::default();
        for i in 0..n {
            for (t, kind) in [(i * 10, Kind::Invoke), (i * 10 + 5, Kind::Ok)] {
                h.push(Op {
                    time: t,
                    ..Op::new(i % 3, kind, F::Write, Some(json!("<k>")), json!(i)).with_node("n1")
                });
            }
        }
        h
    }

    #[test]
    fn one_box_per_operation_with_escaped_titles() {
        let h = history(4);
        let html = timeline_html(&h, &[], 1_000);
        assert_eq!(html.matches("class=\"op\"").count(), 4);
        assert_eq!(html.matches("class=\"hdr\"").count(), 3);
        assert!(html.contains("&quot;&lt;k&gt;&quot;"));
        assert!(!html.contains("\"<k>\""));
    }

    #[test]
    fn long_runs_are_paged_and_the_static_file_is_bounded() {
        let h = history(100 * PAGE_OPS as u64);
        assert_eq!(page_count(&h), 100);
        let html = timeline_html(&h, &[], 10_000_000);
        assert_eq!(
            html.matches("class=\"op\"").count(),
            MAX_STATIC_PAGES * PAGE_OPS
        );
        assert!(html.contains("raft-kv serve"), "says where the rest is");
        assert!(html.contains("id=\"page-100\""), "the last page is there");
        let page = page_html(&h, &[], 10_000_000, 49, &|p| format!("?page={p}"));
        assert_eq!(page.matches("class=\"op\"").count(), PAGE_OPS);
        assert!(page.contains("<b>50</b>") && page.contains("href=\"?page=50\""));
        assert!(page.contains("href=\"?page=99\"") && page.contains("href=\"?page=0\""));
        // Fast operations get a whole row: no box is thinner than a row.
        assert!(!page.contains("height:0"));
    }
}
