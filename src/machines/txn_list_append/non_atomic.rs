//! NonAtomicTxn, a deliberately broken txn machine (feature `mutations`, tests
//! only): a transaction's reads are evaluated when the receiving node admits it,
//! its appends when it commits, so its micro-ops no longer take effect at one
//! point. The Elle-style checker must catch it.

use super::{MicroOp, TxnMachine, TxnReply, TxnRequest, parse};
use crate::machines::{Admit, Context, Rejection, StateMachine};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// [`TxnMachine`] with its reads taken early.
#[derive(Clone, Debug, Default)]
pub struct NonAtomicTxn(TxnMachine);

/// A transaction whose reads were filled in at admission.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PrefilledTxn {
    txn: Vec<Value>,
}

impl StateMachine for NonAtomicTxn {
    type Request = TxnRequest;
    type Command = PrefilledTxn;
    type Reply = TxnReply;
    type Snapshot = <TxnMachine as StateMachine>::Snapshot;

    const NAME: &'static str = "txn (non-atomic mutant)";
    const REQUEST_TYPES: &'static [&'static str] = TxnMachine::REQUEST_TYPES;

    fn decode(body: &crate::protocol::ClientBody) -> Result<TxnRequest, Rejection> {
        TxnMachine::decode(body)
    }

    fn admit(&mut self, request: TxnRequest, ctx: &Context) -> Admit<Self> {
        match self.0.admit(request.clone(), ctx) {
            Admit::Read => Admit::Read,
            _ => {
                let TxnRequest::Txn { txn } = request;
                Admit::Propose(PrefilledTxn {
                    txn: self.0.read_all(&txn),
                })
            }
        }
    }

    fn apply(&mut self, _index: u64, command: PrefilledTxn) -> Result<TxnReply, Rejection> {
        for mop in &command.txn {
            if let Ok(MicroOp::Append { key, value }) = parse(mop) {
                self.0.append(key, value);
            }
        }
        Ok(TxnReply::TxnOk { txn: command.txn })
    }

    fn query(&self, request: &TxnRequest) -> Result<TxnReply, Rejection> {
        self.0.query(request)
    }

    fn snapshot(&self) -> Self::Snapshot {
        self.0.snapshot()
    }

    fn restore(&mut self, snapshot: Self::Snapshot) {
        self.0.restore(snapshot)
    }
}
