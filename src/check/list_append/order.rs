//! Recovering each key's version order from the `ok` reads, and the anomalies that
//! show up on reads of one key: duplicates, garbage, incompatible orders.
//!
//! Work is linear in the total size of the reads: when every read is a prefix of
//! the longest one, per-element checks are done once, on the longest read.

use super::report::{Anomaly, AnomalyKind};
use super::txn::{Elem, Mop, Parsed};
use crate::check::fx::{FxMap, FxSet};
use crate::check::history::Kind;

/// The order in which elements were appended to one key, as far as reads show it.
#[derive(Debug, Default)]
pub(crate) struct KeyOrder {
    /// The longest read: every other read is a prefix of it when `usable`.
    pub elems: Vec<Elem>,
    /// Position of each element in `elems`.
    pub pos: FxMap<Elem, usize>,
    /// Elements read but missing from `elems` (only when not `usable`).
    pub extra: FxSet<Elem>,
    /// Every non-empty `ok` read of this key: (transaction, micro-op index).
    pub reads: Vec<(usize, usize)>,
    /// False when the reads do not form one order (incompatible or duplicated);
    /// such keys contribute no dependency edges.
    pub usable: bool,
}

impl KeyOrder {
    /// Whether some `ok` read saw the element.
    pub fn observed(&self, e: Elem) -> bool {
        self.pos.contains_key(&e) || self.extra.contains(&e)
    }

    /// Every element some `ok` read saw, each once.
    pub fn observed_elems(&self) -> impl Iterator<Item = Elem> + '_ {
        let mut seen = FxSet::default();
        self.elems
            .iter()
            .chain(self.extra.iter())
            .copied()
            .filter(move |e| seen.insert(*e))
    }

    /// The first read (transaction, list) that contains `e`.
    pub fn first_reader<'p>(&self, p: &'p Parsed<'_>, e: Elem) -> Option<(usize, &'p [Elem])> {
        let at = self.pos.get(&e).copied().filter(|_| self.usable);
        self.reads.iter().find_map(|&(t, j)| {
            let list = read_list(p, t, j);
            let hit = match at {
                Some(i) => list.len() > i,
                None => list.contains(&e),
            };
            hit.then_some((t, list))
        })
    }
}

/// The list read by micro-op `j` of transaction `t` (empty if it is not a read).
pub(crate) fn read_list<'p>(p: &'p Parsed<'_>, t: usize, j: usize) -> &'p [Elem] {
    match p.txns.get(t).and_then(|txn| txn.mops.get(j)) {
        Some(Mop::Read {
            value: Some(list), ..
        }) => list,
        _ => &[],
    }
}

/// Builds the version order of every key; reports duplicate elements, garbage
/// reads and incompatible orders.
pub(crate) fn version_orders(p: &Parsed<'_>) -> (Vec<KeyOrder>, Vec<Anomaly>) {
    let mut anomalies = Vec::new();
    let mut orders: Vec<KeyOrder> = (0..p.keys.len()).map(|_| KeyOrder::default()).collect();
    for (t, txn) in p.txns.iter().enumerate() {
        if txn.outcome != Kind::Ok {
            continue;
        }
        for (j, m) in txn.mops.iter().enumerate() {
            if let Mop::Read {
                key,
                value: Some(list),
            } = m
                && !list.is_empty()
            {
                orders[*key].reads.push((t, j));
            }
        }
    }
    for (key, order) in orders.iter_mut().enumerate() {
        build_order(p, key, order, &mut anomalies);
        for e in order.observed_elems() {
            if p.writers[key].contains_key(&e) {
                continue;
            }
            if let Some((t, list)) = order.first_reader(p, e) {
                anomalies.push(Anomaly {
                    kind: AnomalyKind::GarbageRead,
                    message: format!(
                        "{} read {} = {}, but no transaction ever appended {}",
                        p.txns[t].name(),
                        p.keys.label(key),
                        p.show_list(list),
                        p.show(e)
                    ),
                    ops: p.txns[t].records(),
                });
            }
        }
    }
    (orders, anomalies)
}

/// Fills in one key's order from its reads.
fn build_order(p: &Parsed<'_>, key: usize, order: &mut KeyOrder, anomalies: &mut Vec<Anomaly>) {
    let Some(&(long_t, long_j)) = order
        .reads
        .iter()
        .max_by_key(|&&(t, j)| (read_list(p, t, j).len(), usize::MAX - t))
    else {
        order.usable = true;
        return;
    };
    let longest = read_list(p, long_t, long_j);
    let mut compatible = true;
    for &(t, j) in &order.reads {
        let list = read_list(p, t, j);
        if !longest.starts_with(list) {
            compatible = false;
            let at = list.iter().zip(longest).take_while(|(a, b)| a == b).count();
            anomalies.push(Anomaly {
                kind: AnomalyKind::IncompatibleOrder,
                message: format!(
                    "reads of {} are not prefixes of one order: {} read {} but {} read {}; \
                     they differ at position {at} ({} vs {})",
                    p.keys.label(key),
                    p.txns[t].name(),
                    p.show_list(list),
                    p.txns[long_t].name(),
                    p.show_list(longest),
                    list.get(at).map_or("nothing", |&e| p.show(e)),
                    longest.get(at).map_or("nothing", |&e| p.show(e)),
                ),
                ops: [p.txns[t].records(), p.txns[long_t].records()].concat(),
            });
            break;
        }
    }
    let mut unique = true;
    for (i, &e) in longest.iter().enumerate() {
        if order.pos.insert(e, i).is_some() {
            unique = false;
        }
    }
    order.elems = longest.to_vec();
    order.usable = compatible && unique;
    if order.usable {
        return;
    }
    // Slow path for broken keys: look at every read.
    let mut reported = FxSet::default();
    for &(t, j) in &order.reads {
        let list = read_list(p, t, j);
        let mut seen = FxSet::default();
        for &e in list {
            if !order.pos.contains_key(&e) {
                order.extra.insert(e);
            }
            if !seen.insert(e) && reported.insert(e) {
                anomalies.push(Anomaly {
                    kind: AnomalyKind::DuplicateElements,
                    message: format!(
                        "{} read {} = {}, which contains {} more than once",
                        p.txns[t].name(),
                        p.keys.label(key),
                        p.show_list(list),
                        p.show(e)
                    ),
                    ops: p.txns[t].records(),
                });
            }
        }
    }
}
