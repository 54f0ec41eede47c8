//! Helpers for testing a machine without a cluster: drive it with request bodies
//! as a single node would, and check that a snapshot restores it exactly.

use super::{Admission, Context, Machine, Reply};
use crate::protocol::ClientBody;

/// Runs each request through `machine` as a lone node would: admitted, then
/// applied (a proposed or locally replicated command, at the next log index) or
/// queried (a read). Returns the replies in order.
pub fn drive<M: Machine>(machine: &mut M, requests: &[ClientBody]) -> Vec<Reply> {
    let mut index = 0;
    let mut replies = Vec::with_capacity(requests.len());
    for (i, body) in requests.iter().enumerate() {
        let ctx = Context {
            node: "n1",
            now: i as u64,
            incarnation: 0,
        };
        let reply = match machine.admit_body(body, &ctx) {
            Admission::Propose(command) => {
                index += 1;
                machine.apply_data(index, &command)
            }
            Admission::Read => machine.query_body(body),
            Admission::Local { reply, replicate } => {
                if let Some(command) = replicate {
                    index += 1;
                    // Nobody waits for a replicated command's reply.
                    let _ = machine.apply_data(index, &command);
                }
                reply
            }
        };
        replies.push(reply);
    }
    replies
}

/// Restores `fresh` from `machine`'s snapshot and checks that both answer every
/// request of `later` identically. Returns the replies; panics with the first
/// difference.
pub fn assert_restore_answers_alike<M: Machine>(
    machine: &M,
    mut fresh: M,
    later: &[ClientBody],
) -> Vec<Reply> {
    let snapshot = machine.snapshot_data().expect("snapshot encodes");
    fresh.restore_data(&snapshot).expect("snapshot restores");
    let mut original = machine.clone();
    let expected = drive(&mut original, later);
    let got = drive(&mut fresh, later);
    for (i, (e, g)) in expected.iter().zip(&got).enumerate() {
        assert_eq!(
            e, g,
            "request {i} ({:?}) answered differently after restore",
            later[i]
        );
    }
    assert_eq!(
        original.snapshot_data(),
        fresh.snapshot_data(),
        "the states differ after the same requests"
    );
    got
}
