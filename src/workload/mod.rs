//! Workloads shared by the simulator and the process harness: operation
//! generators, Maelstrom-rules clients, and run statistics. One implementation,
//! two drivers.

pub mod clients;
pub mod concurrency;
mod consistency;
pub mod generator;
pub mod stats;
pub mod timeout;

pub use clients::{ClientConfig, Clients, Outgoing};
pub use generator::{Generator, GeneratorConfig, Invocation, WorkloadKind};
pub use stats::RunStats;
