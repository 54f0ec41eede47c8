//! Each key's version order, from every offset an acknowledged send or a poll
//! showed: offset -> messages. Two messages at one offset are
//! `inconsistent-offsets`; one message at two offsets is a `duplicate`. The dense
//! *index* of an offset (its position among the key's known offsets) is what
//! skips and reorderings are measured in, since offsets may have gaps.

use super::parse::{Key, Parsed, Rid};
use super::report::{KafkaAnomaly, KafkaAnomalyKind};
use crate::check::fx::FxMap;
use crate::check::history::Kind;

/// The version orders of every key.
#[derive(Debug, Default)]
pub(crate) struct Orders {
    /// Per key, its known offsets in order, each with the records seen there.
    pub logs: Vec<Vec<(u64, Vec<Rid>)>>,
    /// Per record, the index of the first offset it was seen at.
    pub first: Vec<Option<u32>>,
    /// Per record, the index of the last offset it was seen at.
    pub last: Vec<Option<u32>>,
}

impl Orders {
    /// The record's index in its key's order (its first one).
    pub fn index(&self, r: Rid) -> Option<u32> {
        self.first.get(r as usize).copied().flatten()
    }

    /// The offset at index `i` of `key`.
    pub fn offset_at(&self, key: Key, i: u32) -> Option<u64> {
        self.logs.get(key as usize)?.get(i as usize).map(|e| e.0)
    }

    /// The records at indices strictly between `a` and `b` of `key` (the first
    /// of each offset), at most `limit`.
    pub fn between(&self, key: Key, a: u32, b: u32, limit: usize) -> Vec<(u64, Rid)> {
        let log = &self.logs[key as usize];
        (a as usize + 1..(b as usize).min(log.len()))
            .take(limit)
            .filter_map(|i| log[i].1.first().map(|&r| (log[i].0, r)))
            .collect()
    }
}

/// Builds the orders; reports inconsistent offsets and duplicates.
pub(crate) fn orders(p: &Parsed<'_>) -> (Orders, Vec<KafkaAnomaly>) {
    // (key, offset, record, op) for every acknowledged send and every read.
    let mut seen: Vec<(Key, u64, Rid, usize)> = Vec::new();
    for (i, op) in p.ops.iter().enumerate() {
        if op.outcome != Kind::Ok {
            continue;
        }
        for (key, rid, offset) in op.sends() {
            if let Some(o) = offset {
                seen.push((key, o, rid, i));
            }
        }
        seen.extend(op.reads().map(|(k, o, r)| (k, o, r, i)));
    }
    seen.sort_unstable();
    seen.dedup_by_key(|s| (s.0, s.1, s.2));
    let mut o = Orders {
        logs: vec![Vec::new(); p.names.key_count()],
        first: vec![None; p.names.record_count()],
        last: vec![None; p.names.record_count()],
    };
    let mut anomalies = Vec::new();
    // Per record seen at more than one offset: (offset, op) of each.
    let mut places: FxMap<Rid, Vec<(u64, usize)>> = FxMap::default();
    // Per record, the op that first showed it.
    let mut first_op: Vec<usize> = vec![0; p.names.record_count()];
    let mut start = 0;
    while start < seen.len() {
        let (key, offset, ..) = seen[start];
        let end = start
            + seen[start..]
                .iter()
                .take_while(|s| s.0 == key && s.1 == offset)
                .count();
        let group = &seen[start..end];
        let log = &mut o.logs[key as usize];
        let index = log.len() as u32;
        log.push((offset, group.iter().map(|s| s.2).collect()));
        for &(_, _, rid, op) in group {
            let first = &mut o.first[rid as usize];
            if let Some(f) = *first {
                let earlier = o.logs[key as usize][f as usize].0;
                let at = places.entry(rid).or_default();
                if at.is_empty() {
                    at.push((earlier, first_op[rid as usize]));
                }
                at.push((offset, op));
            } else {
                *first = Some(index);
                first_op[rid as usize] = op;
            }
            o.last[rid as usize] = Some(index);
        }
        if group.len() > 1 {
            let values: Vec<&str> = group.iter().map(|s| p.names.msg(s.2)).collect();
            anomalies.push(KafkaAnomaly {
                kind: KafkaAnomalyKind::InconsistentOffsets,
                key: Some(p.names.key_name(key).to_owned()),
                offsets: vec![offset],
                message: format!(
                    "offset {offset} of {} holds {} different messages: {}",
                    p.names.label(key),
                    group.len(),
                    values.join(", ")
                ),
                ops: group.iter().flat_map(|s| p.ops[s.3].records()).collect(),
            });
        }
        start = end;
    }
    let mut dups: Vec<(Rid, Vec<(u64, usize)>)> = places.into_iter().collect();
    dups.sort_unstable();
    for (rid, at) in dups {
        let key = p.names.record_key[rid as usize];
        let offsets: Vec<u64> = at.iter().map(|a| a.0).collect();
        anomalies.push(KafkaAnomaly {
            kind: KafkaAnomalyKind::Duplicate,
            key: Some(p.names.key_name(key).to_owned()),
            message: format!(
                "message {} of {} appears at {} offsets: {offsets:?}",
                p.names.msg(rid),
                p.names.label(key),
                offsets.len()
            ),
            offsets,
            ops: at.iter().flat_map(|a| p.ops[a.1].records()).collect(),
        });
    }
    (o, anomalies)
}
