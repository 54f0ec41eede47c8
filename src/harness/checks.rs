//! Which checkers judge a run, and the shape of their verdicts.
//!
//! [`checkers_for`] is the single place that picks the history checkers for a
//! workload: the sanity checks, `--availability`, and the simulator's consistency
//! checkers. Workloads judged on the final reads too (lww-kv, sets, counters) add
//! [`final_outcomes`].

use super::cli::Availability;
use super::report::Validity;
use crate::check::history::History;
use crate::check::lww::FinalRead;
use crate::check::{Consistency, Verdict};
use crate::workload::WorkloadKind;
use serde::Serialize;
use serde_json::{Value, json};

/// One checker's verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckOutcome {
    pub name: String,
    #[serde(rename = "valid")]
    pub validity: Validity,
    /// One line for humans.
    pub summary: String,
    /// How many anomalies the checker found (only the first few are kept).
    pub anomaly_count: usize,
    /// Witnesses of what went wrong (checker-specific JSON).
    pub anomalies: Vec<Value>,
}

impl CheckOutcome {
    /// An outcome with `anomalies`, valid or invalid as `valid` says.
    pub fn new(name: &str, valid: bool, summary: String, anomalies: Vec<Value>) -> CheckOutcome {
        CheckOutcome {
            name: name.into(),
            validity: if valid {
                Validity::Valid
            } else {
                Validity::Invalid
            },
            summary,
            anomaly_count: anomalies.len(),
            anomalies,
        }
    }

    /// True when valid.
    pub fn valid(&self) -> bool {
        self.validity == Validity::Valid
    }
}

/// A checker: judges a finished history.
pub type Checker = Box<dyn Fn(&History) -> CheckOutcome>;

/// The checkers for `workload` judged against `consistency`, with the run's
/// `--availability` requirement.
pub fn checkers_for(
    workload: WorkloadKind,
    consistency: Consistency,
    availability: Option<Availability>,
) -> Vec<Checker> {
    let mut checkers: Vec<Checker> = vec![Box::new(move |h| well_formed(h, workload))];
    if let Some(a) = availability {
        checkers.push(Box::new(move |h| availability_check(h, a)));
    }
    // The same consistency checkers the simulator uses. Some need the final
    // reads as well: see [`final_outcomes`].
    if !consistency.needs_final_reads() {
        checkers.push(Box::new(move |h| {
            match crate::check::consistency_check(consistency, h) {
                Some(v) => from_verdict(v),
                None => CheckOutcome::new(
                    "consistency",
                    true,
                    format!("{workload} has no history checker yet"),
                    Vec::new(),
                ),
            }
        }));
    }
    checkers
}

/// The checkers that also need the final reads (lww-kv: reads return written
/// values and convergence; set-full; counters); none for other models.
pub fn final_outcomes(
    consistency: Consistency,
    history: &History,
    final_reads: &[FinalRead],
) -> Vec<CheckOutcome> {
    crate::check::final_state_check(consistency, history, final_reads)
        .into_iter()
        .map(from_verdict)
        .collect()
}

/// A checker's verdict as an outcome. An invalid verdict whose every anomaly is
/// an undecided search ("… (unknown) …", the linearizability checker's budget
/// running out) is unknown, not invalid, as Jepsen's `:valid? :unknown`.
fn from_verdict(v: Verdict) -> CheckOutcome {
    let undecided =
        !v.valid && !v.anomalies.is_empty() && v.anomalies.iter().all(|a| a.contains("(unknown)"));
    let mut outcome = CheckOutcome::new(
        &v.checker,
        v.valid,
        v.summary,
        v.anomalies.into_iter().map(Value::String).collect(),
    );
    if undecided {
        outcome.validity = Validity::Unknown;
    }
    outcome
}

/// Runs every checker.
pub fn run_all(checkers: &[Checker], history: &History) -> Vec<CheckOutcome> {
    checkers.iter().map(|c| c(history)).collect()
}

/// The history pairs up (one outstanding op per process, no stray completions)
/// and every operation belongs to the workload.
pub fn well_formed(history: &History, workload: WorkloadKind) -> CheckOutcome {
    let name = "well-formed";
    if let Err(e) = history.pairs() {
        return CheckOutcome::new(
            name,
            false,
            format!("ill-formed history: {e}"),
            vec![json!({"type": "ill-formed", "error": e})],
        );
    }
    let expected = workload.functions();
    let stray: Vec<Value> = history
        .ops
        .iter()
        .filter(|o| !expected.contains(&o.f))
        .take(10)
        .map(|o| serde_json::to_value(o).unwrap_or(Value::Null))
        .collect();
    if !stray.is_empty() {
        return CheckOutcome::new(
            name,
            false,
            format!("operations foreign to {workload}"),
            stray,
        );
    }
    CheckOutcome::new(
        name,
        true,
        format!(
            "{} records (invocations and completions) pair up",
            history.ops.len()
        ),
        vec![],
    )
}

/// `--availability`, Maelstrom's checker: the fraction of invoked operations that
/// completed ok is at least the requirement (`total`: every one).
pub fn availability_check(history: &History, required: Availability) -> CheckOutcome {
    let mut outcome = from_verdict(crate::check::availability::check(
        history,
        Some(required.required()),
    ));
    outcome.anomalies = outcome
        .anomalies
        .into_iter()
        .map(|a| match a {
            Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
            other => other,
        })
        .collect();
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::history::{F, Kind, Op};

    fn op(process: u64, kind: Kind) -> Op {
        Op {
            index: 0,
            time: 0,
            process,
            kind,
            f: F::Write,
            key: Some(json!(1)),
            value: json!(1),
            error: None,
            node: None,
        }
    }

    #[test]
    fn availability_total_rejects_a_fail() {
        let mut h = History::default();
        h.push(op(0, Kind::Invoke));
        h.push(op(0, Kind::Ok));
        assert!(availability_check(&h, Availability::Total).valid());
        h.push(op(0, Kind::Invoke));
        h.push(op(0, Kind::Fail));
        let c = availability_check(&h, Availability::Total);
        assert!(!c.valid() && c.anomalies.len() == 1, "{c:?}");
        assert!(availability_check(&h, Availability::Fraction(0.5)).valid());
        assert!(!availability_check(&h, Availability::Fraction(0.6)).valid());
    }

    #[test]
    fn ill_formed_and_foreign_ops_are_invalid() {
        let mut h = History::default();
        h.push(op(0, Kind::Ok));
        assert!(!well_formed(&h, WorkloadKind::LinKv).valid());
        let mut h = History::default();
        h.push(op(0, Kind::Invoke));
        assert!(well_formed(&h, WorkloadKind::LinKv).valid());
        assert!(!well_formed(&h, WorkloadKind::TxnListAppend).valid());
    }

    #[test]
    fn an_undecided_search_is_unknown_not_invalid() {
        let v = |anomalies: &[&str]| Verdict {
            checker: "linearizable".into(),
            valid: false,
            summary: String::new(),
            anomalies: anomalies.iter().map(|a| a.to_string()).collect(),
        };
        let budget = "key 1: search budget exhausted (unknown) after 5 states";
        assert_eq!(from_verdict(v(&[budget])).validity, Validity::Unknown);
        assert_eq!(
            from_verdict(v(&[budget, "key 2: no linearization"])).validity,
            Validity::Invalid
        );
    }
}
