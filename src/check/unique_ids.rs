//! The unique-ids checker (Jepsen's `unique-ids`): no id is handed out twice among
//! all ok `generate` replies, and every ok reply carries an id.

use super::Verdict;
use super::history::{F, History, Kind};
use std::collections::HashMap;

/// Most duplicated ids described one by one.
const MAX_LISTED: usize = 20;

/// Checks that the ok generate replies' ids are all distinct.
pub fn check(history: &History) -> Verdict {
    let mut by_id: HashMap<String, Vec<usize>> = HashMap::new();
    let mut attempted = 0;
    let mut anomalies = Vec::new();
    for op in &history.ops {
        if op.f != F::Generate {
            continue;
        }
        match op.kind {
            Kind::Invoke => attempted += 1,
            Kind::Ok if op.value.is_null() => anomalies.push(format!(
                "op {} (process {}): generate_ok without an id",
                op.index, op.process
            )),
            Kind::Ok => by_id
                .entry(op.value.to_string())
                .or_default()
                .push(op.index),
            _ => {}
        }
    }
    let acknowledged: usize = by_id.values().map(Vec::len).sum();
    let mut duplicated: Vec<(&String, &Vec<usize>)> =
        by_id.iter().filter(|(_, ops)| ops.len() > 1).collect();
    duplicated.sort_by_key(|(_, ops)| ops[0]);
    for (id, ops) in duplicated.iter().take(MAX_LISTED) {
        let by: Vec<String> = ops
            .iter()
            .map(|&i| {
                let op = &history.ops[i];
                format!("op {i} via {}", op.node.as_deref().unwrap_or("?"))
            })
            .collect();
        anomalies.push(format!(
            "id {id} handed out {} times: {}",
            ops.len(),
            by.join(", ")
        ));
    }
    Verdict {
        checker: "unique-ids".into(),
        valid: anomalies.is_empty() && duplicated.is_empty(),
        summary: format!(
            "{attempted} attempted, {acknowledged} acknowledged, {} distinct, {} duplicated",
            by_id.len(),
            duplicated.len()
        ),
        anomalies,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::history::Op;
    use serde_json::{Value, json};

    fn generate(h: &mut History, process: u64, id: Option<Value>) {
        h.push(Op::new(
            process,
            Kind::Invoke,
            F::Generate,
            None,
            Value::Null,
        ));
        let kind = if id.is_some() { Kind::Ok } else { Kind::Info };
        h.push(
            Op::new(process, kind, F::Generate, None, id.unwrap_or(Value::Null)).with_node("n1"),
        );
    }

    #[test]
    fn duplicates_and_missing_ids_are_caught() {
        let mut h = History::default();
        generate(&mut h, 0, Some(json!("n1-0-0")));
        generate(&mut h, 1, Some(json!("n2-0-0")));
        generate(&mut h, 2, None);
        generate(&mut h, 0, Some(json!(1)));
        generate(&mut h, 1, Some(json!("1")));
        let v = check(&h);
        assert!(v.valid, "1 and \"1\" differ: {v:?}");
        assert_eq!(
            v.summary,
            "5 attempted, 4 acknowledged, 4 distinct, 0 duplicated"
        );
        generate(&mut h, 3, Some(json!("n2-0-0")));
        let v = check(&h);
        assert!(!v.valid);
        assert!(
            v.anomalies[0].starts_with("id \"n2-0-0\" handed out 2 times"),
            "{v:?}"
        );
        let mut h = History::default();
        h.push(Op::new(0, Kind::Invoke, F::Generate, None, Value::Null));
        h.push(Op::new(0, Kind::Ok, F::Generate, None, Value::Null));
        assert!(!check(&h).valid, "an ok without an id");
    }
}
