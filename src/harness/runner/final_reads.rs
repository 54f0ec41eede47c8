//! The end of an lww-kv run: after a quiet period, read every key the clients
//! wrote on every node, from the init client, and collect the answers for the
//! convergence checker.

use super::{INIT_CLIENT, Loop};
use crate::check::lww::{FinalRead, FinalValue};
use crate::harness::net::{Cargo, Packet};
use crate::protocol::{Body, Message, Payload};
use crate::sim::convergence;

impl Loop {
    /// Reads every key the clients wrote on every node, from the init client.
    pub(super) fn send_final_reads(&mut self, now: u64) {
        let keys = self
            .clients
            .as_ref()
            .map(|c| convergence::written_keys(c.history()))
            .unwrap_or_default();
        for (index, node) in self.cfg.node_ids.clone().into_iter().enumerate() {
            for key in &keys {
                let msg_id = self.init_client_msg_id();
                let msg = Message {
                    src: INIT_CLIENT.into(),
                    dest: node.clone(),
                    body: Body {
                        in_reply_to: None,
                        msg_id: Some(msg_id),
                        payload: Payload::client("read", serde_json::json!({ "key": key })),
                    },
                };
                self.final_asked.insert(msg_id, (node.clone(), key.clone()));
                self.net.send(
                    now,
                    Packet {
                        src: INIT_CLIENT.into(),
                        dest: node.clone(),
                        between_nodes: false,
                        cargo: Cargo::ToNode {
                            index,
                            line: msg.to_line(),
                        },
                    },
                );
            }
        }
    }

    /// Moves the final reads, answered or not, into the output.
    pub(super) fn collect_final_reads(&mut self) {
        let asked = std::mem::take(&mut self.final_asked);
        self.out.final_reads = asked
            .into_iter()
            .map(|(id, (node, key))| FinalRead {
                node,
                key,
                value: self
                    .final_answers
                    .remove(&id)
                    .unwrap_or_else(|| FinalValue::NoAnswer("no reply in time".into())),
            })
            .collect();
    }
}
