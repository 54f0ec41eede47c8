//! Hand-made histories that are and are not linearizable.

use super::*;
use crate::check::synthetic::{benchmark, synthetic_history, synthetic_history_with};
use serde_json::json;

/// Builds histories record by record; time is in microseconds.
#[derive(Default)]
struct B {
    h: History,
}

impl B {
    fn rec(&mut self, t: u64, p: u64, kind: Kind, f: F, key: Value, value: Value) -> &mut Self {
        let op = Op {
            index: 0,
            time: t,
            process: p,
            kind,
            f,
            key: Some(key),
            value,
            error: None,
            node: None,
        };
        self.h.push(op);
        self
    }
    fn inv(&mut self, t: u64, p: u64, f: F, value: Value) -> &mut Self {
        self.rec(t, p, Kind::Invoke, f, json!("k"), value)
    }
    fn done(&mut self, t: u64, p: u64, kind: Kind, f: F, value: Value) -> &mut Self {
        self.rec(t, p, kind, f, json!("k"), value)
    }
    /// A complete ok op at [t0, t1].
    fn ok(&mut self, t0: u64, t1: u64, p: u64, f: F, invoke: Value, result: Value) -> &mut Self {
        self.inv(t0, p, f, invoke).done(t1, p, Kind::Ok, f, result)
    }
    fn write(&mut self, t0: u64, t1: u64, p: u64, v: i64) -> &mut Self {
        self.ok(t0, t1, p, F::Write, json!(v), json!(v))
    }
    fn read(&mut self, t0: u64, t1: u64, p: u64, v: Value) -> &mut Self {
        self.ok(t0, t1, p, F::Read, Value::Null, v)
    }
    fn cas(&mut self, t0: u64, t1: u64, p: u64, kind: Kind, from: i64, to: i64) -> &mut Self {
        self.inv(t0, p, F::Cas, json!([from, to]))
            .done(t1, p, kind, F::Cas, json!([from, to]))
    }
    fn check(&self) -> LinReport {
        check(&self.h)
    }
}

fn assert_valid(b: &B) {
    let r = b.check();
    assert!(r.valid, "expected valid:\n{r}");
}

fn assert_invalid(b: &B) -> LinReport {
    let r = b.check();
    assert!(!r.valid, "expected invalid:\n{r}");
    r
}

#[test]
fn sequential_write_read_is_valid() {
    let mut b = B::default();
    b.read(0, 1, 0, Value::Null)
        .write(2, 3, 0, 1)
        .read(4, 5, 1, json!(1))
        .write(6, 7, 1, 2)
        .read(8, 9, 0, json!(2));
    assert_valid(&b);
    let r = b.check();
    assert_eq!((r.keys_checked, r.ops_checked), (1, 5));
}

#[test]
fn stale_read_after_completed_write_is_invalid() {
    let mut b = B::default();
    b.write(0, 1, 0, 0)
        .write(2, 3, 0, 1)
        .read(4, 5, 1, json!(0));
    let r = assert_invalid(&b);
    assert_eq!(r.failures.len(), 1);
    assert_eq!(r.failures[0].key, json!("k"));
}

#[test]
fn concurrent_writes_with_reads_in_either_order_are_valid() {
    for (first, second) in [(1, 2), (2, 1)] {
        let mut b = B::default();
        b.inv(0, 0, F::Write, json!(1))
            .inv(1, 1, F::Write, json!(2));
        b.done(10, 0, Kind::Ok, F::Write, json!(1))
            .done(11, 1, Kind::Ok, F::Write, json!(2));
        b.read(12, 13, 2, json!(second));
        assert_valid(&b);
        // Reads concurrent with both writes may see the first, then the second value.
        let mut b = B::default();
        b.inv(0, 0, F::Write, json!(1))
            .inv(1, 1, F::Write, json!(2));
        b.read(2, 3, 2, json!(first)).read(4, 5, 3, json!(second));
        b.done(10, 0, Kind::Ok, F::Write, json!(1))
            .done(11, 1, Kind::Ok, F::Write, json!(2));
        assert_valid(&b);
    }
    // ...but not flip back after both reads saw the order.
    let mut b = B::default();
    b.inv(0, 0, F::Write, json!(1))
        .inv(1, 1, F::Write, json!(2));
    b.read(2, 3, 2, json!(1))
        .read(4, 5, 3, json!(2))
        .read(6, 7, 4, json!(1));
    b.done(10, 0, Kind::Ok, F::Write, json!(1))
        .done(11, 1, Kind::Ok, F::Write, json!(2));
    assert_invalid(&b);
}

#[test]
fn read_of_a_value_never_written_is_invalid() {
    let mut b = B::default();
    b.write(0, 1, 0, 1).read(2, 3, 0, json!(7));
    let r = assert_invalid(&b);
    let w = &r.failures[0].witness;
    assert!(w.iter().any(|o| o.value == json!(7)), "{r}");
    // Even a first read: the register starts empty.
    let mut b = B::default();
    b.read(0, 1, 0, json!(7));
    assert_invalid(&b);
}

#[test]
fn absent_key_reads_null() {
    let mut b = B::default();
    b.read(0, 1, 0, Value::Null).write(2, 3, 0, 1);
    assert_valid(&b);
    let mut b = B::default();
    b.write(0, 1, 0, 1).read(2, 3, 0, Value::Null);
    assert_invalid(&b);
}

#[test]
fn info_write_taking_effect_late_is_valid() {
    let mut b = B::default();
    b.write(0, 1, 0, 0);
    b.inv(2, 1, F::Write, json!(1))
        .done(3, 1, Kind::Info, F::Write, json!(1));
    b.read(10, 11, 2, json!(0))
        .read(20, 21, 2, json!(1))
        .read(30, 31, 2, json!(1));
    assert_valid(&b);
}

#[test]
fn info_write_never_taking_effect_is_valid() {
    let mut b = B::default();
    b.write(0, 1, 0, 0);
    b.inv(2, 1, F::Write, json!(1))
        .done(3, 1, Kind::Info, F::Write, json!(1));
    b.inv(4, 3, F::Write, json!(2)); // never completes
    b.read(10, 11, 2, json!(0)).read(20, 21, 2, json!(0));
    assert_valid(&b);
}

#[test]
fn info_write_observed_then_unobserved_is_invalid() {
    let mut b = B::default();
    b.write(0, 1, 0, 0);
    b.inv(2, 1, F::Write, json!(1))
        .done(3, 1, Kind::Info, F::Write, json!(1));
    b.read(10, 11, 2, json!(1)).read(20, 21, 2, json!(0));
    assert_invalid(&b);
}

#[test]
fn cas_ok_when_state_matched_is_valid() {
    let mut b = B::default();
    b.write(0, 1, 0, 1)
        .cas(2, 3, 0, Kind::Ok, 1, 2)
        .read(4, 5, 1, json!(2))
        .cas(6, 7, 1, Kind::Ok, 2, 3);
    assert_valid(&b);
}

#[test]
fn cas_ok_when_it_could_not_match_is_invalid() {
    let mut b = B::default();
    b.write(0, 1, 0, 1).cas(2, 3, 0, Kind::Ok, 5, 2);
    assert_invalid(&b);
    // A cas result that is then not visible.
    let mut b = B::default();
    b.write(0, 1, 0, 1)
        .cas(2, 3, 0, Kind::Ok, 1, 2)
        .read(4, 5, 1, json!(1));
    assert_invalid(&b);
}

#[test]
fn failed_cas_is_ignored() {
    let mut b = B::default();
    b.write(0, 1, 0, 1)
        .cas(2, 3, 0, Kind::Fail, 1, 2)
        .read(4, 5, 1, json!(1));
    assert_valid(&b);
    // Had it been ok, the read would be stale.
    let mut b = B::default();
    b.write(0, 1, 0, 1)
        .cas(2, 3, 0, Kind::Ok, 1, 2)
        .read(4, 5, 1, json!(1));
    assert_invalid(&b);
}

#[test]
fn cas_on_absent_key() {
    let mut b = B::default();
    b.cas(0, 1, 0, Kind::Fail, 1, 2).read(2, 3, 0, Value::Null);
    assert_valid(&b);
    let mut b = B::default();
    b.cas(0, 1, 0, Kind::Ok, 1, 2);
    assert_invalid(&b);
}

#[test]
fn info_cas_may_apply_late() {
    let mut b = B::default();
    b.write(0, 1, 0, 1);
    b.inv(2, 1, F::Cas, json!([1, 2]))
        .done(3, 1, Kind::Info, F::Cas, json!([1, 2]));
    b.read(10, 11, 2, json!(1)).read(20, 21, 2, json!(2));
    assert_valid(&b);
    let mut b = B::default();
    b.write(0, 1, 0, 1);
    b.inv(2, 1, F::Cas, json!([3, 2]))
        .done(3, 1, Kind::Info, F::Cas, json!([3, 2]));
    b.read(20, 21, 2, json!(2));
    assert_invalid(&b);
}

#[test]
fn keys_are_independent_and_violations_name_their_key() {
    let mut b = B::default();
    let k = |b: &mut B, t: u64, p: u64, kind, f, key: i64, v: Value| {
        b.rec(t, p, kind, f, json!(key), v);
    };
    // key 1: write 1, read 1 (fine). key 2: write 5, read stale null.
    k(&mut b, 0, 0, Kind::Invoke, F::Write, 1, json!(1));
    k(&mut b, 1, 0, Kind::Ok, F::Write, 1, json!(1));
    k(&mut b, 2, 1, Kind::Invoke, F::Write, 2, json!(5));
    k(&mut b, 3, 1, Kind::Ok, F::Write, 2, json!(5));
    k(&mut b, 4, 0, Kind::Invoke, F::Read, 1, Value::Null);
    k(&mut b, 5, 0, Kind::Ok, F::Read, 1, json!(1));
    k(&mut b, 6, 1, Kind::Invoke, F::Read, 2, Value::Null);
    k(&mut b, 7, 1, Kind::Ok, F::Read, 2, Value::Null);
    // Another key reading 5 does not make key 2's read of null valid, nor the reverse.
    k(&mut b, 8, 2, Kind::Invoke, F::Read, 3, Value::Null);
    k(&mut b, 9, 2, Kind::Ok, F::Read, 3, Value::Null);
    let r = assert_invalid(&b);
    assert_eq!(r.keys_checked, 3);
    assert_eq!(r.failures.len(), 1);
    assert_eq!(r.failures[0].key, json!(2));
    assert!(
        r.failures[0]
            .witness
            .iter()
            .all(|o| o.key == Some(json!(2)))
    );
}

#[test]
fn ill_formed_histories_give_an_invalid_report() {
    let mut b = B::default();
    b.done(0, 0, Kind::Ok, F::Write, json!(1));
    let r = assert_invalid(&b);
    assert!(r.failures[0].message.contains("ill-formed"), "{r}");
    let mut b = B::default();
    b.inv(0, 0, F::Cas, json!(3))
        .done(1, 0, Kind::Ok, F::Cas, json!(3));
    let r = assert_invalid(&b);
    assert!(r.failures[0].message.contains("[from, to]"), "{r}");
    let mut b = B::default();
    b.inv(5, 0, F::Write, json!(3))
        .done(1, 0, Kind::Ok, F::Write, json!(3));
    assert_invalid(&b);
    let mut h = History::default();
    h.push(Op {
        index: 0,
        time: 0,
        process: 0,
        kind: Kind::Invoke,
        f: F::Txn,
        key: None,
        value: json!([]),
        error: None,
        node: None,
    });
    assert!(!check(&h).valid);
}

#[test]
fn witness_is_small_readable_and_still_fails() {
    let mut b = B::default();
    // Forty harmless ops, then a stale read, then more ops.
    for i in 0..20 {
        let t = i * 10;
        b.write(t, t + 2, 0, i as i64)
            .read(t + 3, t + 5, 1, json!(i));
    }
    b.write(300, 302, 0, 100).read(303, 305, 1, json!(19));
    for i in 0..5 {
        let t = 400 + i * 10;
        b.write(t, t + 2, 0, i as i64)
            .read(t + 3, t + 5, 1, json!(i));
    }
    let r = assert_invalid(&b);
    let f = &r.failures[0];
    let text = f.to_string();
    assert!(f.witness.len() <= 6, "{text}");
    assert!(
        text.contains("p0 ok write 100 @ 0.300ms..0.302ms"),
        "{text}"
    );
    assert!(text.contains("p1 ok read 19 @ 0.303ms..0.305ms"), "{text}");
    assert!(
        check_key(&f.witness).is_err(),
        "witness must fail on its own:\n{text}"
    );
    assert!(
        r.to_string()
            .starts_with("linearizability: INVALID (1 keys, 52 ops checked)"),
        "{r}"
    );
}

#[test]
fn search_budget_exhaustion_is_reported_as_unknown() {
    // A valid history that needs more than 5 states: the budget runs out first.
    let mut b = B::default();
    for p in 0..10 {
        b.inv(p, p, F::Write, json!(p));
    }
    for p in 0..10 {
        b.done(100 + p, p, Kind::Ok, F::Write, json!(p));
    }
    b.read(200, 201, 99, json!(9));
    assert_valid(&b);
    let opts = CheckOptions {
        max_states: 5,
        threads: 1,
    };
    let r = check_with(&b.h, &opts);
    assert!(!r.valid);
    assert!(
        r.failures[0]
            .message
            .contains("search budget exhausted (unknown)"),
        "{r}"
    );
}

#[test]
fn synthetic_histories_check_valid() {
    for seed in 0..5 {
        let h = synthetic_history(5_000, 50, 10, seed);
        let r = check(&h);
        assert!(r.valid, "seed {seed}:\n{r}");
        assert_eq!(r.keys_checked, 50);
        assert!(h.ops.iter().any(|o| o.kind == Kind::Info));
        assert!(h.ops.iter().any(|o| o.kind == Kind::Fail));
    }
}

#[test]
fn corrupted_read_in_synthetic_history_is_detected() {
    for seed in 0..5 {
        let mut h = synthetic_history(5_000, 50, 10, seed);
        let pos = h
            .ops
            .iter()
            .position(|o| o.kind == Kind::Ok && o.f == F::Read && o.index > 2_000);
        let Some(pos) = pos else { panic!("no ok read") };
        h.ops[pos].value = json!(99);
        let key = h.ops[pos].key.clone();
        let r = check(&h);
        assert!(!r.valid, "seed {seed}");
        assert_eq!(r.failures.len(), 1);
        assert_eq!(r.failures[0].key, key.unwrap_or_default());
        assert!(r.failures[0].witness.len() <= 6, "{r}");
        assert!(
            r.failures[0].witness.iter().any(|o| o.value == json!(99)),
            "{r}"
        );
    }
}

#[test]
fn long_single_key_histories_check_and_detect_corruption() {
    assert!(check(&synthetic_history_with(4_000, 1, 10, 0.05, 11)).valid);
    let mut h = synthetic_history_with(400, 1, 10, 0.05, 11);
    assert!(check(&h).valid);
    let pos = h
        .ops
        .iter()
        .rposition(|o| o.kind == Kind::Ok && o.f == F::Read && o.value == json!(3));
    let Some(pos) = pos else {
        panic!("no read of 3")
    };
    h.ops[pos].value = json!(1000);
    let r = check(&h);
    assert!(!r.valid);
    assert!(!r.failures[0].message.contains("budget"), "{r}");
    // Info ops invoked earlier stay in the witness (they could take effect at any time).
    assert!(r.failures[0].witness.len() < h.ops.len() / 4, "{r}");
    assert!(check_key(&r.failures[0].witness).is_err(), "{r}");
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let mut h = synthetic_history(3_000, 30, 10, 7);
    for o in h
        .ops
        .iter_mut()
        .filter(|o| o.kind == Kind::Ok && o.f == F::Read)
        .step_by(200)
    {
        o.value = json!(42);
    }
    let one = check_with(
        &h,
        &CheckOptions {
            threads: 1,
            ..CheckOptions::default()
        },
    );
    let four = check_with(
        &h,
        &CheckOptions {
            threads: 4,
            ..CheckOptions::default()
        },
    );
    assert!(!one.valid);
    assert_eq!(one, four);
}

#[test]
#[ignore = "benchmark; run with --release -- --ignored --nocapture"]
fn benchmark_100k_ops() {
    let summary = benchmark(100_000, 1);
    println!("{summary}");
    assert!(summary.contains("valid=true"), "{summary}");
}

#[test]
#[ignore = "stress; run with --release -- --ignored --nocapture"]
fn stress_many_info_ops_and_high_concurrency() {
    for (keys, conc, info) in [
        (1000, 10, 0.3),
        (1000, 40, 0.1),
        (100, 30, 0.05),
        (1, 10, 0.02),
    ] {
        let h = synthetic_history_with(100_000, keys, conc, info, 2);
        let t = std::time::Instant::now();
        let r = check(&h);
        println!(
            "keys={keys} concurrency={conc} info={info}: valid={} in {:?}",
            r.valid,
            t.elapsed()
        );
        assert!(r.valid, "{r}");
    }
}
