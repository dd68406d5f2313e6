//! One step of the V1 model: drawing a transaction, and applying it.
//!
//! Drawing ([`draw_amount`]) and applying ([`step`]) are separate so that a test can drive
//! the core with a given sequence of amounts (a *tape*) instead of a generator. [`step`]
//! is a pure function of the previous state, what it needs of the history
//! ([`HistoryView`]), the parameters, the credit rule and the amount.

use rand_core::Rng;

use crate::credit::V1Rule;
use crate::credit::{CreditInput, CreditRule};
use crate::history::ExactHistory;
use crate::history::History;
use crate::history::HistoryView;
pub use crate::model::StepError;
use crate::numeric::round_half_even;
use crate::params::Params;
use crate::state::State;

/// Which special paths a transaction draw took.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AmountPath {
    /// The "large transaction" path (`y > 0.9` and `2·y·amount < capacity`) was applied.
    pub large: bool,
    /// The integrity path (`y > integrity` and `10·amount < capacity`) was applied.
    pub integrity: bool,
}

/// A drawn transaction amount (unrounded; positive = received) and the path it took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AmountDraw {
    /// The amount.
    pub amount: f64,
    /// The path.
    pub path: AmountPath,
}

/// Draws one transaction amount, consuming the generator exactly as the notebook does.
///
/// Four draws, or five on the integrity path: the sign (`randint(0, 2)`, 0 → sent), the
/// amount `avg · (U + 0.5)`, the large-transaction test, the integrity test and, on that
/// path, `uniform(−1, integrity)`. The capacity checks compare the *signed* amount with the
/// previous capacity, exactly as in the notebook, so they cap large incoming amounts but
/// let large outgoing ones through.
#[inline]
pub fn draw_amount<R: Rng + ?Sized>(
    rng: &mut R,
    params: &Params,
    capacity_prev: i64,
) -> AmountDraw {
    let d = crate::users::NotebookUser::from_params(params).draw_at(rng, 1, capacity_prev);
    AmountDraw {
        amount: d.payment,
        path: AmountPath {
            large: d.paths & 3 != 0,
            integrity: d.paths & 4 != 0,
        },
    }
}

fn to_int(field: &'static str, value: f64) -> Result<i64, StepError> {
    round_half_even(value).ok_or(StepError::NotAnInteger { field, value })
}

/// Applies one transaction `amount` to `prev` and returns the next state.
///
/// Follows the notebook's order and lags: capacity from the previous balance and credit,
/// send volume and means from the history `H` (which ends with `prev`), credit from the
/// rule on the previous state, then the new balance (unrounded) and the rounded
/// transaction.
pub fn step<C: CreditRule + ?Sized>(
    prev: &State,
    view: &HistoryView,
    params: &Params,
    rule: &C,
    amount: f64,
) -> Result<State, StepError> {
    let capacity = to_int("userCapacity", prev.balance + prev.credit as f64)?;
    let credit = rule.credit(&CreditInput::from_prev(prev, params))?.credit;
    let state = State {
        balance: prev.balance + amount,
        balance_mean: view.balance_mean,
        n_transactions: prev.n_transactions.saturating_add(1),
        credit,
        capacity,
        send_volume: view.send_volume_window,
        send_volume_mean: view.send_volume_mean,
        transaction: to_int("transaction", amount)?,
    };
    debug_assert!(
        state.credit >= 0,
        "a credit rule returned a negative credit"
    );
    Ok(state)
}

/// One user's trajectory in progress: the current state and the history behind it.
#[derive(Debug, Clone)]
pub struct Trajectory<C = V1Rule, H = ExactHistory> {
    params: Params,
    rule: C,
    history: H,
    state: State,
}

impl<C: CreditRule, H: History + Default> Trajectory<C, H> {
    /// A trajectory at its genesis state.
    pub fn new(params: Params, rule: C) -> Self {
        let state = State::genesis(&params);
        let mut history = H::default();
        history.push(&state);
        Trajectory {
            params,
            rule,
            history,
            state,
        }
    }
}

impl<C: CreditRule, H: History> Trajectory<C, H> {
    /// A trajectory at its genesis state, keeping its history in `history` (which must be
    /// empty: the genesis state is pushed here).
    pub fn with_history(params: Params, rule: C, mut history: H) -> Self {
        debug_assert!(history.is_empty(), "with_history takes an empty history");
        let state = State::genesis(&params);
        history.push(&state);
        Trajectory {
            params,
            rule,
            history,
            state,
        }
    }

    /// The current state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The credit rule.
    pub fn rule(&self) -> &C {
        &self.rule
    }

    /// The summary of the history the next step will read.
    pub fn view(&self) -> HistoryView {
        self.history.view(self.params.sum_volume())
    }

    /// Applies a given transaction amount (a tape entry) and returns the new state.
    pub fn apply(&mut self, amount: f64) -> Result<&State, StepError> {
        let view = self.view();
        let next = step(&self.state, &view, &self.params, &self.rule, amount)?;
        self.history.push(&next);
        self.state = next;
        Ok(&self.state)
    }

    /// Draws a transaction from `rng` (as the notebook does) and applies it.
    pub fn advance<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Result<AmountDraw, StepError> {
        let draw = draw_amount(rng, &self.params, self.state.capacity);
        self.apply(draw.amount)?;
        Ok(draw)
    }
}
