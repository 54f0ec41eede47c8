//! The node processes' life as the loop sees it: the `init` handshake, a node
//! closing its stdout (a crash), and shutdown at the end.

use super::{Crash, INIT_CLIENT, Loop, NodeExit};
use crate::harness::net::{Cargo, Packet};
use crate::protocol::{Body, Message, Payload};
use std::time::Duration;

impl Loop {
    /// Sends `init` to every node, from the init client.
    pub(super) fn send_init(&mut self) {
        let ids = self.cfg.node_ids.clone();
        for (i, id) in ids.iter().enumerate() {
            let msg = Message {
                src: INIT_CLIENT.into(),
                dest: id.clone(),
                body: Body {
                    in_reply_to: None,
                    msg_id: Some(i as u64 + 1),
                    payload: Payload::Init {
                        node_id: id.clone(),
                        node_ids: ids.clone(),
                    },
                },
            };
            self.net.send(
                0,
                Packet {
                    src: INIT_CLIENT.into(),
                    dest: id.clone(),
                    between_nodes: false,
                    cargo: Cargo::ToNode {
                        index: i,
                        line: msg.to_line(),
                    },
                },
            );
        }
    }

    /// Node `node` closed its stdout: records the crash and stops the run.
    pub(super) fn on_closed(&mut self, now: u64, node: usize) {
        let id = self.cfg.node_ids.get(node).cloned().unwrap_or_default();
        let status = self
            .nodes
            .wait_exit(node, Duration::from_secs(1))
            .map_or_else(|| "closed stdout, still running".into(), |s| s.to_string());
        let log_tail = self.nodes.log_tail(node, 20);
        self.out.crashes.push(Crash {
            node: id,
            time_s: self.rel_s(now),
            status,
            log_tail,
        });
        self.abort = true;
    }

    /// Records the nodes' CPU time, then closes their stdin and records how each
    /// exited (killed if it did not within a grace period).
    pub(super) fn shut_down_nodes(&mut self) {
        self.out.node_cpu_s = self.nodes.cpu_seconds();
        self.out.node_exits = self
            .nodes
            .shutdown(Duration::from_secs(2))
            .into_iter()
            .map(|(node, status)| NodeExit {
                node,
                status: status.map_or_else(
                    || "killed (still running 2 s after its stdin closed)".into(),
                    |s| s.to_string(),
                ),
            })
            .collect();
    }
}
