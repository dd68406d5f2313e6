//! The invariant catalog: named laws over a step, a credit rule, or whole runs.
//!
//! Each [`Invariant`] is a documented, pure check. The generic ones
//! ([`Invariant::GENERIC`], [`check_generic`]) read only a model's ledgers and rows, so they
//! hold for any [`Model`]; V1's own step laws ([`check_step`]) look at one V1 step
//! (previous state, next state, the amount applied, and what an independent record of the
//! history says the step should have read: a [`StepContext`]); rule invariants probe the
//! credit rule directly; run invariants compare whole runs. Which invariants a policy only
//! observes is its own declaration
//! ([`crate::model::CreditPolicy::observed_invariants`]).

use std::fmt;

use crate::model::{Model, Value, balance_below_previous_limit};
use crate::numeric::{numpy_mean, round_half_even};
use crate::state::State;

/// Whether a violation of an invariant fails the suite or is reported as a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvariantKind {
    /// A violation fails the suite (`currents check` exits 1).
    Required,
    /// A violation is a finding: reported with its counterexample, but the suite passes.
    Observed,
}

impl InvariantKind {
    /// `required` or `observed`.
    pub fn name(self) -> &'static str {
        match self {
            InvariantKind::Required => "required",
            InvariantKind::Observed => "observed",
        }
    }
}

/// What an invariant is checked over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One step of a trajectory (tapes and seeded runs).
    Step,
    /// The credit rule on its own, probed on a grid of inputs.
    Rule,
    /// Whole runs compared with each other.
    Run,
}

/// A named law of the model. See [`Invariant::description`] for each one's statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Invariant {
    /// The rule and the step return a value for every reachable input (no error).
    StepIsDefined,
    /// credit(t) ≥ 0.
    CreditNonNegative,
    /// capacity(t) = round_half_even(balance(t−1) + credit(t−1)).
    CapacityIsPreviousBalancePlusCredit,
    /// capacity(t) = round_half_even(balance(t) + credit(t)) (the same-step form).
    CapacityIsBalancePlusCredit,
    /// totalNumTransactions(t) = t.
    TransactionCountIsStep,
    /// balance(t) is the sum of the unrounded amounts of steps 1…t.
    BalanceIsSumOfAmounts,
    /// sendVolume(t) is the sum of the last K positive transactions of states 0…t−1.
    SendVolumeIsWindowSum,
    /// The two averages at t are the means over states 0…t−1 (within the tolerance).
    AveragesAreHistoryMeans,
    /// Every float of every state is finite.
    AllValuesFinite,
    /// balance(t) ≥ −credit(t−1).
    WithinCreditLimit,
    /// With the average send volume fixed, credit does not grow as |s| grows.
    CreditMonotoneInImbalance,
    /// Running the same (seed, run) twice gives the same trajectory, bit for bit.
    SameSeedSameTrajectory,
    /// Running the runs on several threads gives the same trajectories as on one.
    ThreadCountDoesNotChangeOutput,
}

impl Invariant {
    /// The whole catalog, in report order.
    pub const ALL: [Invariant; 13] = [
        Invariant::StepIsDefined,
        Invariant::CreditNonNegative,
        Invariant::CapacityIsPreviousBalancePlusCredit,
        Invariant::CapacityIsBalancePlusCredit,
        Invariant::TransactionCountIsStep,
        Invariant::BalanceIsSumOfAmounts,
        Invariant::SendVolumeIsWindowSum,
        Invariant::AveragesAreHistoryMeans,
        Invariant::AllValuesFinite,
        Invariant::WithinCreditLimit,
        Invariant::CreditMonotoneInImbalance,
        Invariant::SameSeedSameTrajectory,
        Invariant::ThreadCountDoesNotChangeOutput,
    ];

    /// The invariants every model is checked for: they read only the ledgers and rows a
    /// [`Model`] gives, the step's errors, and whole runs.
    pub const GENERIC: [Invariant; 6] = [
        Invariant::StepIsDefined,
        Invariant::CreditNonNegative,
        Invariant::AllValuesFinite,
        Invariant::WithinCreditLimit,
        Invariant::SameSeedSameTrajectory,
        Invariant::ThreadCountDoesNotChangeOutput,
    ];

    /// The generic invariants [`check_generic`] checks on every step.
    pub const GENERIC_STEP: [Invariant; 3] = [
        Invariant::CreditNonNegative,
        Invariant::AllValuesFinite,
        Invariant::WithinCreditLimit,
    ];

    /// The invariant's stable snake_case name (used in reports and `--invariant`).
    pub fn name(self) -> &'static str {
        match self {
            Invariant::StepIsDefined => "step_is_defined",
            Invariant::CreditNonNegative => "credit_non_negative",
            Invariant::CapacityIsPreviousBalancePlusCredit => {
                "capacity_is_previous_balance_plus_credit"
            }
            Invariant::CapacityIsBalancePlusCredit => "capacity_is_balance_plus_credit",
            Invariant::TransactionCountIsStep => "transaction_count_is_step",
            Invariant::BalanceIsSumOfAmounts => "balance_is_sum_of_amounts",
            Invariant::SendVolumeIsWindowSum => "send_volume_is_window_sum",
            Invariant::AveragesAreHistoryMeans => "averages_are_history_means",
            Invariant::AllValuesFinite => "all_values_finite",
            Invariant::WithinCreditLimit => "within_credit_limit",
            Invariant::CreditMonotoneInImbalance => "credit_monotone_in_imbalance",
            Invariant::SameSeedSameTrajectory => "same_seed_same_trajectory",
            Invariant::ThreadCountDoesNotChangeOutput => "thread_count_does_not_change_output",
        }
    }

    /// The invariant named `name`, if any.
    pub fn from_name(name: &str) -> Option<Invariant> {
        Invariant::ALL.into_iter().find(|i| i.name() == name)
    }

    /// The law, in one sentence.
    pub fn description(self) -> &'static str {
        match self {
            Invariant::StepIsDefined => {
                "the credit rule and the step return a value for every reachable input"
            }
            Invariant::CreditNonNegative => "credit(t) >= 0",
            Invariant::CapacityIsPreviousBalancePlusCredit => {
                "capacity(t) = round_half_even(balance(t-1) + credit(t-1))"
            }
            Invariant::CapacityIsBalancePlusCredit => {
                "capacity(t) = round_half_even(balance(t) + credit(t))"
            }
            Invariant::TransactionCountIsStep => "totalNumTransactions(t) = t",
            Invariant::BalanceIsSumOfAmounts => {
                "balance(t) = the left-to-right sum of the unrounded amounts of steps 1..t"
            }
            Invariant::SendVolumeIsWindowSum => {
                "sendVolume(t) = sum of the last sumVolume positive transactions of states 0..t-1"
            }
            Invariant::AveragesAreHistoryMeans => {
                "avgUserBalance(t) and avgSendVolume(t) = numpy means over states 0..t-1"
            }
            Invariant::AllValuesFinite => "every float of every state is finite",
            Invariant::WithinCreditLimit => "balance(t) >= -credit(t-1)",
            Invariant::CreditMonotoneInImbalance => {
                "with avgSendVolume fixed, credit does not grow as |s| = |avgUserBalance/avgSendVolume| grows"
            }
            Invariant::SameSeedSameTrajectory => {
                "the same (seed, run) gives the same trajectory, bit for bit"
            }
            Invariant::ThreadCountDoesNotChangeOutput => {
                "running the runs on N threads gives the same trajectories as on one"
            }
        }
    }

    /// What the invariant is checked over.
    pub fn scope(self) -> Scope {
        match self {
            Invariant::CreditMonotoneInImbalance => Scope::Rule,
            Invariant::SameSeedSameTrajectory | Invariant::ThreadCountDoesNotChangeOutput => {
                Scope::Run
            }
            _ => Scope::Step,
        }
    }

    /// The kind a rule gets unless it declares otherwise: every law is required except the
    /// same-step capacity form, which no rule can make hold (the step computes capacity
    /// from the previous state, MODEL.md) and which is kept to show that lag.
    pub fn default_kind(self) -> InvariantKind {
        match self {
            Invariant::CapacityIsBalancePlusCredit => InvariantKind::Observed,
            _ => InvariantKind::Required,
        }
    }

    /// The kind under a policy that observes the invariants named in `observed`
    /// ([`crate::model::CreditPolicy::observed_invariants`]): observed when named there,
    /// else [`Invariant::default_kind`].
    pub fn kind_under(self, observed: &[&str]) -> InvariantKind {
        if observed.contains(&self.name()) {
            InvariantKind::Observed
        } else {
            self.default_kind()
        }
    }

    /// Position in [`Invariant::ALL`].
    pub fn index(self) -> usize {
        Invariant::ALL
            .iter()
            .position(|&i| i == self)
            .unwrap_or_default()
    }
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an independent record of the history says step t should have produced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expected {
    /// The left-to-right sum of the amounts of steps 1…t.
    pub balance_sum: f64,
    /// The sum of the last K positive transactions of states 0…t−1.
    pub send_volume_window: i64,
    /// numpy's mean of the balances of states 0…t−1.
    pub balance_mean: f64,
    /// numpy's mean of the send volumes of states 0…t−1.
    pub send_volume_mean: f64,
    /// The mean of |balance| over states 0…t−1: the scale of the balance mean's rounding error.
    pub balance_abs_mean: f64,
    /// The mean of |sendVolume| over states 0…t−1.
    pub send_volume_abs_mean: f64,
}

/// Everything a step invariant reads.
#[derive(Debug, Clone, Copy)]
pub struct StepContext<'a> {
    /// The step's timestep (1-based).
    pub t: u64,
    /// The state at t − 1.
    pub prev: &'a State,
    /// The state at t.
    pub next: &'a State,
    /// The unrounded amount applied at t.
    pub amount: f64,
    /// The send-volume window `sumVolume`.
    pub sum_volume: u64,
    /// The independent record's expectations.
    pub expected: &'a Expected,
    /// Relative tolerance of [`Invariant::AveragesAreHistoryMeans`]: a mean may differ
    /// from numpy's by `tolerance · mean(|values|)`. 0 demands bit-exact means.
    pub mean_tolerance: f64,
}

/// Checks one of V1's step invariants; `Err` carries a one-line description of the
/// violation. The generic invariants ([`check_generic`]), rule and run invariants always
/// pass here.
///
/// Comparisons are exact (integers, or doubles computed by the same operations in the same
/// order) except the averages, which use `ctx.mean_tolerance`.
pub fn check_step(invariant: Invariant, ctx: &StepContext<'_>) -> Result<(), String> {
    let (prev, next, e) = (ctx.prev, ctx.next, ctx.expected);
    match invariant {
        Invariant::CapacityIsPreviousBalancePlusCredit => {
            let want = round_half_even(prev.balance + prev.credit as f64);
            if want != Some(next.capacity) {
                return Err(format!(
                    "capacity({t}) = {} but round(balance({p}) + credit({p})) = round({:?} + {}) = {}",
                    next.capacity,
                    prev.balance,
                    prev.credit,
                    want.map_or("undefined".to_owned(), |w| w.to_string()),
                    t = ctx.t,
                    p = ctx.t - 1
                ));
            }
        }
        Invariant::CapacityIsBalancePlusCredit => {
            let want = round_half_even(next.balance + next.credit as f64);
            if want != Some(next.capacity) {
                return Err(format!(
                    "capacity({t}) = {} but round(balance({t}) + credit({t})) = round({:?} + {}) = {}",
                    next.capacity,
                    next.balance,
                    next.credit,
                    want.map_or("undefined".to_owned(), |w| w.to_string()),
                    t = ctx.t
                ));
            }
        }
        Invariant::TransactionCountIsStep => {
            if next.n_transactions != ctx.t {
                return Err(format!(
                    "totalNumTransactions({}) = {}",
                    ctx.t, next.n_transactions
                ));
            }
        }
        Invariant::BalanceIsSumOfAmounts => {
            if next.balance != e.balance_sum {
                return Err(format!(
                    "balance({}) = {:?} but the amounts sum to {:?}",
                    ctx.t, next.balance, e.balance_sum
                ));
            }
        }
        Invariant::SendVolumeIsWindowSum => {
            if next.send_volume != e.send_volume_window {
                return Err(format!(
                    "sendVolume({}) = {} but the last {} positive transactions sum to {}",
                    ctx.t, next.send_volume, ctx.sum_volume, e.send_volume_window
                ));
            }
        }
        Invariant::AveragesAreHistoryMeans => {
            let tol = ctx.mean_tolerance;
            let pairs = [
                (
                    "avgUserBalance",
                    next.balance_mean,
                    e.balance_mean,
                    e.balance_abs_mean,
                ),
                (
                    "avgSendVolume",
                    next.send_volume_mean,
                    e.send_volume_mean,
                    e.send_volume_abs_mean,
                ),
            ];
            for (name, got, want, scale) in pairs {
                // NaN fails both comparisons, so a NaN mean is a violation.
                let ok = if tol == 0.0 {
                    got == want
                } else {
                    (got - want).abs() <= tol * scale
                };
                if !ok {
                    return Err(format!(
                        "{name}({}) = {got:?} but the mean over states 0..{} is {want:?} (tolerance {tol:e} x {scale:?})",
                        ctx.t,
                        ctx.t - 1
                    ));
                }
            }
        }
        Invariant::StepIsDefined
        | Invariant::CreditNonNegative
        | Invariant::AllValuesFinite
        | Invariant::WithinCreditLimit
        | Invariant::CreditMonotoneInImbalance
        | Invariant::SameSeedSameTrajectory
        | Invariant::ThreadCountDoesNotChangeOutput => {}
    }
    Ok(())
}

/// Checks one generic invariant on step `t` of any model, from `prev` to `next`; `Err`
/// carries a one-line description of the violation. Other invariants pass here.
///
/// - [`Invariant::CreditNonNegative`]: every member's limit at `t` is ≥ 0 (the run loop
///   also refuses a negative limit before the step: the walk reports that as this law);
/// - [`Invariant::AllValuesFinite`]: every float of the state's row is finite;
/// - [`Invariant::WithinCreditLimit`]: no member's balance(t) is below −limit(t−1)
///   ([`balance_below_previous_limit`]).
pub fn check_generic<M: Model + ?Sized>(
    invariant: Invariant,
    model: &M,
    t: u64,
    prev: &M::State,
    next: &M::State,
) -> Result<(), String> {
    let members = 0..model.n_members(next).min(model.n_members(prev));
    let who = |m: usize| {
        if model.n_members(next) == 1 {
            String::new()
        } else {
            format!(" of member {m}")
        }
    };
    match invariant {
        Invariant::CreditNonNegative => {
            for m in members {
                let now = model.ledger(next, m);
                // A NaN limit is a violation too.
                if now.limit < 0.0 || now.limit.is_nan() {
                    return Err(format!("credit({t}){} = {} < 0", who(m), now.limit));
                }
            }
        }
        Invariant::AllValuesFinite => {
            let mut row = Vec::new();
            model.row(next, &mut row);
            row_is_finite(&row, t, next)?;
        }
        Invariant::WithinCreditLimit => {
            for m in members {
                let (before, now) = (model.ledger(prev, m), model.ledger(next, m));
                if balance_below_previous_limit(&before, &now) {
                    return Err(format!(
                        "balance({t}){} = {:?} < -credit({}) = -{}",
                        who(m),
                        now.balance,
                        t - 1,
                        before.limit
                    ));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// [`Invariant::AllValuesFinite`] on the row `row` of state `t`, `next`.
pub(crate) fn row_is_finite(
    row: &[Value],
    t: u64,
    next: &impl std::fmt::Debug,
) -> Result<(), String> {
    if row
        .iter()
        .any(|v| matches!(v, Value::Float(x) if !x.is_finite()))
    {
        return Err(format!("state {t} has a non-finite value: {next:?}"));
    }
    Ok(())
}

/// An independent record of a trajectory's history, kept from the states themselves (not
/// from the engine's [`crate::History`]), from which [`Expected`] values are computed.
///
/// It stores every state's balance and send volume and recomputes the means with numpy's
/// pairwise summation, O(t) per step: meant for checking, not for speed.
#[derive(Debug, Clone)]
pub struct Record {
    balances: Vec<f64>,
    send_volumes: Vec<f64>,
    positives: Vec<i64>,
    amount_sum: f64,
    sum_volume: usize,
}

impl Record {
    /// A record holding the genesis state, for the send-volume window `sum_volume`.
    pub fn new(genesis: &State, sum_volume: u64) -> Self {
        let mut r = Record {
            balances: Vec::new(),
            send_volumes: Vec::new(),
            positives: Vec::new(),
            amount_sum: 0.0,
            sum_volume: usize::try_from(sum_volume).unwrap_or(usize::MAX),
        };
        r.push_state(genesis);
        r
    }

    fn push_state(&mut self, s: &State) {
        self.balances.push(s.balance);
        self.send_volumes.push(s.send_volume as f64);
        if s.transaction > 0 {
            self.positives.push(s.transaction);
        }
    }

    /// What the next step should produce when `amount` is applied.
    pub fn expected(&self, amount: f64) -> Expected {
        let k = self.sum_volume.min(self.positives.len());
        let window = self.positives[self.positives.len() - k..]
            .iter()
            .fold(0i64, |a, &b| a.saturating_add(b));
        let abs_mean = |v: &[f64]| v.iter().map(|x| x.abs()).sum::<f64>() / v.len() as f64;
        Expected {
            balance_sum: self.amount_sum + amount,
            send_volume_window: window,
            balance_mean: numpy_mean(&self.balances),
            send_volume_mean: numpy_mean(&self.send_volumes),
            balance_abs_mean: abs_mean(&self.balances),
            send_volume_abs_mean: abs_mean(&self.send_volumes),
        }
    }

    /// Records the step that applied `amount` and produced `next`.
    pub fn push(&mut self, next: &State, amount: f64) {
        self.amount_sum += amount;
        self.push_state(next);
    }
}
