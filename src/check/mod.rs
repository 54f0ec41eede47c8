//! Checkers for operation histories.

pub mod history;
pub mod list_append;
