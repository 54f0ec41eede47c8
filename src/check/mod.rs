//! Checkers for operation histories.

pub mod history;
