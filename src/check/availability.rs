//! Availability: how many requests the service served. Shared by every workload.
//!
//! Two figures with two names. **availability** is Maelstrom's: ok ÷ invoked, so
//! only an ok counts (a cas refused with error 22 lowers it, as in Maelstrom).
//! **answered** also counts a definite answer about the data (error 20
//! key-does-not-exist, 22 precondition-failed), which a correct service must give
//! and which says nothing about whether it was reachable: what an always-available
//! store such as lww-kv promises.

use super::Verdict;
use super::history::{History, Kind, Op};

/// True for a completion that answered the request: ok, or a definite answer about
/// the data (error 20 key-does-not-exist or 22 precondition-failed on a cas), which
/// a correct service must give and which says nothing about its availability.
pub fn answered(op: &Op) -> bool {
    match op.kind {
        Kind::Ok => true,
        Kind::Fail => op
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("20:") || e.starts_with("22:")),
        _ => false,
    }
}

/// Maelstrom's availability checker: the fraction of invoked operations that
/// completed ok. With `required` (1.0 for `--availability total`) it is valid only
/// when the fraction reaches it; without, it is reported and always valid.
pub fn check(history: &History, required: Option<f64>) -> Verdict {
    fraction_check(history, required, "availability", "ok", |o| {
        o.kind == Kind::Ok
    })
}

/// The fraction of invoked operations that were [`answered`], with the same
/// `required` rule as [`check`].
pub fn answered_check(history: &History, required: Option<f64>) -> Verdict {
    fraction_check(history, required, "answered", "answered", answered)
}

fn fraction_check(
    history: &History,
    required: Option<f64>,
    checker: &str,
    word: &str,
    counts: impl Fn(&Op) -> bool,
) -> Verdict {
    let invoked = history
        .ops
        .iter()
        .filter(|o| o.kind == Kind::Invoke)
        .count();
    let done: Vec<_> = history
        .ops
        .iter()
        .filter(|o| o.kind != Kind::Invoke)
        .collect();
    let counted = done.iter().filter(|o| counts(o)).count();
    let fraction = if invoked == 0 {
        1.0
    } else {
        counted as f64 / invoked as f64
    };
    let valid = required.is_none_or(|r| fraction >= r);
    let anomalies = done
        .iter()
        .filter(|o| !counts(o))
        .take(if valid { 0 } else { 10 })
        .map(|o| serde_json::to_string(o).unwrap_or_default())
        .collect();
    Verdict {
        checker: checker.into(),
        valid,
        summary: format!(
            "{counted}/{invoked} invoked {word} = {fraction:.4}{}",
            required.map_or(String::new(), |r| format!(" (required {r})"))
        ),
        anomalies,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::history::F;
    use serde_json::{Value, json};

    fn op(process: u64, kind: Kind, f: F, value: Value, error: Option<&str>) -> Op {
        Op::new(process, kind, f, Some(json!(1)), value).with_error(error)
    }

    #[test]
    fn data_answers_count_and_timeouts_do_not() {
        let mut h = History::default();
        h.push(op(0, Kind::Invoke, F::Write, json!(5), None));
        h.push(op(0, Kind::Ok, F::Write, json!(5), None));
        h.push(op(1, Kind::Invoke, F::Write, json!(6), None));
        h.push(op(1, Kind::Info, F::Write, json!(6), Some("timeout")));
        h.push(op(2, Kind::Invoke, F::Cas, json!([5, 7]), None));
        h.push(op(2, Kind::Fail, F::Cas, json!([5, 7]), Some("22: no")));
        h.push(op(3, Kind::Invoke, F::Cas, json!([5, 7]), None));
        h.push(op(
            3,
            Kind::Fail,
            F::Cas,
            json!([5, 7]),
            Some("11: no leader"),
        ));
        let v = answered_check(&h, None);
        assert!(v.valid && v.summary.starts_with("2/4"), "{v:?}");
        let v = answered_check(&h, Some(1.0));
        assert!(!v.valid && v.anomalies.len() == 2, "{v:?}");
        let v = answered_check(&h, Some(0.5));
        assert!(v.valid, "{v:?}");
        // Maelstrom's: only the ok counts.
        let v = check(&h, None);
        assert!(v.valid && v.summary.starts_with("1/4 invoked ok"), "{v:?}");
        assert!(!check(&h, Some(0.5)).valid);
        assert!(check(&h, Some(0.25)).valid);
    }
}
