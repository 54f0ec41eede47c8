//! The synthetic generator: its histories check valid, corrupted copies do not.

use crate::check::history::{History, Kind, Op};
use crate::check::list_append::{check, synthetic_history};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::time::Instant;

#[test]
fn synthetic_histories_are_valid() {
    for seed in 0..8 {
        let h = synthetic_history(400, 4, 6, seed);
        let kinds: HashSet<Kind> = h.ops.iter().map(|o| o.kind).collect();
        assert!(
            kinds.contains(&Kind::Ok) && kinds.contains(&Kind::Fail) && kinds.contains(&Kind::Info)
        );
        let report = check(&h);
        assert!(report.valid, "seed {seed}:\n{report}");
        assert_eq!(report.txns_checked, 400);
    }
}

#[test]
fn synthetic_history_is_deterministic() {
    assert_eq!(
        synthetic_history(50, 3, 3, 7),
        synthetic_history(50, 3, 3, 7)
    );
    assert_ne!(
        synthetic_history(50, 3, 3, 7),
        synthetic_history(50, 3, 3, 8)
    );
}

/// The read lists (micro-op index, key, elements) of an ok completion.
fn reads(op: &Op) -> Vec<(usize, Value, Vec<Value>)> {
    let Value::Array(mops) = &op.value else {
        return Vec::new();
    };
    mops.iter()
        .enumerate()
        .filter_map(|(i, m)| match m.as_array()?.as_slice() {
            [f, k, Value::Array(list)] if f == "r" => Some((i, k.clone(), list.clone())),
            _ => None,
        })
        .collect()
}

fn set_read(op: &mut Op, mop: usize, list: Vec<Value>) {
    if let Some(slot) = op
        .value
        .as_array_mut()
        .and_then(|m| m.get_mut(mop))
        .and_then(|m| m.as_array_mut())
        .and_then(|m| m.get_mut(2))
    {
        *slot = Value::Array(list);
    }
}

#[test]
fn duplicated_element_in_synthetic_history_is_caught() {
    let mut h = synthetic_history(300, 3, 5, 1);
    let (idx, mop, mut list) = h
        .ops
        .iter()
        .filter(|o| o.kind == Kind::Ok)
        .find_map(|o| {
            let (i, _, l) = reads(o).into_iter().find(|(_, _, l)| !l.is_empty())?;
            Some((o.index, i, l))
        })
        .expect("some non-empty read");
    list.push(list[0].clone());
    set_read(&mut h.ops[idx], mop, list);
    let report = check(&h);
    assert!(!report.valid);
    assert!(
        report.has(crate::check::list_append::AnomalyKind::DuplicateElements),
        "{report}"
    );
}

/// Finds an ok txn with an external read of a key whose last element was appended
/// by an ok txn that completed before the reader was invoked, and drops that element.
fn make_stale_read(h: &mut History) -> bool {
    let mut invoke_of: HashMap<u64, &Op> = HashMap::new();
    let mut writer_done: HashMap<(String, String), (u64, usize)> = HashMap::new();
    let mut target = None;
    for op in &h.ops {
        match op.kind {
            Kind::Invoke => {
                invoke_of.insert(op.process, op);
            }
            Kind::Ok => {
                let Some(inv) = invoke_of.get(&op.process) else {
                    continue;
                };
                let mops = op.value.as_array().cloned().unwrap_or_default();
                let mut appended_before = HashSet::new();
                for (i, m) in mops.iter().enumerate() {
                    let Some([f, k, v]) = m.as_array().map(|a| a.as_slice()) else {
                        continue;
                    };
                    if f == "append" {
                        appended_before.insert(k.to_string());
                        continue;
                    }
                    let Some(last) = v.as_array().and_then(|l| l.last()) else {
                        continue;
                    };
                    if appended_before.contains(&k.to_string()) {
                        continue;
                    }
                    if let Some(&(t, idx)) = writer_done.get(&(k.to_string(), last.to_string()))
                        && (t, idx) < (inv.time, inv.index)
                        && target.is_none()
                    {
                        target = Some((op.index, i, v.as_array().cloned().unwrap_or_default()));
                    }
                }
                for m in &mops {
                    if let Some([f, k, v]) = m.as_array().map(|a| a.as_slice())
                        && f == "append"
                    {
                        writer_done.insert((k.to_string(), v.to_string()), (op.time, op.index));
                    }
                }
            }
            _ => {}
        }
    }
    let Some((idx, mop, mut list)) = target else {
        return false;
    };
    list.pop();
    set_read(&mut h.ops[idx], mop, list);
    true
}

#[test]
fn stale_read_in_synthetic_history_is_caught() {
    for seed in 0..5 {
        let mut h = synthetic_history(300, 3, 4, seed);
        assert!(make_stale_read(&mut h), "seed {seed}: no candidate read");
        let report = check(&h);
        assert!(!report.valid, "seed {seed}: corruption not caught");
        assert!(
            report.anomalies.iter().any(|a| a.kind.is_cycle()),
            "seed {seed}: expected a cycle:\n{report}"
        );
    }
}

#[test]
#[ignore = "timing; run with --release -- --ignored --nocapture"]
fn time_ten_thousand_txns() {
    for (txns, keys, conc) in [(10_000, 10, 10), (10_000, 100, 50), (100_000, 100, 20)] {
        let h = synthetic_history(txns, keys, conc, 42);
        let start = Instant::now();
        let report = check(&h);
        let took = start.elapsed();
        assert!(report.valid, "{report}");
        println!("checked {txns} txns ({keys} keys, concurrency {conc}) in {took:?}");
    }
    // A badly broken history: every 10th non-empty read loses its last element.
    let mut h = synthetic_history(10_000, 10, 10, 42);
    let mut n = 0;
    for i in 0..h.ops.len() {
        if h.ops[i].kind != Kind::Ok {
            continue;
        }
        for (mop, _, mut list) in reads(&h.ops[i]) {
            n += 1;
            if n % 10 == 0 && list.pop().is_some() {
                set_read(&mut h.ops[i], mop, list);
            }
        }
    }
    let start = Instant::now();
    let report = check(&h);
    println!(
        "checked 10000 broken txns in {:?}: {} anomalies, kinds {:?}",
        start.elapsed(),
        report.anomalies.len(),
        report.kinds()
    );
}

#[test]
fn random_corruption_never_panics() {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    let mut rng = StdRng::seed_from_u64(9);
    for seed in 0..20 {
        let mut h = synthetic_history(150, 3, 4, seed);
        for _ in 0..5 {
            let i = rng.gen_range(0..h.ops.len());
            let op = &mut h.ops[i];
            match rng.gen_range(0..6) {
                0 => op.value = Value::Null,
                1 => op.kind = Kind::Fail,
                2 => op.time = rng.gen_range(0..1_000_000),
                3 => {
                    if let Some((mop, _, mut list)) = reads(op).into_iter().next() {
                        list.reverse();
                        list.push(Value::from(rng.gen_range(0..50)));
                        set_read(op, mop, list);
                    }
                }
                4 => {
                    if let Some((mop, _, mut list)) = reads(op).into_iter().next() {
                        list.truncate(list.len() / 2);
                        set_read(op, mop, list);
                    }
                }
                _ => op.process = rng.gen_range(0..8),
            }
        }
        let report = check(&h);
        let _ = report.to_string();
    }
}

#[test]
#[ignore = "prints a sample report; run with -- --ignored --nocapture"]
fn print_sample_report() {
    let mut h = synthetic_history(200, 3, 4, 3);
    assert!(make_stale_read(&mut h));
    println!("{}", check(&h));
}
