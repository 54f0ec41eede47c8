//! The init client's messages around the load: the set-up messages before the
//! clients start (broadcast's topology), and at the end, after a quiet period,
//! the workload's final reads on every node, whose answers go to the checkers.

use super::{INIT_CLIENT, Loop};
use crate::check::lww::{FinalRead, FinalValue};
use crate::harness::net::{Cargo, Packet};
use crate::protocol::{Body, Message, Payload};
use crate::workload::probes::final_read_requests;

impl Loop {
    /// Sends `payload` from the init client to node `index` with `msg_id`.
    pub(super) fn send_from_init_client(
        &mut self,
        now: u64,
        index: usize,
        msg_id: u64,
        payload: Payload,
    ) {
        let Some(node) = self.cfg.node_ids.get(index).cloned() else {
            return;
        };
        let msg = Message {
            src: INIT_CLIENT.into(),
            dest: node.clone(),
            body: Body {
                in_reply_to: None,
                msg_id: Some(msg_id),
                payload,
            },
        };
        self.net.send(
            now,
            Packet {
                src: INIT_CLIENT.into(),
                dest: node,
                between_nodes: false,
                cargo: Cargo::ToNode {
                    index,
                    line: msg.to_line(),
                },
            },
        );
    }

    /// Sends the set-up messages (with the init client's next msg ids); returns
    /// false when there are none.
    pub(super) fn send_setup(&mut self, now: u64) -> bool {
        for (node, payload) in self.cfg.setup.clone() {
            let Some(index) = self.cfg.node_ids.iter().position(|n| *n == node) else {
                continue;
            };
            let msg_id = self.init_client_msg_id();
            self.awaiting_setup.insert(msg_id);
            self.send_from_init_client(now, index, msg_id, payload);
        }
        !self.awaiting_setup.is_empty()
    }

    /// Sends the workload's final reads to every node, from the init client.
    pub(super) fn send_final_reads(&mut self, now: u64) {
        let requests = self
            .clients
            .as_ref()
            .map(|c| final_read_requests(self.cfg.generator.kind, c.history()))
            .unwrap_or_default();
        for index in 0..self.cfg.node_ids.len() {
            for (key, request) in &requests {
                let msg_id = self.init_client_msg_id();
                let node = self.cfg.node_ids[index].clone();
                self.final_asked.insert(msg_id, (node, key.clone()));
                self.send_from_init_client(now, index, msg_id, request.clone());
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
