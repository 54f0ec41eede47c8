//! One hand-made history per anomaly kind.

use super::{Kafka, exactly};
use crate::check::history::{F, Kind};
use crate::check::kafka::KafkaAnomalyKind::*;
use serde_json::json;

#[test]
fn two_messages_at_one_offset_are_inconsistent_offsets() {
    let mut k = Kafka::default();
    k.send(0, 0, 10, "x", 1, 0).send(1, 0, 10, "x", 2, 0).poll(
        2,
        20,
        30,
        json!({"x": 0}),
        json!({"x": [[0, 1]]}),
    );
    // Message 2 is in the order at offset 0 but no poll saw it: lost, as in Jepsen.
    let r = exactly(&k, &[InconsistentOffsets, LostWrite, Unseen]);
    let a = &r.anomalies[0];
    assert_eq!(
        (a.key.as_deref(), a.offsets.as_slice()),
        (Some("x"), &[0][..])
    );
    assert!(
        a.message.contains("holds 2 different messages: 1, 2"),
        "{r}"
    );
}

#[test]
fn one_message_at_two_offsets_is_a_duplicate() {
    let mut k = Kafka::default();
    k.send(0, 0, 10, "x", 1, 0)
        .poll(2, 20, 30, json!({"x": 0}), json!({"x": [[0, 1], [1, 1]]}));
    // Reading the message twice in one poll also goes back in the order.
    let r = exactly(&k, &[Duplicate, IntNonmonotonicPoll]);
    assert_eq!(r.anomalies[0].offsets, [0, 1]);
}

#[test]
fn an_unread_send_below_what_polls_read_is_a_lost_write() {
    let mut k = Kafka::default();
    k.send(0, 0, 10, "x", 1, 0)
        .send(0, 10, 20, "x", 2, 1)
        .send(0, 20, 30, "x", 3, 2)
        .poll(1, 40, 50, json!({"x": 0}), json!({"x": [[0, 1]]}))
        .poll(2, 40, 50, json!({"x": 2}), json!({"x": [[2, 3]]}));
    let r = exactly(&k, &[LostWrite, Unseen]);
    let lost = &r.anomalies[0];
    assert_eq!(lost.offsets, [1, 2], "{r}");
    assert!(
        lost.message.contains("message 2 of \"x\" at offset 1"),
        "{r}"
    );
}

#[test]
fn an_acknowledged_send_nobody_polled_is_unseen() {
    let mut k = Kafka::default();
    k.send(0, 0, 10, "x", 1, 0).send(0, 10, 20, "y", 2, 0);
    let r = exactly(&k, &[Unseen]);
    assert_eq!(r.anomalies.len(), 2, "one per key: {r}");
}

#[test]
fn a_process_that_jumps_over_known_offsets_is_a_poll_skip() {
    let mut k = Kafka::default();
    k.send(0, 0, 10, "x", 1, 0)
        .send(0, 10, 20, "x", 2, 1)
        .send(0, 20, 30, "x", 3, 2)
        .poll(1, 40, 50, json!({"x": 0}), json!({"x": [[0, 1]]}))
        .poll(1, 60, 70, json!({"x": 1}), json!({"x": [[2, 3]]}))
        .poll(
            2,
            80,
            90,
            json!({"x": 0}),
            json!({"x": [[0, 1], [1, 2], [2, 3]]}),
        );
    let r = exactly(&k, &[PollSkip]);
    assert!(
        r.anomalies[0]
            .message
            .contains("skipping 1 known offset(s): 2@1"),
        "{r}"
    );
}

#[test]
fn a_first_poll_that_starts_past_the_requested_offset_is_a_poll_skip() {
    let mut k = Kafka::default();
    k.send(0, 0, 10, "x", 1, 0)
        .send(0, 10, 20, "x", 2, 1)
        .poll(1, 40, 50, json!({"x": 0}), json!({"x": [[1, 2]]}))
        .poll(2, 40, 50, json!({"x": 0}), json!({"x": [[0, 1], [1, 2]]}));
    let r = exactly(&k, &[PollSkip]);
    assert!(
        r.anomalies[0]
            .message
            .contains("asked for \"x\" from offset 0"),
        "{r}"
    );
}

#[test]
fn a_process_that_reads_an_offset_again_is_a_nonmonotonic_poll() {
    let mut k = Kafka::default();
    k.send(0, 0, 10, "x", 1, 0)
        .send(0, 10, 20, "x", 2, 1)
        .poll(1, 40, 50, json!({"x": 0}), json!({"x": [[0, 1], [1, 2]]}))
        .poll(1, 60, 70, json!({"x": 2}), json!({"x": [[1, 2]]}));
    exactly(&k, &[NonmonotonicPoll]);
}

#[test]
fn a_process_whose_second_send_lands_before_its_first_is_a_nonmonotonic_send() {
    let mut k = Kafka::default();
    k.send(0, 0, 10, "x", 1, 1).send(0, 20, 30, "x", 2, 0).poll(
        1,
        40,
        50,
        json!({"x": 0}),
        json!({"x": [[0, 2], [1, 1]]}),
    );
    let r = exactly(&k, &[NonmonotonicSend]);
    assert_eq!(r.anomalies[0].offsets, [1, 0]);
}

#[test]
fn a_poll_with_a_gap_over_known_offsets_is_an_int_poll_skip() {
    let mut k = Kafka::default();
    k.send(0, 0, 10, "x", 1, 0)
        .send(0, 10, 20, "x", 2, 1)
        .send(0, 20, 30, "x", 3, 2)
        .poll(1, 40, 50, json!({"x": 0}), json!({"x": [[0, 1], [2, 3]]}))
        .poll(2, 40, 50, json!({"x": 1}), json!({"x": [[1, 2]]}));
    exactly(&k, &[IntPollSkip]);
}

#[test]
fn a_poll_out_of_offset_order_is_an_int_nonmonotonic_poll() {
    let mut k = Kafka::default();
    k.send(0, 0, 10, "x", 1, 0).send(0, 10, 20, "x", 2, 1).poll(
        1,
        40,
        50,
        json!({"x": 0}),
        json!({"x": [[1, 2], [0, 1]]}),
    );
    // Its first message is also not the one it asked for.
    exactly(&k, &[PollSkip, IntNonmonotonicPoll]);
}

#[test]
fn sends_of_one_transaction_landing_in_reverse_are_an_int_nonmonotonic_send() {
    let mut k = Kafka::default();
    k.raw(
        0,
        0,
        10,
        F::Txn,
        json!([["send", "x", 1], ["send", "x", 2]]),
        json!([["send", "x", [1, 1]], ["send", "x", [0, 2]]]),
    )
    .poll(1, 40, 50, json!({"x": 0}), json!({"x": [[0, 2], [1, 1]]}));
    exactly(&k, &[IntNonmonotonicSend]);
}

#[test]
fn a_transaction_that_polls_its_own_send_is_a_precommitted_read() {
    let mut k = Kafka::default();
    k.raw(
        0,
        0,
        10,
        F::Txn,
        json!([["send", "x", 1], ["poll", null, {"x": 0}]]),
        json!([["send", "x", [0, 1]], ["poll", {"x": [[0, 1]]}, {"x": 0}]]),
    );
    exactly(&k, &[PrecommittedRead]);
}

#[test]
fn polling_a_message_whose_send_failed_is_g1a() {
    let mut k = Kafka::default();
    k.send_not_ok(0, 0, 10, Kind::Fail, "x", 1).poll(
        1,
        20,
        30,
        json!({"x": 0}),
        json!({"x": [[0, 1]]}),
    );
    let r = exactly(&k, &[G1a]);
    assert_eq!(r.anomalies[0].ops.len(), 4, "reader and writer");
}

#[test]
fn polling_a_message_before_it_was_sent_is_g1c_realtime() {
    let mut k = Kafka::default();
    k.poll(1, 0, 10, json!({"x": 0}), json!({"x": [[0, 1]]}))
        .send(0, 20, 30, "x", 1, 0);
    exactly(&k, &[G1cRealtime]);
}

#[test]
fn polling_a_message_nobody_sent_is_a_garbage_read() {
    let mut k = Kafka::default();
    k.poll(1, 0, 10, json!({"x": 0}), json!({"x": [[0, 99]]}));
    exactly(&k, &[GarbageRead]);
}

#[test]
fn a_poll_that_misses_an_acknowledged_message_is_stale_under_real_time_only() {
    let mut k = Kafka::default();
    k.send(0, 0, 10, "x", 1, 0)
        .poll(1, 20, 30, json!({"x": 0}), json!({}))
        .poll(1, 40, 50, json!({"x": 0}), json!({"x": [[0, 1]]}));
    let r = exactly(&k, &[StalePoll]);
    assert_eq!(r.anomalies[0].offsets, [0, 0]);
    assert!(crate::check::kafka::check(&k.history(), false).valid);
}

#[test]
fn a_listing_below_an_acknowledged_commit_is_stale_under_real_time_only() {
    let mut k = Kafka::default();
    k.send(0, 0, 10, "x", 1, 0)
        .send(0, 10, 20, "x", 2, 1)
        .poll(1, 20, 30, json!({"x": 0}), json!({"x": [[0, 1], [1, 2]]}))
        .assign(2, 40, 50, json!(["x"]), json!({"x": 0}))
        .assign(3, 40, 50, json!(["x"]), json!({}));
    let r = exactly(&k, &[StaleCommittedOffsets]);
    assert_eq!(r.anomalies.len(), 2, "{r}");
    assert!(crate::check::kafka::check(&k.history(), false).valid);
}

#[test]
fn unreadable_records_are_ill_formed_and_the_rest_is_checked() {
    let mut k = Kafka::default();
    k.raw(
        0,
        0,
        10,
        F::Send,
        json!([["send", "x", 1]]),
        json!([["send", "x", "no offset"]]),
    )
    .raw(1, 0, 10, F::Read, json!(null), json!(null))
    .send(2, 0, 10, "y", 1, 0);
    let r = exactly(&k, &[IllFormed, Unseen]);
    assert_eq!(
        r.anomalies.iter().filter(|a| a.kind == IllFormed).count(),
        2
    );
}
