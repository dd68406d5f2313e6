//! V1's transaction tapes: the model driven by an explicit sequence of amounts, and the
//! proptest strategies that generate tapes and parameters within the validated ranges.
//!
//! A tape entry is either a number or a rule relative to the state it meets ("exactly the
//! capacity", "minus the capacity"), so that boundary cases are generated on purpose. When
//! a tape is walked every entry is resolved to a number; the numbers are what a
//! counterexample records and what `currents replay --tape` takes. Every amount is clamped
//! to the model's per-step bound ([`amount_abs_max`]), so a tape never leaves the range the
//! parameters promise.

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use rand_core::Rng;

use crate::harness::{ReplayInput, Tapes};
use crate::model::{Behaviour, Cx, Draw};

use super::super::params::{AVG_AMOUNT_MAX, INITIAL_CREDIT_MAX, INTEGRITY_ABS_MAX};
use super::super::{History, Params, State, V1};

/// A V1 tape as a behaviour: step t plays entry t − 1 resolved against the previous state
/// ([`TapeEntry::resolve`]); past its end it pays 0.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct V1Tape {
    /// The entries.
    pub(crate) entries: Vec<TapeEntry>,
    /// The parameters the entries are resolved with (their per-step bound).
    pub(crate) params: Params,
}

impl V1Tape {
    /// A tape of given amounts (each still clamped to the per-step bound).
    pub(crate) fn amounts(params: Params, amounts: &[f64]) -> Self {
        V1Tape {
            entries: amounts.iter().map(|&a| TapeEntry::Float(a)).collect(),
            params,
        }
    }
}

impl<H: History> Behaviour<V1<H>> for V1Tape {
    type Memory = ();

    fn draw<R: Rng + ?Sized>(&self, cx: &Cx<'_, V1<H>>, _: &mut R, _: &mut ()) -> Draw<f64> {
        let i = usize::try_from(cx.t - 1).unwrap_or(usize::MAX);
        Draw::plain(
            self.entries
                .get(i)
                .map_or(0.0, |e| e.resolve(cx.prev, &self.params)),
        )
    }
}

/// V1's tapes: [`tape_case_strategy`] cases on the model of each case's parameters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct V1Tapes;

impl<H: History> Tapes<V1<H>> for V1Tapes {
    type Case = TapeCase;
    type Tape = V1Tape;

    fn strategy(&self, len_max: usize) -> BoxedStrategy<TapeCase> {
        tape_case_strategy(len_max).boxed()
    }

    fn model(&self, case: &TapeCase) -> V1<H> {
        V1::new(&case.params)
    }

    fn tape(&self, case: &TapeCase) -> V1Tape {
        V1Tape {
            entries: case.tape.clone(),
            params: case.params,
        }
    }

    fn len(&self, case: &TapeCase) -> u64 {
        case.tape.len() as u64
    }

    fn counterexample(&self, case: &TapeCase, amounts: Vec<f64>) -> ReplayInput {
        ReplayInput::Tape {
            cell: super::cell_of(&case.params),
            payments: amounts.iter().map(|a| format!("{a:?}")).collect(),
        }
    }
}

/// The largest amount one step of the model can move: `30 · avg_amount · max(1, |integrity|)`
/// (1.5·avg, doubled on the large path, times 10 and a uniform in [−1, integrity] on the
/// integrity path; see `src/params.rs`).
pub fn amount_abs_max(params: &Params) -> f64 {
    30.0 * params.avg_amount() * params.integrity().abs().max(1.0)
}

/// One entry of a tape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TapeEntry {
    /// `0.0`.
    Zero,
    /// `-0.0`.
    NegZero,
    /// A whole amount.
    Int(i32),
    /// `k + 0.5`: a rounding tie.
    Half(i32),
    /// The capacity the step meets, plus an offset.
    Capacity(i16),
    /// Minus the capacity the step meets, plus an offset: spends exactly the capacity
    /// when the offset is 0, which lands the balance on `-credit(t-1)`.
    NegCapacity(i16),
    /// The per-step bound, with a sign (`true` = negative).
    Limit(bool),
    /// Any amount.
    Float(f64),
}

impl TapeEntry {
    /// The amount this entry applies to a step from `prev`, clamped to ±[`amount_abs_max`].
    pub fn resolve(self, prev: &State, params: &Params) -> f64 {
        let bound = amount_abs_max(params);
        let x = match self {
            TapeEntry::Zero => 0.0,
            TapeEntry::NegZero => -0.0,
            TapeEntry::Int(k) => f64::from(k),
            TapeEntry::Half(k) => f64::from(k) + 0.5,
            TapeEntry::Capacity(d) => prev.capacity as f64 + f64::from(d),
            TapeEntry::NegCapacity(d) => -(prev.capacity as f64) + f64::from(d),
            TapeEntry::Limit(neg) => {
                if neg {
                    -bound
                } else {
                    bound
                }
            }
            TapeEntry::Float(x) => x,
        };
        // `clamp` keeps -0.0 and maps NaN to NaN; tapes never hold NaN (strategies and the
        // replay parser reject it).
        x.clamp(-bound, bound)
    }
}

/// A generated case: parameters and a tape.
#[derive(Debug, Clone, PartialEq)]
pub struct TapeCase {
    /// The parameters the tape runs under.
    pub params: Params,
    /// The entries.
    pub tape: Vec<TapeEntry>,
}

/// Tape entries, simplest first (proptest shrinks a union toward its earlier options, and
/// numbers toward 0).
pub(crate) fn entry_strategy() -> impl Strategy<Value = TapeEntry> {
    prop_oneof![
        2 => Just(TapeEntry::Zero),
        1 => Just(TapeEntry::NegZero),
        12 => (-400i32..=400).prop_map(TapeEntry::Int),
        3 => (-400i32..=400).prop_map(TapeEntry::Half),
        2 => (-2i16..=2).prop_map(TapeEntry::Capacity),
        2 => (-2i16..=2).prop_map(TapeEntry::NegCapacity),
        1 => any::<bool>().prop_map(TapeEntry::Limit),
        2 => (-1.0e4f64..1.0e4).prop_map(TapeEntry::Float),
    ]
}

/// Parameters within the validated ranges, the notebook's defaults first (so a shrunk
/// counterexample uses them when it can), edge values included.
pub fn params_strategy() -> impl Strategy<Value = Params> {
    let integrity = prop_oneof![
        Just(1.0),
        Just(0.0),
        Just(-0.0),
        Just(INTEGRITY_ABS_MAX),
        Just(-INTEGRITY_ABS_MAX),
        -INTEGRITY_ABS_MAX..=INTEGRITY_ABS_MAX,
    ];
    let avg_amount = prop_oneof![
        Just(100.0),
        Just(AVG_AMOUNT_MAX),
        Just(1.0e-9),
        1.0e-3..=AVG_AMOUNT_MAX,
    ];
    let sum_volume = prop_oneof![Just(30u64), 1u64..=40, Just(1u64), Just(1_000_000u64)];
    let initial_credit = prop_oneof![
        Just(250i64),
        Just(0i64),
        Just(INITIAL_CREDIT_MAX),
        0i64..=10_000,
    ];
    prop_oneof![
        3 => Just(Params::default()),
        2 => (integrity, avg_amount, sum_volume, initial_credit)
            .prop_filter_map("parameters within the validated ranges", |(i, a, k, c)| {
                Params::new(i, a, k, c).ok()
            }),
    ]
}

impl TapeEntry {
    /// The same entry made non-positive (an outgoing payment, or nothing).
    pub(crate) fn outgoing(self) -> TapeEntry {
        match self {
            TapeEntry::Int(k) => TapeEntry::Int(-k.saturating_abs()),
            TapeEntry::Half(k) => TapeEntry::Half(-k.saturating_abs() - 1),
            TapeEntry::Capacity(d) | TapeEntry::NegCapacity(d) => TapeEntry::NegCapacity(d),
            TapeEntry::Limit(_) => TapeEntry::Limit(true),
            TapeEntry::Float(x) => TapeEntry::Float(-x.abs()),
            e @ (TapeEntry::Zero | TapeEntry::NegZero) => e,
        }
    }
}

/// Tape cases with up to `len_max` entries. One case in four is made of outgoing entries
/// only, so that states with no received payment at all (an average send volume of 0 after
/// the warm-up) are generated on purpose rather than by luck.
pub fn tape_case_strategy(len_max: usize) -> impl Strategy<Value = TapeCase> {
    let entries = || proptest::collection::vec(entry_strategy(), 0..=len_max);
    let tape = prop_oneof![
        3 => entries(),
        1 => entries().prop_map(|t| t.into_iter().map(TapeEntry::outgoing).collect()),
    ];
    (params_strategy(), tape).prop_map(|(params, tape)| TapeCase { params, tape })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_resolve_against_the_state_and_stay_within_the_per_step_bound() {
        let params = Params::default();
        let genesis = State::genesis(&params);
        let at = |e: TapeEntry| e.resolve(&genesis, &params);
        assert_eq!(at(TapeEntry::Capacity(0)), 250.0);
        assert_eq!(at(TapeEntry::NegCapacity(-1)), -251.0);
        assert_eq!(at(TapeEntry::Half(2)), 2.5);
        assert!(at(TapeEntry::NegZero).is_sign_negative());
        assert_eq!(at(TapeEntry::Limit(true)), -3000.0);
        assert_eq!(at(TapeEntry::Float(1.0e9)), 3000.0);
        assert_eq!(TapeEntry::Int(7).outgoing(), TapeEntry::Int(-7));
        assert_eq!(TapeEntry::Half(0).outgoing(), TapeEntry::Half(-1));
    }
}
