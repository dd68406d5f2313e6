//! The state of one user, as the notebook's eight cadCAD variables.

use crate::v1::Params;

/// One row of the notebook's state: the user's balance and the quantities the credit rule
/// reads. Types follow the notebook: balance and the two means are floats; counts, credit,
/// capacity, transaction and send volume are integers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct State {
    /// `userBalance`: the running sum of the *unrounded* transaction amounts.
    pub balance: f64,
    /// `avgUserBalance`: the mean of `balance` over the states before this one.
    pub balance_mean: f64,
    /// `totalNumTransactions`: the number of steps taken.
    pub n_transactions: u64,
    /// `userCredit`: the credit limit.
    pub credit: i64,
    /// `userCapacity`: the previous balance plus the previous credit, rounded.
    pub capacity: i64,
    /// `sendVolume`: the sum of the last `sum_volume` positive transactions before this state.
    pub send_volume: i64,
    /// `avgSendVolume`: the mean of `send_volume` over the states before this one.
    pub send_volume_mean: f64,
    /// `transaction`: this step's amount rounded half to even; positive = received.
    pub transaction: i64,
}

impl State {
    /// The state at timestep 0: zero balance, credit and capacity at the initial credit.
    pub fn genesis(params: &Params) -> Self {
        State {
            balance: 0.0,
            balance_mean: 0.0,
            n_transactions: 0,
            credit: params.initial_credit(),
            capacity: params.initial_credit(),
            send_volume: 0,
            send_volume_mean: 0.0,
            transaction: 0,
        }
    }

    /// True when every float field is finite.
    pub(crate) fn is_finite(&self) -> bool {
        self.balance.is_finite()
            && self.balance_mean.is_finite()
            && self.send_volume_mean.is_finite()
    }
}
