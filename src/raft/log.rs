//! The in-memory Raft log. Indexes are 1-based; index 0 is the empty prefix with term 0.

use super::data::Data;
use super::message::Entry;

/// The replicated log (Figure 2: `log[]`).
#[derive(Clone, Debug, Default)]
pub struct Log {
    entries: Vec<Entry>,
    /// Serialized size of each entry's data, for bounding message sizes.
    sizes: Vec<usize>,
}

/// The outcome of offering entries from a leader to this log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppendOutcome {
    /// The log matches the leader's up to `last_new_index` (`prev + entries.len()`).
    Matched { last_new_index: u64 },
    /// `prev_log_index` is past the end of our log.
    TooShort { last_index: u64 },
    /// Our entry at `prev_log_index` has another term; `first_index_of_term` is where
    /// that term starts in our log, so the leader can skip it whole.
    TermMismatch {
        conflict_term: u64,
        first_index_of_term: u64,
    },
}

impl Log {
    /// An empty log.
    pub fn new() -> Log {
        Log::default()
    }

    /// Index of the last entry (0 when empty).
    pub fn last_index(&self) -> u64 {
        self.entries.len() as u64
    }

    /// Term of the last entry (0 when empty).
    pub fn last_term(&self) -> u64 {
        self.entries.last().map_or(0, |e| e.term)
    }

    /// Term of the entry at `index`; `Some(0)` for index 0, `None` past the end.
    pub fn term(&self, index: u64) -> Option<u64> {
        if index == 0 {
            return Some(0);
        }
        self.entries.get(index as usize - 1).map(|e| e.term)
    }

    /// The entry at `index`, if any.
    pub fn get(&self, index: u64) -> Option<&Entry> {
        index
            .checked_sub(1)
            .and_then(|i| self.entries.get(i as usize))
    }

    /// Appends one entry at the end; returns its index.
    pub fn append(&mut self, entry: Entry) -> u64 {
        self.sizes.push(entry_size(&entry));
        self.entries.push(entry);
        self.last_index()
    }

    /// Removes the entry at `index` and everything after it.
    pub fn truncate_from(&mut self, index: u64) {
        let keep = index.saturating_sub(1) as usize;
        self.entries.truncate(keep);
        self.sizes.truncate(keep);
    }

    /// Entries from `from` (inclusive), at most `max_entries` and, beyond the first,
    /// at most `max_bytes` of data.
    pub fn slice(&self, from: u64, max_entries: usize, max_bytes: usize) -> Vec<Entry> {
        let start = from.max(1) as usize - 1;
        let mut bytes = 0;
        let mut out = Vec::new();
        for (entry, size) in self.entries.iter().zip(&self.sizes).skip(start) {
            if out.len() >= max_entries || (!out.is_empty() && bytes + size > max_bytes) {
                break;
            }
            bytes += size;
            out.push(entry.clone());
        }
        out
    }

    /// Entries in `from..=to`, for applying committed entries.
    pub fn range(&self, from: u64, to: u64) -> &[Entry] {
        let to = to.min(self.last_index());
        if from == 0 || from > to {
            return &[];
        }
        &self.entries[from as usize - 1..to as usize]
    }

    /// Raft §5.4.1 election restriction: is a log ending at (`last_term`,
    /// `last_index`) at least as up-to-date as ours?
    pub fn is_up_to_date(&self, last_index: u64, last_term: u64) -> bool {
        (last_term, last_index) >= (self.last_term(), self.last_index())
    }

    /// The first index holding `term`, scanning back from `index` (which holds it).
    pub fn first_index_of_term(&self, term: u64, index: u64) -> u64 {
        let mut i = index;
        while i > 1 && self.term(i - 1) == Some(term) {
            i -= 1;
        }
        i
    }

    /// The last index whose term is `term`, if the log has that term at all.
    pub fn last_index_of_term(&self, term: u64) -> Option<u64> {
        self.entries
            .iter()
            .rposition(|e| e.term == term)
            .map(|i| i as u64 + 1)
    }

    /// Follower side of AppendEntries (Figure 2, receiver rules 2–4): checks the
    /// consistency of `prev_log_index`/`prev_log_term`, then appends `entries`,
    /// deleting an existing entry and all that follow it only where terms conflict.
    ///
    /// Safety: matching entries are never removed, so a duplicated or reordered
    /// (stale) AppendEntries cannot erase entries a newer one added. `committed` is
    /// passed so that a conflict at or below it, which Raft makes impossible, is
    /// refused instead of erasing committed entries.
    pub fn try_append(
        &mut self,
        prev_log_index: u64,
        prev_log_term: u64,
        entries: &[Entry],
        committed: u64,
    ) -> AppendOutcome {
        match self.term(prev_log_index) {
            None => {
                return AppendOutcome::TooShort {
                    last_index: self.last_index(),
                };
            }
            Some(t) if t != prev_log_term => {
                return AppendOutcome::TermMismatch {
                    conflict_term: t,
                    first_index_of_term: self.first_index_of_term(t, prev_log_index),
                };
            }
            Some(_) => {}
        }
        for (offset, entry) in entries.iter().enumerate() {
            let index = prev_log_index + 1 + offset as u64;
            match self.term(index) {
                Some(t) if t == entry.term => continue,
                Some(_) => {
                    if index <= committed {
                        debug_assert!(false, "leader asked to overwrite committed index {index}");
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
        AppendOutcome::Matched {
            last_new_index: prev_log_index + entries.len() as u64,
        }
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
    fn up_to_date_compares_last_term_then_length() {
        let log = log_of(&[1, 2]);
        assert!(log.is_up_to_date(2, 2));
        assert!(log.is_up_to_date(1, 3));
        assert!(!log.is_up_to_date(5, 1));
        assert!(!log.is_up_to_date(1, 2));
    }
}
