//! Reading protocol lines from stdin on the loop's own thread: `poll(2)` waits for
//! input or the next deadline, and one `read(2)` takes everything that arrived, so
//! a busy node handles many lines per wake-up and no thread hands lines over.

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use std::io;
use std::time::Duration;

/// Longest line the node accepts (64 MiB): a longer one is skipped up to its
/// newline and reported, so no sender can make the buffer grow without bound.
pub const MAX_LINE: usize = 64 << 20;

/// Bytes asked of the kernel per `read(2)`.
const READ_CHUNK: usize = 1 << 16;

/// What a wait for input ended with.
#[derive(Debug, PartialEq, Eq)]
pub enum Input {
    /// Bytes arrived (possibly without a whole line yet).
    Data,
    /// The timeout passed with nothing to read.
    Timeout,
    /// stdin reached its end.
    Closed,
}

/// Whole lines from a file descriptor, in arrival order.
pub struct LineReader<F> {
    fd: F,
    buf: Vec<u8>,
    /// Start of the first line not yet handed out.
    start: usize,
    /// Inside a line longer than [`MAX_LINE`]: drop bytes up to its newline.
    skipping: bool,
    /// Lines skipped for their length (for the log).
    skipped: u64,
}

impl<F: rustix::fd::AsFd> LineReader<F> {
    /// Reads lines from `fd`.
    pub fn new(fd: F) -> LineReader<F> {
        LineReader {
            fd,
            buf: Vec::with_capacity(READ_CHUNK),
            start: 0,
            skipping: false,
            skipped: 0,
        }
    }

    /// Waits at most `timeout` for input, then reads what is there.
    pub fn wait(&mut self, timeout: Duration) -> io::Result<Input> {
        let mut fds = [PollFd::new(&self.fd, PollFlags::IN)];
        let timespec = Timespec::try_from(timeout).unwrap_or(Timespec {
            tv_sec: 1,
            tv_nsec: 0,
        });
        match poll(&mut fds, Some(&timespec)) {
            Ok(0) => return Ok(Input::Timeout),
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => return Ok(Input::Timeout),
            Err(e) => return Err(e.into()),
        }
        self.fill()
    }

    /// One `read(2)` into the buffer.
    fn fill(&mut self) -> io::Result<Input> {
        // Shift the unread tail to the front before growing.
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let len = self.buf.len();
        self.buf.reserve(READ_CHUNK);
        let n = loop {
            // Reads into the spare capacity: nothing is zeroed first.
            match rustix::io::read(&self.fd, rustix::buffer::spare_capacity(&mut self.buf)) {
                Ok(n) => break n,
                Err(rustix::io::Errno::INTR) => continue,
                Err(rustix::io::Errno::AGAIN) => return Ok(Input::Timeout),
                Err(e) => return Err(e.into()),
            }
        };
        debug_assert_eq!(self.buf.len(), len + n);
        if n == 0 {
            return Ok(Input::Closed);
        }
        self.bound(len);
        Ok(Input::Data)
    }

    /// Drops every line longer than [`MAX_LINE`], complete or not, so that at
    /// most one partial line of that size is kept. `new_from` is where this
    /// read's bytes start.
    fn bound(&mut self, new_from: usize) {
        if self.skipping {
            match self.buf[new_from..].iter().position(|b| *b == b'\n') {
                Some(i) => {
                    self.buf.drain(new_from..=new_from + i);
                    self.skipping = false;
                }
                None => {
                    self.buf.truncate(new_from);
                    return;
                }
            }
        }
        let mut line_start = self.buf[self.start..new_from]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(self.start, |i| self.start + i + 1);
        let mut from = new_from;
        while let Some(i) = self.buf[from..].iter().position(|b| *b == b'\n') {
            let newline = from + i;
            if newline - line_start > MAX_LINE {
                self.buf.drain(line_start..=newline);
                self.skipped += 1;
                from = line_start;
            } else {
                line_start = newline + 1;
                from = line_start;
            }
        }
        if self.buf.len() - line_start > MAX_LINE {
            self.buf.truncate(line_start);
            self.skipping = true;
            self.skipped += 1;
        }
    }

    /// Hands out every complete line (without `\n` or `\r\n`), in order.
    pub fn lines(&mut self) -> Lines<'_> {
        let end = self.buf[self.start..]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(self.start, |i| self.start + i + 1);
        let lines = Lines {
            rest: &self.buf[self.start..end],
        };
        self.start = end;
        lines
    }

    /// The bytes of an unterminated last line, once stdin closed.
    pub fn rest(&mut self) -> Option<&[u8]> {
        let rest = &self.buf[self.start..];
        self.start = self.buf.len();
        (!rest.is_empty() && !self.skipping).then_some(rest)
    }

    /// Lines dropped for being longer than [`MAX_LINE`] since the last call.
    pub fn take_skipped(&mut self) -> u64 {
        std::mem::take(&mut self.skipped)
    }
}

/// Complete lines of one read.
pub struct Lines<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let i = self.rest.iter().position(|b| *b == b'\n')?;
        let mut line = &self.rest[..i];
        self.rest = &self.rest[i + 1..];
        if let [head @ .., b'\r'] = line {
            line = head;
        }
        Some(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    fn collect(r: &mut LineReader<UnixStream>) -> Vec<String> {
        r.lines()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect()
    }

    #[test]
    fn splits_lines_across_reads_and_keeps_partial_ones() {
        let (mut tx, rx) = UnixStream::pair().unwrap();
        let mut r = LineReader::new(rx);
        tx.write_all(b"one\ntwo\r\nthr").unwrap();
        assert_eq!(r.wait(Duration::from_secs(5)).unwrap(), Input::Data);
        assert_eq!(collect(&mut r), ["one", "two"]);
        tx.write_all(b"ee\n").unwrap();
        assert_eq!(r.wait(Duration::from_secs(5)).unwrap(), Input::Data);
        assert_eq!(collect(&mut r), ["three"]);
        assert_eq!(
            r.wait(Duration::from_millis(1)).unwrap(),
            Input::Timeout,
            "nothing more was written"
        );
        tx.write_all(b"last").unwrap();
        drop(tx);
        assert_eq!(r.wait(Duration::from_secs(5)).unwrap(), Input::Data);
        assert!(collect(&mut r).is_empty());
        assert_eq!(r.wait(Duration::from_secs(5)).unwrap(), Input::Closed);
        assert_eq!(r.rest(), Some(&b"last"[..]));
    }

    #[test]
    fn skips_a_line_longer_than_the_limit_and_keeps_the_next() {
        let (mut tx, rx) = UnixStream::pair().unwrap();
        let mut r = LineReader::new(rx);
        let writer = std::thread::spawn(move || {
            tx.write_all(b"a\n").unwrap();
            tx.write_all(&vec![b'x'; MAX_LINE + 10]).unwrap();
            tx.write_all(b"\nb\n").unwrap();
        });
        let mut got = Vec::new();
        loop {
            match r.wait(Duration::from_secs(5)).unwrap() {
                Input::Closed => break,
                _ => got.extend(collect(&mut r)),
            }
            assert!(r.buf.len() <= MAX_LINE + 2 * READ_CHUNK, "buffer bounded");
        }
        writer.join().unwrap();
        let lengths: Vec<usize> = got.iter().map(String::len).collect();
        assert!(got == ["a", "b"], "line lengths {lengths:?}");
        assert_eq!(r.take_skipped(), 1);
    }
}
