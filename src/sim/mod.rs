//! Deterministic simulation: real nodes on a virtual clock and a seeded network.

pub mod cluster;
pub mod network;

pub use cluster::{Cluster, NetStats};
pub use network::{Latency, NetConfig, Partition};
