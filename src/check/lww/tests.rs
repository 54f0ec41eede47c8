//! The lww-kv checkers on small hand-made histories.

use super::*;
use crate::check::history::Op;
use serde_json::json;

fn op(process: u64, kind: Kind, f: F, value: Value, error: Option<&str>) -> Op {
    Op::new(process, kind, f, Some(json!(1)), value)
        .with_error(error)
        .with_node("n1")
}

/// One write of 5 (ok), one write of 6 (info), one cas 5 -> 7 (fail 22).
fn history() -> History {
    let mut h = History::default();
    h.push(op(0, Kind::Invoke, F::Write, json!(5), None));
    h.push(op(0, Kind::Ok, F::Write, json!(5), None));
    h.push(op(1, Kind::Invoke, F::Write, json!(6), None));
    h.push(op(1, Kind::Info, F::Write, json!(6), Some("timeout")));
    h.push(op(2, Kind::Invoke, F::Cas, json!([5, 7]), None));
    h.push(op(2, Kind::Fail, F::Cas, json!([5, 7]), Some("22: no")));
    h
}

fn finals(values: &[FinalValue]) -> Vec<FinalRead> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| FinalRead {
            node: format!("n{}", i + 1),
            key: json!(1),
            value: v.clone(),
        })
        .collect()
}

fn read(h: &mut History, value: Value) {
    h.push(op(9, Kind::Invoke, F::Read, Value::Null, None));
    h.push(op(9, Kind::Ok, F::Read, value, None));
}

#[test]
fn converged_written_values_are_valid() {
    let mut h = history();
    read(&mut h, json!(6));
    read(&mut h, Value::Null);
    let v = FinalValue::of(&json!(6));
    let verdicts = check(&h, &finals(&[v.clone(), v.clone(), v]));
    assert!(verdicts.iter().all(|v| v.valid), "{verdicts:?}");
}

#[test]
fn a_read_of_a_value_nobody_wrote_is_caught() {
    let mut h = history();
    read(&mut h, json!(7)); // only a failed cas tried to write 7
    let v = FinalValue::of(&json!(5));
    let verdicts = check(&h, &finals(&[v.clone(), v]));
    assert!(!verdicts[0].valid && verdicts[1].valid, "{verdicts:?}");
}

#[test]
fn divergent_missing_and_unanswered_final_reads_are_caught() {
    let h = history();
    let diverged = check(
        &h,
        &finals(&[FinalValue::of(&json!(5)), FinalValue::of(&json!(6))]),
    );
    assert!(!diverged[1].valid);
    assert!(diverged[1].anomalies[0].contains("did not converge"));
    let lost = check(&h, &finals(&[FinalValue::Missing, FinalValue::Missing]));
    assert!(!lost[1].valid, "an acknowledged write vanished");
    let silent = check(&h, &finals(&[FinalValue::NoAnswer("timeout".into())]));
    assert!(!silent[1].valid);
    let unread = check(&h, &[]);
    assert!(!unread[1].valid, "written keys must be read at the end");
    let invented = check(&h, &finals(&[FinalValue::of(&json!(7))]));
    assert!(!invented[1].valid, "7 was never written successfully");
}

/// A write at `process` of `value`, invoked at `from` ms and acknowledged at `to` ms
/// (`None`: timed out).
fn timed_write(h: &mut History, process: u64, value: i64, from: u64, to: Option<u64>) {
    let mut invoke = op(process, Kind::Invoke, F::Write, json!(value), None);
    invoke.time = from * 1000;
    h.push(invoke);
    let mut done = match to {
        Some(_) => op(process, Kind::Ok, F::Write, json!(value), None),
        None => op(process, Kind::Info, F::Write, json!(value), Some("timeout")),
    };
    done.time = to.unwrap_or(from + 5000) * 1000;
    h.push(done);
}

fn converged_to(v: i64) -> Vec<FinalRead> {
    let v = FinalValue::of(&json!(v));
    finals(&[v.clone(), v.clone(), v])
}

#[test]
fn converging_to_a_write_an_acknowledged_later_one_superseded_is_caught() {
    let mut h = History::default();
    timed_write(&mut h, 0, 5, 0, Some(10));
    timed_write(&mut h, 1, 6, 100, Some(110)); // invoked 90 ms after 5 was acknowledged
    let verdicts = check(&h, &converged_to(5));
    assert!(verdicts[0].valid && verdicts[1].valid, "{verdicts:?}");
    assert!(
        !verdicts[2].valid,
        "the later write of 6 was lost: {verdicts:?}"
    );
    assert!(
        verdicts[2].anomalies[0].contains("op 2 wrote 6"),
        "{verdicts:?}"
    );
    assert!(check(&h, &converged_to(6))[2].valid, "6 is the last write");
}

#[test]
fn concurrent_timed_out_and_barely_later_writes_may_win_either_way() {
    let mut concurrent = History::default();
    timed_write(&mut concurrent, 0, 5, 0, Some(50));
    timed_write(&mut concurrent, 1, 6, 20, Some(30));
    assert!(check(&concurrent, &converged_to(5))[2].valid);
    assert!(check(&concurrent, &converged_to(6))[2].valid);
    // A write that timed out may have been stamped at any time.
    let mut info = History::default();
    timed_write(&mut info, 0, 5, 0, None);
    timed_write(&mut info, 1, 6, 100, Some(110));
    assert!(check(&info, &converged_to(5))[2].valid);
    // Invoked within the margin after the other completed: clocks may differ by that.
    let mut close = History::default();
    timed_write(&mut close, 0, 5, 0, Some(10));
    timed_write(&mut close, 1, 6, 10 + MARGIN / 1000 - 1, Some(30));
    assert!(check(&close, &converged_to(5))[2].valid);
    // The same value written again later keeps the key's value valid.
    let mut again = History::default();
    timed_write(&mut again, 0, 5, 0, Some(10));
    timed_write(&mut again, 1, 6, 100, Some(110));
    timed_write(&mut again, 2, 5, 200, Some(210));
    assert!(check(&again, &converged_to(5))[2].valid);
}
