//! Process faults in the manner of Maelstrom's `--nemesis kill` and `--nemesis
//! pause` (Jepsen's `db-package` in `jepsen.nemesis.combined`): one staggered
//! schedule for both faults. At each step it picks one of the requested faults
//! at random (Jepsen's `gen/mix`); each fault flip-flops between its start (kill
//! or pause some nodes, picked by a random [`TargetSpec`]) and its end (restart
//! every killed node, resume every paused one: Jepsen's `:start :all` and
//! `:resume :all`). Partitions keep their own schedule ([`super::nemesis`]), as
//! Jepsen composes the partition and db packages side by side.

use super::nemesis::stagger;
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// A fault done to node processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessFault {
    /// SIGKILL, later a fresh process of the same command and `init` again.
    Kill,
    /// SIGSTOP, later SIGCONT.
    Pause,
}

impl ProcessFault {
    /// Maelstrom's name for the fault (`--nemesis kill` / `pause`).
    pub fn name(self) -> &'static str {
        match self {
            ProcessFault::Kill => "kill",
            ProcessFault::Pause => "pause",
        }
    }
}

/// Which nodes a kill or pause hits: Jepsen's node specs (`db-nodes`) without
/// `:primaries`, which would need the database to say who leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetSpec {
    /// Jepsen's `nil`: a random non-empty subset, its size uniform in 1..=n.
    Any,
    /// `:one`: one random node.
    One,
    /// `:minority-third`: fewer than a third of the nodes, `(n - 1) / 3` (none
    /// below 4 nodes).
    MinorityThird,
    /// `:minority`: a majority less one, `n / 2` (half of an even cluster).
    Minority,
    /// `:majority`: `n / 2 + 1` nodes.
    Majority,
    /// `:all`: every node.
    All,
}

impl TargetSpec {
    /// Every spec, in Jepsen's order (`node-specs`).
    pub const ALL: [TargetSpec; 6] = [
        TargetSpec::Any,
        TargetSpec::One,
        TargetSpec::MinorityThird,
        TargetSpec::Minority,
        TargetSpec::Majority,
        TargetSpec::All,
    ];

    /// Jepsen's name for the spec (`nil` written as `any`).
    pub fn name(self) -> &'static str {
        match self {
            TargetSpec::Any => "any",
            TargetSpec::One => "one",
            TargetSpec::MinorityThird => "minority-third",
            TargetSpec::Minority => "minority",
            TargetSpec::Majority => "majority",
            TargetSpec::All => "all",
        }
    }

    /// The nodes this spec picks from `nodes`, shuffled by `rng`, in `nodes`
    /// order. May be empty (a minority third of 3 nodes, a minority of 1).
    pub fn pick(self, nodes: &[String], rng: &mut StdRng) -> Vec<String> {
        let n = nodes.len();
        let count = match self {
            TargetSpec::Any if n > 0 => rng.gen_range(1..=n),
            TargetSpec::Any => 0,
            TargetSpec::One => n.min(1),
            TargetSpec::MinorityThird => n.saturating_sub(1) / 3,
            TargetSpec::Minority => n / 2,
            TargetSpec::Majority => (n / 2 + 1).min(n),
            TargetSpec::All => n,
        };
        let mut shuffled = nodes.to_vec();
        shuffled.shuffle(rng);
        shuffled.truncate(count);
        nodes
            .iter()
            .filter(|id| shuffled.contains(id))
            .cloned()
            .collect()
    }
}

/// What the process nemesis does at a step.
#[derive(Clone, Debug, PartialEq)]
pub enum ProcessAction {
    /// Kill these nodes (picked by the spec).
    Kill(TargetSpec, Vec<String>),
    /// Restart every killed node.
    Restart,
    /// Pause these nodes (picked by the spec).
    Pause(TargetSpec, Vec<String>),
    /// Resume every paused node.
    Resume,
}

/// When to kill, restart, pause and resume.
#[derive(Clone, Debug)]
pub struct ProcessNemesis {
    faults: Vec<ProcessFault>,
    /// Whether each fault of `faults` is in effect (its next step ends it).
    active: Vec<bool>,
    interval: u64,
    next_at: u64,
}

impl ProcessNemesis {
    /// A schedule over `faults` (duplicates ignored) acting on average every
    /// `interval` µs, first at `start`. `None` when `faults` is empty.
    pub fn new(faults: &[ProcessFault], start: u64, interval: u64) -> Option<ProcessNemesis> {
        let mut unique: Vec<ProcessFault> = Vec::new();
        for f in faults {
            if !unique.contains(f) {
                unique.push(*f);
            }
        }
        (!unique.is_empty()).then(|| ProcessNemesis {
            active: vec![false; unique.len()],
            faults: unique,
            interval: interval.max(1),
            next_at: start,
        })
    }

    /// When the next action is due.
    pub fn next_at(&self) -> u64 {
        self.next_at
    }

    /// The action due now: one fault picked at random starts (if it is not in
    /// effect) or ends (if it is); the next step comes a [`stagger`]ed gap later.
    pub fn step(&mut self, nodes: &[String], rng: &mut StdRng) -> ProcessAction {
        self.next_at += stagger(self.interval, rng);
        let i = rng.gen_range(0..self.faults.len());
        self.active[i] = !self.active[i];
        let start = self.active[i];
        match (self.faults[i], start) {
            (ProcessFault::Kill, true) => {
                let spec = TargetSpec::ALL[rng.gen_range(0..TargetSpec::ALL.len())];
                ProcessAction::Kill(spec, spec.pick(nodes, rng))
            }
            (ProcessFault::Kill, false) => ProcessAction::Restart,
            (ProcessFault::Pause, true) => {
                let spec = TargetSpec::ALL[rng.gen_range(0..TargetSpec::ALL.len())];
                ProcessAction::Pause(spec, spec.pick(nodes, rng))
            }
            (ProcessFault::Pause, false) => ProcessAction::Resume,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("n{i}")).collect()
    }

    #[test]
    fn specs_pick_jepsen_sized_groups() {
        let mut rng = StdRng::seed_from_u64(1);
        for (n, third, minority, majority) in
            [(1, 0, 0, 1), (3, 0, 1, 2), (4, 1, 2, 3), (5, 1, 2, 3)]
        {
            let nodes = ids(n);
            let size = |s: TargetSpec, rng: &mut StdRng| s.pick(&nodes, rng).len();
            assert_eq!(size(TargetSpec::One, &mut rng), 1);
            assert_eq!(size(TargetSpec::MinorityThird, &mut rng), third, "{n}");
            assert_eq!(size(TargetSpec::Minority, &mut rng), minority, "{n}");
            assert_eq!(size(TargetSpec::Majority, &mut rng), majority, "{n}");
            assert_eq!(TargetSpec::All.pick(&nodes, &mut rng), nodes);
            let sizes: std::collections::BTreeSet<usize> =
                (0..200).map(|_| size(TargetSpec::Any, &mut rng)).collect();
            assert_eq!(sizes, (1..=n).collect(), "{n}");
        }
        assert!(TargetSpec::Any.pick(&[], &mut rng).is_empty());
        // Picks are random nodes, in node order.
        let picked: std::collections::BTreeSet<Vec<String>> = (0..50)
            .map(|_| TargetSpec::One.pick(&ids(5), &mut rng))
            .collect();
        assert_eq!(picked.len(), 5);
        let two = TargetSpec::Minority.pick(&ids(5), &mut rng);
        assert!(two[0] < two[1], "{two:?}");
    }

    #[test]
    fn each_fault_flip_flops_on_one_staggered_schedule() {
        let mut rng = StdRng::seed_from_u64(2);
        let nodes = ids(5);
        assert!(ProcessNemesis::new(&[], 0, 10).is_none());
        let mut kill = ProcessNemesis::new(&[ProcessFault::Kill], 3, 1_000).unwrap();
        assert_eq!(kill.next_at(), 3, "the first step goes at once");
        for i in 0..20 {
            let before = kill.next_at();
            let action = kill.step(&nodes, &mut rng);
            assert!(kill.next_at() - before < 2_000);
            match action {
                ProcessAction::Kill(..) => assert_eq!(i % 2, 0),
                ProcessAction::Restart => assert_eq!(i % 2, 1),
                other => panic!("only kills: {other:?}"),
            }
        }
        let both = [ProcessFault::Kill, ProcessFault::Pause, ProcessFault::Kill];
        let mut mixed = ProcessNemesis::new(&both, 0, 1_000).unwrap();
        let (mut killed, mut paused) = (false, false);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            match mixed.step(&nodes, &mut rng) {
                ProcessAction::Kill(spec, picked) => {
                    assert!(!killed, "a kill is followed by a restart");
                    if spec != TargetSpec::Any {
                        assert_eq!(picked.len(), spec.pick(&nodes, &mut rng).len());
                    }
                    seen.insert(spec.name());
                    killed = true;
                }
                ProcessAction::Restart => {
                    assert!(killed);
                    killed = false;
                }
                ProcessAction::Pause(..) => {
                    assert!(!paused, "a pause is followed by a resume");
                    paused = true;
                }
                ProcessAction::Resume => {
                    assert!(paused);
                    paused = false;
                }
            }
            // Both faults can be in effect at once.
            if killed && paused {
                seen.insert("both");
            }
        }
        assert_eq!(seen.len(), TargetSpec::ALL.len() + 1, "{seen:?}");
    }
}
