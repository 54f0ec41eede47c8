//! EarlyOffsetsKafka, a deliberately broken kafka machine (feature `mutations`,
//! tests only): the node that receives a `send` picks its offset from its own
//! applied log, plus the sends it admitted since, and the leader acknowledges that
//! offset once the send commits, while the message lands wherever log order puts
//! it. Nodes pick offsets independently, so two messages get one offset and the
//! offsets acknowledged disagree with what polls show. The kafka checker must
//! catch it.

use super::{KafkaCommand, KafkaMachine, KafkaReply, KafkaRequest, KafkaSnapshot};
use crate::machines::{Admit, Context, Rejection, StateMachine};
use crate::protocol::ClientBody;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// [`KafkaMachine`] with offsets chosen at admission.
#[derive(Clone, Debug, Default)]
pub struct EarlyOffsetsKafka {
    inner: KafkaMachine,
    /// Sends admitted here per key since the last one applied (local, not replicated).
    reserved: HashMap<String, u64>,
}

/// A command whose send carries the offset chosen at admission.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EarlyCommand {
    Send {
        key: String,
        msg: Value,
        offset: u64,
    },
    CommitOffsets {
        offsets: BTreeMap<String, u64>,
    },
}

impl StateMachine for EarlyOffsetsKafka {
    type Request = KafkaRequest;
    type Command = EarlyCommand;
    type Reply = KafkaReply;
    type Snapshot = KafkaSnapshot;

    const NAME: &'static str = "kafka (early-offsets mutant)";
    const REQUEST_TYPES: &'static [&'static str] = KafkaMachine::REQUEST_TYPES;

    fn decode(body: &ClientBody) -> Result<KafkaRequest, Rejection> {
        KafkaMachine::decode(body)
    }

    fn admit(&mut self, request: KafkaRequest, ctx: &Context) -> Admit<Self> {
        match self.inner.admit(request, ctx) {
            Admit::Propose(KafkaCommand::Send { key, msg }) => {
                let reserved = self.reserved.entry(key.clone()).or_default();
                let offset = self.inner.log(&key).len() as u64 + *reserved;
                *reserved += 1;
                Admit::Propose(EarlyCommand::Send { key, msg, offset })
            }
            Admit::Propose(KafkaCommand::CommitOffsets { offsets }) => {
                Admit::Propose(EarlyCommand::CommitOffsets { offsets })
            }
            Admit::Read => Admit::Read,
            Admit::Local { reply, .. } => Admit::Local {
                reply,
                replicate: None,
            },
        }
    }

    fn apply(&mut self, index: u64, command: EarlyCommand) -> Result<KafkaReply, Rejection> {
        match command {
            EarlyCommand::Send { key, msg, offset } => {
                self.reserved.remove(&key);
                self.inner.append(&key, msg);
                Ok(KafkaReply::SendOk { offset })
            }
            EarlyCommand::CommitOffsets { offsets } => self
                .inner
                .apply(index, KafkaCommand::CommitOffsets { offsets }),
        }
    }

    fn query(&self, request: &KafkaRequest) -> Result<KafkaReply, Rejection> {
        self.inner.query(request)
    }

    fn snapshot(&self) -> KafkaSnapshot {
        self.inner.snapshot()
    }

    fn restore(&mut self, snapshot: KafkaSnapshot) {
        self.reserved.clear();
        self.inner.restore(snapshot)
    }
}
