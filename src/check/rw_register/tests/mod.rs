//! Tests for the rw-register checker: hand-made histories and synthetic ones.

mod anomalies;
mod cycles;
mod valid;

use crate::check::elle::AnomalyKind;
pub(super) use crate::check::elle::testing::Builder;
use crate::check::models::{Model, Models};
use crate::check::rw_register::{RwRegisterReport, check};

/// Checks against strict serializability and asserts the only anomaly kind
/// found is `kind`.
pub(super) fn only(b: &Builder, kind: AnomalyKind) -> RwRegisterReport {
    let report = check(&b.history(), Models::STRICT);
    assert!(!report.valid, "expected {kind}, got valid:\n{report}");
    assert_eq!(report.anomaly_types, vec![kind], "{report}");
    report
}

/// Checks against `models` only.
pub(super) fn under(b: &Builder, models: &[Model]) -> RwRegisterReport {
    check(&b.history(), Models::of(models))
}
