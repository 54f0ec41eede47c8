//! set-full on small hand-made histories: each rule catches its anomaly, and a
//! clean history passes.

use super::*;
use serde_json::json;

/// Builds a history op by op; times are in ms.
struct H(History);

impl H {
    fn new() -> H {
        H(History::default())
    }

    fn op(&mut self, ms: u64, process: u64, kind: Kind, f: F, value: Value) -> &mut H {
        let mut op = Op::new(process, kind, f, None, value).with_node("n1");
        op.time = ms * 1000;
        self.0.push(op);
        self
    }

    fn add(&mut self, ms: u64, process: u64, element: u64, kind: Kind) -> &mut H {
        self.op(ms, process, Kind::Invoke, F::Add, json!(element));
        self.op(ms + 1, process, kind, F::Add, json!(element))
    }

    fn read(&mut self, ms: u64, process: u64, seen: Value) -> &mut H {
        self.op(ms, process, Kind::Invoke, F::Read, Value::Null);
        self.op(ms + 1, process, Kind::Ok, F::Read, seen)
    }
}

fn finals(values: &[(&str, Value)]) -> Vec<FinalRead> {
    values
        .iter()
        .map(|(node, v)| FinalRead {
            node: node.to_string(),
            key: Value::Null,
            value: FinalValue::of(v),
        })
        .collect()
}

#[test]
fn a_clean_history_is_stable_with_its_latencies() {
    let mut h = H::new();
    h.add(0, 0, 1, Kind::Ok)
        .read(2, 1, json!([1]))
        .add(10, 0, 2, Kind::Ok)
        .read(12, 1, json!([1])) // 2 not there yet: stale, stable after 13 ms - 11 ms
        .read(20, 1, json!([2, 1]))
        .add(30, 0, 3, Kind::Info); // never observed
    let f = finals(&[("n1", json!([1, 2])), ("n2", json!([2, 1]))]);
    let r = analyse(&h.0, &f);
    assert_eq!(r.anomalies, Vec::<String>::new());
    assert_eq!((r.attempted, r.acknowledged), (3, 2));
    assert_eq!((r.stable, r.lost, r.never_read, r.stale), (2, 0, 1, 1));
    assert_eq!(r.stable_latencies, vec![0, 1_001]);
    assert_eq!((r.reads, r.final_reads), (5, 2));
    assert!(check(&h.0, &f, false).valid);
    let strict = check(&h.0, &f, true);
    assert!(
        !strict.valid,
        "stale is an anomaly when linearizable: {strict:?}"
    );
    assert!(strict.anomalies[0].starts_with("stale: 2"), "{strict:?}");
}

#[test]
fn an_acknowledged_element_missing_from_a_final_read_is_lost() {
    let mut h = H::new();
    h.add(0, 0, 1, Kind::Ok).add(5, 0, 2, Kind::Ok);
    let f = finals(&[("n1", json!([1, 2])), ("n2", json!([1]))]);
    let v = check(&h.0, &f, false);
    assert!(!v.valid);
    assert!(
        v.anomalies[0].contains("2 (acknowledged) missing from the final read on n2"),
        "{v:?}"
    );
    assert_eq!(analyse(&h.0, &f).lost, 1);
}

#[test]
fn an_observed_indefinite_element_must_reach_every_node() {
    let mut h = H::new();
    h.add(0, 0, 7, Kind::Info);
    let f = finals(&[("n1", json!([7])), ("n2", json!([]))]);
    let r = analyse(&h.0, &f);
    assert_eq!(r.lost, 1, "{r:?}");
    // Nobody saw it anywhere: it may never have happened.
    let f = finals(&[("n1", json!([])), ("n2", json!([]))]);
    let r = analyse(&h.0, &f);
    assert_eq!((r.lost, r.never_read, r.anomaly_count), (0, 1, 0), "{r:?}");
}

#[test]
fn elements_never_added_failed_or_listed_twice_are_anomalies() {
    let mut h = H::new();
    h.add(0, 0, 1, Kind::Ok).add(2, 1, 2, Kind::Fail);
    h.read(4, 2, json!([1, 99]));
    let f = finals(&[("n1", json!([1]))]);
    let v = check(&h.0, &f, false);
    assert!(
        !v.valid && v.anomalies[0].starts_with("never added: op"),
        "{v:?}"
    );

    let mut h = H::new();
    h.add(0, 0, 1, Kind::Ok).add(2, 1, 2, Kind::Fail);
    let f = finals(&[("n1", json!([1, 2]))]);
    let v = check(&h.0, &f, false);
    assert!(
        v.anomalies
            .iter()
            .any(|a| a.starts_with("failed add observed")),
        "{v:?}"
    );

    let mut h = H::new();
    h.add(0, 0, 1, Kind::Ok).read(2, 1, json!([1, 1]));
    let v = check(&h.0, &finals(&[("n1", json!([1]))]), false);
    assert!(
        !v.valid && v.anomalies[0].starts_with("duplicated"),
        "{v:?}"
    );

    let mut h = H::new();
    h.add(0, 0, 1, Kind::Ok).read(2, 1, json!({"1": true}));
    let v = check(&h.0, &finals(&[("n1", json!([1]))]), false);
    assert!(
        !v.valid && v.anomalies[0].starts_with("not a list"),
        "{v:?}"
    );
}

#[test]
fn an_element_read_before_its_add_was_invoked_is_never_added() {
    let mut h = H::new();
    h.read(0, 1, json!([5])).add(10, 0, 5, Kind::Ok);
    let v = check(&h.0, &finals(&[("n1", json!([5]))]), false);
    assert!(
        !v.valid && v.anomalies[0].starts_with("never added"),
        "{v:?}"
    );
}

#[test]
fn missing_or_unanswered_final_reads_are_anomalies() {
    let mut h = H::new();
    h.add(0, 0, 1, Kind::Ok);
    let v = check(&h.0, &[], false);
    assert!(
        !v.valid && v.anomalies[0].starts_with("no final reads"),
        "{v:?}"
    );
    let unanswered = vec![FinalRead {
        node: "n3".into(),
        key: Value::Null,
        value: FinalValue::NoAnswer("no reply in time".into()),
    }];
    let v = check(&h.0, &unanswered, false);
    assert!(
        !v.valid && v.anomalies[0].starts_with("final read unanswered"),
        "{v:?}"
    );
    assert!(
        check(&History::default(), &[], false).valid,
        "nothing added"
    );
}

#[test]
fn without_final_reads_jepsens_lost_rule_applies() {
    let mut h = H::new();
    h.add(0, 0, 1, Kind::Ok)
        .read(2, 1, json!([1]))
        .read(4, 1, json!([]));
    let r = analyse(&h.0, &[]);
    assert_eq!(r.lost, 1, "{r:?}");
}
