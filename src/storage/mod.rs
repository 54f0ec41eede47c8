//! Where a node keeps what must survive a crash: term and vote, the log, the
//! latest snapshot, and its *handoffs* (commands it acknowledged to a client before
//! they were replicated, see [`Handoffs`]). The node writes each round's
//! [`Persist`] part and handoff changes before it sends that round's messages and
//! replies (see `raft::ready`), and reads it all back when it is started again.
//!
//! - [`MemoryStorage`]: the default for a [`Node`](crate::node::Node): in the
//!   simulator it is the "disk" a crashed node restarts from.
//! - [`Volatile`]: keeps nothing; the binary's choice without `--data-dir`, where
//!   nothing survives the process anyway.
//! - [`FileStorage`] (`--data-dir DIR`): an append-only write-ahead log of
//!   checksummed records, one write and one fsync per round (group commit), plus a
//!   snapshot file; a torn tail is cut off on recovery.

mod crc;
mod file;
mod memory;
mod volatile;

pub use file::FileStorage;
pub use memory::MemoryStorage;
pub use volatile::Volatile;

use crate::raft::{Data, Log, Persist, Recovered};
use std::collections::BTreeMap;
use std::fmt;

/// Names a handoff for as long as it is kept: the incarnation and the request
/// sequence number of the node process that first acknowledged it.
pub type HandoffKey = (u64, u64);

/// One round's changes to the node's handoffs: the commands of machines that
/// answer before replicating (lww, broadcast, g-set; see `node/local.rs`). A
/// handoff is *added* before the client's acknowledgement leaves the node and
/// *settled* once the log brought the command back, so a node killed in between
/// hands it to the log again after its restart instead of losing it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Handoffs {
    pub added: Vec<(HandoffKey, Data)>,
    pub settled: Vec<HandoffKey>,
}

impl Handoffs {
    /// True when the round changed no handoff.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.settled.is_empty()
    }
}

/// The unsettled handoffs a storage holds, in the order they were added.
#[derive(Clone, Debug, Default)]
struct HandoffSet(BTreeMap<HandoffKey, Data>);

impl HandoffSet {
    /// Takes a round's changes.
    fn update(&mut self, h: &Handoffs) {
        for (key, data) in &h.added {
            self.0.insert(*key, data.clone());
        }
        for key in &h.settled {
            self.0.remove(key);
        }
    }

    /// Every unsettled handoff.
    fn list(&self) -> Vec<(HandoffKey, Data)> {
        self.0.iter().map(|(k, d)| (*k, d.clone())).collect()
    }
}

/// Durable state of one node.
pub trait Storage: fmt::Debug + Send {
    /// What a previous run left, if anything. Called once, at `init`.
    fn load(&mut self) -> Result<Option<Recovered>, String>;

    /// The handoffs a previous run left unsettled, in the order they were added.
    /// Valid after [`Storage::load`].
    fn handoffs(&self) -> Vec<(HandoffKey, Data)>;

    /// Makes `persist` and `handoffs` durable. `log` is the log after the round,
    /// for storages that rewrite their log when a snapshot supersedes its start.
    fn persist(&mut self, persist: &Persist, handoffs: &Handoffs, log: &Log) -> Result<(), String>;
}
