//! The echo checker (Maelstrom's): every ok `echo` reply carries exactly the
//! payload its request sent.

use super::Verdict;
use super::history::{F, History, Kind};

/// Checks that every ok echo returned its request's payload.
pub fn check(history: &History) -> Verdict {
    let pairs = match history.pairs() {
        Ok(p) => p,
        Err(e) => return Verdict::ill_formed("echo", e),
    };
    let mut checked = 0;
    let mut anomalies = Vec::new();
    for pair in pairs.iter().filter(|p| p.invoke.f == F::Echo) {
        let Some(done) = pair.completion.filter(|c| c.kind == Kind::Ok) else {
            continue;
        };
        checked += 1;
        if done.value != pair.invoke.value {
            anomalies.push(format!(
                "op {} (process {}, node {}): sent {}, got back {}",
                done.index,
                done.process,
                done.node.as_deref().unwrap_or("?"),
                pair.invoke.value,
                done.value
            ));
        }
    }
    Verdict {
        checker: "echo".into(),
        valid: anomalies.is_empty(),
        summary: format!("{checked} ok echoes checked, {} wrong", anomalies.len()),
        anomalies,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::history::Op;
    use serde_json::{Value, json};

    fn echo(h: &mut History, process: u64, sent: Value, got: Option<Value>) {
        h.push(Op::new(process, Kind::Invoke, F::Echo, None, sent.clone()));
        match got {
            Some(v) => h.push(Op::new(process, Kind::Ok, F::Echo, None, v)),
            None => h.push(Op::new(process, Kind::Info, F::Echo, None, sent)),
        }
    }

    #[test]
    fn a_wrong_payload_is_caught_and_timeouts_are_not_judged() {
        let mut h = History::default();
        echo(
            &mut h,
            0,
            json!("Please echo 1"),
            Some(json!("Please echo 1")),
        );
        echo(&mut h, 1, json!("Please echo 2"), None);
        assert!(check(&h).valid, "{:?}", check(&h));
        echo(
            &mut h,
            0,
            json!("Please echo 3"),
            Some(json!("Please echo 4")),
        );
        echo(&mut h, 2, json!({"a": [1]}), Some(Value::Null));
        let v = check(&h);
        assert!(!v.valid);
        assert_eq!(v.anomalies.len(), 2, "{v:?}");
        assert!(
            v.anomalies[0].contains("got back \"Please echo 4\""),
            "{v:?}"
        );
    }
}
