//! Progress on stderr: a `\r` status line about 4×/s on a terminal, a plain line
//! every 5 s otherwise, nothing with `--no-progress`. Faults are shown as they
//! happen, as lines of their own (above the status line on a terminal).

use crate::check::history::{History, Kind};
use std::io::{IsTerminal, Write};

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Redrawn in place.
    Tty,
    /// One line per period.
    Plain,
    /// Nothing.
    Off,
}

impl Mode {
    /// Tty when stderr is a terminal, else Plain; Off when disabled.
    pub fn detect(disabled: bool) -> Mode {
        if disabled {
            Mode::Off
        } else if std::io::stderr().is_terminal() {
            Mode::Tty
        } else {
            Mode::Plain
        }
    }
}

/// Progress state: counts completions incrementally.
pub struct Progress {
    mode: Mode,
    next_at: u64,
    scanned: usize,
    ok: u64,
    fail: u64,
    info: u64,
    drawn: bool,
}

impl Progress {
    /// Starts showing progress in `mode`.
    pub fn new(mode: Mode) -> Progress {
        Progress {
            mode,
            next_at: 0,
            scanned: 0,
            ok: 0,
            fail: 0,
            info: 0,
            drawn: false,
        }
    }

    fn period(&self) -> u64 {
        match self.mode {
            Mode::Tty => 250_000,
            _ => 5_000_000,
        }
    }

    /// When the next update is due (µs, same clock as `update`), if ever.
    pub fn next_at(&self) -> Option<u64> {
        (self.mode != Mode::Off).then_some(self.next_at)
    }

    /// Redraws if due. `now` and `limit` are µs since the clients started.
    pub fn update(&mut self, now: u64, limit: u64, history: &History, partition: &str) {
        if self.mode == Mode::Off || now < self.next_at {
            return;
        }
        self.next_at = now + self.period();
        for op in &history.ops[self.scanned.min(history.ops.len())..] {
            match op.kind {
                Kind::Ok => self.ok += 1,
                Kind::Fail => self.fail += 1,
                Kind::Info => self.info += 1,
                Kind::Invoke => {}
            }
        }
        self.scanned = history.ops.len();
        let line = format!(
            "{:>5.1}/{:.0}s  ok {}  fail {}  info {}  net: {}",
            now as f64 / 1e6,
            limit as f64 / 1e6,
            self.ok,
            self.fail,
            self.info,
            partition
        );
        let mut err = std::io::stderr().lock();
        match self.mode {
            Mode::Tty => {
                let _ = write!(err, "\r\x1b[2K{line}");
                self.drawn = true;
            }
            Mode::Plain => {
                let _ = writeln!(err, "{line}");
            }
            Mode::Off => {}
        }
        let _ = err.flush();
    }

    /// Shows `line` (a fault starting or ending) at once, on a line of its own;
    /// the status line is redrawn at its next update.
    pub fn notice(&mut self, line: &str) {
        let mut err = std::io::stderr().lock();
        match self.mode {
            Mode::Tty => {
                let _ = writeln!(err, "\r\x1b[2K{line}");
                self.next_at = 0;
            }
            Mode::Plain => {
                let _ = writeln!(err, "{line}");
            }
            Mode::Off => {}
        }
        let _ = err.flush();
    }

    /// Clears the status line.
    pub fn finish(&mut self) {
        if self.drawn {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
            self.drawn = false;
        }
    }
}
