//! Turning history records into transactions with parsed micro-operations.

use super::report::{Anomaly, AnomalyKind};
pub(crate) use crate::check::elle::intern::{Elem, Elems, Keys};
use crate::check::fx::FxMap;
use crate::check::history::{F, History, Kind, Op};
use serde_json::Value;

/// One micro-operation of a transaction; keys are interned indices into [`Keys`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Mop {
    /// `["append", k, v]`.
    Append { key: usize, elem: Elem },
    /// `["r", k, v]`: `value` is the list read, `None` for `null` (never appended)
    /// and for reads of transactions that did not complete `ok` (unknown).
    Read {
        key: usize,
        value: Option<Vec<Elem>>,
    },
}

/// One transaction: an invocation and its completion.
#[derive(Clone, Debug)]
pub(crate) struct Txn<'a> {
    /// Position among all transactions of the history; shown as `T<num>`.
    pub num: usize,
    pub invoke: &'a Op,
    pub completion: Option<&'a Op>,
    /// `Ok`, `Fail` or `Info` (no completion counts as `Info`).
    pub outcome: Kind,
    /// From the completion for `ok` transactions, from the invocation otherwise.
    pub mops: Vec<Mop>,
}

impl Txn<'_> {
    /// `T<num>`.
    pub fn name(&self) -> String {
        format!("T{}", self.num)
    }

    /// The invoke and completion records, cloned.
    pub fn records(&self) -> Vec<Op> {
        let mut ops = vec![self.invoke.clone()];
        ops.extend(self.completion.cloned());
        ops
    }

    /// Appended elements to `key`, in transaction order.
    pub fn appends_to(&self, key: usize) -> impl Iterator<Item = Elem> + '_ {
        self.mops.iter().filter_map(move |m| match m {
            Mop::Append { key: k, elem } if *k == key => Some(*elem),
            _ => None,
        })
    }
}

/// A parsed history.
#[derive(Debug)]
pub(crate) struct Parsed<'a> {
    pub txns: Vec<Txn<'a>>,
    pub keys: Keys,
    pub elems: Elems,
    /// For each key, which transaction appended each element.
    pub writers: Vec<FxMap<Elem, usize>>,
}

impl Parsed<'_> {
    /// The element's JSON text.
    pub fn show(&self, e: Elem) -> &str {
        self.elems.text(e)
    }

    /// A list for messages.
    pub fn show_list(&self, list: &[Elem]) -> String {
        self.elems.show_list(list)
    }
}

fn ill_formed(message: String, ops: Vec<Op>) -> Anomaly {
    Anomaly {
        kind: AnomalyKind::IllFormed,
        message,
        ops,
    }
}

/// Shape of one micro-op before key interning.
enum RawMop<'v> {
    Append(&'v Value, &'v Value),
    Read(&'v Value, &'v Value),
}

fn raw_mops(op: &Op) -> Result<Vec<RawMop<'_>>, String> {
    let Value::Array(items) = &op.value else {
        return Err(format!(
            "op {}: txn value should be an array of micro-ops, got {}",
            op.index, op.value
        ));
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let shape_err = || {
            format!(
                "op {}: micro-op should be [\"append\"|\"r\", key, value], got {item}",
                op.index
            )
        };
        let Value::Array(parts) = item else {
            return Err(shape_err());
        };
        let [f, k, v] = parts.as_slice() else {
            return Err(shape_err());
        };
        match f.as_str() {
            Some("append") if !v.is_null() => out.push(RawMop::Append(k, v)),
            Some("r") | Some("read") => out.push(RawMop::Read(k, v)),
            _ => return Err(shape_err()),
        }
    }
    Ok(out)
}

fn read_value(elems: &mut Elems, op: &Op, v: &Value) -> Result<Option<Vec<Elem>>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Array(items) => Ok(Some(items.iter().map(|e| elems.intern(e)).collect())),
        other => Err(format!(
            "op {}: a completed read should be null or a list, got {other}",
            op.index
        )),
    }
}

/// Parses the micro-ops of a transaction, checking that an `ok` completion matches
/// its invocation.
fn parse_mops(
    keys: &mut Keys,
    elems: &mut Elems,
    invoke: &Op,
    completion: Option<&Op>,
    outcome: Kind,
) -> Result<Vec<Mop>, String> {
    let inv = raw_mops(invoke)?;
    let source = match (outcome, completion) {
        (Kind::Ok, Some(c)) => {
            let done = raw_mops(c)?;
            if done.len() != inv.len() {
                return Err(format!(
                    "op {}: completion has {} micro-ops but its invocation (op {}) has {}",
                    c.index,
                    done.len(),
                    invoke.index,
                    inv.len()
                ));
            }
            for (a, b) in inv.iter().zip(&done) {
                let same = match (a, b) {
                    (RawMop::Append(k1, v1), RawMop::Append(k2, v2)) => k1 == k2 && v1 == v2,
                    (RawMop::Read(k1, _), RawMop::Read(k2, _)) => k1 == k2,
                    _ => false,
                };
                if !same {
                    return Err(format!(
                        "op {}: completion micro-ops differ from invocation (op {})",
                        c.index, invoke.index
                    ));
                }
            }
            Some((c, done))
        }
        _ => None,
    };
    let mut mops = Vec::with_capacity(inv.len());
    match source {
        Some((c, done)) => {
            for raw in done {
                mops.push(match raw {
                    RawMop::Append(k, v) => Mop::Append {
                        key: keys.intern(k),
                        elem: elems.intern(v),
                    },
                    RawMop::Read(k, v) => Mop::Read {
                        key: keys.intern(k),
                        value: read_value(elems, c, v)?,
                    },
                });
            }
        }
        None => {
            for raw in inv {
                mops.push(match raw {
                    RawMop::Append(k, v) => Mop::Append {
                        key: keys.intern(k),
                        elem: elems.intern(v),
                    },
                    RawMop::Read(k, _) => Mop::Read {
                        key: keys.intern(k),
                        value: None,
                    },
                });
            }
        }
    }
    Ok(mops)
}

/// Parses a history into transactions. Any ill-formed record (non-txn op, bad
/// micro-op shape, an element appended twice to one key, unpaired records) is
/// returned as `ill-formed` anomalies.
pub(crate) fn parse(history: &History) -> Result<Parsed<'_>, Vec<Anomaly>> {
    let pairs = history
        .pairs()
        .map_err(|e| vec![ill_formed(format!("history: {e}"), Vec::new())])?;
    let mut keys = Keys::default();
    let mut elems = Elems::default();
    let mut txns = Vec::with_capacity(pairs.len());
    let mut errors = Vec::new();
    for pair in pairs {
        let mut records = vec![pair.invoke.clone()];
        records.extend(pair.completion.cloned());
        if pair.invoke.f != F::Txn || pair.completion.is_some_and(|c| c.f != F::Txn) {
            errors.push(ill_formed(
                format!(
                    "op {}: expected a txn operation, got {:?}",
                    pair.invoke.index, pair.invoke.f
                ),
                records,
            ));
            continue;
        }
        let outcome = pair.outcome();
        match parse_mops(&mut keys, &mut elems, pair.invoke, pair.completion, outcome) {
            Ok(mops) => txns.push(Txn {
                num: txns.len(),
                invoke: pair.invoke,
                completion: pair.completion,
                outcome,
                mops,
            }),
            Err(message) => errors.push(ill_formed(message, records)),
        }
    }
    let mut writers: Vec<FxMap<Elem, usize>> = vec![FxMap::default(); keys.len()];
    for (i, txn) in txns.iter().enumerate() {
        for m in &txn.mops {
            if let Mop::Append { key, elem } = m {
                if let Some(&prev) = writers[*key].get(elem) {
                    errors.push(ill_formed(
                        format!(
                            "element {} appended to {} twice (by {} and {}); elements must be unique per key",
                            elems.text(*elem),
                            keys.label(*key),
                            txns[prev].name(),
                            txn.name()
                        ),
                        [txns[prev].records(), txn.records()].concat(),
                    ));
                } else {
                    writers[*key].insert(*elem, i);
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(Parsed {
            txns,
            keys,
            elems,
            writers,
        })
    } else {
        Err(errors)
    }
}
