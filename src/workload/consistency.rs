//! Which consistency model a workload's histories are checked against. Lives here,
//! not in [`crate::check`], so that the checkers do not depend on workloads.

use super::WorkloadKind;
use crate::check::Consistency;
use crate::check::history::F;
use crate::check::models::Models;

impl WorkloadKind {
    /// The consistency model this workload's histories are checked against.
    pub fn consistency(self) -> Consistency {
        match self {
            WorkloadKind::LinKv => Consistency::Linearizable,
            WorkloadKind::TxnListAppend => Consistency::StrictSerializable,
            WorkloadKind::LwwKv => Consistency::Convergent,
            WorkloadKind::Echo => Consistency::Echo,
            WorkloadKind::UniqueIds => Consistency::UniqueIds,
            WorkloadKind::Broadcast | WorkloadKind::GSet => Consistency::SetFull {
                linearizable: false,
            },
            WorkloadKind::GCounter | WorkloadKind::PnCounter => {
                Consistency::Counter { strict: false }
            }
            WorkloadKind::Kafka => Consistency::Kafka(Models::STRICT),
            WorkloadKind::TxnRwRegister => Consistency::RwRegister(Models::STRICT),
        }
    }

    /// What raft-kv's own machine for this workload promises, which can be more
    /// than the workload asks ([`WorkloadKind::consistency`]): its counters go
    /// through the log, so every read is checked strictly. The simulator, which
    /// only runs raft-kv's machines, checks this.
    pub fn promised_consistency(self) -> Consistency {
        match self.consistency() {
            Consistency::Counter { .. } => Consistency::Counter { strict: true },
            other => other,
        }
    }

    /// The ops this workload's histories hold.
    pub fn functions(self) -> &'static [F] {
        match self {
            WorkloadKind::LinKv | WorkloadKind::LwwKv => &[F::Read, F::Write, F::Cas],
            WorkloadKind::TxnListAppend | WorkloadKind::TxnRwRegister => &[F::Txn],
            WorkloadKind::Kafka => &[F::Send, F::Poll, F::Assign, F::Crash],
            WorkloadKind::Echo => &[F::Echo],
            WorkloadKind::UniqueIds => &[F::Generate],
            WorkloadKind::Broadcast => &[F::Broadcast, F::Read],
            WorkloadKind::GSet | WorkloadKind::GCounter | WorkloadKind::PnCounter => {
                &[F::Add, F::Read]
            }
        }
    }
}
