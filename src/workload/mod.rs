//! Workloads shared by the simulator and the process harness: operation
//! generators, Maelstrom-rules clients, and run statistics. One implementation,
//! two drivers.

pub mod clients;
pub mod concurrency;
mod consistency;
mod counter_ops;
pub mod generator;
pub mod kafka;
pub mod probes;
mod set_ops;
mod simple_ops;
pub mod stats;
pub mod timeout;
pub mod topology;

pub use clients::{ClientConfig, Clients, Outgoing};
pub use generator::{Generator, GeneratorConfig, Invocation, Step, WorkloadKind};
pub use stats::RunStats;
pub use topology::Topology;
