//! The node processes' life as the loop sees it: the `init` handshake (at the
//! start and after a restart), a node closing its stdout (a crash, unless the
//! nemesis killed it), and shutdown at the end.

use super::{Crash, Loop, NodeExit};
use crate::protocol::Payload;
use std::time::Duration;

impl Loop {
    /// Sends `init` to every node, from the init client.
    pub(super) fn send_init(&mut self) {
        for i in 0..self.cfg.node_ids.len() {
            let _ = self.send_init_to(0, i);
        }
    }

    /// Sends `init` to node `index` at `now`, from the init client, with the
    /// init client's next msg id, which it returns.
    pub(super) fn send_init_to(&mut self, now: u64, index: usize) -> u64 {
        let msg_id = self.init_client_msg_id();
        let init = Payload::Init {
            node_id: self.cfg.node_ids.get(index).cloned().unwrap_or_default(),
            node_ids: self.cfg.node_ids.clone(),
        };
        self.send_from_init_client(now, index, msg_id, init);
        msg_id
    }

    /// The init client's next msg id (from 1).
    pub(super) fn init_client_msg_id(&mut self) -> u64 {
        self.next_init_msg_id += 1;
        self.next_init_msg_id
    }

    /// Incarnation `incarnation` of node `node` closed its stdout: unless the
    /// nemesis killed it, records the crash and stops the run.
    pub(super) fn on_closed(&mut self, now: u64, node: usize, incarnation: u32) {
        if !self.nodes.is_current(node, incarnation) {
            return;
        }
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
