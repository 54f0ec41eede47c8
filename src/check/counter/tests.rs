//! The counter checkers on small hand-made histories.

use super::*;
use crate::check::history::Op;
use serde_json::{Value, json};

struct H(History);

impl H {
    fn new() -> H {
        H(History::default())
    }

    fn op(&mut self, process: u64, kind: Kind, f: F, value: Value) -> &mut H {
        self.0
            .push(Op::new(process, kind, f, None, value).with_node("n1"));
        self
    }

    fn add(&mut self, process: u64, delta: i64, kind: Kind) -> &mut H {
        self.op(process, Kind::Invoke, F::Add, json!(delta))
            .op(process, kind, F::Add, json!(delta))
    }

    fn read(&mut self, process: u64, value: i64) -> &mut H {
        self.op(process, Kind::Invoke, F::Read, Value::Null).op(
            process,
            Kind::Ok,
            F::Read,
            json!(value),
        )
    }
}

fn finals(values: &[i64]) -> Vec<FinalRead> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| FinalRead {
            node: format!("n{i}"),
            key: Value::Null,
            value: FinalValue::of(&json!(v)),
        })
        .collect()
}

#[test]
fn final_reads_must_be_the_acknowledged_sum_plus_some_indefinite_adds() {
    let mut h = H::new();
    h.add(0, 5, Kind::Ok)
        .add(1, 3, Kind::Info)
        .add(2, -4, Kind::Info)
        .add(3, 100, Kind::Fail);
    // Possible: 5 + {0, 3, -4, -1} = {5, 8, 1, 4}.
    for good in [5, 8, 1, 4] {
        let v = &check(&h.0, &finals(&[good, good]), false)[0];
        assert!(v.valid, "{good}: {v:?}");
    }
    for bad in [6, 105, 0] {
        let v = &check(&h.0, &finals(&[bad, bad]), false)[0];
        assert!(!v.valid, "{bad}: {v:?}");
    }
    let v = &check(&h.0, &finals(&[5, 8]), false)[0];
    assert!(
        !v.valid && v.anomalies[0].starts_with("the nodes disagree"),
        "{v:?}"
    );
    let v = &check(&h.0, &[], false)[0];
    assert!(!v.valid, "no final reads: {v:?}");
}

#[test]
fn a_stale_read_is_reported_and_invalid_only_in_strict_mode() {
    let mut h = H::new();
    h.add(0, 2, Kind::Ok)
        .read(1, 2)
        .add(0, 3, Kind::Ok)
        .read(1, 2);
    let f = finals(&[5]);
    let lax = &check(&h.0, &f, false)[1];
    assert!(lax.valid, "{lax:?}");
    assert!(
        lax.summary
            .starts_with("2 ok reads: 1 outside their window (1 stale, 0 ahead)"),
        "{lax:?}"
    );
    assert_eq!(lax.anomalies.len(), 1);
    let strict = &check(&h.0, &f, true)[1];
    assert!(
        !strict.valid && strict.anomalies[0].contains("read 2; possible then: 5..=5"),
        "{strict:?}"
    );
}

#[test]
fn concurrent_and_indefinite_adds_may_or_may_not_be_seen() {
    let mut h = H::new();
    // p0's add of 4 is concurrent with p1's read; p2's add of 1 timed out earlier.
    h.add(2, 1, Kind::Info)
        .op(0, Kind::Invoke, F::Add, json!(4))
        .op(1, Kind::Invoke, F::Read, Value::Null)
        .op(0, Kind::Ok, F::Add, json!(4))
        .op(1, Kind::Ok, F::Read, json!(5));
    for (value, ok) in [
        (0, true),
        (1, true),
        (4, true),
        (5, true),
        (2, false),
        (6, false),
    ] {
        let mut h2 = H(h.0.clone());
        if let Some(last) = h2.0.ops.last_mut() {
            last.value = json!(value);
        }
        h2.read(1, 5);
        let v = &check(&h2.0, &finals(&[5]), true)[1];
        assert_eq!(v.valid, ok, "read {value}: {v:?}");
    }
    // A read that begins after an add completed must see it: ahead reads too.
    let mut h = H::new();
    h.add(0, 1, Kind::Ok).read(1, 9);
    let v = &check(&h.0, &finals(&[1]), true)[1];
    assert!(
        !v.valid && v.summary.contains("(0 stale, 1 ahead)"),
        "{v:?}"
    );
}

#[test]
fn non_integer_values_are_anomalies() {
    let mut h = H::new();
    h.add(0, 1, Kind::Ok)
        .op(1, Kind::Invoke, F::Read, Value::Null)
        .op(1, Kind::Ok, F::Read, json!("1"));
    assert!(!check(&h.0, &finals(&[1]), false)[1].valid);
    let bad_final = vec![FinalRead {
        node: "n1".into(),
        key: Value::Null,
        value: FinalValue::Value("1.5".into()),
    }];
    assert!(!check(&h.0, &bad_final, false)[0].valid);
}
