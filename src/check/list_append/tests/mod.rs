//! Tests for the list-append checker: hand-made histories and synthetic ones.

mod anomalies;
mod cycles;
mod synthetic;
mod valid;

pub(super) use crate::check::elle::testing::Builder;
