//! Where a node keeps what must survive a crash: term and vote, the log, and the
//! latest snapshot. The node writes each round's [`Persist`] part before it sends
//! that round's messages (see `raft::ready`), and reads it all back when it is
//! started again.
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

use crate::raft::{Log, Persist, Recovered};
use std::fmt;

/// Durable state of one node.
pub trait Storage: fmt::Debug + Send {
    /// What a previous run left, if anything. Called once, at `init`.
    fn load(&mut self) -> Result<Option<Recovered>, String>;

    /// Makes `persist` durable. `log` is the log after the round, for storages that
    /// rewrite their log when a snapshot supersedes its start.
    fn persist(&mut self, persist: &Persist, log: &Log) -> Result<(), String>;
}
