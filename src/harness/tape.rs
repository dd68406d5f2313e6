//! Tapes: a model driven by an explicit sequence of payments instead of draws, generated
//! by proptest strategies and shrunk to a minimal counterexample ([`Tapes`]; V1's are
//! `crate::v1::harness::V1Tapes`, the network's in `crate::network`).

use proptest::strategy::BoxedStrategy;

use crate::model::{Behaviour, Model};
use crate::params::ParamError;

use super::replay::ReplayInput;

/// Tapes for a model: how the harness generates cases, and the model and the tape
/// behaviour ([`Behaviour`] that draws nothing from its generator) a case runs.
///
/// The harness walks every case on the one run loop, shrinks each violation to a minimal
/// case with proptest, and records the shrunk case's drawn payments as the
/// counterexample ([`Tapes::counterexample`]).
pub trait Tapes<M: Model>: Sync {
    /// A generated case.
    type Case: Clone + std::fmt::Debug;
    /// The behaviour that plays a case.
    type Tape: Behaviour<M>;

    /// Cases with up to `len_max` steps, simplest first (proptest shrinks toward them).
    fn strategy(&self, len_max: usize) -> BoxedStrategy<Self::Case>;

    /// The model a case runs on.
    fn model(&self, case: &Self::Case) -> M;

    /// The behaviour that plays the case.
    fn tape(&self, case: &Self::Case) -> Self::Tape;

    /// The steps the case runs.
    fn len(&self, case: &Self::Case) -> u64;

    /// The input that replays `case`, given the payments its steps drew (up to and
    /// including the violating one).
    fn counterexample(&self, case: &Self::Case, payments: Vec<M::Payment>) -> ReplayInput;

    /// The tape that plays `payments` as [`Tapes::counterexample`] wrote them (what
    /// `currents replay --tape` reads back); an entry it cannot read is an error naming
    /// `tape`. By default tapes do not read back.
    fn parse(&self, payments: &[String]) -> Result<Self::Tape, ParamError> {
        Err(ParamError::new(
            "tape",
            format!("{:?}", payments.join(",")),
            "a model whose tapes replay from text",
        ))
    }
}
