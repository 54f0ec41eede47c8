//! Where polled messages came from: a message nobody sent (`garbage-read`), one
//! whose every send failed (`G1a`), or one sent only after the poll that saw it
//! had completed (`G1c-realtime`: the poll read from the future).

use super::index::Index;
use super::parse::{Parsed, Rid};
use super::report::{KafkaAnomaly, KafkaAnomalyKind};
use crate::check::history::Kind;

/// Origin anomalies, one per record.
pub(crate) fn origin_anomalies(p: &Parsed<'_>, ix: &Index) -> Vec<KafkaAnomaly> {
    // Per record: (completion time, op) of its earliest-completing reader.
    let mut earliest: Vec<Option<(u64, usize, u64)>> = vec![None; p.names.record_count()];
    for (i, op) in p.ops.iter().enumerate() {
        let Some(end) = op.end() else { continue };
        for (_, off, r) in op.reads() {
            let e = &mut earliest[r as usize];
            if e.is_none_or(|(t, ..)| end < t) {
                *e = Some((end, i, off));
            }
        }
    }
    let mut out = Vec::new();
    for (r, e) in earliest.into_iter().enumerate() {
        let Some((end, reader, off)) = e else {
            continue;
        };
        let rid = r as Rid;
        let key = p.names.record_key[r];
        let name = p.names.key_name(key).to_owned();
        let label = p.names.label(key);
        let reader_op = &p.ops[reader];
        let writers = &ix.writers[r];
        let read = format!(
            "{} read {} of {label} at offset {off}",
            reader_op.name(),
            p.names.msg(rid)
        );
        let anomaly = |kind, message: String, w: Option<usize>| KafkaAnomaly {
            kind,
            key: Some(name.clone()),
            offsets: vec![off],
            message,
            ops: [
                reader_op.records(),
                w.map(|w| p.ops[w].records()).unwrap_or_default(),
            ]
            .concat(),
        };
        if writers.is_empty() {
            out.push(anomaly(
                KafkaAnomalyKind::GarbageRead,
                format!("{read}, which no client sent"),
                None,
            ));
            continue;
        }
        let live = writers
            .iter()
            .copied()
            .filter(|&w| p.ops[w].outcome != Kind::Fail)
            .min_by_key(|&w| p.ops[w].start());
        match live {
            None => out.push(anomaly(
                KafkaAnomalyKind::G1a,
                format!("{read}, whose send failed ({})", p.ops[writers[0]].name()),
                Some(writers[0]),
            )),
            Some(w) if p.ops[w].start() > end => out.push(anomaly(
                KafkaAnomalyKind::G1cRealtime,
                format!(
                    "{read} and completed (t={end}), before it was sent ({}, invoked at t={})",
                    p.ops[w].name(),
                    p.ops[w].start()
                ),
                Some(w),
            )),
            Some(_) => {}
        }
    }
    out
}
