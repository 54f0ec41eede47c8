//! raft-kv: one replicated Raft log driving pluggable state machines, run as a Maelstrom node.

pub mod check;
