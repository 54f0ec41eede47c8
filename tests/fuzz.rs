//! The bounded fuzz run CI does on every change (issue 11): at least 100,000
//! hostile inputs over every target (a node alone, a node among lying peers, a
//! three-node cluster over the wire followed by a checked workload), with no
//! property broken. The long run is `raft-kv fuzz --iterations 10000000`.

use raft_kv::fuzz::{FuzzConfig, cli::render, run};

#[test]
fn a_hundred_thousand_hostile_inputs_break_no_property() {
    let started = std::time::Instant::now();
    let config = FuzzConfig {
        iterations: 100_000,
        seed: 1,
        max_failures: 1,
    };
    let report = run(&config, &mut |_| {});
    let text = render(&report, started.elapsed().as_secs_f64());
    assert!(report.failures.is_empty(), "{text}");
    assert_eq!(report.inputs, 100_000, "{text}");
    // The run reached everywhere it should: every target, every mutation, all
    // kinds of answers, and workloads that did real work afterwards.
    assert_eq!(
        report.by_target.len(),
        2 * raft_kv::machines::MachineKind::ALL.len() + 3,
        "every machine alone and among liars, 3 in the cluster: {text}"
    );
    assert_eq!(report.mutations.len(), 18, "{text}");
    for kind in ["ok", "error 10", "error 12", "error 20", "error 22"] {
        assert!(
            report.outcomes.get(kind).is_some_and(|n| *n > 100),
            "{kind}: {text}"
        );
    }
    assert!(report.workload_ok > 1_000, "{text}");
}
