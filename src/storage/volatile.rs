//! [`Volatile`]: storage for a process that keeps nothing across restarts.

use super::{HandoffKey, Handoffs, Storage};
use crate::raft::{Data, Log, Persist, Recovered};

/// Keeps nothing: the node's own log is all there is, and a restarted process
/// comes back empty. What the binary uses without `--data-dir`, where a copy of
/// the log in memory would only double the memory each entry costs.
#[derive(Debug, Default)]
pub struct Volatile;

impl Storage for Volatile {
    fn load(&mut self) -> Result<Option<Recovered>, String> {
        Ok(None)
    }

    fn handoffs(&self) -> Vec<(HandoffKey, Data)> {
        Vec::new()
    }

    fn persist(&mut self, _: &Persist, _: &Handoffs, _: &Log) -> Result<(), String> {
        Ok(())
    }
}
