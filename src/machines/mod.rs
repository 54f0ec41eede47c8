//! State machines driven by the replicated log.
//!
//! A machine is one module: it implements the typed [`StateMachine`] trait with its
//! own request, command, reply and snapshot types (see [`api`]). The node drives
//! every machine through the JSON-level [`Machine`] trait, which each
//! `StateMachine` gets for free. Machines know nothing about Raft and nothing
//! about each other; everything here is deterministic.
//!
//! Adding a built-in machine: write its module, add one variant to [`Builtin`] and
//! one name to [`MachineKind`].

pub mod api;
pub mod broadcast;
pub mod counter;
pub mod echo;
mod erased;
pub mod g_set;
pub mod grow_set;
pub mod kafka;
pub mod kv;
pub mod lww;
pub mod testing;
pub mod txn_list_append;
pub mod txn_rw;
pub mod unique_ids;

pub use api::{Admit, Context, Rejection, StateMachine};
pub use broadcast::BroadcastMachine;
pub use counter::{GCounterMachine, PnCounterMachine};
pub use echo::EchoMachine;
pub use erased::{Admission, Machine, Reply};
pub use g_set::GSetMachine;
pub use kafka::KafkaMachine;
pub use kv::KvMachine;
pub use lww::LwwMachine;
pub use txn_list_append::TxnMachine;
pub use txn_rw::RwMachine;
pub use unique_ids::UniqueIdsMachine;

// The enum_dispatch expansion names the trait's argument types unqualified.
use crate::protocol::ClientBody;
use crate::raft::Data;
use std::fmt;
use std::str::FromStr;

/// The built-in machines, chosen at start-up with `--machine`.
#[enum_dispatch::enum_dispatch(Machine)]
#[derive(Debug, Clone)]
pub enum Builtin {
    /// lin-kv: linearizable read / write / cas.
    Kv(KvMachine),
    /// txn-list-append: strict-serializable transactions over lists.
    Txn(TxnMachine),
    /// lww-kv: last-write-wins, answered locally.
    Lww(LwwMachine),
    /// echo.
    Echo(EchoMachine),
    /// unique-ids.
    UniqueIds(UniqueIdsMachine),
    /// broadcast: a grow-only set of messages, answered locally.
    Broadcast(BroadcastMachine),
    /// g-set: a grow-only set, answered locally.
    GSet(GSetMachine),
    /// g-counter: a grow-only counter through the log.
    GCounter(GCounterMachine),
    /// pn-counter: a counter through the log.
    PnCounter(PnCounterMachine),
    /// A deliberately broken txn machine (tests only).
    #[cfg(feature = "mutations")]
    NonAtomicTxn(txn_list_append::NonAtomicTxn),
    /// kafka: append-only logs with committed offsets.
    Kafka(KafkaMachine),
    /// txn-rw-register: transactions over registers.
    TxnRw(RwMachine),
    /// A deliberately broken kafka machine (tests only).
    #[cfg(feature = "mutations")]
    EarlyOffsetsKafka(kafka::EarlyOffsetsKafka),
    /// A deliberately broken txn-rw machine (tests only).
    #[cfg(feature = "mutations")]
    NonAtomicRw(txn_rw::NonAtomicRw),
}

/// The names accepted by `--machine`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MachineKind {
    /// lin-kv: linearizable read / write / cas.
    #[default]
    Kv,
    /// txn-list-append, strict serializable.
    Txn,
    /// last-write-wins, available under partition.
    Lww,
    /// Maelstrom's echo: `echo` → `echo_ok`, answered locally.
    Echo,
    /// Maelstrom's unique-ids: `generate` → `generate_ok`, answered locally.
    UniqueIds,
    /// Maelstrom's broadcast: answered locally, replicated through the log.
    Broadcast,
    /// Maelstrom's g-set: answered locally, replicated through the log.
    GSet,
    /// Maelstrom's g-counter: through the log, linearizable.
    GCounter,
    /// Maelstrom's pn-counter: through the log, linearizable.
    PnCounter,
    /// Maelstrom's kafka: append-only logs with committed offsets.
    Kafka,
    /// txn-rw-register, strict serializable.
    TxnRw,
}

impl MachineKind {
    /// Every kind, in the order `--help` lists them.
    pub const ALL: &'static [MachineKind] = &[
        MachineKind::Kv,
        MachineKind::Txn,
        MachineKind::Lww,
        MachineKind::Echo,
        MachineKind::UniqueIds,
        MachineKind::Broadcast,
        MachineKind::GSet,
        MachineKind::GCounter,
        MachineKind::PnCounter,
        MachineKind::Kafka,
        MachineKind::TxnRw,
    ];

    /// A fresh machine of this kind.
    pub fn build(self) -> Builtin {
        match self {
            MachineKind::Kv => Builtin::Kv(KvMachine::default()),
            MachineKind::Txn => Builtin::Txn(TxnMachine::default()),
            MachineKind::Lww => Builtin::Lww(LwwMachine::default()),
            MachineKind::Echo => Builtin::Echo(EchoMachine),
            MachineKind::UniqueIds => Builtin::UniqueIds(UniqueIdsMachine::default()),
            MachineKind::Broadcast => Builtin::Broadcast(BroadcastMachine::default()),
            MachineKind::GSet => Builtin::GSet(GSetMachine::default()),
            MachineKind::GCounter => Builtin::GCounter(GCounterMachine::default()),
            MachineKind::PnCounter => Builtin::PnCounter(PnCounterMachine::default()),
            MachineKind::Kafka => Builtin::Kafka(KafkaMachine::default()),
            MachineKind::TxnRw => Builtin::TxnRw(RwMachine::default()),
        }
    }

    /// The name `--machine` takes.
    pub fn name(self) -> &'static str {
        match self {
            MachineKind::Kv => "kv",
            MachineKind::Txn => "txn",
            MachineKind::Lww => "lww",
            MachineKind::Echo => "echo",
            MachineKind::UniqueIds => "unique-ids",
            MachineKind::Broadcast => "broadcast",
            MachineKind::GSet => "g-set",
            MachineKind::GCounter => "g-counter",
            MachineKind::PnCounter => "pn-counter",
            MachineKind::Kafka => "kafka",
            MachineKind::TxnRw => "txn-rw",
        }
    }
}

impl FromStr for MachineKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        MachineKind::ALL
            .iter()
            .copied()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = MachineKind::ALL.iter().map(|k| k.name()).collect();
                format!(
                    "unknown machine {s:?}: expected one of {}",
                    names.join(", ")
                )
            })
    }
}

impl fmt::Display for MachineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::NODE_TYPES;

    #[test]
    fn builtin_machines_leave_the_node_types_alone() {
        for kind in MachineKind::ALL {
            let m = kind.build();
            for ty in NODE_TYPES {
                assert!(!m.serves(ty), "{kind} claims the node's type {ty}");
            }
            assert_eq!(kind.to_string().parse::<MachineKind>(), Ok(*kind));
        }
        assert!("nope".parse::<MachineKind>().is_err());
    }
}
