//! The harness's bookkeeping per invariant of the catalog ([`crate::catalog`]), and V1's
//! own step laws ([`super::V1Laws`], checked by [`check_step`] against an independent
//! [`Record`]).

use crate::catalog::Invariant;
use crate::numeric::{numpy_mean, round_half_even};
use crate::v1::State;

use super::laws::V1Laws;

/// Values per invariant, keyed by name, in the order of the list they were made from
/// (then any other invariant in the order first seen).
#[derive(Debug, Clone)]
pub(crate) struct ByInvariant<T> {
    entries: Vec<(Invariant, T)>,
}

impl<T: Default> ByInvariant<T> {
    /// A default value for each of `list`.
    pub fn new(list: &[Invariant]) -> Self {
        ByInvariant {
            entries: list.iter().map(|&i| (i, T::default())).collect(),
        }
    }

    /// The value of `invariant`, added (default) at the end when it is not listed.
    pub fn entry(&mut self, invariant: Invariant) -> &mut T {
        let k = match self.entries.iter().position(|(i, _)| *i == invariant) {
            Some(k) => k,
            None => {
                self.entries.push((invariant, T::default()));
                self.entries.len() - 1
            }
        };
        &mut self.entries[k].1
    }
}

impl<T> ByInvariant<T> {
    /// The value of the invariant named `name`, when listed.
    pub fn get(&self, name: &str) -> Option<&T> {
        self.entries
            .iter()
            .find(|(i, _)| i.name() == name)
            .map(|(_, v)| v)
    }

    /// Every invariant and its value, in order.
    pub fn iter(&self) -> impl Iterator<Item = (Invariant, &T)> {
        self.entries.iter().map(|(i, v)| (*i, v))
    }

    /// Every value, in order.
    pub fn into_values(self) -> impl Iterator<Item = (Invariant, T)> {
        self.entries.into_iter()
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
    /// Relative tolerance of [`V1Laws::AVERAGES_ARE_HISTORY_MEANS`]: a mean may differ
    /// from numpy's by `tolerance · mean(|values|)`. 0 demands bit-exact means.
    pub mean_tolerance: f64,
}

/// Checks one of V1's step invariants; `Err` carries a one-line description of the
/// violation. The generic invariants ([`crate::catalog::check_step`]), rule and run invariants always
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
