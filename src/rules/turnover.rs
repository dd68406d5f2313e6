//! `turnover`: a limit proportional to recent incoming volume, damped by imbalance.

use super::{AtMost, IncomeWindow, ParamSpec, Rule, to_credit};
use crate::model::{CreditError, CreditPolicy, Cx, Enforcement, Limit, Model};

/// `L* = clamp(k·S_W·max(0, 1 − (s/s0)²), L_min, L_max)` with `S_W` the incoming volume of
/// the last `W` steps and `s = balance / S_W`; then `L ← L + α(L* − L)`, the change capped
/// at `±ρ·max(L, L_min, 1)`, rounded half to even. Before `W` steps the credit is kept.
///
/// `S_W` counts *incoming* payments (positive transactions), as the notebook's send volume
/// does: income is what repays a debt, so credit backed by income is credit the user can
/// carry; a limit grown by outgoing volume would reward the spending that creates debt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Turnover {
    /// `k`: limit per unit of incoming volume.
    pub(crate) k: f64,
    /// `W`: the volume window in steps.
    pub window: u64,
    /// `s0`: the normalised balance at which the limit reaches `L_min`.
    pub(crate) s0: f64,
    /// `L_min`.
    pub limit_min: f64,
    /// `L_max`.
    pub(crate) limit_max: f64,
    /// `α`: smoothing.
    pub(crate) alpha: f64,
    /// `ρ`: the largest relative change per step.
    pub rho: f64,
}

impl Rule for Turnover {
    const NAME: &'static str = "turnover";
    const SUMMARY: &'static str = "limit ~ k * incoming volume of the last W steps, damped by (balance/volume)^2, smoothed and rate-capped";
    const PARAMS: &'static [ParamSpec] = &[
        ParamSpec {
            name: "k",
            default: 1.0,
            min: 0.0,
            max: 100.0,
            integer: false,
            doc: "limit per unit of incoming volume over the window",
        },
        ParamSpec {
            name: "window",
            default: 30.0,
            min: 1.0,
            max: 1_000_000.0,
            integer: true,
            doc: "W: steps of incoming volume counted (S_W)",
        },
        ParamSpec {
            name: "s0",
            default: 1.0,
            min: 0.001,
            max: 1000.0,
            integer: false,
            doc: "normalised balance |balance / S_W| at which the limit falls to limit-min",
        },
        ParamSpec {
            name: "limit-min",
            default: 50.0,
            min: 0.0,
            max: 1e9,
            integer: false,
            doc: "L_min: the lowest target limit",
        },
        ParamSpec {
            name: "limit-max",
            default: 1e6,
            min: 0.0,
            max: 1e9,
            integer: false,
            doc: "L_max: the highest target limit",
        },
        ParamSpec {
            name: "alpha",
            default: 0.2,
            min: 0.0,
            max: 1.0,
            integer: false,
            doc: "smoothing: fraction of the gap to the target closed per step",
        },
        ParamSpec {
            name: "rho",
            default: 0.1,
            min: 0.0,
            max: 10.0,
            integer: false,
            doc: "largest change per step, relative to max(L, limit-min, 1)",
        },
    ];

    const ORDERED: &'static [AtMost] = &[AtMost {
        low: "limit-min",
        high: "limit-max",
    }];

    fn from_values(v: &[f64]) -> Self {
        Turnover {
            k: v[0],
            window: v[1] as u64,
            s0: v[2],
            limit_min: v[3],
            limit_max: v[4],
            alpha: v[5],
            rho: v[6],
        }
    }
}

impl<M: Model> CreditPolicy<M> for Turnover {
    type Memory = IncomeWindow;

    fn limit(&self, cx: &Cx<'_, M>, income: &mut IncomeWindow) -> Result<Limit, CreditError> {
        let prev = cx.ledger();
        let window = usize::try_from(self.window).unwrap_or(usize::MAX);
        income.push(prev.payment, window);
        let limit = prev.limit;
        if cx.t.saturating_sub(1) < self.window {
            return Ok(Limit {
                value: limit,
                branch: "warm-up",
            });
        }
        let volume = income.sum();
        let damping = if volume > 0.0 {
            let s = prev.balance / volume / self.s0;
            (1.0 - s * s).max(0.0)
        } else {
            0.0
        };
        // An inverted range (limit-min > limit-max) resolves to limit-max.
        let target = (self.k * volume * damping)
            .max(self.limit_min)
            .min(self.limit_max);
        let cap = self.rho * limit.max(self.limit_min).max(1.0);
        // max/min, not clamp: a NaN cap (rho = 0 with an infinite limit) must not panic.
        let change = (self.alpha * (target - limit)).max(-cap).min(cap);
        Ok(Limit {
            value: to_credit(limit + change)?,
            branch: "smoothed",
        })
    }

    fn enforcement(&self) -> Enforcement {
        Enforcement::CLAMP
    }

    fn branches(&self) -> &'static [&'static str] {
        &["warm-up", "smoothed"]
    }
}
