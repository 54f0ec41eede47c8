//! Recovering each key's version order from the `ok` reads, and the anomalies that
//! show up on single reads: duplicates, garbage, incompatible orders.

use super::report::{Anomaly, AnomalyKind};
use super::txn::{Elem, Mop, Parsed};
use crate::check::history::Kind;
use std::collections::{HashMap, HashSet};

/// The order in which elements were appended to one key, as far as reads show it.
#[derive(Debug, Default)]
pub(crate) struct KeyOrder {
    /// The longest read: every other read is a prefix of it when `usable`.
    pub elems: Vec<Elem>,
    /// Position of each element in `elems`.
    pub pos: HashMap<Elem, usize>,
    /// Every element seen by some `ok` read of this key.
    pub observed: HashSet<Elem>,
    /// False when the reads do not form one order (incompatible or duplicated);
    /// such keys contribute no dependency edges.
    pub usable: bool,
}

/// Formats a list of elements as `[1, 2, 3]`.
pub(crate) fn show_list(elems: &[Elem]) -> String {
    format!("[{}]", elems.join(", "))
}

/// Builds the version order of every key; reports duplicate elements, garbage
/// reads and incompatible orders.
pub(crate) fn version_orders(p: &Parsed<'_>) -> (Vec<KeyOrder>, Vec<Anomaly>) {
    let mut anomalies = Vec::new();
    // For each key, every non-empty ok read: (txn index, elements).
    let mut reads: Vec<Vec<(usize, &[Elem])>> = vec![Vec::new(); p.keys.len()];
    for (t, txn) in p.txns.iter().enumerate() {
        if txn.outcome != Kind::Ok {
            continue;
        }
        for m in &txn.mops {
            let Mop::Read {
                key,
                value: Some(list),
            } = m
            else {
                continue;
            };
            let mut seen = HashSet::new();
            if let Some(dup) = list.iter().find(|e| !seen.insert(*e)) {
                anomalies.push(Anomaly {
                    kind: AnomalyKind::DuplicateElements,
                    message: format!(
                        "{} read {} = {}, which contains {dup} more than once",
                        txn.name(),
                        p.keys.label(*key),
                        show_list(list)
                    ),
                    ops: txn.records(),
                });
            }
            if let Some(garbage) = list.iter().find(|e| !p.writers[*key].contains_key(*e)) {
                anomalies.push(Anomaly {
                    kind: AnomalyKind::GarbageRead,
                    message: format!(
                        "{} read {} = {}, but no transaction ever appended {garbage}",
                        txn.name(),
                        p.keys.label(*key),
                        show_list(list)
                    ),
                    ops: txn.records(),
                });
            }
            if !list.is_empty() {
                reads[*key].push((t, list));
            }
        }
    }
    let mut orders = Vec::with_capacity(p.keys.len());
    for (key, key_reads) in reads.into_iter().enumerate() {
        let mut order = KeyOrder {
            usable: true,
            ..KeyOrder::default()
        };
        let Some(&(long_t, longest)) = key_reads
            .iter()
            .max_by_key(|(t, l)| (l.len(), usize::MAX - t))
        else {
            orders.push(order);
            continue;
        };
        for &(t, list) in &key_reads {
            order.observed.extend(list.iter().cloned());
            if order.usable && !longest.starts_with(list) {
                order.usable = false;
                anomalies.push(Anomaly {
                    kind: AnomalyKind::IncompatibleOrder,
                    message: format!(
                        "reads of {} are not prefixes of one order: {} read {} but {} read {}",
                        p.keys.label(key),
                        p.txns[t].name(),
                        show_list(list),
                        p.txns[long_t].name(),
                        show_list(longest)
                    ),
                    ops: [p.txns[t].records(), p.txns[long_t].records()].concat(),
                });
            }
        }
        for (i, e) in longest.iter().enumerate() {
            if order.pos.insert(e.clone(), i).is_some() {
                order.usable = false;
            }
        }
        order.elems = longest.to_vec();
        orders.push(order);
    }
    (orders, anomalies)
}
