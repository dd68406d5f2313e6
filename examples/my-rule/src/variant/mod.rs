//! A model of your own: a later version of the CURRENTS notebook, written against the
//! model API as a user would (a [`Model`] with its own state, columns and history), with
//! its own rule ([`VariantRule`]) and user ([`VariantUser`]), registered under the name
//! `variant` ([`registry`]) so that every subcommand of this crate's binary runs it
//! (`cargo run -- simulate --model variant`), and with its own laws and tapes for the
//! invariant harness ([`checks`], feature `harness`).
//!
//! # The variant's semantics
//!
//! State (one user; columns `balance, avgBalance, creditLimit, capacity, sendVolumeOut,
//! avgSendVolumeOut, payment, nTransactions`), genesis all 0 but `creditLimit = −500`,
//! `capacity = 500`. Step t = 1…T, `prev` the state at t − 1:
//!
//! 1. Draw (from the run's generator, in this order): received = `randint(0, 2) == 1`;
//!    `a = avg_amount · (U + 0.5)`; `y = U`, if `y < 0.1` (path `large`):
//!    `a *= uniform(2, 5)`; for a sent payment only, `y = U`, if `y > integrity` (path
//!    `integrity`): `a *= uniform(1, 1/integrity)`; for a sent payment with `clamp` on,
//!    `a = min(a, max(prev.capacity, 0))` (path `clamped`: nothing is sent past the
//!    capacity stored in the previous state, which may be negative). The payment is `±a`.
//! 2. Limit: the rule returns a magnitude `L`; `creditLimit = −round_half_even(L)` (signed,
//!    ≤ 0).
//! 3. `balance = round_half_even(prev.balance + payment)` (an integer every step);
//!    `payment` (column) `= balance − prev.balance`, the amount booked.
//! 4. `capacity = balance − creditLimit`.
//! 5. `sendVolumeOut` = the sum of the last K booked *outgoing* payments up to and
//!    including this one, as a positive number (K = `window`, default 10).
//! 6. `avgBalance`, `avgSendVolumeOut` = the means of `balance`, `sendVolumeOut` over the
//!    states 0…t (this one included). They are O(1) running sums of integers divided by
//!    the count: exact below 2^53, hence bit-identical to `numpy.mean` of the series.
//!
//! The rule ([`VariantRule`]) reads the one-step slope of the average balance kept in the
//! model's history, `slope(t) = avgBalance(t−1) − avgBalance(t−2)` (0 before two states),
//! smooths it, `ŝ(t) = ŝ(t−1) + α·(slope(t) − ŝ(t−1))` with `ŝ(0) = 0`, and moves its
//! own last limit by it: `L(t) = clamp(L(t−1) + gain·ŝ(t), limit_min, limit_max)`. For the
//! first `warmup` transactions the limit stays at the initial magnitude (`ŝ` is still
//! updated, so it is warm when the warm-up ends). A rising average balance earns credit; a
//! falling one costs it.

mod rule;
mod user;
#[cfg(feature = "harness")]
mod checks;

#[cfg(feature = "harness")]
pub use checks::{VARIANT_LAWS, VariantLaws, VariantTapes, checks};
pub use rule::{SlopeMemory, VariantRule};
pub use user::{VariantUser, variant_user};

use std::collections::VecDeque;

use currents::metrics::Metered;
use currents::model::{
    Enforcement, Ledger, LedgerColumn, LedgerColumns, Model, StepError, StepLimits, Value,
    to_int,
};
use currents::params::ParamSpec;
use currents::registry::{ModelType, Registry, generic_rules};

use crate::{MyRule, MyRuleV2};

/// The variant's registry: the model (`variant`), its rule `variant-slope` (the default),
/// the generic rules and your two rules (they read the ledger only, so they run here too),
/// and the user `variant-user`.
pub fn registry() -> Registry<VariantModel> {
    let registry = Registry::new().model().rule::<VariantRule>();
    generic_rules(registry)
        .rule::<MyRule>()
        .rule::<MyRuleV2>()
        .user::<VariantUser>()
}

/// The variant's model: the outgoing-volume window K and the genesis `creditLimit` (≤ 0).
#[derive(Debug, Clone, Copy)]
pub struct VariantModel {
    window: usize,
    credit_limit: i64,
}

/// The model with window `window` (≥ 1) and genesis limit `credit_limit` (≤ 0).
pub fn variant_model(window: usize, credit_limit: i64) -> VariantModel {
    assert!(
        window >= 1 && credit_limit <= 0,
        "window >= 1, credit_limit <= 0"
    );
    VariantModel {
        window,
        credit_limit,
    }
}

/// One state of the variant, in column order.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct VariantState {
    pub balance: i64,
    pub avg_balance: f64,
    pub credit_limit: i64,
    pub capacity: i64,
    pub send_volume_out: i64,
    pub avg_send_volume_out: f64,
    pub payment: i64,
    pub n_transactions: u64,
}

/// What the variant keeps of the states so far: running sums, the last K outgoing
/// payments and the series of `avgBalance` (which the rule reads).
#[derive(Debug, Clone, Default)]
pub struct VariantHistory {
    n_states: i64,
    balance_sum: i64,
    volume_sum: i64,
    outgoing: VecDeque<i64>,
    avg_balance: Vec<f64>,
}

impl VariantHistory {
    /// `avgBalance(t−1) − avgBalance(t−2)` for a history of the states 0…t−1.
    pub fn avg_balance_slope(&self) -> f64 {
        match self.avg_balance[..] {
            [.., a, b] => b - a,
            _ => 0.0,
        }
    }
}

impl Model for VariantModel {
    type State = VariantState;
    type History = VariantHistory;
    type Payment = f64;

    fn name(&self) -> &'static str {
        "variant"
    }

    fn columns(&self) -> Vec<String> {
        [
            "balance",
            "avgBalance",
            "creditLimit",
            "capacity",
            "sendVolumeOut",
            "avgSendVolumeOut",
            "payment",
            "nTransactions",
        ]
        .map(String::from)
        .to_vec()
    }

    fn genesis(&self) -> VariantState {
        VariantState {
            credit_limit: self.credit_limit,
            capacity: -self.credit_limit,
            ..VariantState::default()
        }
    }

    fn history(&self, genesis: &VariantState, _n_steps: u64) -> VariantHistory {
        let mut h = VariantHistory::default();
        self.record(&mut h, genesis);
        h
    }

    fn record(&self, h: &mut VariantHistory, next: &VariantState) {
        h.n_states += 1;
        h.balance_sum += next.balance;
        h.volume_sum += next.send_volume_out;
        h.avg_balance.push(next.avg_balance);
        if next.payment < 0 {
            if h.outgoing.len() == self.window {
                h.outgoing.pop_front();
            }
            h.outgoing.push_back(-next.payment);
        }
    }

    /// Both capacities are the stored one: `balance(t−1) − creditLimit(t−1)`.
    fn enforce(
        &self,
        enforcement: &Enforcement,
        prev: &VariantState,
        _: &VariantHistory,
        amount: f64,
    ) -> Result<f64, StepError> {
        Ok(enforcement.apply(amount, prev.capacity as f64, prev.balance as f64))
    }

    fn step(
        &self,
        prev: &VariantState,
        h: &VariantHistory,
        limits: &StepLimits,
        amount: f64,
    ) -> Result<VariantState, StepError> {
        let balance = to_int("balance", prev.balance as f64 + amount)?;
        let credit_limit = -to_int("creditLimit", limits.first().value)?;
        let payment = balance - prev.balance;
        let out = (-payment).max(0);
        // This payment, if outgoing, pushes the oldest of the last K out of the window.
        let kept = self.window - usize::from(out > 0);
        let send_volume_out = out + h.outgoing.iter().rev().take(kept).sum::<i64>();
        let n = (h.n_states + 1) as f64;
        Ok(VariantState {
            balance,
            avg_balance: (h.balance_sum + balance) as f64 / n,
            credit_limit,
            capacity: balance - credit_limit,
            send_volume_out,
            avg_send_volume_out: (h.volume_sum + send_volume_out) as f64 / n,
            payment,
            n_transactions: prev.n_transactions + 1,
        })
    }

    fn ledger(&self, s: &VariantState, _member: usize) -> Ledger {
        Ledger {
            balance: s.balance as f64,
            limit: -s.credit_limit as f64,
            capacity: s.capacity as f64,
            payment: s.payment as f64,
        }
    }

    fn row(&self, s: &VariantState, out: &mut Vec<Value>) {
        out.extend([
            Value::Int(s.balance),
            Value::Float(s.avg_balance),
            Value::Int(s.credit_limit),
            Value::Int(s.capacity),
            Value::Int(s.send_volume_out),
            Value::Float(s.avg_send_volume_out),
            Value::Int(s.payment),
            Value::Count(s.n_transactions),
        ]);
    }

    /// What `plot` and `report` chart: the balance, the limit (stored signed, so negated),
    /// the capacity, the booked payment and the mean balance.
    fn ledger_columns(&self, member: usize) -> Option<LedgerColumns> {
        (member == 0).then(|| {
            LedgerColumns::new("balance", LedgerColumn::negated("creditLimit"))
                .capacity("capacity")
                .payment("payment")
                .balance_mean("avgBalance")
        })
    }
}

/// The declaration `--model variant` and `model = "variant"` resolve: the window K and the
/// genesis limit, each checked against its range before [`ModelType::from_values`].
impl ModelType for VariantModel {
    const NAME: &'static str = "variant";
    const SUMMARY: &'static str =
        "a later notebook: signed creditLimit, outgoing send-volume window, integer balances";
    const PARAMS: &'static [ParamSpec] = &[
        ParamSpec {
            name: "window",
            default: 10.0,
            min: 1.0,
            max: 10_000.0,
            integer: true,
            doc: "outgoing payments summed in sendVolumeOut (K)",
        },
        ParamSpec {
            name: "credit-limit",
            default: -500.0,
            min: -1e9,
            max: 0.0,
            integer: true,
            doc: "the genesis creditLimit (signed, <= 0)",
        },
    ];

    fn from_values(v: &[f64]) -> Self {
        variant_model(v[0] as usize, v[1] as i64)
    }
}

/// What per-run metrics read beyond the ledger: the booked amount, the send volume and the
/// means whose ratio is the equilibrium figure (`avgBalance / avgSendVolumeOut`).
impl Metered for VariantModel {
    fn amount(&self, payment: &f64) -> f64 {
        *payment
    }
    fn send_volume(&self, s: &VariantState, _member: usize) -> Option<f64> {
        Some(s.send_volume_out as f64)
    }
    fn equilibrium(&self, s: &VariantState, _member: usize) -> Option<(f64, f64)> {
        Some((s.avg_balance, s.avg_send_volume_out))
    }
}
