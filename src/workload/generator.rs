//! Operation generators shaped like Maelstrom's workloads.

mod rw_register;

use super::kafka::KafkaClients;
use super::{counter_ops, set_ops, simple_ops};
use crate::check::history::{F, Kind};
use crate::protocol::Payload;
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

/// Which workload to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkloadKind {
    LinKv,
    TxnListAppend,
    LwwKv,
    Echo,
    UniqueIds,
    Broadcast,
    GSet,
    GCounter,
    PnCounter,
    Kafka,
    TxnRwRegister,
}

impl WorkloadKind {
    /// Every workload, in the order `--help` lists them.
    pub const ALL: &'static [WorkloadKind] = &[
        WorkloadKind::LinKv,
        WorkloadKind::TxnListAppend,
        WorkloadKind::LwwKv,
        WorkloadKind::Echo,
        WorkloadKind::UniqueIds,
        WorkloadKind::Broadcast,
        WorkloadKind::GSet,
        WorkloadKind::GCounter,
        WorkloadKind::PnCounter,
        WorkloadKind::Kafka,
        WorkloadKind::TxnRwRegister,
    ];

    /// The state machine that serves this workload.
    pub fn machine(self) -> crate::machines::MachineKind {
        use crate::machines::MachineKind;
        match self {
            WorkloadKind::LinKv => MachineKind::Kv,
            WorkloadKind::TxnListAppend => MachineKind::Txn,
            WorkloadKind::LwwKv => MachineKind::Lww,
            WorkloadKind::Echo => MachineKind::Echo,
            WorkloadKind::UniqueIds => MachineKind::UniqueIds,
            WorkloadKind::Broadcast => MachineKind::Broadcast,
            WorkloadKind::GSet => MachineKind::GSet,
            WorkloadKind::GCounter => MachineKind::GCounter,
            WorkloadKind::PnCounter => MachineKind::PnCounter,
            WorkloadKind::Kafka => MachineKind::Kafka,
            WorkloadKind::TxnRwRegister => MachineKind::TxnRw,
        }
    }

    /// The name `-w` takes (Maelstrom's).
    pub fn name(self) -> &'static str {
        match self {
            WorkloadKind::LinKv => "lin-kv",
            WorkloadKind::TxnListAppend => "txn-list-append",
            WorkloadKind::LwwKv => "lww-kv",
            WorkloadKind::Echo => "echo",
            WorkloadKind::UniqueIds => "unique-ids",
            WorkloadKind::Broadcast => "broadcast",
            WorkloadKind::GSet => "g-set",
            WorkloadKind::GCounter => "g-counter",
            WorkloadKind::PnCounter => "pn-counter",
            WorkloadKind::Kafka => "kafka",
            WorkloadKind::TxnRwRegister => "txn-rw-register",
        }
    }
}

impl std::str::FromStr for WorkloadKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        WorkloadKind::ALL
            .iter()
            .copied()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = WorkloadKind::ALL.iter().map(|k| k.name()).collect();
                format!(
                    "unknown workload {s:?}: expected one of {}",
                    names.join(", ")
                )
            })
    }
}

impl std::fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Generator settings (Maelstrom's flag names where they exist).
#[derive(Clone, Debug, PartialEq)]
pub struct GeneratorConfig {
    pub kind: WorkloadKind,
    /// Keys active at once. lin-kv: about 2 × node count; txn: `--key-count`.
    pub key_count: usize,
    /// lin-kv / lww-kv: operations per key before it is retired.
    pub ops_per_key: usize,
    /// txn: micro-ops per transaction, 1..=this.
    pub max_txn_length: usize,
    /// txn: appends per key before it is retired.
    pub max_writes_per_key: usize,
}

impl GeneratorConfig {
    /// Maelstrom-like defaults for `kind` on `nodes` nodes with `concurrency`
    /// clients. Single-key workloads keep about 2 × nodes keys active, and more
    /// when there are many clients, so that no key sees more than about 2 × nodes
    /// concurrent operations (as Maelstrom's per-key thread groups ensure); that
    /// keeps histories checkable.
    pub fn for_workload(kind: WorkloadKind, nodes: usize, concurrency: usize) -> GeneratorConfig {
        let per_key = 2 * nodes.max(1);
        match kind {
            WorkloadKind::TxnListAppend | WorkloadKind::TxnRwRegister => GeneratorConfig {
                kind,
                key_count: 10,
                ops_per_key: 100,
                max_txn_length: 4,
                max_writes_per_key: 16,
            },
            WorkloadKind::Kafka => GeneratorConfig {
                kind,
                key_count: 8,
                ops_per_key: 100,
                max_txn_length: 1,
                max_writes_per_key: 16,
            },
            _ => GeneratorConfig {
                kind,
                key_count: per_key.max(concurrency.div_ceil(per_key)),
                ops_per_key: 100,
                max_txn_length: 4,
                max_writes_per_key: 16,
            },
        }
    }
}

/// One operation to invoke.
#[derive(Clone, Debug, PartialEq)]
pub struct Invocation {
    pub f: F,
    pub key: Option<Value>,
    /// The history's invoke value.
    pub value: Value,
    /// The request to send.
    pub request: Payload,
}

/// What a client does after a reply: send another request for the same
/// operation, or complete it.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Send this request next, as part of the same operation.
    Continue(Payload),
    /// The operation is over, with this outcome.
    Complete {
        kind: Kind,
        value: Value,
        error: Option<String>,
    },
}

/// Produces operations, retiring keys as they are used up.
#[derive(Clone, Debug)]
pub struct Generator {
    config: GeneratorConfig,
    /// (key, operations or appends left).
    active: Vec<(u64, usize)>,
    next_key: u64,
    /// Next unique append value per key (txn).
    next_value: std::collections::HashMap<u64, u64>,
    /// Next unique element (broadcast, g-set).
    next_element: u64,
    /// kafka: the clients' positions and multi-request operations.
    kafka: Option<KafkaClients>,
}

impl Generator {
    /// A generator with `config.key_count` fresh keys.
    pub fn new(config: GeneratorConfig) -> Generator {
        let budget = match config.kind {
            WorkloadKind::TxnListAppend | WorkloadKind::TxnRwRegister => config.max_writes_per_key,
            _ => config.ops_per_key,
        };
        let kafka =
            (config.kind == WorkloadKind::Kafka).then(|| KafkaClients::new(config.key_count));
        let active = (0..config.key_count.max(1) as u64)
            .map(|k| (k, budget))
            .collect();
        Generator {
            next_key: config.key_count.max(1) as u64,
            config,
            active,
            next_value: Default::default(),
            next_element: 0,
            kafka,
        }
    }

    /// The next operation.
    pub fn next(&mut self, rng: &mut StdRng) -> Invocation {
        self.next_for(0, rng)
    }

    /// The next operation of client worker `worker`.
    pub fn next_for(&mut self, worker: usize, rng: &mut StdRng) -> Invocation {
        if let Some(k) = self.kafka.as_mut() {
            return k.next(worker, rng);
        }
        match self.config.kind {
            WorkloadKind::TxnListAppend => self.next_txn(rng),
            WorkloadKind::Echo | WorkloadKind::UniqueIds => simple_ops::next(self.config.kind, rng),
            WorkloadKind::Broadcast | WorkloadKind::GSet => {
                set_ops::next(self.config.kind, &mut self.next_element, rng)
            }
            WorkloadKind::GCounter | WorkloadKind::PnCounter => {
                counter_ops::next(self.config.kind, rng)
            }
            WorkloadKind::TxnRwRegister => self.next_rw(rng),
            _ => self.next_kv(rng),
        }
    }

    /// An operation that completes without a request (kafka's crash), if `inv`
    /// is one.
    pub fn on_invoke(&mut self, worker: usize, inv: &Invocation) -> Option<Step> {
        self.kafka.as_mut()?.on_invoke(worker, inv)
    }

    /// What to do with a reply, for workloads whose operations take more than
    /// one request or track client state (kafka); `None`: the generic rules.
    pub fn on_reply(&mut self, worker: usize, inv: &Invocation, reply: &Payload) -> Option<Step> {
        Some(self.kafka.as_mut()?.on_reply(worker, inv, reply))
    }

    /// Worker `worker`'s process was retired after an `info`.
    pub fn on_retire(&mut self, worker: usize) {
        if let Some(k) = self.kafka.as_mut() {
            k.on_retire(worker);
        }
    }

    /// Starts the workload's final phase, if it has one (kafka's final polls)
    /// for `workers` workers; false when there is nothing to do.
    pub fn start_final(&mut self, workers: usize) -> bool {
        self.kafka.as_mut().is_some_and(|k| k.start_final(workers))
    }

    /// Whether worker `worker` has operations to issue.
    pub fn wants(&self, worker: usize) -> bool {
        self.kafka.as_ref().is_none_or(|k| k.wants(worker))
    }

    /// True when the final phase is over.
    pub fn exhausted(&self) -> bool {
        self.kafka.as_ref().is_some_and(KafkaClients::exhausted)
    }

    fn next_kv(&mut self, rng: &mut StdRng) -> Invocation {
        let slot = rng.gen_range(0..self.active.len());
        let key = self.active[slot].0;
        self.use_up(slot, self.config.ops_per_key);
        let k = json!(key);
        match rng.gen_range(0..3) {
            0 => Invocation {
                f: F::Read,
                key: Some(k.clone()),
                value: Value::Null,
                request: Payload::client("read", json!({ "key": k })),
            },
            1 => {
                let v = json!(rng.gen_range(0..5));
                Invocation {
                    f: F::Write,
                    key: Some(k.clone()),
                    value: v.clone(),
                    request: Payload::client("write", json!({ "key": k, "value": v })),
                }
            }
            _ => {
                let (from, to) = (json!(rng.gen_range(0..5)), json!(rng.gen_range(0..5)));
                Invocation {
                    f: F::Cas,
                    key: Some(k.clone()),
                    value: json!([from, to]),
                    request: Payload::client("cas", json!({ "key": k, "from": from, "to": to })),
                }
            }
        }
    }

    fn next_txn(&mut self, rng: &mut StdRng) -> Invocation {
        let len = rng.gen_range(1..=self.config.max_txn_length.max(1));
        let mut mops = Vec::with_capacity(len);
        for _ in 0..len {
            let slot = rng.gen_range(0..self.active.len());
            let key = self.active[slot].0;
            if rng.gen_bool(0.5) {
                mops.push(json!(["r", key, null]));
            } else {
                let v = self.next_value.entry(key).or_insert(1);
                mops.push(json!(["append", key, *v]));
                *v += 1;
                self.use_up(slot, self.config.max_writes_per_key);
            }
        }
        Invocation {
            f: F::Txn,
            key: None,
            value: Value::Array(mops.clone()),
            request: Payload::client("txn", json!({ "txn": mops })),
        }
    }

    fn use_up(&mut self, slot: usize, budget: usize) {
        self.active[slot].1 = self.active[slot].1.saturating_sub(1);
        if self.active[slot].1 == 0 {
            self.next_value.remove(&self.active[slot].0);
            self.active[slot] = (self.next_key, budget);
            self.next_key += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machines::Machine;
    use rand::SeedableRng;

    #[test]
    fn kv_keys_retire_after_their_budget() {
        let mut g = Generator::new(GeneratorConfig {
            ops_per_key: 3,
            key_count: 2,
            ..GeneratorConfig::for_workload(WorkloadKind::LinKv, 1, 2)
        });
        let mut rng = StdRng::seed_from_u64(1);
        let keys: Vec<u64> = (0..12)
            .map(|_| g.next(&mut rng).key.unwrap().as_u64().unwrap())
            .collect();
        for k in &keys {
            assert!(
                keys.iter().filter(|x| *x == k).count() <= 3,
                "key {k} used more than its budget: {keys:?}"
            );
        }
        assert!(keys.iter().any(|k| *k >= 2), "fresh keys appear");
    }

    #[test]
    fn many_clients_spread_over_more_keys() {
        // 150 clients on 3 nodes: no key should see more than ~2n = 6 of them.
        let c = GeneratorConfig::for_workload(WorkloadKind::LinKv, 3, 150);
        assert!(
            150 / c.key_count <= 6,
            "{} keys for 150 clients",
            c.key_count
        );
        assert_eq!(
            GeneratorConfig::for_workload(WorkloadKind::LinKv, 3, 6).key_count,
            6,
            "2n keys by default"
        );
    }

    #[test]
    fn maelstrom_workloads_generate_their_own_requests() {
        let mut rng = StdRng::seed_from_u64(3);
        let ops = |kind, rng: &mut StdRng| -> Vec<Invocation> {
            let mut g = Generator::new(GeneratorConfig::for_workload(kind, 3, 6));
            (0..400).map(|_| g.next(rng)).collect()
        };
        let ty = |inv: &Invocation| inv.request.type_name().to_owned();
        for inv in ops(WorkloadKind::Echo, &mut rng) {
            assert_eq!((inv.f, ty(&inv)), (F::Echo, "echo".into()));
            assert!(inv.value.as_str().unwrap().starts_with("Please echo "));
        }
        assert!(
            ops(WorkloadKind::UniqueIds, &mut rng)
                .iter()
                .all(|i| ty(i) == "generate")
        );
        for kind in [WorkloadKind::Broadcast, WorkloadKind::GSet] {
            let ops = ops(kind, &mut rng);
            let added: Vec<u64> = ops
                .iter()
                .filter(|i| i.f != F::Read)
                .map(|i| i.value.as_u64().unwrap())
                .collect();
            assert_eq!(
                added,
                (0..added.len() as u64).collect::<Vec<_>>(),
                "fresh, in order"
            );
            assert!(
                (150..250).contains(&added.len()),
                "about half adds: {}",
                added.len()
            );
        }
        let deltas = |kind, rng: &mut StdRng| -> Vec<i64> {
            ops(kind, rng)
                .iter()
                .filter(|i| i.f == F::Add)
                .map(|i| i.value.as_i64().unwrap())
                .collect()
        };
        let pn = deltas(WorkloadKind::PnCounter, &mut rng);
        assert!(pn.iter().all(|d| (-5..5).contains(d)) && pn.iter().any(|d| *d < 0));
        let g = deltas(WorkloadKind::GCounter, &mut rng);
        assert!(g.iter().all(|d| (0..5).contains(d)), "{g:?}");
        assert!(
            (90..180).contains(&g.len()),
            "a third are adds: {}",
            g.len()
        );
    }

    #[test]
    fn workload_names_round_trip() {
        for kind in WorkloadKind::ALL {
            assert_eq!(kind.to_string().parse::<WorkloadKind>(), Ok(*kind));
            assert!(kind.machine().build().serves(match kind.functions()[0] {
                F::Txn => "txn",
                F::Generate => "generate",
                F::Echo => "echo",
                F::Broadcast => "broadcast",
                F::Add => "add",
                F::Send => "send",
                _ => "read",
            }));
        }
        assert!("kafka-ish".parse::<WorkloadKind>().is_err());
    }

    #[test]
    fn txn_appends_are_unique_per_key() {
        let mut g = Generator::new(GeneratorConfig::for_workload(
            WorkloadKind::TxnListAppend,
            3,
            6,
        ));
        let mut rng = StdRng::seed_from_u64(2);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..500 {
            let inv = g.next(&mut rng);
            let ops = inv.value.as_array().unwrap().clone();
            assert!((1..=4).contains(&ops.len()));
            for op in ops {
                if op[0] == "append" {
                    assert!(
                        seen.insert((op[1].clone().to_string(), op[2].clone().to_string())),
                        "duplicate append {op}"
                    );
                }
            }
        }
    }
}
