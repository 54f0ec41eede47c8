//! Requests a node received from clients and has not seen applied yet.

use super::NodeConfig;
use crate::protocol::ForwardOp;
use crate::storage::HandoffKey;
use std::collections::{BTreeMap, BTreeSet};

/// A client request waiting at the node that received it.
#[derive(Clone, Debug)]
pub struct Pending {
    pub client: String,
    pub client_msg_id: u64,
    /// The admitted request: a command for the log, or a read.
    pub op: ForwardOp,
    pub received: u64,
    /// The leader it was last handed to (proposed locally or forwarded), if any.
    pub sent_to: Option<String>,
    pub last_attempt: u64,
    /// Once handed to any leader the request may be in some log, so its fate is
    /// unknown until applied: it must never get a definite error after that.
    pub handed: bool,
    /// A dissemination: the client was answered already (a write the machine
    /// answered locally, being replicated; see `local.rs`), and this is its key
    /// among the storage's handoffs. It never expires, never gets a reply, and is
    /// retried until applied.
    pub handoff: Option<HandoffKey>,
}

/// What a pending request is due for now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    Nothing,
    /// Hand it to the leader (again).
    Retry,
    /// Never handed to a leader in time: error 11 (definite, it is in no log).
    Unavailable,
    /// Its client gave up long ago: forget it, without a reply.
    Expired,
}

impl Pending {
    /// Whether the client was answered already (a dissemination).
    pub fn answered(&self) -> bool {
        self.handoff.is_some()
    }

    /// When a request never handed to a leader gets error 11: `unavailable_timeout`
    /// after it arrived, but not before `grace_until` (a fresh node's first
    /// election: refusing then would fail requests a moment's wait serves).
    fn unavailable_at(&self, config: &NodeConfig, grace_until: u64) -> u64 {
        (self.received + config.unavailable_timeout).max(grace_until)
    }

    /// The earliest time at which this request is due for something.
    pub fn next_deadline(&self, config: &NodeConfig, grace_until: u64) -> u64 {
        let retry = self.last_attempt + config.retry_interval;
        if self.answered() {
            return retry;
        }
        let due = if self.handed {
            retry
        } else {
            self.unavailable_at(config, grace_until)
        };
        due.min(self.received + config.request_expiry)
    }

    /// What this request is due for at `now`.
    pub fn due(&self, now: u64, config: &NodeConfig, grace_until: u64) -> Due {
        let retry = now >= self.last_attempt + config.retry_interval;
        if self.answered() {
            // A dissemination: no expiry, no error 11.
            return if retry { Due::Retry } else { Due::Nothing };
        }
        if now >= self.received + config.request_expiry {
            Due::Expired
        } else if !self.handed && now >= self.unavailable_at(config, grace_until) {
            Due::Unavailable
        } else if self.handed && retry {
            Due::Retry
        } else {
            Due::Nothing
        }
    }
}

/// The requests a node is tracking, by sequence number, with an index of their
/// deadlines: the next one due is found without looking at the others, so a
/// busy node's turns cost nothing per pending request.
#[derive(Debug)]
pub struct PendingTable {
    by_seq: BTreeMap<u64, Pending>,
    /// `(next_deadline, seq)` of every request held.
    deadlines: BTreeSet<(u64, u64)>,
    config: NodeConfig,
    grace_until: u64,
}

impl PendingTable {
    /// An empty table; deadlines follow `config` and `grace_until` (see
    /// [`Pending::next_deadline`]).
    pub fn new(config: NodeConfig, grace_until: u64) -> PendingTable {
        PendingTable {
            by_seq: BTreeMap::new(),
            deadlines: BTreeSet::new(),
            config,
            grace_until,
        }
    }

    fn deadline(&self, p: &Pending) -> u64 {
        p.next_deadline(&self.config, self.grace_until)
    }

    /// Starts tracking `p` as `seq`.
    pub fn insert(&mut self, seq: u64, p: Pending) {
        self.deadlines.insert((self.deadline(&p), seq));
        if let Some(old) = self.by_seq.insert(seq, p) {
            self.deadlines.remove(&(self.deadline(&old), seq));
        }
    }

    /// Stops tracking `seq`.
    pub fn remove(&mut self, seq: u64) -> Option<Pending> {
        let p = self.by_seq.remove(&seq)?;
        self.deadlines.remove(&(self.deadline(&p), seq));
        Some(p)
    }

    /// The request `seq`, if tracked.
    pub fn get(&self, seq: u64) -> Option<&Pending> {
        self.by_seq.get(&seq)
    }

    /// Changes request `seq` with `f`, keeping the deadline index right.
    pub fn update<R>(&mut self, seq: u64, f: impl FnOnce(&mut Pending) -> R) -> Option<R> {
        let p = self.by_seq.get_mut(&seq)?;
        let before = p.next_deadline(&self.config, self.grace_until);
        let r = f(p);
        let after = p.next_deadline(&self.config, self.grace_until);
        if after != before {
            self.deadlines.remove(&(before, seq));
            self.deadlines.insert((after, seq));
        }
        Some(r)
    }

    /// Number of requests tracked.
    pub fn len(&self) -> usize {
        self.by_seq.len()
    }

    /// True when nothing is tracked.
    pub fn is_empty(&self) -> bool {
        self.by_seq.is_empty()
    }

    /// The lowest sequence number tracked.
    pub fn first_seq(&self) -> Option<u64> {
        self.by_seq.keys().next().copied()
    }

    /// Every request, by sequence number.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &Pending)> {
        self.by_seq.iter().map(|(s, p)| (*s, p))
    }

    /// The earliest deadline of any request.
    pub fn next_deadline(&self) -> Option<u64> {
        self.deadlines.first().map(|(t, _)| *t)
    }

    /// The requests whose deadline is at or before `now`, with what each is due
    /// for.
    pub fn due(&self, now: u64) -> Vec<(u64, Due)> {
        self.deadlines
            .range(..(now.saturating_add(1), 0))
            .filter_map(|&(_, seq)| {
                let p = self.by_seq.get(&seq)?;
                let due = p.due(now, &self.config, self.grace_until);
                (due != Due::Nothing).then_some((seq, due))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(received: u64, handed: bool) -> Pending {
        Pending {
            client: "c1".into(),
            client_msg_id: 1,
            op: ForwardOp::Command(crate::raft::Data::encode(&1).unwrap()),
            received,
            sent_to: None,
            last_attempt: received,
            handed,
            handoff: None,
        }
    }

    #[test]
    fn the_deadline_index_follows_every_change() {
        let config = NodeConfig::default();
        let mut t = PendingTable::new(config.clone(), 0);
        t.insert(1, pending(0, true));
        t.insert(2, pending(500, true));
        assert_eq!(t.next_deadline(), Some(config.retry_interval));
        assert!(t.due(config.retry_interval - 1).is_empty());
        assert_eq!(t.due(config.retry_interval), [(1, Due::Retry)]);
        t.update(1, |p| p.last_attempt = 10_000);
        assert_eq!(t.next_deadline(), Some(500 + config.retry_interval));
        assert_eq!(t.remove(2).map(|p| p.received), Some(500));
        assert_eq!(t.next_deadline(), Some(10_000 + config.retry_interval));
        t.remove(1);
        assert_eq!((t.next_deadline(), t.len()), (None, 0));
    }
}
