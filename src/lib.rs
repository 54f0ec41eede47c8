//! raft-kv: one replicated Raft log driving pluggable state machines, run as a Maelstrom node.

pub mod bench;
pub mod check;
pub mod harness;
pub mod machines;
pub mod node;
pub mod protocol;
pub mod raft;
pub mod runtime;
pub mod sim;
pub mod storage;
pub mod workload;
