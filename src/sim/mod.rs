//! Deterministic simulation: real nodes on a virtual clock and a seeded network,
//! driven by Maelstrom-style clients under a partition nemesis.

pub mod cli;
pub mod cluster;
pub mod config;
pub mod convergence;
pub mod invariants;
pub mod kill;
pub mod matrix;
pub mod nemesis;
pub mod network;
pub mod process_faults;
pub mod run;

pub use cluster::{Cluster, NetStats};
pub use config::SimConfig;
pub use invariants::Invariants;
pub use matrix::matrix_config;
pub use network::{Latency, NetConfig, Partition};
pub use run::{SimOutcome, run, run_on};
