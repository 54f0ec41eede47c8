//! Acknowledged sends that polls did not see: `lost-write` when polls saw later
//! offsets of the key, `unseen` when no poll saw them by the end.

use super::index::Index;
use super::order::Orders;
use super::parse::{Key, Parsed, Rid};
use super::report::{KafkaAnomaly, KafkaAnomalyKind};

/// At most this many unseen messages are listed per key.
const UNSEEN_SHOWN: usize = 8;

/// Lost writes: per key, every record whose offsets all lie at or below the
/// highest offset any poll read, that an ok send acknowledged and no poll read.
pub(crate) fn lost_writes(p: &Parsed<'_>, o: &Orders, ix: &Index) -> Vec<KafkaAnomaly> {
    let mut out = Vec::new();
    for (key, log) in o.logs.iter().enumerate() {
        let key = key as Key;
        let bound = log
            .iter()
            .flat_map(|(_, rids)| rids.iter())
            .filter(|&&r| ix.read(r))
            .filter_map(|&r| o.index(r))
            .max();
        let Some(bound) = bound else { continue };
        let max_read = log[bound as usize]
            .1
            .iter()
            .find_map(|&r| ix.first_reader[r as usize]);
        for (i, (offset, rids)) in log.iter().enumerate().take(bound as usize + 1) {
            for &r in rids {
                let first_here = o.index(r) == Some(i as u32);
                let within = o.last[r as usize].is_some_and(|l| l <= bound);
                if !first_here || !within || ix.read(r) {
                    continue;
                }
                let Some(w) = ix.ok_writer(p, r) else {
                    continue;
                };
                let bound_offset = log[bound as usize].0;
                let mut ops = p.ops[w].records();
                if let Some(m) = max_read {
                    ops.extend(p.ops[m].records());
                }
                out.push(KafkaAnomaly {
                    kind: KafkaAnomalyKind::LostWrite,
                    key: Some(p.names.key_name(key).to_owned()),
                    offsets: vec![*offset, bound_offset],
                    message: format!(
                        "message {} of {} at offset {offset}, acknowledged by {}, was never polled, \
                         although polls read up to offset {bound_offset}{}",
                        p.names.msg(r),
                        p.names.label(key),
                        p.ops[w].name(),
                        max_read.map_or(String::new(), |m| format!(" ({})", p.ops[m].name()))
                    ),
                    ops,
                });
            }
        }
    }
    out
}

/// Unseen: per key, acknowledged sends that no poll read by the end.
pub(crate) fn unseen(p: &Parsed<'_>, ix: &Index) -> Vec<KafkaAnomaly> {
    let mut per_key: Vec<Vec<(Rid, Option<u64>, usize)>> = vec![Vec::new(); p.names.key_count()];
    for (i, op) in p.ops.iter().enumerate() {
        if op.outcome != crate::check::history::Kind::Ok {
            continue;
        }
        for (key, rid, offset) in op.sends() {
            if !ix.read(rid) && ix.ok_writer(p, rid) == Some(i) {
                per_key[key as usize].push((rid, offset, i));
            }
        }
    }
    per_key
        .into_iter()
        .enumerate()
        .filter(|(_, v)| !v.is_empty())
        .map(|(key, mut v)| {
            v.sort_by_key(|x| x.1);
            let shown: Vec<String> = v
                .iter()
                .take(UNSEEN_SHOWN)
                .map(|(r, off, _)| match off {
                    Some(o) => format!("{}@{o}", p.names.msg(*r)),
                    None => p.names.msg(*r).to_owned(),
                })
                .collect();
            let more = v.len().saturating_sub(UNSEEN_SHOWN);
            let name = p.names.key_name(key as Key).to_owned();
            let label = p.names.label(key as Key);
            KafkaAnomaly {
                kind: KafkaAnomalyKind::Unseen,
                message: format!(
                    "{} acknowledged message(s) of {label} never polled: {}{}",
                    v.len(),
                    shown.join(", "),
                    if more > 0 {
                        format!(", ... ({more} more)")
                    } else {
                        String::new()
                    }
                ),
                key: Some(name),
                offsets: v.iter().filter_map(|x| x.1).take(UNSEEN_SHOWN).collect(),
                ops: v
                    .iter()
                    .take(UNSEEN_SHOWN)
                    .flat_map(|x| p.ops[x.2].records())
                    .collect(),
            }
        })
        .collect()
}
