//! The merge rule and local answers.

use super::*;
use serde_json::json;

fn stamp(time: u64, node: &str) -> Stamp {
    Stamp {
        time,
        node: node.into(),
    }
}

fn write(key: Value, value: Value, s: Stamp) -> Payload {
    Payload::LwwWrite {
        key,
        value,
        stamp: s,
    }
}

fn code(p: &Payload) -> Option<u64> {
    match p {
        Payload::Error { code, .. } => Some(code.code()),
        _ => None,
    }
}

/// Every order of these writes, applied to a fresh machine.
fn all_orders(writes: &[Payload]) -> Vec<LwwMachine> {
    fn permute(rest: Vec<Payload>, done: Vec<Payload>, out: &mut Vec<Vec<Payload>>) {
        if rest.is_empty() {
            out.push(done);
            return;
        }
        for i in 0..rest.len() {
            let mut r = rest.clone();
            let w = r.remove(i);
            let mut d = done.clone();
            d.push(w);
            permute(r, d, out);
        }
    }
    let mut orders = Vec::new();
    permute(writes.to_vec(), Vec::new(), &mut orders);
    orders
        .into_iter()
        .map(|order| {
            let mut m = LwwMachine::default();
            for w in &order {
                assert_eq!(m.apply(w), Payload::WriteOk);
            }
            m
        })
        .collect()
}

#[test]
fn merge_is_commutative_the_highest_stamp_wins_in_every_order() {
    let writes = vec![
        write(json!("x"), json!(1), stamp(5, "n1")),
        write(json!("x"), json!(2), stamp(7, "n2")),
        write(json!("x"), json!(3), stamp(6, "n3")),
        write(json!("y"), json!(4), stamp(1, "n1")),
    ];
    let machines = all_orders(&writes);
    assert_eq!(machines.len(), 24);
    for m in &machines {
        assert_eq!(m.state(), machines[0].state());
        assert_eq!(m.get(&json!("x")), Some(&json!(2)));
        assert_eq!(m.get(&json!("y")), Some(&json!(4)));
    }
}

#[test]
fn merge_is_idempotent() {
    let w = write(json!(1), json!("a"), stamp(3, "n1"));
    let older = write(json!(1), json!("b"), stamp(2, "n2"));
    let mut once = LwwMachine::default();
    once.apply(&w);
    let mut many = LwwMachine::default();
    for p in [&w, &older, &w, &w, &older] {
        many.apply(p);
    }
    assert_eq!(once.state(), many.state());
    assert_eq!(many.get(&json!(1)), Some(&json!("a")));
}

#[test]
fn equal_times_are_broken_by_node_id_in_either_order() {
    let a = write(json!("k"), json!("from-n1"), stamp(9, "n1"));
    let b = write(json!("k"), json!("from-n2"), stamp(9, "n2"));
    for m in all_orders(&[a, b]) {
        assert_eq!(m.get(&json!("k")), Some(&json!("from-n2")));
    }
}

#[test]
fn local_write_is_stamped_applied_and_replicated() {
    let mut m = LwwMachine::default();
    let a = m
        .answer_locally(
            &Payload::Write {
                key: json!("x"),
                value: json!(1),
            },
            "n1",
            100,
        )
        .unwrap();
    assert_eq!(a.reply, Payload::WriteOk);
    assert_eq!(
        a.replicate,
        Some(write(json!("x"), json!(1), stamp(100, "n1")))
    );
    assert_eq!(m.get(&json!("x")), Some(&json!(1)));
    // Applying its own replicated write again changes nothing.
    let before = m.state().clone();
    m.apply(&a.replicate.unwrap());
    assert_eq!(m.state(), &before);
}

#[test]
fn a_write_after_observing_a_later_stamp_is_stamped_later() {
    let mut m = LwwMachine::default();
    m.apply(&write(json!("x"), json!("remote"), stamp(1_000, "n9")));
    let a = m
        .answer_locally(
            &Payload::Write {
                key: json!("x"),
                value: json!("local"),
            },
            "n1",
            10,
        )
        .unwrap();
    assert_eq!(
        a.replicate,
        Some(write(json!("x"), json!("local"), stamp(1_001, "n1")))
    );
    assert_eq!(m.get(&json!("x")), Some(&json!("local")));
}

#[test]
fn reads_answer_locally_and_a_missing_key_is_20() {
    let mut m = LwwMachine::default();
    let read = Payload::Read { key: json!("x") };
    let a = m.answer_locally(&read, "n1", 1).unwrap();
    assert_eq!((code(&a.reply), a.replicate), (Some(20), None));
    m.apply(&write(json!("x"), json!(7), stamp(1, "n2")));
    let a = m.answer_locally(&read, "n1", 2).unwrap();
    assert_eq!(a.reply, Payload::ReadOk { value: json!(7) });
    assert!(m.is_read_only(&read));
}

#[test]
fn cas_compares_against_the_local_value() {
    let mut m = LwwMachine::default();
    let cas = |from: Value, to: Value| Payload::Cas {
        key: json!("k"),
        from,
        to,
        create_if_not_exists: None,
    };
    let a = m.answer_locally(&cas(json!(1), json!(2)), "n1", 1).unwrap();
    assert_eq!((code(&a.reply), a.replicate), (Some(20), None));
    m.apply(&write(json!("k"), json!(1), stamp(5, "n2")));
    let a = m.answer_locally(&cas(json!(3), json!(4)), "n1", 6).unwrap();
    assert_eq!((code(&a.reply), a.replicate), (Some(22), None));
    assert_eq!(
        m.get(&json!("k")),
        Some(&json!(1)),
        "a failed cas changes nothing"
    );
    let a = m.answer_locally(&cas(json!(1), json!(2)), "n1", 7).unwrap();
    assert_eq!(a.reply, Payload::CasOk);
    assert_eq!(
        a.replicate,
        Some(write(json!("k"), json!(2), stamp(7, "n1"))),
        "a successful cas becomes a stamped write of `to`"
    );
    assert_eq!(m.get(&json!("k")), Some(&json!(2)));
}

#[test]
fn cas_create_if_not_exists_creates_the_key() {
    let mut m = LwwMachine::default();
    let req = Payload::Cas {
        key: json!("k"),
        from: json!(9),
        to: json!(4),
        create_if_not_exists: Some(true),
    };
    let a = m.answer_locally(&req, "n3", 1).unwrap();
    assert_eq!(a.reply, Payload::CasOk);
    assert_eq!(m.get(&json!("k")), Some(&json!(4)));
}

#[test]
fn other_requests_are_refused_and_not_answered_locally() {
    let mut m = LwwMachine::default();
    let txn = Payload::Txn { txn: vec![] };
    assert!(m.check(&txn).is_err());
    assert!(m.answer_locally(&txn, "n1", 1).is_none());
    let unstamped = Payload::Write {
        key: json!(1),
        value: json!(1),
    };
    assert_eq!(code(&m.apply(&unstamped)), Some(10));
}
