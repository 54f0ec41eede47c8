//! raft-kv: one replicated Raft log driving pluggable state machines, run as a
//! [Jepsen Maelstrom](https://github.com/jepsen-io/maelstrom) node.
//!
//! `README.md` at the root of the repository says how to build, run and test it
//! (under Maelstrom or its built-in `raft-kv test` harness), what a client can
//! rely on, and how to write a machine. This page is the map of the code.
//!
//! # Layers
//!
//! From the inside out; each layer only uses the ones before it.
//!
//! - [`raft`]: the Raft core. Pure and deterministic: no I/O, clocks or threads;
//!   time comes in as an argument, randomness from a seeded RNG, and its output
//!   is one [`raft::Ready`] per round. Entry payloads are opaque JSON
//!   ([`raft::Data`]).
//! - [`protocol`]: Maelstrom's envelope and the node's own message bodies; a
//!   client's body stays opaque to everything but its machine.
//! - [`machines`]: the [`machines::StateMachine`] trait and the built-in machines,
//!   one per Maelstrom workload (`kv` for lin-kv, `txn` for txn-list-append, `lww`
//!   for lww-kv, and echo, unique-ids, broadcast, g-set, g-counter, pn-counter).
//! - [`storage`]: where a node keeps its term, vote, log and snapshot (in memory,
//!   or a checksummed write-ahead log under `--data-dir`).
//! - [`node`]: the glue: routes client requests, forwards them to the leader,
//!   applies committed entries to the machine, answers clients after commit, serves
//!   ReadIndex reads, takes snapshots.
//! - [`runtime`]: the binary's shell around a node (stdin, stdout, the wall clock).
//! - [`sim`], [`workload`], [`check`]: the deterministic simulator, the
//!   Maelstrom-rules clients, and the checkers that judge their histories.
//! - [`harness`], [`mod@bench`]: `raft-kv test` with real processes, and benchmarks.
//!
//! # Driving the Raft core
//!
//! A host feeds a peer its inputs ([`raft::Raft::tick`] as time passes,
//! [`raft::Raft::step`] for each message, [`raft::Raft::propose`] for a command),
//! then handles the round's output from [`raft::Raft::ready`] in order: persist,
//! restore a snapshot and apply committed entries, and only then send the
//! messages. Three peers on an in-memory network, electing a leader and
//! replicating one command:
//!
//! ```
//! use raft_kv::raft::{Config, Data, Message, NodeId, Raft};
//! use std::collections::{BTreeMap, VecDeque};
//!
//! type Network = VecDeque<(NodeId, NodeId, Message)>;
//!
//! /// One round of a peer's host.
//! fn handle(id: &str, raft: &mut Raft, state: &mut Vec<String>, network: &mut Network) {
//!     let mut ready = raft.ready();
//!     // 1. Persist: a real host writes `ready.persist` (hard state, log entries,
//!     //    snapshot) to stable storage here, and syncs it.
//!     let receipt = ready.persist.persisted();
//!     // 2. Restore the leader's snapshot if one was installed, then apply the
//!     //    committed entries in order (a new leader's no-op has no data).
//!     if let Some(snapshot) = &ready.snapshot {
//!         *state = snapshot.data.decode().unwrap();
//!     }
//!     for (_index, entry) in &ready.committed {
//!         if let Some(data) = &entry.data {
//!             state.push(data.decode().unwrap());
//!         }
//!     }
//!     // 3. The messages are released only against the receipt of step 1.
//!     for (to, msg) in ready.messages(&receipt) {
//!         network.push_back((id.to_owned(), to, msg));
//!     }
//! }
//!
//! /// Handles every peer's output and delivers messages until none is left.
//! fn settle(
//!     now: u64,
//!     peers: &mut BTreeMap<NodeId, Raft>,
//!     states: &mut BTreeMap<NodeId, Vec<String>>,
//!     network: &mut Network,
//! ) {
//!     loop {
//!         for (id, raft) in peers.iter_mut() {
//!             handle(id, raft, states.entry(id.clone()).or_default(), network);
//!         }
//!         if network.is_empty() {
//!             return;
//!         }
//!         while let Some((from, to, msg)) = network.pop_front() {
//!             peers.get_mut(&to).unwrap().step(now, &from, msg);
//!         }
//!     }
//! }
//!
//! let ids: Vec<NodeId> = vec!["n1".into(), "n2".into(), "n3".into()];
//! let mut peers = BTreeMap::new();
//! for (seed, id) in ids.iter().enumerate() {
//!     let raft = Raft::new(id.clone(), &ids, Config::default(), seed as u64, 0)?;
//!     peers.insert(id.clone(), raft);
//! }
//! let (mut states, mut network) = (BTreeMap::new(), Network::new());
//!
//! // Time passes: the first election timeout starts a (pre-)vote, and the rest
//! // follows from the messages.
//! let mut now = peers.values().map(Raft::next_deadline).min().unwrap();
//! for raft in peers.values_mut() {
//!     raft.tick(now);
//! }
//! settle(now, &mut peers, &mut states, &mut network);
//! let leader = peers.values_mut().find(|r| r.is_leader()).expect("a leader");
//!
//! // The leader appends a command; it commits once a majority stores it.
//! let index = leader.propose(Data::encode("x=1").unwrap()).unwrap();
//! settle(now, &mut peers, &mut states, &mut network);
//! // Followers learn the new commit index from the next heartbeat.
//! now += Config::default().heartbeat_interval;
//! for raft in peers.values_mut() {
//!     raft.tick(now);
//! }
//! settle(now, &mut peers, &mut states, &mut network);
//!
//! for (id, raft) in &peers {
//!     assert_eq!(raft.commit_index(), index, "{id}");
//!     assert_eq!(states[id], vec!["x=1".to_string()], "{id}");
//! }
//! # Ok::<(), String>(())
//! ```
//!
//! `tests/raft_paper/` checks the core against the rules of the Raft paper, one
//! test per rule, and `tests/scenarios/` shows it at work in readable
//! transcripts.

pub mod bench;
pub mod check;
pub mod fuzz;
pub mod harness;
// The machines are the API people build on: every public item is documented.
#[warn(missing_docs)]
pub mod machines;
pub mod node;
pub mod protocol;
pub mod raft;
pub mod runtime;
pub mod sim;
pub mod storage;
pub mod workload;
