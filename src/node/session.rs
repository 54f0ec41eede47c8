//! Client sessions: the replicated table that applies each request at most once.
//!
//! A request is identified by its origin node, that node's incarnation (distinct
//! and increasing across restarts) and the origin's sequence number. A request can
//! reach the log twice: the origin retries a forward after a leader change, and
//! the old leader's copy may commit too. The table is driven by the log, so every
//! node agrees on it, and it is part of every snapshot.
//!
//! **Bounded**, like the client sessions of Raft §6.3 (Ongaro's thesis): each
//! command carries the origin's *floor*, the lowest sequence number it still has
//! pending. Every request below the floor is settled at the origin: applied (the
//! origin saw it), given up (its client timed out long ago and got no reply, so
//! the outcome was indefinite anyway), or refused before it was handed to any
//! leader (so no copy exists). Hence a command below its session's floor is never
//! applied (safety rule: at most once), and the table only keeps the applied
//! sequence numbers at or above the floor: as many as the origin has requests in
//! flight. One session per origin node: a command from a newer incarnation
//! retires the old one, whose late commands are then never applied (their
//! origin process is gone; their clients get no reply, which is indefinite).

use crate::protocol::RequestId;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One origin's session.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub incarnation: u64,
    /// Every sequence number below this is settled at the origin.
    pub floor: u64,
    /// Applied sequence numbers at or above `floor`.
    pub applied: BTreeSet<u64>,
}

/// Sessions by origin node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sessions {
    by_node: BTreeMap<String, Session>,
}

impl Sessions {
    /// Records a committed command `id` whose origin reported `floor`. True when
    /// the command must be applied now (first time seen, in a live session).
    pub fn admit(&mut self, id: &RequestId, floor: u64) -> bool {
        let session = self.by_node.entry(id.node.clone()).or_default();
        if id.incarnation < session.incarnation {
            return false;
        }
        if id.incarnation > session.incarnation {
            *session = Session {
                incarnation: id.incarnation,
                ..Session::default()
            };
        }
        let fresh = id.seq >= session.floor && session.applied.insert(id.seq);
        // Floors only grow: a command carries the floor its origin knew when it
        // was (re)sent, and an older copy may commit after a newer one.
        if floor > session.floor {
            session.floor = floor;
            session.applied = session.applied.split_off(&floor);
        }
        fresh
    }

    /// Sequence numbers remembered in all sessions (the table's size).
    pub fn len(&self) -> usize {
        self.by_node.values().map(|s| s.applied.len()).sum()
    }

    /// True when no sequence number is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The session of `node`, if any.
    pub fn get(&self, node: &str) -> Option<&Session> {
        self.by_node.get(node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(node: &str, incarnation: u64, seq: u64) -> RequestId {
        RequestId {
            node: node.into(),
            incarnation,
            seq,
        }
    }

    #[test]
    fn a_request_is_applied_once_however_often_it_commits() {
        let mut s = Sessions::default();
        assert!(s.admit(&id("n1", 0, 0), 0));
        assert!(!s.admit(&id("n1", 0, 0), 0));
        assert!(s.admit(&id("n2", 0, 0), 0), "sessions are per origin");
        assert!(s.admit(&id("n1", 0, 1), 0));
        assert!(!s.admit(&id("n1", 0, 1), 0));
    }

    #[test]
    fn the_floor_bounds_the_table_and_blocks_settled_requests() {
        let mut s = Sessions::default();
        for seq in 0..100 {
            assert!(s.admit(&id("n1", 0, seq), seq.saturating_sub(3)));
        }
        assert!(s.len() <= 4, "only requests at or above the floor are kept");
        assert!(
            !s.admit(&id("n1", 0, 10), 96),
            "below the floor: a duplicate"
        );
        assert!(!s.admit(&id("n1", 0, 99), 96), "remembered: a duplicate");
        assert!(
            s.admit(&id("n1", 0, 100), 50),
            "a stale floor lowers nothing"
        );
        assert_eq!(s.get("n1").map(|x| x.floor), Some(96));
    }

    #[test]
    fn a_newer_incarnation_retires_the_old_session() {
        let mut s = Sessions::default();
        assert!(s.admit(&id("n1", 5, 0), 0));
        assert!(s.admit(&id("n1", 9, 0), 0), "a restarted node reuses seq 0");
        assert!(
            !s.admit(&id("n1", 5, 1), 0),
            "late commands of the dead incarnation are never applied"
        );
        assert_eq!(s.len(), 1);
    }
}
