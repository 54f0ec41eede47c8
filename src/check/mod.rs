//! Checkers for operation histories.

pub mod history;
pub mod linearizability;
pub mod register;
pub mod synthetic;
pub mod wgl;
mod witness;
