//! The CURRENTS V1 notebook as one composition of the model API.
//!
//! [`V1`] is the model: the notebook's eight columns ([`crate::state::State`]), a history
//! kept exactly as numpy does ([`crate::ExactHistory`], bit-exact with cadCAD) or in O(1)
//! per step ([`crate::StreamingHistory`]), capacity from the previous balance and credit,
//! integer rounding half to even. [`crate::V1Rule`] is its credit policy and
//! [`crate::users::NotebookUser`] its user; with numpy's generator the three reproduce
//! cadCAD's trajectories bit for bit (`tests/golden.rs`).

use std::marker::PhantomData;

use rand_core::Rng;

use crate::credit::{CreditBranch, CreditInput, V1Rule, credit_v1};
use crate::draws::{randint01, uniform, uniform01};
use crate::history::History;
use crate::model::{
    Against, Behaviour, CreditError, CreditPolicy, Cx, Draw, Enforcement, Ledger, Limit, Model,
    StepError, Value, to_int,
};
use crate::params::Params;
use crate::state::State;
use crate::users::NotebookUser;

/// The cadCAD column names of [`State`], in row order.
pub const COLUMNS: [&str; 8] = [
    "userBalance",
    "avgUserBalance",
    "totalNumTransactions",
    "userCredit",
    "userCapacity",
    "sendVolume",
    "avgSendVolume",
    "transaction",
];

/// The V1 notebook's model, keeping its history in `H`.
///
/// Holds the model's own parameters: the send-volume window (`sumVolume`) and the genesis
/// credit. The user's parameters (integrity, average amount) belong to the behaviour.
#[derive(Debug)]
pub struct V1<H = crate::ExactHistory> {
    sum_volume: u64,
    initial_credit: i64,
    history: PhantomData<fn() -> H>,
}

impl<H> Clone for V1<H> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<H> Copy for V1<H> {}

impl<H> V1<H> {
    /// The model of validated `params` (their window and initial credit).
    pub fn new(params: &Params) -> Self {
        V1 {
            sum_volume: params.sum_volume(),
            initial_credit: params.initial_credit(),
            history: PhantomData,
        }
    }

    /// The model with the send-volume window `sum_volume` and the genesis credit
    /// `initial_credit`, unchecked (a probe's or a test's; [`V1::new`] takes validated
    /// parameters).
    pub fn with_window(sum_volume: u64, initial_credit: i64) -> Self {
        V1 {
            sum_volume,
            initial_credit,
            history: PhantomData,
        }
    }

    /// The send-volume window `sumVolume`.
    pub fn sum_volume(&self) -> u64 {
        self.sum_volume
    }

    /// The genesis credit and capacity.
    pub fn initial_credit(&self) -> i64 {
        self.initial_credit
    }
}

impl<H> Default for V1<H> {
    /// The notebook's model: window 30, credit 250.
    fn default() -> Self {
        V1::new(&Params::default())
    }
}

/// `round_half_even(balance(t−1) + credit(t−1))`: the capacity of step t.
#[inline]
fn step_capacity(prev: &State) -> Result<i64, StepError> {
    to_int("userCapacity", prev.balance + prev.credit as f64)
}

/// V1's declared parameters: the send-volume window and the genesis credit (the
/// notebook's `sumVolume` and `initial_credit`; integrity and the average amount belong to
/// the user, [`NotebookUser`]).
pub const V1_PARAMS: &[crate::rules::ParamSpec] = &[
    crate::rules::ParamSpec {
        name: "sum-volume",
        default: 30.0,
        min: 1.0,
        max: crate::params::SUM_VOLUME_MAX as f64,
        integer: true,
        doc: "how many past positive transactions make the send volume (sumVolume)",
    },
    crate::rules::ParamSpec {
        name: "initial-credit",
        default: 250.0,
        min: 0.0,
        max: crate::params::INITIAL_CREDIT_MAX as f64,
        integer: true,
        doc: "the credit limit and capacity at genesis",
    },
];

impl<H: History> crate::registry::ModelType for V1<H> {
    const NAME: &'static str = "v1";
    const SUMMARY: &'static str =
        "the CURRENTS V1 notebook: one user, credit from the imbalance of balance and send volume";
    const PARAMS: &'static [crate::rules::ParamSpec] = V1_PARAMS;
    fn from_values(values: &[f64]) -> Self {
        V1::with_window(values[0] as u64, values[1] as i64)
    }
}

impl<H: History> Model for V1<H> {
    type State = State;
    type History = H;
    type Payment = f64;

    fn name(&self) -> &'static str {
        "v1"
    }

    fn columns(&self) -> &'static [&'static str] {
        &COLUMNS
    }

    fn genesis(&self) -> State {
        State {
            balance: 0.0,
            balance_mean: 0.0,
            n_transactions: 0,
            credit: self.initial_credit,
            capacity: self.initial_credit,
            send_volume: 0,
            send_volume_mean: 0.0,
            transaction: 0,
        }
    }

    fn history(&self, genesis: &State, n_steps: u64) -> H {
        let mut h = H::for_run(self.sum_volume, n_steps);
        h.push(genesis);
        h
    }

    #[inline]
    fn record(&self, history: &mut H, next: &State) {
        history.push(next);
    }

    /// Holds the payment to what the member can spend without passing the limit that held
    /// when it was made (`Against::Step`): the largest whole amount `k` with
    /// `balance(t−1) − k ≥ −credit(t−1)` as the step computes it — `floor(balance + credit)`,
    /// one less in the rare case where rounding the sum up would cross the limit — or the
    /// stored `userCapacity` (`Against::Stored`). Not the notebook's rounded `userCapacity`
    /// for the step: rounded up (half to even), it let a clamped balance end up to 0.5 below
    /// the limit.
    fn enforce(
        &self,
        enforcement: &Enforcement,
        prev: &State,
        _: &H,
        amount: f64,
    ) -> Result<f64, StepError> {
        let capacity = match enforcement.against {
            // step_capacity refuses what cannot be stored (NaN, beyond i64), as the step does.
            Against::Step => {
                step_capacity(prev)?;
                let (balance, limit) = (prev.balance, prev.credit as f64);
                let whole = (balance + limit).floor();
                if balance - whole < -limit {
                    whole - 1.0
                } else {
                    whole
                }
            }
            Against::Stored => prev.capacity as f64,
        };
        Ok(enforcement.apply(amount, capacity, prev.balance))
    }

    /// Follows the notebook's order and lags: capacity from the previous balance and
    /// credit, send volume and means from the history (which ends with `prev`), the credit
    /// the policy set (rounded half to even), then the new balance (unrounded) and the
    /// rounded transaction.
    #[inline]
    fn step(
        &self,
        prev: &State,
        history: &H,
        limit: &Limit,
        amount: f64,
    ) -> Result<State, StepError> {
        let view = history.view(self.sum_volume);
        Ok(State {
            balance: prev.balance + amount,
            balance_mean: view.balance_mean,
            n_transactions: prev.n_transactions.saturating_add(1),
            credit: to_int("userCredit", limit.value)?,
            capacity: step_capacity(prev)?,
            send_volume: view.send_volume_window,
            send_volume_mean: view.send_volume_mean,
            transaction: to_int("transaction", amount)?,
        })
    }

    #[inline]
    fn ledger(&self, s: &State, _member: usize) -> Ledger {
        Ledger {
            balance: s.balance,
            limit: s.credit as f64,
            capacity: s.capacity as f64,
            payment: s.transaction as f64,
        }
    }

    fn row(&self, s: &State, out: &mut Vec<Value>) {
        out.extend(cells(s));
    }
}

/// A state's row in [`COLUMNS`] order (what [`Model::row`] appends), on the stack.
#[inline]
pub fn cells(s: &State) -> [Value; 8] {
    [
        Value::Float(s.balance),
        Value::Float(s.balance_mean),
        Value::Count(s.n_transactions),
        Value::Int(s.credit),
        Value::Int(s.capacity),
        Value::Int(s.send_volume),
        Value::Float(s.send_volume_mean),
        Value::Int(s.transaction),
    ]
}

/// The branch names of [`V1Rule`], in [`crate::CreditBranch::ALL`] order.
pub const V1_BRANCHES: [&str; 5] = {
    let mut names = [""; 5];
    let mut i = 0;
    while i < 5 {
        names[i] = CreditBranch::ALL[i].name();
        i += 1;
    }
    names
};

/// Invariants V1 is known to break (MODEL.md): users are not held to the limit, and the
/// credit is not monotone in the imbalance near |s| = 1/√3.
pub const V1_OBSERVED: [&str; 2] = ["within_credit_limit", "credit_monotone_in_imbalance"];

impl<H: History> CreditPolicy<V1<H>> for V1Rule {
    type Memory = ();

    #[inline]
    fn limit(&self, cx: &Cx<'_, V1<H>>, _: &mut ()) -> Result<Limit, CreditError> {
        let outcome = credit_v1(self, &CreditInput::from_model(cx))?;
        Ok(Limit {
            value: outcome.credit as f64,
            branch: outcome.branch.name(),
        })
    }

    fn branches(&self) -> &'static [&'static str] {
        &V1_BRANCHES
    }

    fn observed_invariants(&self) -> &'static [&'static str] {
        &V1_OBSERVED
    }
}

/// The path names of [`NotebookUser`]'s draws (bit `i` of [`Draw::paths`] = name `i`).
pub const NOTEBOOK_PATHS: [&str; 3] = ["large-incoming", "large-outgoing", "integrity"];

/// `x < n` with Python's exact float/int comparison (no rounding of `n` to a double).
#[inline]
pub fn f64_lt_i64(x: f64, n: i64) -> bool {
    // Up to 2^53 in magnitude `n` is an exact double, so the float comparison is exact (and
    // false for NaN); the usual case, without the `floor` call below.
    if n.unsigned_abs() <= 1 << 53 {
        x < n as f64
    } else if x.is_nan() {
        false
    } else if x < -9_223_372_036_854_775_808.0 {
        true
    } else if x >= 9_223_372_036_854_775_808.0 {
        false
    } else {
        // For an integer n, x < n exactly when floor(x) < n; floor(x) fits an i64 here.
        (x.floor() as i64) < n
    }
}

impl NotebookUser {
    /// The notebook's draw, consuming the generator exactly as the notebook does, against
    /// the capacity stored in the previous state.
    ///
    /// Four draws, or five on the integrity path: the sign (`randint(0, 2)`, 0 → sent; with
    /// a bias, `U < 0.5 + bias` → received), the amount `avg · (U + 0.5)`, the
    /// large-transaction test, the integrity test and, on that path,
    /// `uniform(−1, integrity)`. The capacity checks compare the *signed* amount with the
    /// previous capacity, exactly as in the notebook, so they cap large incoming amounts
    /// but let large outgoing ones through.
    #[inline]
    pub fn draw_at<R: Rng + ?Sized>(&self, rng: &mut R, t: u64, capacity_prev: i64) -> Draw<f64> {
        let received = if self.bias == 0.0 {
            randint01(rng) == 1
        } else {
            uniform01(rng) < 0.5 + self.bias
        };
        let sign = if received { 1.0 } else { -1.0 };
        let mut amount = self.avg_amount_at(t) * (uniform01(rng) + 0.5);
        amount *= sign;
        let y = uniform01(rng);
        // Both tests evaluated (`&`, not `&&`) and the amount selected: one step in ten takes
        // the large path at random, which as a branch would be mispredicted that often.
        let big = amount * 2.0 * y;
        let large = (y > 0.9) & f64_lt_i64(big, capacity_prev);
        amount = if large { big } else { amount };
        let mut paths = 0;
        let y = uniform01(rng);
        if y > self.integrity {
            let big = amount * 10.0;
            if f64_lt_i64(big, capacity_prev) {
                amount = big * uniform(rng, -1.0, self.integrity);
                paths |= 4;
            }
        }
        Draw {
            payment: amount,
            paths: paths | large_paths(large, amount),
        }
    }
}

/// The [`NOTEBOOK_PATHS`] bits of a draw that took the large path (`large`) and ended at
/// `amount`: large-incoming (bit 0) or large-outgoing (bit 1) by the sign of the amount.
///
/// The large path keeps the sign of the drawn amount; the integrity path (bit 2) multiplies
/// by a uniform draw and so can change it, hence one integrity path regardless of sign.
#[inline]
pub(crate) fn large_paths(large: bool, amount: f64) -> u32 {
    u32::from(large & (amount > 0.0)) | (u32::from(large & (amount < 0.0)) << 1)
}

impl<H: History> Behaviour<V1<H>> for NotebookUser {
    type Memory = ();

    #[inline]
    fn draw<R: Rng + ?Sized>(&self, cx: &Cx<'_, V1<H>>, rng: &mut R, _: &mut ()) -> Draw<f64> {
        self.draw_at(rng, cx.t, cx.prev.capacity)
    }

    fn paths(&self) -> &'static [&'static str] {
        &NOTEBOOK_PATHS
    }
}
