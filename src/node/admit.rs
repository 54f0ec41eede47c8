//! A client request's first step at the node that received it: the machine
//! admits it (answered at once, a read, or a command for the log), within the
//! node's bound on requests in flight.

use super::Node;
use crate::machines::{Admission, Context, Machine};
use crate::protocol::{ClientBody, ErrorCode, ForwardOp};

impl<M: Machine> Node<M> {
    /// A client request in the machine's vocabulary.
    pub(super) fn on_client_request(
        &mut self,
        now: u64,
        client: String,
        msg_id: Option<u64>,
        body: ClientBody,
    ) {
        let Some(c) = self.cluster.as_ref() else {
            return;
        };
        let Some(msg_id) = msg_id else {
            self.logs.push(format!(
                "skipped {} request without msg_id from {client}",
                body.ty
            ));
            return;
        };
        if c.pending.len() + c.read_waiters.len() + c.local_reads.len() >= self.config.max_pending {
            // Definite: the request was not admitted, so nothing happened.
            let from = c.id.clone();
            self.reply_error(
                from,
                &client,
                Some(msg_id),
                ErrorCode::TemporarilyUnavailable,
                "too many requests in flight at this node",
            );
            return;
        }
        let ctx = Context {
            node: &c.id,
            now,
            incarnation: self.incarnation,
        };
        match self.state.machine.admit_body(&body, &ctx) {
            Admission::Local { reply, replicate } => {
                self.answer(&client, msg_id, reply);
                if let Some(command) = replicate {
                    self.disseminate(now, command, None);
                }
            }
            Admission::Read => {
                #[cfg(feature = "mutations")]
                if self.mutant_local_read(&client, msg_id, &body) {
                    return;
                }
                self.track(now, client, msg_id, ForwardOp::Read(body), None);
            }
            Admission::Propose(command) => {
                self.track(now, client, msg_id, ForwardOp::Command(command), None);
            }
        }
    }
}
