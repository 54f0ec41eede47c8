//! Who sent and who first read each record.

use super::parse::{Parsed, Rid};
use crate::check::history::Kind;

/// Per record: the operations that sent it, and the first `ok` one that read it.
#[derive(Debug)]
pub(crate) struct Index {
    pub writers: Vec<Vec<usize>>,
    pub first_reader: Vec<Option<usize>>,
}

impl Index {
    /// Builds the index.
    pub fn new(p: &Parsed<'_>) -> Index {
        let n = p.names.record_count();
        let mut writers = vec![Vec::new(); n];
        let mut first_reader = vec![None; n];
        for (i, op) in p.ops.iter().enumerate() {
            for (_, rid, _) in op.sends() {
                writers[rid as usize].push(i);
            }
            if op.outcome == Kind::Ok {
                for (_, _, rid) in op.reads() {
                    first_reader[rid as usize].get_or_insert(i);
                }
            }
        }
        Index {
            writers,
            first_reader,
        }
    }

    /// Whether an `ok` operation read the record.
    pub fn read(&self, r: Rid) -> bool {
        self.first_reader[r as usize].is_some()
    }

    /// An `ok` operation that sent the record, if any.
    pub fn ok_writer(&self, p: &Parsed<'_>, r: Rid) -> Option<usize> {
        self.writers[r as usize]
            .iter()
            .copied()
            .find(|&w| p.ops[w].outcome == Kind::Ok)
    }
}
