//! What one client process sees over time: each poll of a key should start just
//! after what the process read last (`poll-skip` when it skips known offsets,
//! `nonmonotonic-poll` when it goes back), and each send to a key should land
//! after the process's previous one (`nonmonotonic-send`). An assign resets the
//! keys it does not keep; a crash starts a new process.
//!
//! Beyond Jepsen: a process's first poll of a key after an assign is compared with
//! the offset it asked for, which the history records.

use super::order::Orders;
use super::parse::{KOp, Key, Mop, Parsed, Rid};
use super::report::{KafkaAnomaly, KafkaAnomalyKind};
use crate::check::fx::FxMap;
use crate::check::history::Kind;

/// At most this many skipped messages are listed.
const SKIPPED_SHOWN: usize = 8;

/// The first and last record an op read of each key, in order of keys read.
fn read_span(op: &KOp<'_>) -> Vec<(Key, Rid, Rid)> {
    let mut out: Vec<(Key, Rid, Rid)> = Vec::new();
    for (k, _, r) in op.reads() {
        match out.iter_mut().find(|s| s.0 == k) {
            Some(s) => s.2 = r,
            None => out.push((k, r, r)),
        }
    }
    out
}

/// The offset `op` asked `key` from, if recorded.
fn asked(op: &KOp<'_>, key: Key) -> Option<u64> {
    op.mops.iter().find_map(|m| match m {
        Mop::Poll { from: Some(f), .. } => f.iter().find(|x| x.0 == key).map(|x| x.1),
        _ => None,
    })
}

fn skipped_text(p: &Parsed<'_>, skipped: &[(u64, Rid)]) -> String {
    let shown: Vec<String> = skipped
        .iter()
        .take(SKIPPED_SHOWN)
        .map(|(o, r)| format!("{}@{o}", p.names.msg(*r)))
        .collect();
    shown.join(", ")
}

/// Poll skips and nonmonotonic polls and sends, process by process.
pub(crate) fn process_anomalies(p: &Parsed<'_>, o: &Orders) -> Vec<KafkaAnomaly> {
    let mut by_process: FxMap<u64, Vec<usize>> = FxMap::default();
    for (i, op) in p.ops.iter().enumerate() {
        by_process.entry(op.invoke.process).or_default().push(i);
    }
    let mut processes: Vec<(u64, Vec<usize>)> = by_process.into_iter().collect();
    processes.sort_unstable();
    let mut out = Vec::new();
    for (_, ops) in processes {
        // key -> (last record read, op that read it)
        let mut last_read: FxMap<Key, (Rid, usize)> = FxMap::default();
        let mut last_sent: FxMap<Key, (Rid, usize)> = FxMap::default();
        for i in ops {
            let op = &p.ops[i];
            if let Some(a) = &op.assign {
                if op.outcome != Kind::Fail {
                    last_read.retain(|k, _| a.keys.contains(k));
                    last_sent.retain(|k, _| a.keys.contains(k));
                }
                continue;
            }
            if op.outcome == Kind::Ok {
                for (key, first, last) in read_span(op) {
                    match last_read.get(&key) {
                        Some(&(prev, prev_op)) => {
                            out.extend(compare_polls(p, o, key, (prev, prev_op), (first, i)))
                        }
                        None => out.extend(compare_asked(p, o, key, first, i)),
                    }
                    last_read.insert(key, (last, i));
                }
            }
            if matches!(op.outcome, Kind::Ok | Kind::Info) {
                let mut firsts: Vec<(Key, Rid, Rid)> = Vec::new();
                for (k, r, _) in op.sends() {
                    match firsts.iter_mut().find(|s| s.0 == k) {
                        Some(s) => s.2 = r,
                        None => firsts.push((k, r, r)),
                    }
                }
                for (key, first, last) in firsts {
                    if let Some(&(prev, prev_op)) = last_sent.get(&key)
                        && let (Some(a), Some(b)) = (o.index(prev), o.index(first))
                        && b <= a
                    {
                        out.push(KafkaAnomaly {
                            kind: KafkaAnomalyKind::NonmonotonicSend,
                            key: Some(p.names.key_name(key).to_owned()),
                            offsets: offsets(o, key, &[a, b]),
                            message: format!(
                                "{} sent {} to {} at offset {:?}, not after its previous send {} at offset {:?}",
                                op.name(),
                                p.names.msg(first),
                                p.names.label(key),
                                o.offset_at(key, b),
                                p.names.msg(prev),
                                o.offset_at(key, a),
                            ),
                            ops: [p.ops[prev_op].records(), op.records()].concat(),
                        });
                    }
                    last_sent.insert(key, (last, i));
                }
            }
        }
    }
    out
}

fn offsets(o: &Orders, key: Key, indices: &[u32]) -> Vec<u64> {
    indices
        .iter()
        .filter_map(|&i| o.offset_at(key, i))
        .collect()
}

/// A poll's first read of `key` against the process's last read of it.
fn compare_polls(
    p: &Parsed<'_>,
    o: &Orders,
    key: Key,
    (prev, prev_op): (Rid, usize),
    (first, i): (Rid, usize),
) -> Option<KafkaAnomaly> {
    let (a, b) = (o.index(prev)?, o.index(first)?);
    let op = &p.ops[i];
    let name = p.names.key_name(key);
    let label = p.names.label(key);
    let ops = || [p.ops[prev_op].records(), op.records()].concat();
    if b > a + 1 {
        let skipped = o.between(key, a, b, SKIPPED_SHOWN);
        Some(KafkaAnomaly {
            kind: KafkaAnomalyKind::PollSkip,
            key: Some(name.to_owned()),
            offsets: offsets(o, key, &[a, b]),
            message: format!(
                "{} read {label} from {}@{:?} after the process last read {}@{:?}, skipping {} known offset(s): {}",
                op.name(),
                p.names.msg(first),
                o.offset_at(key, b),
                p.names.msg(prev),
                o.offset_at(key, a),
                b - a - 1,
                skipped_text(p, &skipped)
            ),
            ops: ops(),
        })
    } else if b <= a {
        Some(KafkaAnomaly {
            kind: KafkaAnomalyKind::NonmonotonicPoll,
            key: Some(name.to_owned()),
            offsets: offsets(o, key, &[a, b]),
            message: format!(
                "{} read {label} from {}@{:?}, at or before {}@{:?}, which the process had read already",
                op.name(),
                p.names.msg(first),
                o.offset_at(key, b),
                p.names.msg(prev),
                o.offset_at(key, a),
            ),
            ops: ops(),
        })
    } else {
        None
    }
}

/// A process's first poll of `key` against the offset it asked for.
fn compare_asked(
    p: &Parsed<'_>,
    o: &Orders,
    key: Key,
    first: Rid,
    i: usize,
) -> Option<KafkaAnomaly> {
    let op = &p.ops[i];
    let from = asked(op, key)?;
    let b = o.index(first)?;
    let got = o.offset_at(key, b)?;
    let log = &o.logs[key as usize];
    let name = p.names.key_name(key);
    let label = p.names.label(key);
    if got < from {
        return Some(KafkaAnomaly {
            kind: KafkaAnomalyKind::NonmonotonicPoll,
            key: Some(name.to_owned()),
            offsets: vec![from, got],
            message: format!(
                "{} asked for {label} from offset {from} but got {}@{got} first",
                op.name(),
                p.names.msg(first)
            ),
            ops: op.records(),
        });
    }
    let pos = log.partition_point(|(off, _)| *off < from);
    let count = (b as usize).saturating_sub(pos);
    let skipped: Vec<(u64, Rid)> = log[pos..pos + count]
        .iter()
        .take(SKIPPED_SHOWN)
        .filter_map(|(off, rids)| rids.first().map(|&r| (*off, r)))
        .collect();
    (count > 0).then(|| KafkaAnomaly {
        kind: KafkaAnomalyKind::PollSkip,
        key: Some(name.to_owned()),
        offsets: vec![from, got],
        message: format!(
            "{} asked for {label} from offset {from} but got {}@{got} first, skipping {} known offset(s): {}",
            op.name(),
            p.names.msg(first),
            count,
            skipped_text(p, &skipped)
        ),
        ops: op.records(),
    })
}
