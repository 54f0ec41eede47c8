//! Routing client requests to the leader: tracking them at their origin,
//! proposing or forwarding, retries, and the leader's side of forwards.

use super::pending::Due;
use super::{Command, Node, Pending};
use crate::machines::Machine;
use crate::protocol::{
    ClientBody, ErrorCode, Forward, ForwardBatch, ForwardNack, ForwardOp, Payload, RequestId,
};
use crate::raft::Data;
use crate::storage::HandoffKey;

impl<M: Machine> Node<M> {
    /// Starts tracking an admitted request at its origin and routes it. `handoff`
    /// marks a dissemination (see `local.rs`) with its key. Returns its sequence
    /// number.
    pub(super) fn track(
        &mut self,
        now: u64,
        client: String,
        msg_id: u64,
        op: ForwardOp,
        handoff: Option<HandoffKey>,
    ) -> u64 {
        let Some(c) = self.cluster.as_mut() else {
            return 0;
        };
        let seq = c.next_seq;
        c.next_seq += 1;
        c.pending.insert(
            seq,
            Pending {
                client,
                client_msg_id: msg_id,
                op,
                received: now,
                sent_to: None,
                last_attempt: now,
                handed: false,
                handoff,
            },
        );
        self.route(now, seq);
        seq
    }

    /// Hands pending request `seq` to the leader this node knows, if any.
    pub(super) fn route(&mut self, now: u64, seq: u64) {
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        // Every request below the lowest pending one is settled (see session.rs).
        let floor = c.pending.first_seq().unwrap_or(seq);
        let leader = c.raft.leader().map(str::to_owned);
        let Some((client, client_msg_id, op)) = c.pending.update(seq, |p| {
            // Counts as an attempt even with no leader known, so the retry timer
            // moves on.
            p.last_attempt = now;
            if leader.is_some() {
                p.handed = true;
                p.sent_to.clone_from(&leader);
            }
            (p.client.clone(), p.client_msg_id, p.op.clone())
        }) else {
            return;
        };
        let Some(leader) = leader else {
            return;
        };
        let own = leader == c.id;
        let id = RequestId {
            node: c.id.clone(),
            incarnation: self.incarnation,
            seq,
        };
        if let ForwardOp::Read(body) = op {
            // A read changes nothing, so once handed over it needs no tracking: if
            // it is lost the client times out, which for a read is a failure.
            c.pending.remove(seq);
            if own {
                self.lead_read(client, client_msg_id, body);
            } else if self.config.follower_reads {
                self.ask_read_index(now, leader, client, client_msg_id, body);
            } else {
                self.queue_forward(
                    leader,
                    id,
                    floor,
                    client,
                    client_msg_id,
                    ForwardOp::Read(body),
                );
            }
            return;
        }
        if own {
            let reply_from = c.id.clone();
            let ForwardOp::Command(command) = op else {
                return;
            };
            self.lead(Command {
                id,
                floor,
                client,
                client_msg_id,
                reply_from,
                command,
            });
        } else {
            self.queue_forward(leader, id, floor, client, client_msg_id, op);
        }
    }

    /// Retries, refuses or forgets pending requests that are due.
    pub(super) fn retry_pending(&mut self, now: u64) {
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        for (seq, due) in c.pending.due(now) {
            match due {
                Due::Nothing => {}
                Due::Retry => {
                    if let Some(leader) = self.raft().and_then(|r| r.leader()) {
                        self.logs.push(format!(
                            "request {seq} not applied after the retry interval: handing it to {leader} again"
                        ));
                    }
                    self.route(now, seq);
                }
                Due::Expired => {
                    if let Some(c) = self.cluster.as_mut() {
                        c.pending.remove(seq);
                    }
                }
                Due::Unavailable => {
                    let Some((from, p)) = self
                        .cluster
                        .as_mut()
                        .and_then(|c| Some((c.id.clone(), c.pending.remove(seq)?)))
                    else {
                        continue;
                    };
                    // Definite: this request was never handed to any leader, so it
                    // is in no log and can never take effect.
                    self.reply_error(
                        from,
                        &p.client,
                        Some(p.client_msg_id),
                        ErrorCode::TemporarilyUnavailable,
                        "no leader known",
                    );
                }
            }
        }
    }

    /// Appends a command as leader; it is answered when applied.
    pub(super) fn lead(&mut self, cmd: Command) {
        #[cfg(feature = "mutations")]
        let cmd = self.mutant_lead(cmd);
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        match Data::encode(&cmd) {
            Ok(data) => {
                c.raft.propose(data);
            }
            // Our own struct of strings, numbers and JSON text always encodes.
            Err(e) => self
                .logs
                .push(format!("command {:?} did not encode: {e}", cmd.id)),
        }
    }

    /// Leader side of a forward: proposes the commands and queues the reads.
    pub(super) fn on_forward(&mut self, src: String, batch: ForwardBatch) {
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        if !c.raft.is_leader() {
            // Definitely not appended here: the origin may try elsewhere.
            let ids = batch.requests.into_iter().map(|f| f.id).collect();
            let nack = ForwardNack {
                ids,
                leader: c.raft.leader().map(str::to_owned),
            };
            let from = c.id.clone();
            self.send(from, src, None, Payload::ForwardNack(nack));
            return;
        }
        let reply_from = c.id.clone();
        for f in batch.requests {
            match f.op {
                ForwardOp::Command(command) => self.lead(Command {
                    id: f.id,
                    floor: f.floor,
                    client: f.client,
                    client_msg_id: f.client_msg_id,
                    reply_from: reply_from.clone(),
                    command,
                }),
                ForwardOp::Read(body) => self.lead_read(f.client, f.client_msg_id, body),
            }
        }
    }

    pub(super) fn on_forward_nack(&mut self, now: u64, n: ForwardNack) {
        for id in n.ids {
            let Some(c) = self.cluster.as_ref() else {
                return;
            };
            if id.node != c.id || id.incarnation != self.incarnation {
                continue;
            }
            let Some(p) = c.pending.get(id.seq) else {
                continue;
            };
            let leader = c.raft.leader().map(str::to_owned);
            if leader.is_some() && leader != p.sent_to {
                self.route(now, id.seq);
            }
        }
    }

    /// Queues a forward; forwards to a leader go out together, at once after a
    /// quiet spell, else at most once per `forward_linger` (batching under load).
    fn queue_forward(
        &mut self,
        leader: String,
        id: RequestId,
        floor: u64,
        client: String,
        client_msg_id: u64,
        op: ForwardOp,
    ) {
        if let Some(c) = self.cluster.as_mut() {
            c.forward_queue.entry(leader).or_default().push(Forward {
                id,
                floor,
                client,
                client_msg_id,
                op,
            });
        }
    }

    pub(super) fn flush_forwards(&mut self, now: u64) {
        let linger = self.config.forward_linger;
        let Some(c) = self.cluster.as_mut() else {
            return;
        };
        if c.forward_queue.is_empty() || c.last_forward_at.is_some_and(|t| now < t + linger) {
            return;
        }
        c.last_forward_at = Some(now);
        let from = c.id.clone();
        let queue = std::mem::take(&mut c.forward_queue);
        for (leader, requests) in queue {
            self.send(
                from.clone(),
                leader,
                None,
                Payload::Forward(ForwardBatch { requests }),
            );
        }
    }

    /// A read request as the leader's [`reads::ReadFor`](super::reads::ReadFor).
    pub(super) fn lead_read(&mut self, client: String, client_msg_id: u64, request: ClientBody) {
        self.lead_read_for(super::reads::ReadFor::Client {
            client,
            client_msg_id,
            request,
        });
    }
}
