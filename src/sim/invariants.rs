//! Raft's safety properties (Figure 3), checked while a simulation runs rather than
//! only through the final history.

use super::cluster::Cluster;
use crate::raft::Entry;
use std::collections::BTreeMap;

/// Incremental checker of election safety, state machine safety (committed prefixes
/// agree) and leader completeness.
#[derive(Debug, Default)]
pub struct Invariants {
    leaders: BTreeMap<u64, String>,
    /// The committed log as first observed, index 1 at position 0.
    committed: Vec<Entry>,
    /// Per node: how far its committed prefix has been compared.
    checked: BTreeMap<String, u64>,
    /// Per node: the term in which its log was last checked as a leader.
    leader_checked: BTreeMap<String, u64>,
    violations: Vec<String>,
}

impl Invariants {
    /// A checker with nothing observed yet.
    pub fn new() -> Invariants {
        Invariants::default()
    }

    /// Violations found so far.
    pub fn violations(&self) -> &[String] {
        &self.violations
    }

    /// Examines the cluster's current state.
    pub fn observe<M: crate::machines::Machine>(&mut self, cluster: &Cluster<M>) {
        let now = cluster.now();
        for (id, node) in cluster.nodes() {
            let Some(raft) = node.raft() else { continue };
            let log = raft.log();
            // Election safety: at most one leader per term.
            if raft.is_leader() {
                let first = self
                    .leaders
                    .entry(raft.term())
                    .or_insert_with(|| id.clone());
                if first != id {
                    let v = format!(
                        "{now}µs: election safety: {first} and {id} both lead term {}",
                        raft.term()
                    );
                    self.violations.push(v);
                }
                // Leader completeness: a leader holds every committed entry.
                if self.leader_checked.get(id) != Some(&raft.term()) {
                    self.leader_checked.insert(id.clone(), raft.term());
                    for (i, e) in self.committed.iter().enumerate() {
                        if log.get(i as u64 + 1) != Some(e) {
                            let v = format!(
                                "{now}µs: leader completeness: {id} (term {}) lacks committed index {}",
                                raft.term(),
                                i + 1
                            );
                            self.violations.push(v);
                            break;
                        }
                    }
                }
            }
            // State machine safety: committed prefixes agree everywhere.
            let from = self.checked.get(id).copied().unwrap_or(0) + 1;
            let to = raft.commit_index().min(log.last_index());
            for index in from..=to {
                let Some(entry) = log.get(index) else { break };
                let pos = index as usize - 1;
                if pos == self.committed.len() {
                    self.committed.push(entry.clone());
                } else if pos < self.committed.len() && self.committed[pos] != *entry {
                    let v = format!(
                        "{now}µs: state machine safety: {id} committed a different entry at index {index}"
                    );
                    self.violations.push(v);
                    break;
                }
            }
            if to >= from {
                self.checked.insert(id.clone(), to);
            }
            if raft.commit_index() > log.last_index() {
                self.violations.push(format!(
                    "{now}µs: {id} commit index {} beyond its log",
                    raft.commit_index()
                ));
            }
        }
    }
}
