//! Raft's safety properties (Figure 3), checked while a simulation runs rather than
//! only through the final history.

use super::cluster::Cluster;
use crate::raft::{Data, Entry};
use std::collections::BTreeMap;

/// Incremental checker of election safety, state machine safety (committed prefixes
/// agree), leader completeness, and snapshot agreement (nodes that snapshot the
/// same index hold the same replicated state).
#[derive(Debug, Default)]
pub struct Invariants {
    leaders: BTreeMap<u64, String>,
    /// Committed entries as first observed, by index (an index every node had
    /// compacted before it was observed is missing).
    committed: BTreeMap<u64, Entry>,
    /// The first snapshot observed at each index, and the node it came from.
    snapshots: BTreeMap<u64, (String, Data)>,
    /// How many snapshots were compared with another node's.
    pub snapshots_compared: u64,
    /// (node, index) of every snapshot already compared.
    compared: std::collections::BTreeSet<(String, u64)>,
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
                    // Entries up to the compaction offset are in its snapshot.
                    for (&i, e) in self.committed.range(log.first_index()..) {
                        if log.get(i) != Some(e) {
                            let v = format!(
                                "{now}µs: leader completeness: {id} (term {}) lacks committed index {i}",
                                raft.term(),
                            );
                            self.violations.push(v);
                            break;
                        }
                    }
                }
            }
            // State machine safety: committed prefixes agree everywhere.
            let from = (self.checked.get(id).copied().unwrap_or(0) + 1).max(log.first_index());
            let to = raft.commit_index().min(log.last_index());
            for index in from..=to {
                let Some(entry) = log.get(index) else { break };
                let first = self.committed.entry(index).or_insert_with(|| entry.clone());
                if first != entry {
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
            if let Some(snap) = raft.snapshot() {
                match self.snapshots.get(&snap.index) {
                    None => {
                        self.snapshots
                            .insert(snap.index, (id.clone(), snap.data.clone()));
                    }
                    Some((first, data))
                        if first != id && self.compared.insert((id.clone(), snap.index)) =>
                    {
                        if *data != snap.data {
                            self.violations.push(format!(
                                "{now}µs: snapshot agreement: {first} and {id} hold different states at index {}",
                                snap.index
                            ));
                        }
                        self.snapshots_compared += 1;
                    }
                    Some(_) => {}
                }
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
