//! The replicated state: what the committed log drives on every node, and what a
//! snapshot holds. The machine's state plus the session table, as of
//! `applied_index`.

use super::command::Command;
use super::session::Sessions;
use crate::machines::{Machine, Reply};
use crate::raft::Data;
use serde::{Deserialize, Serialize};

/// The machine, its sessions, and how far the log has been applied.
#[derive(Clone, Debug)]
pub struct Replicated<M> {
    pub machine: M,
    pub sessions: Sessions,
    /// Index of the last entry applied.
    pub applied_index: u64,
}

/// What applying one committed entry did.
#[derive(Debug)]
pub enum Applied {
    /// A leader's no-op.
    Noop,
    /// The machine applied the command and gave this reply.
    Reply(Box<Command>, Reply),
    /// The machine applied the command; this node does not answer it.
    Unanswered(Box<Command>),
    /// The command was applied before, or is settled (see `session.rs`).
    Duplicate(Box<Command>),
    /// The entry is not a command this node understands (logged, skipped).
    Unreadable(String),
}

/// A snapshot's content.
#[derive(Serialize, Deserialize)]
struct SnapshotData {
    applied_index: u64,
    sessions: Sessions,
    machine: Data,
}

impl<M: Machine> Replicated<M> {
    /// A fresh state around `machine`.
    pub fn new(machine: M) -> Replicated<M> {
        Replicated {
            machine,
            sessions: Sessions::default(),
            applied_index: 0,
        }
    }

    /// Applies the committed entry at `index` (entries come in log order).
    pub fn apply(&mut self, index: u64, data: Option<&Data>) -> Applied {
        self.apply_for(index, data, |_| true)
    }

    /// [`Replicated::apply`], encoding the machine's reply only when `answers`
    /// says this node sends it.
    pub fn apply_for(
        &mut self,
        index: u64,
        data: Option<&Data>,
        answers: impl FnOnce(&Command) -> bool,
    ) -> Applied {
        self.applied_index = index;
        let Some(data) = data else {
            return Applied::Noop;
        };
        let cmd: Command = match data.decode() {
            Ok(cmd) => cmd,
            Err(e) => return Applied::Unreadable(format!("entry {index} is not a command: {e}")),
        };
        // Safety rule: at most once per request id.
        if !self.sessions.admit(&cmd.id, cmd.floor) {
            return Applied::Duplicate(Box::new(cmd));
        }
        if !answers(&cmd) {
            self.machine.apply_unanswered(index, &cmd.command);
            return Applied::Unanswered(Box::new(cmd));
        }
        let reply = self.machine.apply_data(index, &cmd.command);
        Applied::Reply(Box::new(cmd), reply)
    }

    /// The whole replicated state as one encoded value.
    pub fn snapshot(&self) -> Result<Data, String> {
        let snapshot = SnapshotData {
            applied_index: self.applied_index,
            sessions: self.sessions.clone(),
            machine: self.machine.snapshot_data()?,
        };
        Data::encode(&snapshot).map_err(|e| format!("snapshot did not encode: {e}"))
    }

    /// Replaces the state with a snapshot's.
    pub fn restore(&mut self, snapshot: &Data) -> Result<(), String> {
        let s: SnapshotData = snapshot
            .decode()
            .map_err(|e| format!("bad snapshot: {e}"))?;
        self.machine.restore_data(&s.machine)?;
        self.sessions = s.sessions;
        self.applied_index = s.applied_index;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machines::MachineKind;
    use crate::protocol::RequestId;
    use serde_json::json;

    fn entry(seq: u64, command: serde_json::Value) -> Data {
        Data::encode(&Command {
            id: RequestId {
                node: "n1".into(),
                incarnation: 1,
                seq,
            },
            floor: 0,
            client: "c1".into(),
            client_msg_id: seq,
            reply_from: "n1".into(),
            command: Data::encode(&command).unwrap(),
        })
        .unwrap()
    }

    #[test]
    fn duplicates_apply_once_and_snapshots_carry_the_sessions() {
        let mut s = Replicated::new(MachineKind::Kv.build());
        let write = entry(0, json!({"type": "write", "key": 1, "value": 1}));
        let cas = entry(1, json!({"type": "cas", "key": 1, "from": 1, "to": 2}));
        assert!(matches!(s.apply(1, None), Applied::Noop));
        assert!(matches!(s.apply(2, Some(&write)), Applied::Reply(_, Ok(_))));
        assert!(matches!(s.apply(3, Some(&cas)), Applied::Reply(_, Ok(_))));
        let snapshot = s.snapshot().unwrap();
        // A retried copy of the cas commits again: not applied twice.
        assert!(matches!(s.apply(4, Some(&cas)), Applied::Duplicate(_)));
        let mut restored = Replicated::new(MachineKind::Kv.build());
        restored.restore(&snapshot).unwrap();
        assert_eq!(restored.applied_index, 3);
        assert!(
            matches!(restored.apply(4, Some(&cas)), Applied::Duplicate(_)),
            "the restored session table knows the cas was applied"
        );
        assert_eq!(restored.snapshot().unwrap(), s.snapshot().unwrap().clone());
        assert!(matches!(
            s.apply(5, Some(&Data::encode(&1).unwrap())),
            Applied::Unreadable(_)
        ));
    }
}
