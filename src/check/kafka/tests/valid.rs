//! Histories the checker accepts.

use super::Kafka;
use crate::check::history::Kind;
use crate::check::kafka::{check, synthetic_history};
use serde_json::json;

#[test]
fn a_consumer_that_follows_the_log_is_valid() {
    let mut k = Kafka::default();
    k.assign(1, 0, 5, json!(["x", "y"]), json!({}))
        .send(0, 0, 10, "x", 1, 0)
        .send_not_ok(0, 10, 20, Kind::Fail, "x", 9)
        .send_not_ok(0, 20, 30, Kind::Info, "y", 8)
        .send(2, 30, 40, "x", 2, 1)
        .poll(1, 50, 60, json!({"x": 0, "y": 0}), json!({"x": [[0, 1]]}))
        .poll(1, 70, 80, json!({"x": 1, "y": 0}), json!({"x": [[1, 2]]}))
        .assign(3, 90, 95, json!(["x"]), json!({"x": 1}))
        .poll(3, 100, 110, json!({"x": 1}), json!({"x": [[1, 2]]}));
    let r = k.check();
    assert!(r.valid, "{r}");
    assert!(r.realtime);
}

#[test]
fn synthetic_histories_are_valid() {
    for seed in 0..10 {
        let h = synthetic_history(3_000, 4, 6, seed);
        let r = check(&h, true);
        assert!(r.valid, "seed {seed}:\n{r}");
        assert!(r.ops_checked > 3_000);
    }
}
