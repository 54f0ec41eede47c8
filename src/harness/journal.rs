//! The network journal: the first messages of a run (who sent what to whom, when
//! it was sent and when it arrived or was dropped), kept for the Lamport diagram
//! (`messages.svg`), and the `--log-net-send` / `--log-net-recv` lines on stderr.
//! Bounded: after [`MAX_ENTRIES`] messages it only counts.

use serde::Serialize;

/// Most messages kept.
pub const MAX_ENTRIES: usize = 1_000;
/// Longest kept copy of a message.
const MAX_TEXT: usize = 300;

/// What became of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Fate {
    /// Still travelling (or the run ended first).
    InFlight,
    /// Delivered at this time (µs on the run's clock).
    Delivered(u64),
    /// Cut by a partition, or its destination node was down, at this time (µs).
    Dropped(u64),
}

/// One message.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entry {
    /// Sent at (µs on the run's clock).
    pub sent: u64,
    pub src: String,
    pub dest: String,
    /// The body's `type`.
    pub kind: String,
    /// The message as sent, cut to a few hundred characters.
    pub text: String,
    pub fate: Fate,
}

/// The journal of one run.
#[derive(Clone, Debug, Default)]
pub struct Journal {
    entries: Vec<Entry>,
    /// Messages seen, kept or not.
    total: u64,
    log_send: bool,
    log_recv: bool,
}

impl Journal {
    /// A journal that also logs sends and/or receipts on stderr.
    pub fn new(log_send: bool, log_recv: bool) -> Journal {
        Journal {
            log_send,
            log_recv,
            ..Journal::default()
        }
    }

    /// Notes a message sent at `now`; returns its entry number if kept. `line`
    /// renders the message, only when it is logged or kept.
    pub fn sent(
        &mut self,
        now: u64,
        src: &str,
        dest: &str,
        line: impl FnOnce() -> String,
    ) -> Option<usize> {
        self.total += 1;
        if !self.log_send && self.entries.len() >= MAX_ENTRIES {
            return None;
        }
        let line = line();
        if self.log_send {
            eprintln!("{:>10.3} s send {src} -> {dest} {line}", now as f64 / 1e6);
        }
        if self.entries.len() >= MAX_ENTRIES {
            return None;
        }
        self.entries.push(Entry {
            sent: now,
            src: src.into(),
            dest: dest.into(),
            kind: body_type(&line).unwrap_or("?").into(),
            text: cut(&line),
            fate: Fate::InFlight,
        });
        Some(self.entries.len() - 1)
    }

    /// Notes that message `id` (from [`Journal::sent`]) arrived at `now`.
    /// `line` renders the message, only when it is logged.
    pub fn delivered(
        &mut self,
        now: u64,
        id: Option<usize>,
        src: &str,
        dest: &str,
        line: impl FnOnce() -> String,
    ) {
        if self.log_recv {
            eprintln!(
                "{:>10.3} s recv {src} -> {dest} {}",
                now as f64 / 1e6,
                line()
            );
        }
        if let Some(e) = id.and_then(|i| self.entries.get_mut(i)) {
            e.fate = Fate::Delivered(now);
        }
    }

    /// Notes that message `id` was dropped at `now`.
    pub fn dropped(&mut self, now: u64, id: Option<usize>) {
        if let Some(e) = id.and_then(|i| self.entries.get_mut(i)) {
            e.fate = Fate::Dropped(now);
        }
    }

    /// The kept messages, in send order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// How many messages were sent in all.
    pub fn total(&self) -> u64 {
        self.total
    }
}

/// The body's `"type"` in a message line, found without parsing the whole line.
pub fn body_type(line: &str) -> Option<&str> {
    let at = line.find("\"type\"")? + 6;
    let rest = line[at..].trim_start().strip_prefix(':')?.trim_start();
    let rest = rest.strip_prefix('"')?;
    rest.find('"').map(|end| &rest[..end])
}

fn cut(line: &str) -> String {
    if line.len() <= MAX_TEXT {
        return line.to_owned();
    }
    let mut end = MAX_TEXT;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &line[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_messages_and_their_fates() {
        let mut j = Journal::new(false, false);
        let line = r#"{"src":"n0","dest":"n1","body":{"type": "append_entries","msg_id":1}}"#;
        let a = j.sent(10, "n0", "n1", || line.into());
        let b = j.sent(20, "n1", "n0", || line.into());
        j.delivered(15, a, "n0", "n1", || line.into());
        j.dropped(25, b);
        assert_eq!(j.entries()[0].fate, Fate::Delivered(15));
        assert_eq!(j.entries()[1].fate, Fate::Dropped(25));
        assert_eq!(j.entries()[0].kind, "append_entries");
        for _ in 0..MAX_ENTRIES + 5 {
            j.sent(30, "n0", "n1", || "x".repeat(1000));
        }
        assert_eq!(j.entries().len(), MAX_ENTRIES);
        assert_eq!(j.total(), MAX_ENTRIES as u64 + 7);
        assert!(j.entries()[2].text.len() < 400);
        assert_eq!(body_type(r#"{"body":{"type":"read"}}"#), Some("read"));
        assert_eq!(body_type("nope"), None);
    }
}
