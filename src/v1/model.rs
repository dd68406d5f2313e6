//! The V1 model: the notebook's eight columns ([`State`]), a history kept exactly as numpy
//! does ([`super::ExactHistory`], bit-exact with cadCAD) or in O(1) per step
//! ([`super::StreamingHistory`]), capacity from the previous balance and credit, integer
//! rounding half to even.

use std::marker::PhantomData;

use crate::model::{
    Against, Enforcement, Ledger, LedgerColumns, Model, StepError, StepLimits, Value, to_int,
};
use crate::params::ParamSpec;

use super::{History, Params, State};

/// The cadCAD column names of [`State`], in row order.
pub(crate) const COLUMNS: [&str; 8] = [
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
pub struct V1<H = super::ExactHistory> {
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
/// the user, [`super::NotebookUser`]).
pub(crate) const V1_PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "sum-volume",
        default: 30.0,
        min: 1.0,
        max: super::params::SUM_VOLUME_MAX as f64,
        integer: true,
        doc: "how many past positive transactions make the send volume (sumVolume)",
    },
    ParamSpec {
        name: "initial-credit",
        default: 250.0,
        min: 0.0,
        max: super::params::INITIAL_CREDIT_MAX as f64,
        integer: true,
        doc: "the credit limit and capacity at genesis",
    },
];

impl<H: History> crate::registry::ModelType for V1<H> {
    const NAME: &'static str = "v1";
    const SUMMARY: &'static str =
        "the CURRENTS V1 notebook: one user, credit from the imbalance of balance and send volume";
    const PARAMS: &'static [ParamSpec] = V1_PARAMS;
    fn from_values(values: &[f64]) -> Self {
        V1::with_window(values[0] as u64, values[1] as i64)
    }

    /// The scenario report's table since the first snapshots: cadCAD's names and the
    /// widths that hold every value a validated run produces (`totalNumTransactions` is
    /// the step, so it is not repeated). The summary's names are the ledger's
    /// ([`Model::ledger_columns`]).
    fn report_layout(&self) -> crate::registry::ReportLayout {
        let columns = [
            ("userBalance", 22),
            ("avgUserBalance", 22),
            ("userCredit", 11),
            ("userCapacity", 13),
            ("sendVolume", 11),
            ("avgSendVolume", 20),
            ("transaction", 12),
        ];
        crate::registry::ReportLayout {
            columns: columns.map(|(c, w)| (c.to_owned(), w)).to_vec(),
        }
    }
}

impl<H: History> Model for V1<H> {
    type State = State;
    type History = H;
    type Payment = f64;

    fn name(&self) -> &'static str {
        "v1"
    }

    fn columns(&self) -> Vec<String> {
        COLUMNS.map(String::from).to_vec()
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
        limits: &StepLimits,
        amount: f64,
    ) -> Result<State, StepError> {
        let view = history.view(self.sum_volume);
        Ok(State {
            balance: prev.balance + amount,
            balance_mean: view.balance_mean,
            n_transactions: prev.n_transactions.saturating_add(1),
            credit: to_int("userCredit", limits.first().value)?,
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

    /// The one user's ledger: `userBalance`, `userCredit`, `userCapacity`, `transaction`,
    /// `avgUserBalance` (the mean balance the notebook's charts draw) and `avgSendVolume`
    /// (with it, the equilibrium figure's two means).
    fn ledger_columns(&self, member: usize) -> Option<LedgerColumns> {
        (member == 0).then(|| {
            LedgerColumns::new("userBalance", "userCredit")
                .capacity("userCapacity")
                .payment("transaction")
                .balance_mean("avgUserBalance")
                .send_volume_mean("avgSendVolume")
        })
    }
}

/// A state's row in `COLUMNS` order (what [`Model::row`] appends), on the stack.
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

impl<H: History> crate::metrics::Metered for V1<H> {
    #[inline]
    fn amount(&self, payment: &f64) -> f64 {
        *payment
    }

    #[inline]
    fn send_volume(&self, state: &State, _member: usize) -> Option<f64> {
        Some(state.send_volume as f64)
    }

    #[inline]
    fn equilibrium(&self, state: &State, _member: usize) -> Option<(f64, f64)> {
        Some((state.balance_mean, state.send_volume_mean))
    }
}
