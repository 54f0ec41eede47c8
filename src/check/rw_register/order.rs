//! What can be inferred about each key's version order. A register read shows
//! one version, not a history, so unlike list-append the order is a partial one,
//! built from facts `a < b`:
//!
//! - the initial version: `null` precedes every version written;
//! - writes follow reads: a transaction that read `a` and then wrote `b` to the
//!   same key puts `b` after `a`;
//! - real time (only under real-time models, so such facts are marked): when
//!   T1 completed before T2 was invoked, the version T1 read or wrote last
//!   precedes the version T2 writes to the same key, and the one T2 reads
//!   there if different (unless the writes already show the opposite).

use super::txn::{NIL, Parsed, Val};
use crate::check::fx::FxMap;
use crate::check::history::Kind;

/// One key's version-order facts: `(a, b)` -> whether the fact rests on real
/// time alone.
pub(crate) type Facts = FxMap<(Val, Val), bool>;

/// Adds fact `a < b` (a realtime fact never replaces a plain one).
fn add(facts: &mut Facts, a: Val, b: Val, realtime: bool) {
    if a != b {
        let r = facts.entry((a, b)).or_insert(realtime);
        *r &= realtime;
    }
}

/// Every key's facts, for the transactions in the graph (`members`).
pub(crate) fn version_facts(p: &Parsed<'_>, members: &[bool], realtime: bool) -> Vec<Facts> {
    let mut facts: Vec<Facts> = vec![Facts::default(); p.keys.len()];
    // Writes follow reads.
    for (t, txn) in p.txns.iter().enumerate() {
        if !members[t] || txn.outcome != Kind::Ok {
            continue;
        }
        for &(key, read) in &txn.ext_reads {
            if let Some(write) = txn.ext_write(key) {
                add(&mut facts[key], read, write, false);
            }
        }
    }
    if realtime {
        realtime_facts(p, members, &mut facts);
    }
    initial_facts(p, members, &mut facts);
    facts
}

/// `null` precedes every version that has no other model-independent
/// predecessor (the rest follow `null` through those).
fn initial_facts(p: &Parsed<'_>, members: &[bool], facts: &mut [Facts]) {
    for (key, f) in facts.iter_mut().enumerate() {
        let mut has_pred: FxMap<Val, ()> = FxMap::default();
        for (&(_, b), &rt) in f.iter() {
            if !rt {
                has_pred.insert(b, ());
            }
        }
        let mut versions: Vec<Val> = p.writers[key]
            .iter()
            .filter(|&(_, &w)| members[w] && p.txns[w].ext_write(key).is_some())
            .map(|(&v, _)| v)
            .filter(|v| !has_pred.contains_key(v))
            .collect();
        versions.sort_unstable();
        for v in versions {
            add(f, NIL, v, false);
        }
    }
}

/// Versions a consistency check explores at most when deciding whether a read
/// contradicts what the writes already show (more: the read is not used).
const MAX_EXPLORED: usize = 256;

/// Per key, the frontier of completed transactions that touched it, at most one
/// per version they left the key at. A transaction invoked later writes a later
/// version than each of them, and reads a later version, or the same.
///
/// Reads order versions only where they do not contradict what is known already
/// (the writes, then earlier reads, in time order): a stale read would otherwise
/// turn a key's order around, and the graph catches it as an anti-dependency
/// anyway. Reads are what show a write cycle between concurrent blind writers (a
/// later reader sees x from one and y from the other).
fn realtime_facts(p: &Parsed<'_>, members: &[bool], facts: &mut [Facts]) {
    // (time, record index, txn, is completion)
    let mut events: Vec<(u64, usize, usize, bool)> = Vec::new();
    for (t, txn) in p.txns.iter().enumerate() {
        if !members[t] {
            continue;
        }
        events.push((txn.invoke.time, txn.invoke.index, t, false));
        if let (Kind::Ok, Some(c)) = (txn.outcome, txn.completion) {
            events.push((c.time, c.index, t, true));
        }
    }
    events.sort_unstable();
    // key -> [(txn, version it left)], one entry per version
    let mut frontier: Vec<Vec<(usize, Val)>> = vec![Vec::new(); p.keys.len()];
    // (txn, key) -> the frontier a writer saw when invoked
    let mut preds: FxMap<(usize, usize), Vec<usize>> = FxMap::default();
    let mut read_facts: Vec<Vec<(Val, Val)>> = vec![Vec::new(); p.keys.len()];
    for (_, _, t, done) in events {
        let txn = &p.txns[t];
        if done {
            for &(key, w) in &txn.ext_writes {
                let pred = preds.remove(&(t, key)).unwrap_or_default();
                frontier[key].retain(|(f, v)| !pred.contains(f) && *v != w);
                frontier[key].push((t, w));
            }
            for &(key, r) in &txn.ext_reads {
                if txn.ext_write(key).is_none() {
                    frontier[key].retain(|(_, v)| *v != r);
                    frontier[key].push((t, r));
                }
            }
        } else {
            for &(key, w) in &txn.ext_writes {
                for &(_, before) in &frontier[key] {
                    add(&mut facts[key], before, w, true);
                }
                preds.insert((t, key), frontier[key].iter().map(|f| f.0).collect());
            }
            for &(key, r) in &txn.ext_reads {
                for &(_, before) in &frontier[key] {
                    if before != r {
                        read_facts[key].push((before, r));
                    }
                }
            }
        }
    }
    for (key, reads) in read_facts.into_iter().enumerate() {
        let mut succ: FxMap<Val, Vec<Val>> = FxMap::default();
        for &(x, y) in facts[key].keys() {
            succ.entry(x).or_default().push(y);
        }
        for (before, r) in reads {
            if r != NIL && !precedes(&succ, r, before) {
                add(&mut facts[key], before, r, true);
                succ.entry(before).or_default().push(r);
            }
        }
    }
}

/// Whether `a` precedes `b` by the facts given as successor lists (or might: a search that explores
/// more than [`MAX_EXPLORED`] versions answers yes).
fn precedes(succ: &FxMap<Val, Vec<Val>>, a: Val, b: Val) -> bool {
    let mut seen: FxMap<Val, ()> = FxMap::default();
    let mut stack = vec![a];
    while let Some(v) = stack.pop() {
        if v == b {
            return true;
        }
        if seen.insert(v, ()).is_some() {
            continue;
        }
        if seen.len() > MAX_EXPLORED {
            return true;
        }
        stack.extend(succ.get(&v).into_iter().flatten().copied());
    }
    false
}
