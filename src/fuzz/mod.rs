//! A fuzzer for hostile input, on stable Rust: random and mutated protocol lines
//! (well-formed messages with fields dropped, re-typed, nested, truncated,
//! byte-corrupted, split, made invalid UTF-8; odd `msg_id`s, `src`s, `dest`s and
//! types; numbers beyond 64 bits) fed to a node as its stdin would.
//!
//! Targets ([`Target`]): a node alone in its cluster; a node among peers that lie
//! (forged Raft messages from members); and a three-node simulated cluster whose
//! nodes exchange real protocol lines, followed by a checked workload. Properties
//! (see [`oracle`]): no panic; every line written is a valid envelope and every
//! line a node sends a peer decodes there; every line with a usable `msg_id` is
//! answered at most once and nothing unasked is answered; the node still serves
//! afterwards, and the cluster passes its workload's checker and Raft's
//! invariants.
//!
//! Everything is deterministic in the seed: `raft-kv fuzz --seed S --iterations
//! N` replays a run exactly. A failure is shrunk (delta debugging over the
//! episode's inputs, then over the bytes of each remaining one) and reported
//! with the lines that reproduce it.

pub mod cli;
mod cluster;
mod minimize;
mod mutate;
pub mod oracle;
mod single;
mod templates;

use crate::machines::MachineKind;
use crate::workload::WorkloadKind;
use cluster::ClusterRun;
use oracle::Broken;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use single::{Shape, SingleRun};
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// One fuzz input: bytes handed to a node at a time (µs), possibly several lines.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    pub at: u64,
    /// Which node of the cluster target receives it (0 otherwise).
    pub node: usize,
    pub bytes: Vec<u8>,
}

/// Where inputs go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A node alone in its cluster, lines from clients and non-members.
    Alone(MachineKind),
    /// Member `n1` of three, lines also from members `n2` and `n3` that lie.
    AmongLiars(MachineKind),
    /// Three simulated nodes over the wire, then a checked workload.
    Cluster(MachineKind),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Alone(m) => write!(f, "single node ({m})"),
            Target::AmongLiars(m) => write!(f, "node among lying peers ({m})"),
            Target::Cluster(m) => write!(f, "3-node cluster ({m})"),
        }
    }
}

/// What to run.
#[derive(Clone, Debug, PartialEq)]
pub struct FuzzConfig {
    /// Inputs to generate, over all targets.
    pub iterations: u64,
    pub seed: u64,
    /// Most failures to shrink and report before stopping.
    pub max_failures: usize,
}

/// A property that broke, with the shrunk inputs that break it.
#[derive(Clone, Debug)]
pub struct Failure {
    pub target: Target,
    pub episode_seed: u64,
    pub broken: Broken,
    /// Inputs of the episode up to the failure.
    pub original_len: usize,
    /// The shrunk inputs (fed after `init`, in order).
    pub inputs: Vec<Input>,
}

/// What a run tried and found.
#[derive(Clone, Debug, Default)]
pub struct FuzzReport {
    pub inputs: u64,
    /// Inputs and episodes by target.
    pub by_target: BTreeMap<String, (u64, u64)>,
    /// How often each mutation was applied (an input may have several or none).
    pub mutations: BTreeMap<&'static str, u64>,
    /// Inputs with no mutation at all.
    pub unmutated: u64,
    /// Inputs by what they got first: `ok`, `error N`, `no reply`.
    pub outcomes: BTreeMap<String, u64>,
    /// Cluster lines skipped to keep the workload's keys and clients untouched.
    pub skipped: u64,
    /// Ok operations in the cluster workloads after the fuzz.
    pub workload_ok: u64,
    pub failures: Vec<Failure>,
}

/// Inputs per episode, by target kind.
const EPISODE: [u64; 3] = [500, 300, 400];

/// Runs the fuzzer; `progress` is called after every episode.
pub fn run(config: &FuzzConfig, progress: &mut dyn FnMut(&FuzzReport)) -> FuzzReport {
    let mut rng = StdRng::seed_from_u64(config.seed);
    let mut report = FuzzReport::default();
    while report.inputs < config.iterations && report.failures.len() < config.max_failures {
        let machine = MachineKind::ALL[rng.gen_range(0..MachineKind::ALL.len())];
        let (target, size) = match rng.gen_range(0..100) {
            0..=59 => (Target::Alone(machine), EPISODE[0]),
            60..=84 => (Target::AmongLiars(machine), EPISODE[1]),
            _ => {
                let machine = CLUSTER_MACHINES[rng.gen_range(0..CLUSTER_MACHINES.len())];
                (Target::Cluster(machine), EPISODE[2])
            }
        };
        let size = size.min(config.iterations - report.inputs);
        let seed = rng.r#gen();
        episode(target, seed, size, &mut report);
        progress(&report);
    }
    report
}

/// A target's run, driven the same way whatever it is.
enum Run {
    Single(Box<SingleRun>),
    Cluster(Box<ClusterRun>),
}

impl Run {
    fn new(target: Target, seed: u64) -> Run {
        match target {
            Target::Alone(m) => Run::Single(Box::new(SingleRun::new(Shape::Alone, m, seed))),
            Target::AmongLiars(m) => {
                Run::Single(Box::new(SingleRun::new(Shape::AmongLiars, m, seed)))
            }
            Target::Cluster(m) => Run::Cluster(Box::new(ClusterRun::new(workload_of(m), seed))),
        }
    }

    fn step(&mut self, input: &Input) -> Result<(), Broken> {
        match self {
            Run::Single(r) => r.step(input),
            Run::Cluster(r) => r.step(input),
        }
    }

    fn finish(&mut self) -> Result<(), Broken> {
        match self {
            Run::Single(r) => r.finish(),
            Run::Cluster(r) => r.finish(),
        }
    }

    /// Replays `inputs` on a fresh run: the property it breaks, if any.
    fn replay(target: Target, seed: u64, inputs: &[Input]) -> Option<Broken> {
        let mut run = Run::new(target, seed);
        for input in inputs {
            if let Err(b) = run.step(input) {
                return Some(b);
            }
        }
        run.finish().err()
    }
}

/// The machines the cluster target runs (see `cluster.rs`).
const CLUSTER_MACHINES: [MachineKind; 3] = [MachineKind::Kv, MachineKind::Txn, MachineKind::Lww];

fn workload_of(machine: MachineKind) -> WorkloadKind {
    match machine {
        MachineKind::Txn => WorkloadKind::TxnListAppend,
        MachineKind::Lww => WorkloadKind::LwwKv,
        _ => WorkloadKind::LinKv,
    }
}

/// One episode: a fresh target, `size` generated inputs, the final checks.
fn episode(target: Target, seed: u64, size: u64, report: &mut FuzzReport) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut run = Run::new(target, seed);
    let (machine, first_at) = match target {
        Target::Alone(m) | Target::AmongLiars(m) => (m, 0),
        Target::Cluster(m) => (m, cluster::START),
    };
    let mut inputs = Vec::new();
    let mut now = first_at;
    let mut result = Ok(());
    for i in 0..size {
        now += rng.gen_range(0..20_000);
        let node = rng.gen_range(0..3);
        let ctx = match &run {
            Run::Single(r) => r.ctx(machine),
            Run::Cluster(r) => r.ctx(node),
        };
        let generated = mutate::generate(&mut rng, &ctx, i + 2);
        for m in &generated.mutations {
            *report.mutations.entry(m).or_default() += 1;
        }
        report.unmutated += u64::from(generated.mutations.is_empty());
        let input = Input {
            at: now,
            node,
            bytes: generated.bytes,
        };
        inputs.push(input);
        report.inputs += 1;
        result = run.step(&inputs[inputs.len() - 1]);
        if result.is_err() {
            break;
        }
    }
    if result.is_ok() {
        result = run.finish();
    }
    let entry = report.by_target.entry(target.to_string()).or_default();
    entry.0 += inputs.len() as u64;
    entry.1 += 1;
    let outcomes = match &run {
        Run::Single(r) => &r.outcomes,
        Run::Cluster(r) => {
            report.skipped += r.skipped;
            report.workload_ok += r.workload_ok;
            &r.outcomes
        }
    };
    for (k, n) in outcomes {
        *report.outcomes.entry(k.clone()).or_default() += n;
    }
    if let Err(broken) = result {
        report.failures.push(shrink(target, seed, broken, inputs));
    }
}

/// Shrinks a failing episode's inputs: first the sequence, then each input's bytes.
fn shrink(target: Target, seed: u64, broken: Broken, inputs: Vec<Input>) -> Failure {
    let original_len = inputs.len();
    let property = broken.property;
    let mut budget = match target {
        Target::Cluster(_) => 40,
        _ => 3_000,
    };
    let mut fails = |candidate: &[Input]| {
        Run::replay(target, seed, candidate).is_some_and(|b| b.property == property)
    };
    let mut inputs = minimize::ddmin(inputs, &mut budget, &mut fails);
    for i in 0..inputs.len() {
        let bytes = std::mem::take(&mut inputs[i].bytes);
        let shrunk = {
            let base = &inputs;
            let mut fails_with = |bytes: &[u8]| {
                let mut candidate = base.clone();
                candidate[i].bytes = bytes.to_vec();
                Run::replay(target, seed, &candidate).is_some_and(|b| b.property == property)
            };
            minimize::ddmin(bytes, &mut budget, &mut fails_with)
        };
        inputs[i].bytes = shrunk;
    }
    let broken = Run::replay(target, seed, &inputs).unwrap_or(broken);
    Failure {
        target,
        episode_seed: seed,
        broken,
        original_len,
        inputs,
    }
}

/// The lines in `bytes`, split as the runtime splits stdin: at `\n`, without a
/// trailing `\r`.
pub(crate) fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect()
}

thread_local! {
    /// Inside [`catch`]: panics there are findings, not crashes.
    static CATCHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Where the last caught panic happened.
    static PANIC_AT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Installs a panic hook that stays quiet for panics the fuzzer turns into
/// findings (recording where they happened) and reports any other panic as the
/// previous hook would. Returns a guard that puts the default hook back.
pub fn quiet_panics() -> impl Drop {
    struct Restore;
    impl Drop for Restore {
        fn drop(&mut self) {
            if !std::thread::panicking() {
                let _ = std::panic::take_hook();
            }
        }
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if CATCHING.with(|c| c.get()) {
            let at = info.location().map(|l| l.to_string());
            PANIC_AT.with(|p| *p.borrow_mut() = at);
        } else {
            previous(info);
        }
    }));
    Restore
}

/// Runs `f`, turning a panic into a broken property.
pub(crate) fn catch<T>(f: impl FnOnce() -> T) -> Result<T, Broken> {
    let was = CATCHING.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(was));
    result.map_err(|payload| {
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_owned());
        let at = PANIC_AT.with(|p| p.borrow_mut().take());
        let at = at.map_or(String::new(), |a| format!(" at {a}"));
        Broken::new("panic", format!("{text}{at}"))
    })
}

/// `bytes` as one printable line: UTF-8 as is, other bytes as `\xNN`.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                c if c.is_control() => out.push_str(&c.escape_default().to_string()),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}
