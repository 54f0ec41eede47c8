//! Availability: how many requests the service answered. Shared by every workload.

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

/// Availability: the fraction of completed requests that were [`answered`]. With
/// `required` (1.0 for `--availability total`) it is valid only when the fraction
/// reaches it; without, it is reported and always valid.
pub fn check(history: &History, required: Option<f64>) -> Verdict {
    let done: Vec<_> = history
        .ops
        .iter()
        .filter(|o| o.kind != Kind::Invoke)
        .collect();
    let answered_count = done.iter().filter(|o| answered(o)).count();
    let fraction = if done.is_empty() {
        1.0
    } else {
        answered_count as f64 / done.len() as f64
    };
    let valid = required.is_none_or(|r| fraction >= r);
    let anomalies = done
        .iter()
        .filter(|o| !answered(o))
        .take(if valid { 0 } else { 10 })
        .map(|o| serde_json::to_string(o).unwrap_or_default())
        .collect();
    Verdict {
        checker: "availability".into(),
        valid,
        summary: format!(
            "{answered_count}/{} answered = {fraction:.4}{}",
            done.len(),
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
        let v = check(&h, None);
        assert!(v.valid && v.summary.starts_with("2/4"), "{v:?}");
        let v = check(&h, Some(1.0));
        assert!(!v.valid && v.anomalies.len() == 2, "{v:?}");
        let v = check(&h, Some(0.5));
        assert!(v.valid, "{v:?}");
    }
}
