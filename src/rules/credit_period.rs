//! `credit-period`: credit for users in good standing; frozen, then decaying, otherwise.

use super::{AtMost, IncomeWindow, ParamSpec, Rule, to_credit};
use crate::model::{CreditError, CreditPolicy, Cx, Enforcement, Limit, Model};

/// A user is in *good standing* when the balance was ≥ 0 at some state of the last `P`
/// steps, or when the income of the last `P` steps is at least `m` times the debt. In good
/// standing the limit is `clamp(k · income_P, L_min, L_max)`. Out of it, the limit is frozen
/// for `freeze` steps, then shrinks by the fraction `decay` every step. Before `P` steps the
/// credit is kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CreditPeriod {
    /// `P`: the credit period in steps.
    pub period: u64,
    /// `m`: income over the period needed per unit of debt.
    pub m: f64,
    /// `k`: limit per unit of income over the period.
    pub k: f64,
    /// `L_min`.
    pub limit_min: f64,
    /// `L_max`.
    pub limit_max: f64,
    /// Steps the limit stays frozen after standing is lost.
    pub freeze: u64,
    /// Fraction of the limit lost per step after the freeze.
    pub decay: f64,
}

/// What `credit-period` remembers: how long the user has been out of standing, the latest
/// step whose balance was ≥ 0, and the income of the last `P` steps.
#[derive(Debug, Clone, Default)]
pub struct Standing {
    /// Consecutive steps out of good standing (0 = in good standing).
    pub steps_out: u64,
    /// The latest state (by timestep) whose balance was ≥ 0.
    pub(crate) last_non_negative: u64,
    /// The income of the last `P` steps.
    pub(crate) income: IncomeWindow,
}

impl Rule for CreditPeriod {
    const NAME: &'static str = "credit-period";
    const SUMMARY: &'static str = "good standing (balance >= 0 within P steps, or income over P >= m * debt) earns k * income; else freeze, then decay";
    const PARAMS: &'static [ParamSpec] = &[
        ParamSpec {
            name: "period",
            default: 30.0,
            min: 1.0,
            max: 1_000_000.0,
            integer: true,
            doc: "P: steps within which the balance must return to >= 0",
        },
        ParamSpec {
            name: "m",
            default: 0.5,
            min: 0.0,
            max: 1000.0,
            integer: false,
            doc: "income over P needed per unit of debt to stay in standing",
        },
        ParamSpec {
            name: "k",
            default: 1.0,
            min: 0.0,
            max: 100.0,
            integer: false,
            doc: "limit per unit of income over P, in good standing",
        },
        ParamSpec {
            name: "limit-min",
            default: 100.0,
            min: 0.0,
            max: 1e9,
            integer: false,
            doc: "L_min: the lowest limit in good standing",
        },
        ParamSpec {
            name: "limit-max",
            default: 1e6,
            min: 0.0,
            max: 1e9,
            integer: false,
            doc: "L_max: the highest limit",
        },
        ParamSpec {
            name: "freeze",
            default: 14.0,
            min: 0.0,
            max: 1_000_000.0,
            integer: true,
            doc: "steps the limit is frozen after standing is lost",
        },
        ParamSpec {
            name: "decay",
            default: 0.05,
            min: 0.0,
            max: 1.0,
            integer: false,
            doc: "fraction of the limit lost per step after the freeze",
        },
    ];

    const ORDERED: &'static [AtMost] = &[AtMost {
        low: "limit-min",
        high: "limit-max",
    }];

    fn from_values(v: &[f64]) -> Self {
        CreditPeriod {
            period: v[0] as u64,
            m: v[1],
            k: v[2],
            limit_min: v[3],
            limit_max: v[4],
            freeze: v[5] as u64,
            decay: v[6],
        }
    }
}

impl<M: Model> CreditPolicy<M> for CreditPeriod {
    type Memory = Standing;

    fn limit(&self, cx: &Cx<'_, M>, st: &mut Standing) -> Result<Limit, CreditError> {
        let prev = cx.ledger();
        let p = usize::try_from(self.period).unwrap_or(usize::MAX);
        st.income.push(prev.payment, p);
        let n = cx.t.saturating_sub(1);
        if prev.balance >= 0.0 {
            st.last_non_negative = n;
        }
        let kept = |branch| Limit {
            value: prev.limit,
            branch,
        };
        if n < self.period {
            return Ok(kept("warm-up"));
        }
        let income = st.income.sum();
        let debt = (-prev.balance).max(0.0);
        // Some state of t−1−P … t−1 had a balance ≥ 0 (genesis, at 0, counts).
        let good = st.last_non_negative >= n - self.period || income >= self.m * debt;
        if good {
            st.steps_out = 0;
            return Ok(Limit {
                value: to_credit((self.k * income).max(self.limit_min).min(self.limit_max))?,
                branch: "good-standing",
            });
        }
        st.steps_out = st.steps_out.saturating_add(1);
        if st.steps_out <= self.freeze {
            Ok(kept("frozen"))
        } else {
            Ok(Limit {
                value: to_credit(prev.limit * (1.0 - self.decay))?,
                branch: "decay",
            })
        }
    }

    fn enforcement(&self) -> Enforcement {
        Enforcement::CLAMP
    }

    fn branches(&self) -> &'static [&'static str] {
        &["warm-up", "good-standing", "frozen", "decay"]
    }
}
