//! Real-time checks (for real-time models only; ours, not Jepsen's): a poll must
//! see what was acknowledged before it began, and a listing of committed offsets
//! must show at least what was committed before it began.
//!
//! `stale-poll` assumes a poll returns at least one message for every key that
//! has one at or after the requested offset (Maelstrom lets a server return any
//! number, so a server that returns fewer should be checked without real time).
//! `stale-committed-offsets` reads commits from the history: an ok poll committed
//! the highest offset it read of each key (what the clients do).

use super::parse::{Key, Mop, Parsed};
use super::report::{KafkaAnomaly, KafkaAnomalyKind};
use crate::check::history::Kind;

/// Per key, (completion time, offset, op) of acknowledged events, sorted by
/// time, with the running maximum offset.
struct Acked {
    by_key: Vec<Vec<(u64, u64, usize)>>,
}

impl Acked {
    fn new(keys: usize, mut events: Vec<(Key, u64, u64, usize)>) -> Acked {
        events.sort_unstable_by_key(|e| (e.0, e.1));
        let mut by_key: Vec<Vec<(u64, u64, usize)>> = vec![Vec::new(); keys];
        for (k, t, off, op) in events {
            let list = &mut by_key[k as usize];
            // Keep the running maximum: each entry is the best known by its time.
            let best = match list.last() {
                Some(&(_, m, mop)) if m >= off => (m, mop),
                _ => (off, op),
            };
            list.push((t, best.0, best.1));
        }
        Acked { by_key }
    }

    /// The highest offset acknowledged strictly before `t`, and by which op.
    fn before(&self, key: Key, t: u64) -> Option<(u64, usize)> {
        let list = &self.by_key[key as usize];
        let n = list.partition_point(|e| e.0 < t);
        n.checked_sub(1).map(|i| (list[i].1, list[i].2))
    }
}

/// Stale polls and stale listings of committed offsets.
pub(crate) fn realtime_anomalies(p: &Parsed<'_>) -> Vec<KafkaAnomaly> {
    let keys = p.names.key_count();
    let mut sends = Vec::new();
    let mut commits = Vec::new();
    for (i, op) in p.ops.iter().enumerate() {
        let Some(end) = op.end() else { continue };
        for (k, _, off) in op.sends() {
            if let Some(o) = off {
                sends.push((k, end, o, i));
            }
        }
        let mut highest: Vec<(Key, u64)> = Vec::new();
        for (k, o, _) in op.reads() {
            match highest.iter_mut().find(|h| h.0 == k) {
                Some(h) => h.1 = h.1.max(o),
                None => highest.push((k, o)),
            }
        }
        commits.extend(highest.into_iter().map(|(k, o)| (k, end, o, i)));
    }
    let sent = Acked::new(keys, sends);
    let committed = Acked::new(keys, commits);
    let mut out = Vec::new();
    for op in &p.ops {
        if op.outcome != Kind::Ok {
            continue;
        }
        for m in &op.mops {
            let Mop::Poll {
                reads,
                from: Some(from),
            } = m
            else {
                continue;
            };
            for &(key, asked) in from {
                let got = reads
                    .iter()
                    .any(|(k, pairs)| *k == key && !pairs.is_empty());
                if got {
                    continue;
                }
                if let Some((off, by)) = sent.before(key, op.start())
                    && off >= asked
                {
                    let name = p.names.key_name(key);
                    let label = p.names.label(key);
                    out.push(KafkaAnomaly {
                        kind: KafkaAnomalyKind::StalePoll,
                        key: Some(name.to_owned()),
                        offsets: vec![asked, off],
                        message: format!(
                            "{} asked for {label} from offset {asked} and got nothing, although \
                             offset {off} had been acknowledged before it began ({})",
                            op.name(),
                            p.ops[by].name()
                        ),
                        ops: [p.ops[by].records(), op.records()].concat(),
                    });
                }
            }
        }
        let Some(assign) = &op.assign else { continue };
        let Some(listed) = &assign.committed else {
            continue;
        };
        for &key in &assign.keys {
            let Some((off, by)) = committed.before(key, op.start()) else {
                continue;
            };
            let got = listed.iter().find(|l| l.0 == key).map(|l| l.1);
            if got.is_none_or(|g| g < off) {
                let name = p.names.key_name(key);
                let label = p.names.label(key);
                out.push(KafkaAnomaly {
                    kind: KafkaAnomalyKind::StaleCommittedOffsets,
                    key: Some(name.to_owned()),
                    offsets: got.into_iter().chain([off]).collect(),
                    message: format!(
                        "{} listed {label}'s committed offset as {}, although offset {off} had been \
                         committed before it began ({})",
                        op.name(),
                        got.map_or("missing".to_string(), |g| g.to_string()),
                        p.ops[by].name()
                    ),
                    ops: [p.ops[by].records(), op.records()].concat(),
                });
            }
        }
    }
    out
}
