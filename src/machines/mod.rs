//! State machines driven by the replicated log. Machines know nothing about Raft:
//! they validate requests, apply committed ones in log order, and say which requests
//! are read-only. Everything here is deterministic.

pub mod kv;
pub mod lww;
pub mod txn_list_append;

use crate::protocol::Payload;
use enum_dispatch::enum_dispatch;
use std::fmt;
use std::str::FromStr;

pub use kv::KvMachine;
pub use lww::LwwMachine;
pub use txn_list_append::TxnMachine;

/// A deterministic state machine fed by committed log entries.
#[enum_dispatch]
pub trait StateMachine {
    /// Checks a client request before it enters the log. An `Err` is the (definite)
    /// error reply to send at once; the request is then never proposed.
    fn check(&self, request: &Payload) -> Result<(), Payload>;

    /// Applies a committed request and returns the reply payload. Called in log
    /// order on every node with the same sequence, so it must be deterministic.
    fn apply(&mut self, request: &Payload) -> Payload;

    /// True when the request changes nothing (it can be served without a log write).
    fn is_read_only(&self, request: &Payload) -> bool;

    /// Answers a read-only request from the applied state, changing nothing.
    fn query(&self, request: &Payload) -> Payload;

    /// For machines that answer clients from local state without waiting for the log
    /// (lww): the reply to send at once, and what (if anything) to replicate through
    /// the log afterwards. `now` is the node's clock in µs, passed in so the machine
    /// stays deterministic. The default, `None`, sends every request through the log.
    fn answer_locally(
        &mut self,
        _request: &Payload,
        _node: &str,
        _now: u64,
    ) -> Option<LocalAnswer> {
        None
    }
}

/// A request answered from local state (see [`StateMachine::answer_locally`]).
#[derive(Clone, Debug, PartialEq)]
pub struct LocalAnswer {
    /// The reply to the client, sent at once.
    pub reply: Payload,
    /// A request for the log, to be applied on every node. The client was already
    /// answered, so it gets no reply, never expires and is retried until applied.
    pub replicate: Option<Payload>,
}

/// The machine chosen at start-up with `--machine`.
#[enum_dispatch(StateMachine)]
#[derive(Debug, Clone)]
pub enum Machine {
    Kv(KvMachine),
    Txn(TxnMachine),
    Lww(LwwMachine),
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
}

impl MachineKind {
    /// A fresh machine of this kind.
    pub fn build(self) -> Machine {
        match self {
            MachineKind::Kv => Machine::Kv(KvMachine::default()),
            MachineKind::Txn => Machine::Txn(TxnMachine::default()),
            MachineKind::Lww => Machine::Lww(LwwMachine::default()),
        }
    }
}

impl FromStr for MachineKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "kv" => Ok(MachineKind::Kv),
            "txn" => Ok(MachineKind::Txn),
            "lww" => Ok(MachineKind::Lww),
            other => Err(format!(
                "unknown machine {other:?}: expected kv, txn or lww"
            )),
        }
    }
}

impl fmt::Display for MachineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MachineKind::Kv => "kv",
            MachineKind::Txn => "txn",
            MachineKind::Lww => "lww",
        })
    }
}
