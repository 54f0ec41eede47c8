//! The Raft log. Indexes are 1-based. A prefix may be compacted into a snapshot:
//! the log then starts after `offset` and remembers the term at `offset`, so
//! consistency checks at the boundary still work (Raft §7). Index 0 is the empty
//! prefix with term 0.

use super::data::Data;
use super::message::Entry;
use std::collections::VecDeque;

/// The replicated log (Figure 2: `log[]`), after the compacted prefix.
#[derive(Clone, Debug, Default)]
pub struct Log {
    /// Index of the last compacted entry (0 when nothing is compacted).
    offset: u64,
    /// Term of the entry at `offset`.
    offset_term: u64,
    entries: VecDeque<Entry>,
    /// Sum of the entries' sizes (see `entry_size`), for bounding message sizes.
    bytes: usize,
    /// `(term, first index)` of each run of equal terms among `entries`, in order:
    /// term lookups by term are a binary search, not a scan.
    runs: VecDeque<(u64, u64)>,
    /// Lowest index appended or overwritten since the last [`Log::take_unstable`].
    unstable_from: Option<u64>,
}

/// The outcome of offering entries from a leader to this log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppendOutcome {
    /// The log matches the leader's up to `last_new_index` (`prev + entries.len()`).
    Matched {
        /// `prev_log_index + entries.len()`: the last index this append verified.
        last_new_index: u64,
    },
    /// `prev_log_index` is past the end of our log.
    TooShort {
        /// Our last index.
        last_index: u64,
    },
    /// Our entry at `prev_log_index` has another term; `first_index_of_term` is where
    /// that term starts in our log, so the leader can skip it whole.
    TermMismatch {
        /// The term of our entry at `prev_log_index`.
        conflict_term: u64,
        /// The first index of `conflict_term` in our log.
        first_index_of_term: u64,
    },
}

/// Entries changed since the host last persisted the log: everything stored at or
/// after `from` is replaced by `entries` (which may be empty after a truncation).
#[derive(Clone, Debug, PartialEq)]
pub struct Unstable {
    /// The first index replaced.
    pub from: u64,
    /// The entries from `from` on, in order.
    pub entries: Vec<Entry>,
}

impl Log {
    /// An empty log.
    pub fn new() -> Log {
        Log::default()
    }

    /// A log recovered from storage: `entries` follow a snapshot ending at
    /// `offset` in `offset_term` (0 and 0 without one). Nothing is unstable.
    pub fn restore(offset: u64, offset_term: u64, entries: Vec<Entry>) -> Log {
        let mut log = Log {
            offset,
            offset_term,
            ..Log::default()
        };
        for e in entries {
            log.append(e);
        }
        log.unstable_from = None;
        log
    }

    /// Index of the last compacted entry (0 when nothing is compacted); the first
    /// entry still held is `offset + 1`.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Index of the first entry held.
    pub fn first_index(&self) -> u64 {
        self.offset + 1
    }

    /// Index of the last entry (the compaction offset when none is held).
    pub fn last_index(&self) -> u64 {
        self.offset + self.entries.len() as u64
    }

    /// Term of the last entry.
    pub fn last_term(&self) -> u64 {
        self.entries.back().map_or(self.offset_term, |e| e.term)
    }

    /// Number of entries held (after the compacted prefix).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no entry is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes of entry data held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Heap memory the held entries take, estimated from the allocator's side:
    /// the deque's slots (its whole capacity) and each payload's shared
    /// allocation (two reference counts, the text, and the allocator's 8-byte
    /// header, rounded up to 16 bytes).
    /// What `raft-kv bench --entries` divides by the entry count.
    pub fn heap_bytes(&self) -> usize {
        let slots = self.entries.capacity() * std::mem::size_of::<Entry>();
        let payloads: usize = self
            .entries
            .iter()
            .filter_map(|e| e.data.as_ref())
            .map(|d| (16 + d.len() + 8).next_multiple_of(16))
            .sum();
        slots + payloads
    }

    /// Term of the entry at `index`: known for the compaction offset and every entry
    /// held; `None` for compacted entries and past the end.
    pub fn term(&self, index: u64) -> Option<u64> {
        if index == self.offset {
            return Some(self.offset_term);
        }
        self.get(index).map(|e| e.term)
    }

    /// The entry at `index`, if held.
    pub fn get(&self, index: u64) -> Option<&Entry> {
        index
            .checked_sub(self.offset + 1)
            .and_then(|i| self.entries.get(i as usize))
    }

    /// Appends one entry at the end; returns its index.
    pub fn append(&mut self, entry: Entry) -> u64 {
        let index = self.last_index() + 1;
        if self.runs.back().is_none_or(|&(t, _)| t != entry.term) {
            self.runs.push_back((entry.term, index));
        }
        self.bytes += entry_size(&entry);
        self.entries.push_back(entry);
        self.mark_unstable(index);
        index
    }

    /// Removes the entry at `index` and everything after it. Compacted entries are
    /// committed and never removed.
    pub fn truncate_from(&mut self, index: u64) {
        let index = index.max(self.offset + 1);
        if index > self.last_index() {
            return;
        }
        let keep = (index - self.offset - 1) as usize;
        for entry in self.entries.drain(keep..) {
            self.bytes -= entry_size(&entry);
        }
        while self.runs.back().is_some_and(|&(_, start)| start >= index) {
            self.runs.pop_back();
        }
        self.mark_unstable(index);
    }

    /// Drops every entry up to and including `index` (which must be held or be the
    /// offset), remembering its term: log compaction after a snapshot at or beyond
    /// `index`.
    pub fn compact(&mut self, index: u64) {
        let Some(term) = self.term(index) else {
            return;
        };
        while self.offset < index {
            if let Some(entry) = self.entries.pop_front() {
                self.bytes -= entry_size(&entry);
            }
            self.offset += 1;
        }
        self.offset_term = term;
        while self.runs.len() > 1 && self.runs[1].1 <= index + 1 {
            self.runs.pop_front();
        }
        if self.entries.is_empty() {
            self.runs.clear();
        } else if let Some(run) = self.runs.front_mut() {
            run.1 = run.1.max(index + 1);
        }
    }

    /// Discards the whole log: it now starts after a snapshot ending at `index` in
    /// `term` (Figure 13, receiver rule 7).
    pub fn reset(&mut self, index: u64, term: u64) {
        self.entries.clear();
        self.runs.clear();
        self.bytes = 0;
        self.offset = index;
        self.offset_term = term;
        self.mark_unstable(index + 1);
    }

    fn mark_unstable(&mut self, index: u64) {
        self.unstable_from = Some(self.unstable_from.map_or(index, |u| u.min(index)));
    }

    /// Entries changed since the last call, for the host to persist.
    pub fn take_unstable(&mut self) -> Option<Unstable> {
        let from = self.unstable_from.take()?.max(self.offset + 1);
        Some(Unstable {
            from,
            entries: self.range(from, self.last_index()),
        })
    }

    /// Entries from `from` (inclusive), at most `max_entries` and, beyond the first,
    /// at most `max_bytes` of data. Empty when `from` is compacted or past the end.
    pub fn slice(&self, from: u64, max_entries: usize, max_bytes: usize) -> Vec<Entry> {
        if from <= self.offset {
            return Vec::new();
        }
        let start = (from - self.offset - 1) as usize;
        let mut bytes = 0;
        let mut out = Vec::new();
        for entry in self.entries.range(start..) {
            let size = entry_size(entry);
            if out.len() >= max_entries || (!out.is_empty() && bytes + size > max_bytes) {
                break;
            }
            bytes += size;
            out.push(entry.clone());
        }
        out
    }

    /// Entries in `from..=to` that are held, for applying committed entries.
    pub fn range(&self, from: u64, to: u64) -> Vec<Entry> {
        let from = from.max(self.offset + 1);
        let to = to.min(self.last_index());
        if from > to {
            return Vec::new();
        }
        let start = (from - self.offset - 1) as usize;
        let end = (to - self.offset) as usize;
        self.entries.range(start..end).cloned().collect()
    }

    /// Raft §5.4.1 election restriction: is a log ending at (`last_term`,
    /// `last_index`) at least as up-to-date as ours?
    pub fn is_up_to_date(&self, last_index: u64, last_term: u64) -> bool {
        (last_term, last_index) >= (self.last_term(), self.last_index())
    }

    /// The first index held with `term`, at or before `index` (which holds it).
    pub fn first_index_of_term(&self, term: u64, index: u64) -> u64 {
        let pos = self.runs.partition_point(|&(t, _)| t < term);
        match self.runs.get(pos) {
            Some(&(t, start)) if t == term => start.min(index),
            _ => index.min(self.offset + 1).max(1),
        }
    }

    /// The last index whose term is `term`, if the log knows that term.
    pub fn last_index_of_term(&self, term: u64) -> Option<u64> {
        let pos = self.runs.partition_point(|&(t, _)| t < term);
        match self.runs.get(pos) {
            Some(&(t, _)) if t == term => Some(
                self.runs
                    .get(pos + 1)
                    .map_or(self.last_index(), |&(_, next)| next - 1),
            ),
            _ if term == self.offset_term && self.offset > 0 => Some(self.offset),
            _ => None,
        }
    }

    /// Follower side of AppendEntries (Figure 2, receiver rules 2–4): checks the
    /// consistency of `prev_log_index`/`prev_log_term`, then appends `entries`,
    /// deleting an existing entry and all that follow it only where terms conflict.
    ///
    /// Safety: matching entries are never removed, so a duplicated or reordered
    /// (stale) AppendEntries cannot erase entries a newer one added. `committed` is
    /// passed so that a conflict at or below it, which Raft makes impossible, is
    /// refused instead of erasing committed entries. Entries at or below the
    /// compaction offset are committed, so they match the leader's by the Log
    /// Matching property and are skipped.
    pub fn try_append(
        &mut self,
        prev_log_index: u64,
        prev_log_term: u64,
        entries: &[Entry],
        committed: u64,
    ) -> AppendOutcome {
        let last_new_index = prev_log_index.saturating_add(entries.len() as u64);
        let (prev, prev_term, entries) = if prev_log_index < self.offset {
            let skip = (self.offset - prev_log_index) as usize;
            if skip > entries.len() {
                return AppendOutcome::Matched { last_new_index };
            }
            let term = if skip == 0 {
                prev_log_term
            } else {
                entries[skip - 1].term
            };
            (self.offset, term, &entries[skip..])
        } else {
            (prev_log_index, prev_log_term, entries)
        };
        match self.term(prev) {
            None => {
                return AppendOutcome::TooShort {
                    last_index: self.last_index(),
                };
            }
            Some(t) if t != prev_term => {
                return AppendOutcome::TermMismatch {
                    conflict_term: t,
                    first_index_of_term: self.first_index_of_term(t, prev),
                };
            }
            Some(_) => {}
        }
        for (offset, entry) in entries.iter().enumerate() {
            let index = prev + 1 + offset as u64;
            match self.term(index) {
                Some(t) if t == entry.term => continue,
                Some(_) => {
                    if index <= committed {
                        // A correct leader never asks this (Leader Completeness);
                        // a lying peer might: refuse rather than lose a commit.
                        return AppendOutcome::TermMismatch {
                            conflict_term: self.term(index).unwrap_or(0),
                            first_index_of_term: index,
                        };
                    }
                    self.truncate_from(index);
                }
                None => {}
            }
            for e in &entries[offset..] {
                self.append(e.clone());
            }
            break;
        }
        AppendOutcome::Matched { last_new_index }
    }
}

fn entry_size(entry: &Entry) -> usize {
    // A few bytes for the term and framing, plus the command's JSON length.
    16 + entry.data.as_ref().map_or(0, Data::len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(term: u64) -> Entry {
        Entry {
            term,
            data: Some(Data::encode(&term).unwrap()),
        }
    }

    fn log_of(terms: &[u64]) -> Log {
        let mut log = Log::new();
        for &t in terms {
            log.append(e(t));
        }
        log
    }

    fn terms(log: &Log) -> Vec<u64> {
        (1..=log.last_index())
            .map(|i| log.term(i).unwrap())
            .collect()
    }

    #[test]
    fn term_lookups_are_one_based_with_zero_sentinel() {
        let log = log_of(&[1, 1, 2]);
        assert_eq!(log.term(0), Some(0));
        assert_eq!(log.term(1), Some(1));
        assert_eq!(log.term(3), Some(2));
        assert_eq!(log.term(4), None);
        assert_eq!((log.last_index(), log.last_term()), (3, 2));
        assert_eq!(log.last_index_of_term(1), Some(2));
        assert_eq!(log.last_index_of_term(5), None);
        assert_eq!(log.first_index_of_term(1, 2), 1);
    }

    #[test]
    fn truncate_removes_the_suffix() {
        let mut log = log_of(&[1, 1, 2, 2]);
        log.truncate_from(3);
        assert_eq!(terms(&log), vec![1, 1]);
        log.truncate_from(1);
        assert_eq!(log.last_index(), 0);
    }

    #[test]
    fn append_at_prev_zero_works_on_an_empty_log() {
        let mut log = Log::new();
        assert_eq!(
            log.try_append(0, 0, &[e(1), e(1)], 0),
            AppendOutcome::Matched { last_new_index: 2 }
        );
        assert_eq!(terms(&log), vec![1, 1]);
    }

    #[test]
    fn conflict_hints_report_short_logs_and_whole_terms() {
        let mut log = log_of(&[1, 2, 2, 2]);
        assert_eq!(
            log.try_append(6, 3, &[], 0),
            AppendOutcome::TooShort { last_index: 4 }
        );
        assert_eq!(
            log.try_append(4, 3, &[], 0),
            AppendOutcome::TermMismatch {
                conflict_term: 2,
                first_index_of_term: 2
            }
        );
    }

    #[test]
    fn conflicting_suffix_is_truncated_but_matching_entries_are_kept() {
        let mut log = log_of(&[1, 2, 2, 2]);
        // A stale, shorter append that matches must not truncate anything.
        assert_eq!(
            log.try_append(1, 1, &[e(2)], 0),
            AppendOutcome::Matched { last_new_index: 2 }
        );
        assert_eq!(terms(&log), vec![1, 2, 2, 2]);
        // A conflict at index 3 replaces the suffix from there.
        assert_eq!(
            log.try_append(2, 2, &[e(3)], 0),
            AppendOutcome::Matched { last_new_index: 3 }
        );
        assert_eq!(terms(&log), vec![1, 2, 3]);
    }

    #[test]
    fn slices_are_bounded_by_count_and_bytes() {
        let log = log_of(&[1, 1, 1, 1, 1]);
        assert_eq!(log.slice(2, 2, usize::MAX).len(), 2);
        assert_eq!(log.slice(1, 100, 1).len(), 1, "the first entry always fits");
        assert_eq!(log.slice(6, 100, usize::MAX).len(), 0);
        assert_eq!(log.range(2, 4).len(), 3);
        assert_eq!(log.range(5, 9).len(), 1);
    }

    #[test]
    fn compaction_keeps_the_boundary_term_and_the_suffix() {
        let mut log = log_of(&[1, 1, 2, 2, 3, 3]);
        log.take_unstable();
        log.compact(4);
        assert_eq!(
            (log.offset(), log.first_index(), log.last_index()),
            (4, 5, 6)
        );
        assert_eq!(log.term(4), Some(2), "the boundary term is remembered");
        assert_eq!(log.term(3), None, "compacted entries are gone");
        assert_eq!(log.get(5).map(|e| e.term), Some(3));
        assert_eq!(log.last_index_of_term(3), Some(6));
        assert_eq!(log.last_index_of_term(2), Some(4));
        assert_eq!(log.last_index_of_term(1), None);
        assert_eq!(log.range(1, 9).len(), 2);
        assert!(log.slice(4, 10, usize::MAX).is_empty());
        assert_eq!(log.bytes(), 2 * (16 + 1));
        // An append overlapping the compacted prefix matches it and adds the rest.
        assert_eq!(
            log.try_append(2, 1, &[e(2), e(2), e(3), e(3), e(4)], 4),
            AppendOutcome::Matched { last_new_index: 7 }
        );
        assert_eq!(log.last_index(), 7);
        assert_eq!(log.take_unstable().map(|u| u.from), Some(7));
        log.compact(7);
        assert!(log.is_empty());
        assert_eq!((log.last_index(), log.last_term()), (7, 4));
        assert_eq!(
            log.try_append(7, 4, &[e(5)], 7),
            AppendOutcome::Matched { last_new_index: 8 }
        );
    }

    #[test]
    fn reset_discards_everything_for_a_snapshot() {
        let mut log = log_of(&[1, 1, 2]);
        log.reset(10, 4);
        assert_eq!(
            (log.offset(), log.last_index(), log.last_term()),
            (10, 10, 4)
        );
        assert_eq!(log.term(10), Some(4));
        assert_eq!(
            log.try_append(11, 4, &[], 10),
            AppendOutcome::TooShort { last_index: 10 }
        );
    }

    #[test]
    fn term_runs_follow_truncation() {
        let mut log = log_of(&[1, 2, 2, 3, 3]);
        log.truncate_from(4);
        assert_eq!(log.last_index_of_term(3), None);
        assert_eq!(log.last_index_of_term(2), Some(3));
        log.append(e(4));
        assert_eq!(log.last_index_of_term(4), Some(4));
        assert_eq!(log.first_index_of_term(2, 3), 2);
    }

    #[test]
    fn up_to_date_compares_last_term_then_length() {
        let log = log_of(&[1, 2]);
        assert!(log.is_up_to_date(2, 2));
        assert!(log.is_up_to_date(1, 3));
        assert!(!log.is_up_to_date(5, 1));
        assert!(!log.is_up_to_date(1, 2));
    }
}
