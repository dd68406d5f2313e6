//! The seam between the step and the history it summarises.
//!
//! The notebook rescans the whole history every step: the send volume, and two means over
//! every state so far. [`History`] hides how that summary is kept. [`ExactHistory`] keeps
//! the history and recomputes the means exactly as numpy does (pairwise summation), so it
//! is bit-exact with cadCAD at O(t) work per step. A running O(1) form can sit beside it
//! behind the same trait.

use crate::model::HistoryView;
use crate::numeric::pairwise_sum;
use crate::state::State;

/// A record of the states so far that can summarise itself for the next step.
pub trait History {
    /// Appends the newest state (genesis first).
    fn push(&mut self, state: &State);
    /// The summary of every state pushed so far, for a window of `sum_volume`.
    fn view(&self, sum_volume: u64) -> HistoryView;
    /// How many states have been pushed.
    fn len(&self) -> usize;
    /// True when nothing has been pushed.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The history kept in full, summarised as numpy would: bit-exact, O(t) per step.
///
/// The balance mean is numpy's pairwise sum divided by the count. The send-volume mean is
/// the exact integer sum divided by the count: numpy sums those (integer-valued) doubles
/// pairwise too, but every partial sum is an integer below 2^53 under validated parameters,
/// so any order gives the exact sum and the same double.
#[derive(Debug, Clone, Default)]
pub struct ExactHistory {
    balances: Vec<f64>,
    send_volume_sum: i128,
    positives: Vec<i64>,
}

impl ExactHistory {
    /// An empty history with room for `capacity` states.
    pub fn with_capacity(capacity: usize) -> Self {
        ExactHistory {
            balances: Vec::with_capacity(capacity),
            send_volume_sum: 0,
            positives: Vec::new(),
        }
    }

    /// Forgets every state, keeping the allocations.
    pub fn clear(&mut self) {
        self.balances.clear();
        self.send_volume_sum = 0;
        self.positives.clear();
    }
}

impl History for ExactHistory {
    fn push(&mut self, state: &State) {
        self.balances.push(state.balance);
        self.send_volume_sum += i128::from(state.send_volume);
        if state.transaction > 0 {
            self.positives.push(state.transaction);
        }
    }

    fn view(&self, sum_volume: u64) -> HistoryView {
        let n = self.balances.len() as f64;
        let k = usize::try_from(sum_volume)
            .unwrap_or(usize::MAX)
            .min(self.positives.len());
        let window = self.positives[self.positives.len() - k..]
            .iter()
            .fold(0i64, |a, &b| a.saturating_add(b));
        HistoryView {
            balance_mean: pairwise_sum(&self.balances) / n,
            send_volume_mean: self.send_volume_sum as f64 / n,
            send_volume_window: window,
        }
    }

    fn len(&self) -> usize {
        self.balances.len()
    }
}
