//! Turning history records into register transactions with interned keys and
//! values, and what each transaction shows of each key from outside.

use crate::check::elle::intern::{Elem, Elems, Keys};
use crate::check::elle::{Anomaly, AnomalyKind};
use crate::check::fx::FxMap;
use crate::check::history::{F, History, Kind, Op};
use serde_json::Value;

/// A register version: an interned value; [`NIL`] is the initial `null`.
pub(crate) type Val = Elem;

/// The initial version of every key (`null`): interned first, so it is always 0.
pub(crate) const NIL: Val = 0;

/// One micro-operation; keys are interned indices into [`Keys`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Mop {
    /// `["w", k, v]`.
    Write { key: usize, value: Val },
    /// `["r", k, v]`: `value` is `None` when unknown (the transaction did not
    /// complete `ok`).
    Read { key: usize, value: Option<Val> },
}

/// One transaction: an invocation and its completion.
#[derive(Clone, Debug)]
pub(crate) struct Txn<'a> {
    /// Position among all transactions; shown as `T<num>`.
    pub num: usize,
    pub invoke: &'a Op,
    pub completion: Option<&'a Op>,
    /// `Ok`, `Fail` or `Info` (no completion counts as `Info`).
    pub outcome: Kind,
    pub mops: Vec<Mop>,
    /// Per key, the version the transaction read before writing it, if it read
    /// the key first (`ok` transactions only).
    pub ext_reads: PerKey,
    /// Per key, the last version the transaction wrote.
    pub ext_writes: PerKey,
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

    /// The version of `key` this transaction finally wrote, if any.
    pub fn ext_write(&self, key: usize) -> Option<Val> {
        self.ext_writes.iter().find(|(k, _)| *k == key).map(|p| p.1)
    }
}

/// A parsed history.
#[derive(Debug)]
pub(crate) struct Parsed<'a> {
    pub txns: Vec<Txn<'a>>,
    pub keys: Keys,
    pub vals: Elems,
    /// For each key, which transaction wrote each version.
    pub writers: Vec<FxMap<Val, usize>>,
}

impl Parsed<'_> {
    /// The version's JSON text.
    pub fn show(&self, v: Val) -> &str {
        self.vals.text(v)
    }

    /// The transaction that wrote `value` to `key`, if any.
    pub fn writer(&self, key: usize, value: Val) -> Option<usize> {
        self.writers.get(key).and_then(|w| w.get(&value)).copied()
    }
}

fn ill_formed(message: String, ops: Vec<Op>) -> Anomaly {
    Anomaly {
        kind: AnomalyKind::IllFormed,
        message,
        ops,
    }
}

/// `(is_write, key, value)` of each micro-op of a record, checking its shape.
fn raw_mops(op: &Op) -> Result<Vec<(bool, &Value, &Value)>, String> {
    let Value::Array(items) = &op.value else {
        return Err(format!(
            "op {}: txn value should be an array of micro-ops, got {}",
            op.index, op.value
        ));
    };
    items
        .iter()
        .map(|item| match item.as_array().map(Vec::as_slice) {
            Some([f, k, v]) if f == "w" && !v.is_null() => Ok((true, k, v)),
            Some([f, k, v]) if f == "r" => Ok((false, k, v)),
            _ => Err(format!(
                "op {}: micro-op should be [\"r\", key, value] or [\"w\", key, non-null value], got {item}",
                op.index
            )),
        })
        .collect()
}

/// The micro-ops of a transaction: from an `ok` completion (which must match its
/// invocation), otherwise from the invocation with reads unknown.
fn parse_mops(
    keys: &mut Keys,
    vals: &mut Elems,
    invoke: &Op,
    completion: Option<&Op>,
    outcome: Kind,
) -> Result<Vec<Mop>, String> {
    let inv = raw_mops(invoke)?;
    let done = match (outcome, completion) {
        (Kind::Ok, Some(c)) => {
            let done = raw_mops(c)?;
            let same = done.len() == inv.len()
                && inv
                    .iter()
                    .zip(&done)
                    .all(|(a, b)| a.0 == b.0 && a.1 == b.1 && (!a.0 || a.2 == b.2));
            if !same {
                return Err(format!(
                    "op {}: completion micro-ops differ from invocation (op {})",
                    c.index, invoke.index
                ));
            }
            Some(done)
        }
        _ => None,
    };
    let source = done.as_ref().unwrap_or(&inv);
    Ok(source
        .iter()
        .map(|&(write, k, v)| {
            let key = keys.intern(k);
            if write {
                Mop::Write {
                    key,
                    value: vals.intern(v),
                }
            } else {
                Mop::Read {
                    key,
                    value: done.is_some().then(|| vals.intern(v)),
                }
            }
        })
        .collect())
}

/// (key, version) pairs, one per key.
type PerKey = Vec<(usize, Val)>;

/// External reads and writes of a transaction's micro-ops.
fn externals(mops: &[Mop]) -> (PerKey, PerKey) {
    let mut reads: PerKey = Vec::new();
    let mut writes: PerKey = Vec::new();
    let mut touched: Vec<usize> = Vec::new();
    for m in mops {
        match *m {
            Mop::Read { key, value } => {
                if !touched.contains(&key) {
                    touched.push(key);
                    if let Some(v) = value {
                        reads.push((key, v));
                    }
                }
            }
            Mop::Write { key, value } => {
                if !touched.contains(&key) {
                    touched.push(key);
                }
                match writes.iter_mut().find(|(k, _)| *k == key) {
                    Some(w) => w.1 = value,
                    None => writes.push((key, value)),
                }
            }
        }
    }
    (reads, writes)
}

/// Parses a history into transactions. Ill-formed records (non-txn ops, bad
/// micro-ops, a version written twice to one key) are returned as `ill-formed`
/// anomalies.
pub(crate) fn parse(history: &History) -> Result<Parsed<'_>, Vec<Anomaly>> {
    let pairs = history
        .pairs()
        .map_err(|e| vec![ill_formed(format!("history: {e}"), Vec::new())])?;
    let mut keys = Keys::default();
    let mut vals = Elems::default();
    let nil = vals.intern(&Value::Null);
    debug_assert_eq!(nil, NIL);
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
        match parse_mops(&mut keys, &mut vals, pair.invoke, pair.completion, outcome) {
            Ok(mops) => {
                let (ext_reads, ext_writes) = externals(&mops);
                txns.push(Txn {
                    num: txns.len(),
                    invoke: pair.invoke,
                    completion: pair.completion,
                    outcome,
                    mops,
                    ext_reads,
                    ext_writes,
                })
            }
            Err(message) => errors.push(ill_formed(message, records)),
        }
    }
    let mut writers: Vec<FxMap<Val, usize>> = vec![FxMap::default(); keys.len()];
    for (i, txn) in txns.iter().enumerate() {
        for m in &txn.mops {
            let Mop::Write { key, value } = *m else {
                continue;
            };
            match writers[key].get(&value) {
                Some(&prev) => errors.push(ill_formed(
                    format!(
                        "{} written to {} twice (by {} and {}); writes must be unique per key",
                        vals.text(value),
                        keys.label(key),
                        txns[prev].name(),
                        txn.name()
                    ),
                    [txns[prev].records(), txn.records()].concat(),
                )),
                None => {
                    writers[key].insert(value, i);
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(Parsed {
            txns,
            keys,
            vals,
            writers,
        })
    } else {
        Err(errors)
    }
}
