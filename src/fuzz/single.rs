//! The single-node target: one [`Node`] fed hostile lines, as the binary would
//! feed it from stdin, its output checked after every line.
//!
//! Two shapes. `Alone`: the only member of its cluster, every line from a client
//! or a non-member; everything is checked, including that each request is
//! answered at most once and that the node still serves at the end. `AmongLiars`:
//! member `n1` of `n1, n2, n3` where lines also claim to come from `n2` and `n3`
//! (peers that lie: forged terms, entries, votes). Raft is not Byzantine-tolerant,
//! so lying peers may corrupt its state and make it answer anything; what is
//! checked is that the node neither panics nor writes an invalid line.

use super::oracle::{Broken, Ledger, check_envelope};
use super::templates::Ctx;
use super::{Input, catch};
use crate::machines::MachineKind;
use crate::node::{Node, NodeConfig};
use crate::protocol::Message;
use std::collections::BTreeMap;

/// Which single-node target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Alone,
    AmongLiars,
}

/// The client that probes whether the node still serves (never a fuzz `src`).
const PROBE: &str = "probe~";

/// One node under attack, with its checks.
pub struct SingleRun {
    shape: Shape,
    node: Node,
    ledger: Ledger,
    now: u64,
    /// Inputs by what they got first (`ok`, `error N`, `no reply`), for the report.
    pub outcomes: BTreeMap<String, u64>,
}

impl SingleRun {
    /// A fresh, initialized node of `machine` (seeded with `seed`).
    pub fn new(shape: Shape, machine: MachineKind, seed: u64) -> SingleRun {
        let config = NodeConfig {
            machine,
            ..NodeConfig::default()
        };
        let mut node = Node::new(config, seed);
        let members = match shape {
            Shape::Alone => r#"["n1"]"#,
            Shape::AmongLiars => r#"["n1","n2","n3"]"#,
        };
        let init = format!(
            r#"{{"src":"c0","dest":"n1","body":{{"type":"init","msg_id":1,"node_id":"n1","node_ids":{members}}}}}"#
        );
        node.handle_line(0, &init);
        node.take_outbox();
        node.take_logs();
        SingleRun {
            shape,
            node,
            ledger: Ledger::default(),
            now: 0,
            outcomes: BTreeMap::new(),
        }
    }

    /// What a template for this node may use.
    pub fn ctx(&self, machine: MachineKind) -> Ctx {
        let (members, srcs): (&[&str], &[&str]) = match self.shape {
            Shape::Alone => (&["n1"], &["c1", "c2", "c0", "n1", "n7", "x"]),
            Shape::AmongLiars => (&["n1", "n2", "n3"], &["n2", "n3", "n2", "c1", "n7"]),
        };
        let raft = self.node.raft();
        Ctx {
            node: "n1".into(),
            members: members.iter().map(|s| s.to_string()).collect(),
            machine,
            srcs: srcs.iter().map(|s| s.to_string()).collect(),
            integer_keys: true,
            term: raft.map_or(0, |r| r.term()),
            last_index: raft.map_or(0, |r| r.log().last_index()),
        }
    }

    /// Feeds one input (split into lines as stdin would be) at its time, ticks the
    /// node when due, and checks what it wrote.
    pub fn step(&mut self, input: &Input) -> Result<(), Broken> {
        self.now = self.now.max(input.at);
        let now = self.now;
        for line in super::lines(&input.bytes) {
            self.ledger.ask(line);
            let node = &mut self.node;
            catch(|| node.handle_bytes(now, line))?;
            self.check_output(true)?;
        }
        if self.node.next_deadline().is_some_and(|d| d <= now) {
            let node = &mut self.node;
            catch(|| node.tick(now))?;
            self.check_output(false)?;
        }
        Ok(())
    }

    /// Ends the run: time passes (pending requests resolve), then, when alone,
    /// the node must still answer a write and a read.
    pub fn finish(&mut self) -> Result<(), Broken> {
        for _ in 0..40 {
            self.now += 100_000;
            let (node, now) = (&mut self.node, self.now);
            catch(|| node.tick(now))?;
            self.check_output(false)?;
        }
        if self.shape != Shape::Alone {
            return Ok(());
        }
        let key = r#""probe~key""#;
        let probe = [
            format!(
                r#"{{"src":"{PROBE}","dest":"n1","body":{{"type":"write","msg_id":1,"key":{key},"value":1}}}}"#
            ),
            format!(
                r#"{{"src":"{PROBE}","dest":"n1","body":{{"type":"read","msg_id":2,"key":{key}}}}}"#
            ),
            format!(
                r#"{{"src":"{PROBE}","dest":"n1","body":{{"type":"txn","msg_id":3,"txn":[["r",{key},null]]}}}}"#
            ),
            format!(
                r#"{{"src":"{PROBE}","dest":"n1","body":{{"type":"echo","msg_id":4,"echo":1}}}}"#
            ),
            format!(r#"{{"src":"{PROBE}","dest":"n1","body":{{"type":"generate","msg_id":5}}}}"#),
            format!(
                r#"{{"src":"{PROBE}","dest":"n1","body":{{"type":"add","msg_id":6,"delta":1,"element":1}}}}"#
            ),
            format!(
                r#"{{"src":"{PROBE}","dest":"n1","body":{{"type":"send","msg_id":7,"key":"probe","msg":1}}}}"#
            ),
        ];
        let mut answered = 0;
        for line in &probe {
            let (node, now) = (&mut self.node, self.now);
            catch(|| node.handle_line(now, line))?;
            for m in self.node.take_outbox() {
                if m.dest == PROBE && m.body.in_reply_to.is_some() {
                    answered += 1;
                }
            }
        }
        // Each machine answers its own request types and 10 for the others.
        if answered != probe.len() {
            return Err(Broken::new(
                "not-serving",
                format!("answered {answered} of {} probe requests", probe.len()),
            ));
        }
        Ok(())
    }

    fn check_output(&mut self, after_input: bool) -> Result<(), Broken> {
        self.node.take_logs();
        let out = self.node.take_outbox();
        let mut first = None;
        for m in &out {
            let line = m.to_line();
            check_envelope(&line)
                .map_err(|e| Broken::new("invalid-output", format!("{e}: {line}")))?;
            let to_peer = matches!(m.dest.as_str(), "n2" | "n3");
            if to_peer && self.shape == Shape::AmongLiars {
                if let Err(e) = Message::from_line(&line) {
                    return Err(Broken::new(
                        "unreadable-by-peer",
                        format!("{}: {line}", e.text),
                    ));
                }
                continue;
            }
            if self.shape == Shape::Alone {
                self.ledger.answer(&line)?;
            }
            first.get_or_insert_with(|| outcome(m));
        }
        if after_input {
            let kind = first.unwrap_or_else(|| "no reply".to_owned());
            *self.outcomes.entry(kind).or_default() += 1;
        }
        Ok(())
    }
}

/// A reply's kind, for the report: `ok` or `error N`.
pub fn outcome(m: &Message) -> String {
    match &m.body.payload {
        crate::protocol::Payload::Error { code, .. }
        | crate::protocol::Payload::EchoError { code, .. } => format!("error {}", code.code()),
        _ => "ok".to_owned(),
    }
}
