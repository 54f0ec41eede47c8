//! Each checker of the echo, unique-ids, set and counter workloads is trusted only
//! after it caught a deliberately broken machine in the simulator (3 nodes,
//! partitions every 3 s, exponential 10 ms latency, 20 s): the mutants below are
//! written here against the public machine API and run with `run_checked_with`.
//! The two node-level mutations (lost buffered replication, follower-local reads)
//! need `--features mutations`.

mod common;

use common::{MAX_SEEDS, first_invalid, mutation_config};
use raft_kv::machines::broadcast::{BroadcastReply, BroadcastRequest, Gossip};
use raft_kv::machines::counter::{CounterAdd, CounterReply, CounterRequest};
use raft_kv::machines::echo::{EchoReply, EchoRequest, NoCommand};
use raft_kv::machines::g_set::{GSetAdd, GSetReply, GSetRequest};
use raft_kv::machines::unique_ids::IdsReply;
use raft_kv::machines::{
    Admit, BroadcastMachine, Context, GSetMachine, Machine, PnCounterMachine, Rejection,
    StateMachine,
};
use raft_kv::sim::cli::{Checked, run_checked, run_checked_with};
use raft_kv::workload::WorkloadKind;
use serde_json::{Value, json};

/// The first seed at which `make`'s machine is caught on `workload`; panics when
/// none is, and checks that the correct machine passes that seed.
fn caught<M: Machine + 'static>(workload: WorkloadKind, make: fn() -> M) -> Checked {
    let label = format!("{} on {workload}", make().name());
    let run = |seed| run_checked_with(mutation_config(seed, workload), move |_| make());
    let checked =
        first_invalid(&label, run).unwrap_or_else(|| panic!("{label} survived {MAX_SEEDS} seeds"));
    let honest = run_checked(mutation_config(checked.config.seed, workload));
    assert!(honest.valid(), "{}", honest.failure_report());
    checked
}

/// The names of the checkers that failed.
fn failed(checked: &Checked) -> Vec<String> {
    checked
        .verdicts
        .iter()
        .filter(|v| !v.valid)
        .map(|v| v.checker.clone())
        .collect()
}

/// Answers payloads that end in 7 with something else.
#[derive(Clone, Debug, Default)]
struct MangledEcho;

impl StateMachine for MangledEcho {
    type Request = EchoRequest;
    type Command = NoCommand;
    type Reply = EchoReply;
    type Snapshot = ();
    const NAME: &'static str = "echo (mangles payloads ending in 7)";
    const REQUEST_TYPES: &'static [&'static str] = &["echo"];

    fn admit(&mut self, request: EchoRequest, _ctx: &Context) -> Admit<Self> {
        let EchoRequest::Echo { echo } = request;
        let mangled = echo.as_str().is_some_and(|s| s.ends_with('7'));
        let echo = if mangled { json!("mangled") } else { echo };
        Admit::Local {
            reply: Ok(EchoReply::EchoOk { echo }),
            replicate: None,
        }
    }
    fn apply(&mut self, _: u64, command: NoCommand) -> Result<EchoReply, Rejection> {
        match command {}
    }
    fn query(&self, _: &EchoRequest) -> Result<EchoReply, Rejection> {
        Err(Rejection::not_supported("local only"))
    }
    fn snapshot(&self) -> Self::Snapshot {}
    fn restore(&mut self, _: ()) {}
}

#[test]
fn the_echo_checker_catches_a_mangled_payload() {
    let checked = caught(WorkloadKind::Echo, MangledEcho::default);
    assert_eq!(failed(&checked), ["echo"]);
}

/// Ids from a counter alone, forgetting the node: nodes hand out the same ids.
#[derive(Clone, Debug, Default)]
struct NodeBlindIds {
    next: u64,
}

impl StateMachine for NodeBlindIds {
    type Request = raft_kv::machines::unique_ids::IdsRequest;
    type Command = NoCommand;
    type Reply = IdsReply;
    type Snapshot = ();
    const NAME: &'static str = "unique-ids (no node in the id)";
    const REQUEST_TYPES: &'static [&'static str] = &["generate"];

    fn admit(&mut self, _: Self::Request, ctx: &Context) -> Admit<Self> {
        self.next += 1;
        let id = format!("{}-{}", ctx.incarnation, self.next);
        Admit::Local {
            reply: Ok(IdsReply::GenerateOk { id }),
            replicate: None,
        }
    }
    fn apply(&mut self, _: u64, command: NoCommand) -> Result<IdsReply, Rejection> {
        match command {}
    }
    fn query(&self, _: &Self::Request) -> Result<IdsReply, Rejection> {
        Err(Rejection::not_supported("local only"))
    }
    fn snapshot(&self) -> Self::Snapshot {}
    fn restore(&mut self, _: ()) {}
}

#[test]
fn the_unique_ids_checker_catches_ids_shared_between_nodes() {
    let checked = caught(WorkloadKind::UniqueIds, NodeBlindIds::default);
    assert_eq!(failed(&checked), ["unique-ids"]);
}

/// Ids from the node and a counter, forgetting the incarnation: a restarted node
/// hands out its old ids again.
#[derive(Clone, Debug, Default)]
struct RestartBlindIds {
    next: u64,
}

impl StateMachine for RestartBlindIds {
    type Request = raft_kv::machines::unique_ids::IdsRequest;
    type Command = NoCommand;
    type Reply = IdsReply;
    type Snapshot = ();
    const NAME: &'static str = "unique-ids (no incarnation in the id)";
    const REQUEST_TYPES: &'static [&'static str] = &["generate"];

    fn admit(&mut self, _: Self::Request, ctx: &Context) -> Admit<Self> {
        self.next += 1;
        let id = format!("{}-{}", ctx.node, self.next);
        Admit::Local {
            reply: Ok(IdsReply::GenerateOk { id }),
            replicate: None,
        }
    }
    fn apply(&mut self, _: u64, command: NoCommand) -> Result<IdsReply, Rejection> {
        match command {}
    }
    fn query(&self, _: &Self::Request) -> Result<IdsReply, Rejection> {
        Err(Rejection::not_supported("local only"))
    }
    fn snapshot(&self) -> Self::Snapshot {}
    fn restore(&mut self, _: ()) {}
}

#[test]
fn the_unique_ids_checker_catches_ids_repeated_after_a_restart() {
    let workload = WorkloadKind::UniqueIds;
    let killing = |seed| {
        let mut c = mutation_config(seed, workload);
        c.kill_interval = Some(2.0);
        c
    };
    let run = |seed| run_checked_with(killing(seed), |_| RestartBlindIds::default());
    let checked = first_invalid("RestartBlindIds", run).expect("caught");
    assert_eq!(failed(&checked), ["unique-ids"]);
    let honest = run_checked(killing(checked.config.seed));
    assert!(honest.valid(), "{}", honest.failure_report());
}

/// Acknowledges broadcasts but never hands them to the log: other nodes never
/// hear of them.
#[derive(Clone, Debug, Default)]
struct UnreplicatedBroadcast(BroadcastMachine);

impl StateMachine for UnreplicatedBroadcast {
    type Request = BroadcastRequest;
    type Command = Gossip;
    type Reply = BroadcastReply;
    type Snapshot = Vec<Value>;
    const NAME: &'static str = "broadcast (never replicated)";
    const REQUEST_TYPES: &'static [&'static str] = BroadcastMachine::REQUEST_TYPES;

    fn admit(&mut self, request: BroadcastRequest, ctx: &Context) -> Admit<Self> {
        match self.0.admit(request, ctx) {
            Admit::Local { reply, .. } => Admit::Local {
                reply,
                replicate: None,
            },
            Admit::Propose(c) => Admit::Propose(c),
            Admit::Read => Admit::Read,
        }
    }
    fn apply(&mut self, index: u64, gossip: Gossip) -> Result<BroadcastReply, Rejection> {
        self.0.apply(index, gossip)
    }
    fn query(&self, request: &BroadcastRequest) -> Result<BroadcastReply, Rejection> {
        self.0.query(request)
    }
    fn snapshot(&self) -> Vec<Value> {
        self.0.snapshot()
    }
    fn restore(&mut self, snapshot: Vec<Value>) {
        self.0.restore(snapshot)
    }
}

#[test]
fn set_full_catches_broadcasts_that_never_leave_their_node() {
    let checked = caught(WorkloadKind::Broadcast, UnreplicatedBroadcast::default);
    assert_eq!(failed(&checked), ["set-full"]);
    let set_full = &checked.verdicts.iter().find(|v| !v.valid).unwrap();
    assert!(set_full.anomalies[0].starts_with("lost:"), "{set_full:?}");
}

/// Reads report an element nobody added.
#[derive(Clone, Debug, Default)]
struct PhantomGSet(GSetMachine);

impl StateMachine for PhantomGSet {
    type Request = GSetRequest;
    type Command = GSetAdd;
    type Reply = GSetReply;
    type Snapshot = Vec<Value>;
    const NAME: &'static str = "g-set (reads a phantom)";
    const REQUEST_TYPES: &'static [&'static str] = GSetMachine::REQUEST_TYPES;

    fn admit(&mut self, request: GSetRequest, ctx: &Context) -> Admit<Self> {
        match self.0.admit(request, ctx) {
            Admit::Local {
                reply: Ok(GSetReply::ReadOk { mut value }),
                replicate,
            } => {
                if value.len() > 20 {
                    value.push(json!("phantom"));
                }
                Admit::Local {
                    reply: Ok(GSetReply::ReadOk { value }),
                    replicate,
                }
            }
            Admit::Local { reply, replicate } => Admit::Local { reply, replicate },
            Admit::Propose(c) => Admit::Propose(c),
            Admit::Read => Admit::Read,
        }
    }
    fn apply(&mut self, index: u64, add: GSetAdd) -> Result<GSetReply, Rejection> {
        self.0.apply(index, add)
    }
    fn query(&self, request: &GSetRequest) -> Result<GSetReply, Rejection> {
        self.0.query(request)
    }
    fn snapshot(&self) -> Vec<Value> {
        self.0.snapshot()
    }
    fn restore(&mut self, snapshot: Vec<Value>) {
        self.0.restore(snapshot)
    }
}

#[test]
fn set_full_catches_an_element_never_added() {
    let checked = caught(WorkloadKind::GSet, PhantomGSet::default);
    let set_full = &checked.verdicts.iter().find(|v| !v.valid).unwrap();
    assert!(
        set_full.anomalies[0].starts_with("never added:"),
        "{set_full:?}"
    );
}

/// A counter each node keeps for itself: adds answered and counted locally.
#[derive(Clone, Debug, Default)]
struct NodeLocalCounter {
    value: i64,
}

impl StateMachine for NodeLocalCounter {
    type Request = CounterRequest;
    type Command = CounterAdd;
    type Reply = CounterReply;
    type Snapshot = i64;
    const NAME: &'static str = "pn-counter (per node, unreplicated)";
    const REQUEST_TYPES: &'static [&'static str] = &["add", "read"];

    fn admit(&mut self, request: CounterRequest, _ctx: &Context) -> Admit<Self> {
        let reply = match request {
            CounterRequest::Add { delta } => {
                self.value += delta;
                CounterReply::AddOk
            }
            CounterRequest::Read => CounterReply::ReadOk { value: self.value },
        };
        Admit::Local {
            reply: Ok(reply),
            replicate: None,
        }
    }
    fn apply(&mut self, _: u64, _: CounterAdd) -> Result<CounterReply, Rejection> {
        Ok(CounterReply::AddOk)
    }
    fn query(&self, _: &CounterRequest) -> Result<CounterReply, Rejection> {
        Ok(CounterReply::ReadOk { value: self.value })
    }
    fn snapshot(&self) -> i64 {
        self.value
    }
    fn restore(&mut self, value: i64) {
        self.value = value;
    }
}

#[test]
fn the_final_reads_rule_catches_an_unreplicated_counter() {
    let checked = caught(WorkloadKind::PnCounter, NodeLocalCounter::default);
    assert!(
        failed(&checked).contains(&"counter final reads".to_string()),
        "{:?}",
        checked.verdicts
    );
}

/// Adds through the log, but reads answered from the node's own applied state
/// without ReadIndex: a follower answers from behind the leader.
#[derive(Clone, Debug, Default)]
struct LocalReadCounter(PnCounterMachine);

impl StateMachine for LocalReadCounter {
    type Request = CounterRequest;
    type Command = CounterAdd;
    type Reply = CounterReply;
    type Snapshot = i64;
    const NAME: &'static str = "pn-counter (local reads)";
    const REQUEST_TYPES: &'static [&'static str] = &["add", "read"];

    fn admit(&mut self, request: CounterRequest, ctx: &Context) -> Admit<Self> {
        match request {
            CounterRequest::Read => Admit::Local {
                reply: self.0.query(&CounterRequest::Read),
                replicate: None,
            },
            add => match self.0.admit(add, ctx) {
                Admit::Propose(c) => Admit::Propose(c),
                Admit::Read => Admit::Read,
                Admit::Local { reply, replicate } => Admit::Local { reply, replicate },
            },
        }
    }
    fn apply(&mut self, index: u64, add: CounterAdd) -> Result<CounterReply, Rejection> {
        self.0.apply(index, add)
    }
    fn query(&self, request: &CounterRequest) -> Result<CounterReply, Rejection> {
        self.0.query(request)
    }
    fn snapshot(&self) -> i64 {
        self.0.snapshot()
    }
    fn restore(&mut self, value: i64) {
        self.0.restore(value)
    }
}

#[test]
fn strict_mode_catches_stale_local_reads_that_maelstroms_rule_lets_pass() {
    let checked = caught(WorkloadKind::PnCounter, LocalReadCounter::default);
    assert_eq!(
        failed(&checked),
        ["counter reads (strict)"],
        "the final reads agree; only strict mode sees the stale reads"
    );
}

#[cfg(feature = "mutations")]
mod node_mutations {
    use super::common::{first_caught, mutation_config};
    use raft_kv::node::Mutation;
    use raft_kv::workload::WorkloadKind;

    fn seeds_to_catch(mutation: Mutation, workload: WorkloadKind) -> Option<u64> {
        first_caught(&format!("{mutation:?} on {workload}"), |seed| {
            let mut config = mutation_config(seed, workload);
            config.node.mutation = mutation;
            config
        })
    }

    #[test]
    fn set_full_catches_broadcasts_dropped_while_no_leader_was_reachable() {
        assert!(seeds_to_catch(Mutation::DropBufferedWrites, WorkloadKind::Broadcast).is_some());
    }

    #[test]
    fn strict_mode_catches_follower_local_counter_reads() {
        assert!(seeds_to_catch(Mutation::FollowerLocalReads, WorkloadKind::GCounter).is_some());
    }
}
