//! Durable state kept in memory: the simulator's disk.

use super::{HandoffKey, HandoffSet, Handoffs, Storage};
use crate::raft::{Data, Entry, HardState, Log, Persist, Recovered, Snapshot};

/// What has been "written": a node restarted with this storage recovers it.
#[derive(Clone, Debug, Default)]
pub struct MemoryStorage {
    hard_state: HardState,
    snapshot: Option<Snapshot>,
    /// Entries after the snapshot.
    entries: Vec<Entry>,
    written: bool,
    handoffs: HandoffSet,
}

impl MemoryStorage {
    /// Index of the first entry held.
    fn first(&self) -> u64 {
        self.snapshot.as_ref().map_or(0, |s| s.index) + 1
    }
}

impl Storage for MemoryStorage {
    fn load(&mut self) -> Result<Option<Recovered>, String> {
        Ok(self.written.then(|| Recovered {
            hard_state: self.hard_state.clone(),
            snapshot: self.snapshot.clone(),
            entries: self.entries.clone(),
        }))
    }

    fn handoffs(&self) -> Vec<(HandoffKey, Data)> {
        self.handoffs.list()
    }

    fn persist(&mut self, p: &Persist, h: &Handoffs, log: &Log) -> Result<(), String> {
        self.handoffs.update(h);
        if p.is_empty() {
            return Ok(());
        }
        self.written = true;
        if let Some(hs) = &p.hard_state {
            self.hard_state = hs.clone();
        }
        if let Some(snap) = &p.snapshot {
            self.entries = log.range(snap.index + 1, log.last_index());
            self.snapshot = Some(snap.clone());
            return Ok(());
        }
        if let Some(u) = &p.entries {
            let first = self.first();
            let keep = u.from.saturating_sub(first) as usize;
            self.entries.truncate(keep);
            let skip = first.saturating_sub(u.from) as usize;
            self.entries.extend(u.entries.iter().skip(skip).cloned());
        }
        Ok(())
    }
}
