//! What one operation shows on its own: a poll's messages of a key must follow
//! the key's order without gaps (`int-poll-skip`, `int-nonmonotonic-poll`), its
//! sends to one key must get increasing offsets (`int-nonmonotonic-send`), and it
//! must not poll what it sent itself (`precommitted-read`).

use super::order::Orders;
use super::parse::{Key, Parsed, Rid};
use super::report::{KafkaAnomaly, KafkaAnomalyKind};
use crate::check::history::Kind;

/// The anomalies of single operations.
pub(crate) fn within_ops(p: &Parsed<'_>, o: &Orders) -> Vec<KafkaAnomaly> {
    let mut out = Vec::new();
    for op in &p.ops {
        if !matches!(op.outcome, Kind::Ok | Kind::Info) {
            continue;
        }
        // Consecutive reads of one key.
        let mut last: Vec<(Key, Rid)> = Vec::new();
        for (key, _, r) in op.reads() {
            let prev = last.iter_mut().find(|x| x.0 == key);
            if let Some(prev) = prev {
                let (a, b) = (o.index(prev.1), o.index(r));
                if let (Some(a), Some(b)) = (a, b) {
                    let name = p.names.key_name(key);
                    let label = p.names.label(key);
                    let offs: Vec<u64> =
                        [a, b].iter().filter_map(|&i| o.offset_at(key, i)).collect();
                    if b > a + 1 {
                        out.push(KafkaAnomaly {
                            kind: KafkaAnomalyKind::IntPollSkip,
                            key: Some(name.to_owned()),
                            message: format!(
                                "{} read {label} {} then {}, skipping {} known offset(s) between {offs:?}",
                                op.name(),
                                p.names.msg(prev.1),
                                p.names.msg(r),
                                b - a - 1
                            ),
                            offsets: offs,
                            ops: op.records(),
                        });
                    } else if b <= a {
                        out.push(KafkaAnomaly {
                            kind: KafkaAnomalyKind::IntNonmonotonicPoll,
                            key: Some(name.to_owned()),
                            message: format!(
                                "{} read {label} {} then {}, going back in offsets {offs:?}",
                                op.name(),
                                p.names.msg(prev.1),
                                p.names.msg(r)
                            ),
                            offsets: offs,
                            ops: op.records(),
                        });
                    }
                }
                prev.1 = r;
            } else {
                last.push((key, r));
            }
        }
        // Consecutive sends to one key.
        let mut sent: Vec<(Key, Rid)> = Vec::new();
        for (key, r, _) in op.sends() {
            if let Some(prev) = sent.iter_mut().find(|x| x.0 == key) {
                if let (Some(a), Some(b)) = (o.index(prev.1), o.index(r))
                    && b <= a
                {
                    out.push(KafkaAnomaly {
                        kind: KafkaAnomalyKind::IntNonmonotonicSend,
                        key: Some(p.names.key_name(key).to_owned()),
                        offsets: [a, b].iter().filter_map(|&i| o.offset_at(key, i)).collect(),
                        message: format!(
                            "{} sent {} then {} to {}, but the second landed first",
                            op.name(),
                            p.names.msg(prev.1),
                            p.names.msg(r),
                            p.names.label(key)
                        ),
                        ops: op.records(),
                    });
                }
                prev.1 = r;
            } else {
                sent.push((key, r));
            }
        }
        // Its own messages among its reads.
        if !sent.is_empty()
            && let Some((key, off, r)) = op
                .reads()
                .find(|&(_, _, r)| op.sends().any(|(_, s, _)| s == r))
        {
            out.push(KafkaAnomaly {
                kind: KafkaAnomalyKind::PrecommittedRead,
                key: Some(p.names.key_name(key).to_owned()),
                offsets: vec![off],
                message: format!(
                    "{} polled {} of {} at offset {off}, which it sent itself",
                    op.name(),
                    p.names.msg(r),
                    p.names.label(key)
                ),
                ops: op.records(),
            });
        }
    }
    out
}
