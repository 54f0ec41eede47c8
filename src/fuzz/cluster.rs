//! The cluster target (the kv, txn and lww machines, whose workloads can keep
//! clear of the fuzz: a counter or a set would count the fuzz's own adds): three
//! simulated nodes whose messages to each other travel
//! as protocol lines ([`Cluster::over_the_wire`]), hostile lines from clients and
//! non-members injected at random nodes, then, on the same cluster, a workload
//! whose history must check (linearizable lin-kv, serializable txn, convergent
//! lww).
//!
//! The workload owns small integer keys and the client names `c0`, `c1`, ...: a
//! line that would act on either (or claim to come from a member: peers that lie
//! are the single-node target's business) is skipped, so the checkers' "empty
//! at the start" assumption holds. Skipped lines are counted.

use super::oracle::{Broken, Ledger, check_envelope};
use super::single::outcome;
use super::templates::Ctx;
use super::{Input, catch, lines};
use crate::node::NodeConfig;
use crate::protocol::{Message, Payload};
use crate::sim::cli::check_outcome;
use crate::sim::{Cluster, Invariants, Latency, NetConfig, SimConfig, run_on};
use crate::workload::WorkloadKind;
use serde_json::Value;
use std::collections::BTreeMap;

/// When the fuzz lines start: a leader has been elected by then.
pub const START: u64 = 2_000_000;
/// Who fuzz lines claim to come from in the cluster.
const SRCS: &[&str] = &["f1", "f2", "x", "n7", "client"];

/// Three nodes under attack, with their checks.
pub struct ClusterRun {
    workload: WorkloadKind,
    seed: u64,
    cluster: Cluster,
    ledger: Ledger,
    invariants: Invariants,
    /// Inputs by what they got first, for the report.
    pub outcomes: BTreeMap<String, u64>,
    /// Lines skipped because they would touch the workload's keys or clients.
    pub skipped: u64,
    /// Ok operations of the final workload.
    pub workload_ok: u64,
}

fn node_config(workload: WorkloadKind) -> NodeConfig {
    NodeConfig {
        machine: workload.machine(),
        ..NodeConfig::default()
    }
}

fn latency() -> Latency {
    Latency::Exponential(5_000)
}

impl ClusterRun {
    /// A fresh three-node cluster for `workload`'s machine, a leader elected.
    pub fn new(workload: WorkloadKind, seed: u64) -> ClusterRun {
        let ids = Cluster::node_ids(3);
        let net = NetConfig {
            latency: latency(),
            loss: 0.0,
            duplicate: 0.0,
        };
        let mut cluster = Cluster::new(&ids, node_config(workload), net, seed);
        cluster.over_the_wire();
        cluster.run_until(START);
        cluster.take_client_messages();
        cluster.take_node_logs();
        ClusterRun {
            workload,
            seed,
            cluster,
            ledger: Ledger::default(),
            invariants: Invariants::new(),
            outcomes: BTreeMap::new(),
            skipped: 0,
            workload_ok: 0,
        }
    }

    /// What a template for node `index` may use.
    pub fn ctx(&self, index: usize) -> Ctx {
        let ids = Cluster::node_ids(3);
        let id = ids[index % ids.len()].clone();
        let raft = self.cluster.node(&id).and_then(|n| n.raft());
        Ctx {
            node: id,
            members: ids,
            machine: self.workload.machine(),
            srcs: SRCS.iter().map(|s| s.to_string()).collect(),
            integer_keys: false,
            term: raft.map_or(0, |r| r.term()),
            last_index: raft.map_or(0, |r| r.log().last_index()),
        }
    }

    /// Runs the cluster up to the input's time, injects its lines at its node
    /// (unless they would touch the workload's keys or clients), and checks.
    pub fn step(&mut self, input: &Input) -> Result<(), Broken> {
        let cluster = &mut self.cluster;
        catch(|| cluster.run_until(input.at))?;
        self.check()?;
        let id = Cluster::node_ids(3)[input.node % 3].clone();
        let mut first = None;
        for line in lines(&input.bytes) {
            if !harmless_to_the_workload(line) {
                self.skipped += 1;
                continue;
            }
            self.ledger.ask(line);
            let cluster = &mut self.cluster;
            catch(|| cluster.inject_line(&id, line))?;
            first = first.or(self.check()?);
        }
        let kind = first.unwrap_or_else(|| "no reply yet".to_owned());
        *self.outcomes.entry(kind).or_default() += 1;
        Ok(())
    }

    /// Lets every fuzz request resolve (answered or expired), checks, then runs
    /// the workload on the cluster and checks its history.
    pub fn finish(&mut self) -> Result<(), Broken> {
        let drain = NodeConfig::default().request_expiry + 1_000_000;
        let cluster = &mut self.cluster;
        catch(|| cluster.run_for(drain))?;
        self.check()?;
        let config = SimConfig {
            seed: self.seed,
            node_count: 3,
            workload: self.workload,
            time_limit: 2.0,
            rate: 100.0,
            concurrency: 6,
            latency: latency(),
            loss: 0.0,
            duplicate: 0.0,
            nemesis_interval: None,
            kill_interval: None,
            topology: Default::default(),
            node: node_config(self.workload),
        };
        let cluster = &mut self.cluster;
        let outcome = catch(|| run_on(&config, cluster))?;
        self.check()?;
        let checked = check_outcome(config, outcome);
        if !checked.valid() {
            return Err(Broken::new("not-linearizable", checked.failure_report()));
        }
        let stats = &checked.outcome.stats;
        self.workload_ok = stats.ok;
        if stats.ok * 2 < stats.ok + stats.fail + stats.info {
            return Err(Broken::new(
                "not-serving",
                format!("workload after the fuzz: {stats}"),
            ));
        }
        Ok(())
    }

    /// Checks what reached clients, what peers could not read, and Raft's
    /// invariants; returns the first reply's kind.
    fn check(&mut self) -> Result<Option<String>, Broken> {
        if let Some(e) = self.cluster.wire_errors().first() {
            return Err(Broken::new("unreadable-by-peer", e.clone()));
        }
        self.invariants.observe(&self.cluster);
        if let Some(v) = self.invariants.violations().first() {
            return Err(Broken::new("invariant", v.clone()));
        }
        self.cluster.take_node_logs();
        let mut first = None;
        for (_, m) in self.cluster.take_client_messages() {
            let line = m.to_line();
            check_envelope(&line)
                .map_err(|e| Broken::new("invalid-output", format!("{e}: {line}")))?;
            self.ledger.answer(&line)?;
            first.get_or_insert_with(|| outcome(&m));
        }
        Ok(first)
    }
}

/// False for a line that claims to come from a member or a workload client, or
/// that a machine would act on with a small integer key.
fn harmless_to_the_workload(line: &[u8]) -> bool {
    let lossy = String::from_utf8_lossy(line);
    let reserved = |src: &str| {
        Cluster::node_ids(3).iter().any(|id| id == src)
            || src
                .strip_prefix('c')
                .is_some_and(|n| n.parse::<u64>().is_ok())
    };
    if let Some(to) = Message::reply_target(&lossy)
        && reserved(&to.src)
    {
        return false;
    }
    let Ok(m) = Message::from_line(&lossy) else {
        return true;
    };
    if reserved(&m.src) {
        return false;
    }
    let Payload::Client(body) = &m.body.payload else {
        return true;
    };
    let integer = |k: &Value| k.is_u64() || k.is_i64();
    if body.get("key").is_some_and(integer) {
        return false;
    }
    let txn_keys = body
        .get("txn")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    !txn_keys
        .filter_map(|mop| mop.as_array().and_then(|m| m.get(1)))
        .any(integer)
}
