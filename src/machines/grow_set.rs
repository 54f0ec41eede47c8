//! A grow-only set of JSON values answered locally and replicated through the log:
//! the state of the broadcast and g-set machines.
//!
//! Not a machine itself, so both machines may use it without reaching into each
//! other. Elements are keyed by their canonical JSON text (serde_json objects are
//! sorted maps), so `1` and `"1"` are different elements and equal values are one.
//!
//! A node holds two parts: the **committed** set, a function of the applied log
//! alone (the same on every node at the same index; what snapshots hold), and the
//! **pending** elements it acknowledged itself whose command has not been applied
//! yet. Reads answer the union. Applying is set union: commutative and idempotent,
//! so once every command is applied everywhere, every node holds the same set.
//! Pending elements are bounded ([`MAX_PENDING`]): beyond it a new element is
//! refused with error 11 (definite: it was neither added nor replicated).

use super::Rejection;
use crate::protocol::ErrorCode;
use serde_json::Value;
use std::collections::BTreeMap;

/// Most elements a node holds acknowledged but not yet applied from the log (a
/// partition cut it off from every leader for that long).
pub const MAX_PENDING: usize = 100_000;

/// A grow-only set of JSON values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GrowSet {
    elements: BTreeMap<String, Value>,
}

impl GrowSet {
    /// Adds `value`; true when it was not there yet.
    pub fn insert(&mut self, value: Value) -> bool {
        let key = value.to_string();
        if self.elements.contains_key(&key) {
            return false;
        }
        self.elements.insert(key, value);
        true
    }

    /// Whether `value` is in the set.
    pub fn contains(&self, value: &Value) -> bool {
        self.elements.contains_key(&value.to_string())
    }

    /// Every element, in canonical-text order (the same on every node).
    pub fn values(&self) -> Vec<Value> {
        self.elements.values().cloned().collect()
    }

    /// How many elements the set holds.
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    /// True when the set is empty.
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }
}

/// A grow-only set as one node holds it: committed plus pending (see the module).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReplicatedSet {
    committed: GrowSet,
    pending: GrowSet,
}

/// What [`ReplicatedSet::add_local`] decided.
#[derive(Clone, Debug, PartialEq)]
pub enum LocalAdd {
    /// New here: acknowledge it and replicate it.
    Replicate(Value),
    /// Already held (committed or pending): acknowledge it, nothing to replicate.
    Known,
}

impl ReplicatedSet {
    /// A client asked this node to add `value`.
    pub fn add_local(&mut self, value: Value) -> Result<LocalAdd, Rejection> {
        if self.contains(&value) {
            return Ok(LocalAdd::Known);
        }
        if self.pending.len() >= MAX_PENDING {
            return Err(Rejection::new(
                ErrorCode::TemporarilyUnavailable,
                format!("{MAX_PENDING} elements already await replication here"),
            ));
        }
        self.pending.insert(value.clone());
        Ok(LocalAdd::Replicate(value))
    }

    /// An element this node acknowledged before a restart, whose command the log
    /// has not brought back: pending again (even beyond [`MAX_PENDING`]: it was
    /// within the bound when it was acknowledged).
    pub fn readmit(&mut self, value: Value) {
        if !self.contains(&value) {
            self.pending.insert(value);
        }
    }

    /// Applies a committed add (from any node).
    pub fn apply(&mut self, value: Value) {
        if self.pending.contains(&value) {
            self.pending.elements.remove(&value.to_string());
        }
        self.committed.insert(value);
    }

    /// Whether this node holds `value`.
    pub fn contains(&self, value: &Value) -> bool {
        self.committed.contains(value) || self.pending.contains(value)
    }

    /// Every element this node holds, in canonical-text order.
    pub fn values(&self) -> Vec<Value> {
        // Both parts are sorted by key and disjoint: merge them.
        let mut out = Vec::with_capacity(self.committed.len() + self.pending.len());
        let mut a = self.committed.elements.iter().peekable();
        let mut b = self.pending.elements.iter().peekable();
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some((ka, _)), Some((kb, _))) if ka <= kb => a.next(),
                (Some(_), Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, _) => b.next(),
            };
            match next {
                Some((_, v)) => out.push(v.clone()),
                None => return out,
            }
        }
    }

    /// Elements acknowledged here and not yet applied from the log.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// The committed set: what a snapshot holds.
    pub fn snapshot(&self) -> Vec<Value> {
        self.committed.values()
    }

    /// Replaces the committed set with a snapshot's; pending elements the
    /// snapshot holds are no longer pending, the others stay (their commands are
    /// on their way).
    pub fn restore(&mut self, snapshot: Vec<Value>) {
        self.committed = GrowSet::default();
        for v in snapshot {
            self.committed.insert(v);
        }
        let committed = &self.committed;
        self.pending
            .elements
            .retain(|k, _| !committed.elements.contains_key(k));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inserts_are_idempotent_and_order_free() {
        let items = [json!(3), json!("3"), json!({"b": 1, "a": 2}), json!(3)];
        let mut forward = GrowSet::default();
        let fresh: Vec<bool> = items.iter().map(|v| forward.insert(v.clone())).collect();
        assert_eq!(fresh, [true, true, true, false]);
        let mut backward = GrowSet::default();
        for v in items.iter().rev() {
            backward.insert(v.clone());
        }
        assert_eq!(forward, backward);
        assert_eq!(forward.len(), 3);
        assert!(forward.contains(&json!({"a": 2, "b": 1})));
        assert!(!forward.contains(&json!(4)));
    }

    #[test]
    fn pending_elements_are_read_until_applied_and_kept_across_a_restore() {
        let mut s = ReplicatedSet::default();
        assert_eq!(s.add_local(json!(1)), Ok(LocalAdd::Replicate(json!(1))));
        assert_eq!(s.add_local(json!(1)), Ok(LocalAdd::Known));
        assert_eq!(s.add_local(json!(2)), Ok(LocalAdd::Replicate(json!(2))));
        assert_eq!(s.values(), [json!(1), json!(2)]);
        assert!(
            s.snapshot().is_empty(),
            "snapshots hold only the log's part"
        );
        s.apply(json!(0));
        s.apply(json!(3));
        let merged = [json!(0), json!(1), json!(2), json!(3)];
        assert_eq!(s.values(), merged, "merged in order");
        s.apply(json!(1));
        s.apply(json!(9));
        let committed = vec![json!(0), json!(1), json!(3), json!(9)];
        assert_eq!((s.pending_len(), s.snapshot()), (1, committed));
        s.restore(vec![json!(2), json!(5)]);
        assert_eq!(s.pending_len(), 0, "2 is committed in the snapshot");
        assert_eq!(s.values(), [json!(2), json!(5)]);
        assert_eq!(s.add_local(json!(3)), Ok(LocalAdd::Replicate(json!(3))));
        s.restore(vec![json!(2)]);
        assert_eq!(s.values(), [json!(2), json!(3)], "3 is still on its way");
    }

    #[test]
    fn pending_elements_are_bounded() {
        let mut s = ReplicatedSet::default();
        for i in 0..MAX_PENDING {
            assert!(s.add_local(json!(i)).is_ok());
        }
        let refused = s.add_local(json!("one more")).unwrap_err();
        assert_eq!(refused.code, ErrorCode::TemporarilyUnavailable);
        assert_eq!(s.add_local(json!(0)), Ok(LocalAdd::Known), "known: fine");
        s.apply(json!(0));
        assert!(s.add_local(json!("one more")).is_ok(), "room again");
    }
}
