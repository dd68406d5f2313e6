//! V1's own laws, checked beside the catalog's generic ones through the harness's
//! [`Laws`]: capacity, count, sums, window and means, against an independent [`Record`] of
//! the run kept from the states themselves (never from the model's history), and the law
//! V1's rule is probed for ([`V1Laws::CREDIT_MONOTONE_IN_IMBALANCE`]).

use crate::catalog::Invariant;
use crate::harness::Laws;
use crate::model::StepEvent;
use crate::numeric::{numpy_mean, round_half_even};

use super::super::{History, State, V1};

/// V1's own step laws, checked against an independent [`Record`] of the run, and the law
/// V1's rule is probed for ([`V1Laws::CREDIT_MONOTONE_IN_IMBALANCE`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct V1Laws {
    /// Relative tolerance of [`V1Laws::AVERAGES_ARE_HISTORY_MEANS`] (0: bit-exact means).
    pub(crate) mean_tolerance: f64,
}

impl V1Laws {
    /// capacity(t) = round_half_even(balance(t−1) + credit(t−1)).
    pub const CAPACITY_IS_PREVIOUS_BALANCE_PLUS_CREDIT: Invariant = Invariant::required(
        "capacity_is_previous_balance_plus_credit",
        "capacity(t) = round_half_even(balance(t-1) + credit(t-1))",
    );
    /// capacity(t) = round_half_even(balance(t) + credit(t)) (the same-step form). Observed
    /// by default: no rule can make it hold (the step computes capacity from the previous
    /// state, MODEL.md); it is kept to show that lag.
    pub const CAPACITY_IS_BALANCE_PLUS_CREDIT: Invariant = Invariant::observed(
        "capacity_is_balance_plus_credit",
        "capacity(t) = round_half_even(balance(t) + credit(t))",
    );
    /// totalNumTransactions(t) = t.
    pub const TRANSACTION_COUNT_IS_STEP: Invariant =
        Invariant::required("transaction_count_is_step", "totalNumTransactions(t) = t");
    /// balance(t) is the left-to-right sum of the unrounded amounts of steps 1…t.
    pub const BALANCE_IS_SUM_OF_AMOUNTS: Invariant = Invariant::required(
        "balance_is_sum_of_amounts",
        "balance(t) = the left-to-right sum of the unrounded amounts of steps 1..t",
    );
    /// sendVolume(t) is the sum of the last K positive transactions of states 0…t−1.
    pub const SEND_VOLUME_IS_WINDOW_SUM: Invariant = Invariant::required(
        "send_volume_is_window_sum",
        "sendVolume(t) = sum of the last sumVolume positive transactions of states 0..t-1",
    );
    /// The two averages at t are numpy's means over states 0…t−1 (within the tolerance).
    pub const AVERAGES_ARE_HISTORY_MEANS: Invariant = Invariant::required(
        "averages_are_history_means",
        "avgUserBalance(t) and avgSendVolume(t) = numpy means over states 0..t-1",
    );
    /// With the average send volume fixed, credit does not grow as |s| grows: a law of
    /// V1's rule on its own, checked by probes ([`super::Probe`]), not per step.
    pub const CREDIT_MONOTONE_IN_IMBALANCE: Invariant = Invariant::required(
        "credit_monotone_in_imbalance",
        "with avgSendVolume fixed, credit does not grow as |s| = |avgUserBalance/avgSendVolume| grows",
    );
}

/// V1's step laws, in report order ([`V1Laws`]' declared invariants).
pub(crate) const V1_STEP_LAWS: [Invariant; 6] = [
    V1Laws::CAPACITY_IS_PREVIOUS_BALANCE_PLUS_CREDIT,
    V1Laws::CAPACITY_IS_BALANCE_PLUS_CREDIT,
    V1Laws::TRANSACTION_COUNT_IS_STEP,
    V1Laws::BALANCE_IS_SUM_OF_AMOUNTS,
    V1Laws::SEND_VOLUME_IS_WINDOW_SUM,
    V1Laws::AVERAGES_ARE_HISTORY_MEANS,
];

/// The laws of V1's rule on its own, checked by probes when
/// [`crate::harness::HarnessConfig::probe_rule`] is on.
pub(crate) const V1_RULE_LAWS: [Invariant; 1] = [V1Laws::CREDIT_MONOTONE_IN_IMBALANCE];

/// Every invariant a report of [`super::check_rule`] can list, in report order (the rule
/// probes' included): the names `currents replay --invariant` accepts.
pub(crate) fn v1_invariants() -> Vec<Invariant> {
    crate::catalog::report_order(&V1_STEP_LAWS, &V1_RULE_LAWS).unwrap_or_default()
}

impl<H: History> Laws<V1<H>> for V1Laws {
    type Record = Record;

    fn invariants(&self) -> &[Invariant] {
        &V1_STEP_LAWS
    }

    fn record(&self, model: &V1<H>, genesis: &crate::v1::State) -> Record {
        Record::new(genesis, model.sum_volume())
    }

    fn check(
        &self,
        model: &V1<H>,
        record: &mut Record,
        event: &StepEvent<'_, V1<H>>,
        violate: &mut dyn FnMut(Invariant, String),
    ) {
        let amount = event.applied;
        let expected = record.expected(amount);
        let ctx = StepContext {
            t: event.t,
            prev: event.prev,
            next: event.next,
            amount,
            sum_volume: model.sum_volume(),
            expected: &expected,
            mean_tolerance: self.mean_tolerance,
        };
        for inv in V1_STEP_LAWS {
            if let Err(detail) = check_step(inv, &ctx) {
                violate(inv, detail);
            }
        }
        record.push(event.next, amount);
    }
}

/// What an independent record of the history says step t should have produced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expected {
    /// The left-to-right sum of the amounts of steps 1…t.
    pub(crate) balance_sum: f64,
    /// The sum of the last K positive transactions of states 0…t−1.
    pub(crate) send_volume_window: i64,
    /// numpy's mean of the balances of states 0…t−1.
    pub(crate) balance_mean: f64,
    /// numpy's mean of the send volumes of states 0…t−1.
    pub(crate) send_volume_mean: f64,
    /// The mean of |balance| over states 0…t−1: the scale of the balance mean's rounding error.
    pub(crate) balance_abs_mean: f64,
    /// The mean of |sendVolume| over states 0…t−1.
    pub(crate) send_volume_abs_mean: f64,
}

/// Everything a step invariant reads.
#[derive(Debug, Clone, Copy)]
pub struct StepContext<'a> {
    /// The step's timestep (1-based).
    pub(crate) t: u64,
    /// The state at t − 1.
    pub(crate) prev: &'a State,
    /// The state at t.
    pub(crate) next: &'a State,
    /// The unrounded amount applied at t.
    pub amount: f64,
    /// The send-volume window `sumVolume`.
    pub(crate) sum_volume: u64,
    /// The independent record's expectations.
    pub(crate) expected: &'a Expected,
    /// Relative tolerance of [`V1Laws::AVERAGES_ARE_HISTORY_MEANS`]: a mean may differ
    /// from numpy's by `tolerance · mean(|values|)`. 0 demands bit-exact means.
    pub(crate) mean_tolerance: f64,
}

/// Checks one of V1's step invariants; `Err` carries a one-line description of the
/// violation. The generic invariants (`crate::catalog::check_step`), rule and run invariants always
/// pass here.
///
/// Comparisons are exact (integers, or doubles computed by the same operations in the same
/// order) except the averages, which use `ctx.mean_tolerance`.
pub fn check_step(invariant: Invariant, ctx: &StepContext<'_>) -> Result<(), String> {
    let (prev, next, e, t) = (ctx.prev, ctx.next, ctx.expected, ctx.t);
    let capacity = |balance: f64, credit: i64, at: u64| {
        let want = round_half_even(balance + credit as f64);
        if want == Some(next.capacity) {
            return Ok(());
        }
        Err(format!(
            "capacity({t}) = {} but round(balance({at}) + credit({at})) = round({balance:?} + {credit}) = {}",
            next.capacity,
            want.map_or("undefined".to_owned(), |w| w.to_string()),
        ))
    };
    if invariant == V1Laws::CAPACITY_IS_PREVIOUS_BALANCE_PLUS_CREDIT {
        capacity(prev.balance, prev.credit, t - 1)
    } else if invariant == V1Laws::CAPACITY_IS_BALANCE_PLUS_CREDIT {
        capacity(next.balance, next.credit, t)
    } else if invariant == V1Laws::TRANSACTION_COUNT_IS_STEP && next.n_transactions != t {
        Err(format!(
            "totalNumTransactions({t}) = {}",
            next.n_transactions
        ))
    } else if invariant == V1Laws::BALANCE_IS_SUM_OF_AMOUNTS && next.balance != e.balance_sum {
        Err(format!(
            "balance({t}) = {:?} but the amounts sum to {:?}",
            next.balance, e.balance_sum
        ))
    } else if invariant == V1Laws::SEND_VOLUME_IS_WINDOW_SUM
        && next.send_volume != e.send_volume_window
    {
        Err(format!(
            "sendVolume({t}) = {} but the last {} positive transactions sum to {}",
            next.send_volume, ctx.sum_volume, e.send_volume_window
        ))
    } else if invariant == V1Laws::AVERAGES_ARE_HISTORY_MEANS {
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
                    "{name}({t}) = {got:?} but the mean over states 0..{} is {want:?} (tolerance {tol:e} x {scale:?})",
                    t - 1
                ));
            }
        }
        Ok(())
    } else {
        Ok(())
    }
}

/// An independent record of a trajectory's history, kept from the states themselves (not
/// from the engine's [`crate::v1::History`]), from which [`Expected`] values are computed.
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
    pub(crate) fn expected(&self, amount: f64) -> Expected {
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
