//! NonAtomicRw, a deliberately broken txn-rw machine (feature `mutations`, tests
//! only): a transaction's reads are evaluated when the receiving node admits it
//! (seeing the transaction's own earlier writes, so each transaction looks
//! internally consistent), its writes when it commits, so its micro-ops no longer
//! take effect at one point. The rw-register checker must catch it from the
//! dependencies between transactions.

use super::{MicroOp, RwMachine, RwReply, RwRequest, parse};
use crate::machines::{Admit, Context, Rejection, StateMachine};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// [`RwMachine`] with its reads taken early.
#[derive(Clone, Debug, Default)]
pub struct NonAtomicRw(RwMachine);

/// A transaction whose reads were filled in at admission.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PrefilledRw {
    txn: Vec<Value>,
}

impl StateMachine for NonAtomicRw {
    type Request = RwRequest;
    type Command = PrefilledRw;
    type Reply = RwReply;
    type Snapshot = <RwMachine as StateMachine>::Snapshot;

    const NAME: &'static str = "txn-rw (non-atomic mutant)";
    const REQUEST_TYPES: &'static [&'static str] = RwMachine::REQUEST_TYPES;

    fn decode(body: &crate::protocol::ClientBody) -> Result<RwRequest, Rejection> {
        RwMachine::decode(body)
    }

    fn admit(&mut self, request: RwRequest, ctx: &Context) -> Admit<Self> {
        match self.0.admit(request.clone(), ctx) {
            Admit::Read => Admit::Read,
            _ => {
                let RwRequest::Txn { txn } = request;
                // Reads from the local state as of admission, plus own writes.
                let mut view = self.0.clone();
                let mut filled = Vec::with_capacity(txn.len());
                for mop in &txn {
                    match parse(mop) {
                        Ok(MicroOp::Write { key, value }) => {
                            view.set(key, value);
                            filled.push(mop.clone());
                        }
                        _ => filled.extend(view.read_all(std::slice::from_ref(mop))),
                    }
                }
                Admit::Propose(PrefilledRw { txn: filled })
            }
        }
    }

    fn apply(&mut self, _index: u64, command: PrefilledRw) -> Result<RwReply, Rejection> {
        for mop in &command.txn {
            if let Ok(MicroOp::Write { key, value }) = parse(mop) {
                self.0.set(key, value);
            }
        }
        Ok(RwReply::TxnOk { txn: command.txn })
    }

    fn query(&self, request: &RwRequest) -> Result<RwReply, Rejection> {
        self.0.query(request)
    }

    fn snapshot(&self) -> Self::Snapshot {
        self.0.snapshot()
    }

    fn restore(&mut self, snapshot: Self::Snapshot) {
        self.0.restore(snapshot)
    }
}
