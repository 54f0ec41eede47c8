//! Which consistency model a workload's histories are checked against. Lives here,
//! not in [`crate::check`], so that the checkers do not depend on workloads.

use super::WorkloadKind;
use crate::check::Consistency;

impl WorkloadKind {
    /// The consistency model this workload's histories are checked against.
    pub fn consistency(self) -> Consistency {
        match self {
            WorkloadKind::LinKv => Consistency::Linearizable,
            WorkloadKind::TxnListAppend => Consistency::StrictSerializable,
            WorkloadKind::LwwKv => Consistency::Convergent,
        }
    }
}
