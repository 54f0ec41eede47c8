//! One operation of a single key as the linearizability checker and its witness
//! extraction both see it: the history records it came from and its search form.
//! Shared by [`super::linearizability`] and [`super::witness`] so that neither
//! imports the other's types.

use super::history::Op;
use super::wgl::SearchOp;

/// One operation of a key, with its records and its search form.
#[derive(Clone, Debug)]
pub(crate) struct KeyOp<'a> {
    /// The invoke record.
    pub(crate) invoke: &'a Op,
    /// The completion record, if the operation completed.
    pub(crate) completion: Option<&'a Op>,
    /// The operation as the Wing–Gong–Lowe search sees it.
    pub(crate) search: SearchOp,
}
