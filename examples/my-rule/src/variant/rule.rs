//! The variant's rule, `variant-slope`: the last limit moved by the smoothed slope of the
//! average balance (see the module docs of [`super`]).

use currents::model::{CreditError, CreditPolicy, Cx, Limit};
use currents::params::ParamSpec;
use currents::rules::Rule;

use super::VariantModel;

/// The variant's rule: the last limit moved by the smoothed slope of the average balance,
/// clamped to `[limit_min, limit_max]`, after a warm-up (see the top of this file).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VariantRule {
    pub warmup: u64,
    pub alpha: f64,
    pub gain: f64,
    pub limit_min: f64,
    pub limit_max: f64,
}

/// [`VariantRule`]'s memory: the smoothed slope and the last (unrounded) limit.
#[derive(Debug, Default)]
pub struct SlopeMemory {
    slope: f64,
    limit: Option<f64>,
}

const fn spec(
    name: &'static str,
    default: f64,
    max: f64,
    integer: bool,
    doc: &'static str,
) -> ParamSpec {
    ParamSpec {
        name,
        default,
        min: 0.0,
        max,
        integer,
        doc,
    }
}

impl Rule for VariantRule {
    const NAME: &'static str = "variant-slope";
    const SUMMARY: &'static str =
        "last limit moved by the smoothed slope of the average balance, clamped, after a warm-up";
    const PARAMS: &'static [ParamSpec] = &[
        spec(
            "warmup",
            10.0,
            1e6,
            true,
            "transactions before the limit moves",
        ),
        spec("alpha", 0.2, 1.0, false, "smoothing of the slope per step"),
        spec(
            "gain",
            2.0,
            1e3,
            false,
            "limit change per unit of smoothed slope",
        ),
        // Whole bounds, so that the model's rounding keeps the stored limit within them.
        spec(
            "limit-min",
            100.0,
            1e9,
            true,
            "the lowest limit magnitude after warm-up",
        ),
        spec(
            "limit-max",
            1000.0,
            1e9,
            true,
            "the highest limit magnitude after warm-up",
        ),
    ];

    fn from_values(v: &[f64]) -> Self {
        VariantRule {
            warmup: v[0] as u64,
            alpha: v[1],
            gain: v[2],
            limit_min: v[3],
            // A maximum below the minimum means the minimum (`f64::clamp` would panic).
            limit_max: v[4].max(v[3]),
        }
    }
}

impl Default for VariantRule {
    fn default() -> Self {
        VariantRule::from_values(&currents::params::defaults(Self::PARAMS))
    }
}

impl CreditPolicy<VariantModel> for VariantRule {
    type Memory = SlopeMemory;

    fn limit(&self, cx: &Cx<'_, VariantModel>, m: &mut SlopeMemory) -> Result<Limit, CreditError> {
        let slope = cx.history.avg_balance_slope();
        if !slope.is_finite() {
            return Err(CreditError::NonFinite {
                field: "avgBalance slope",
                value: slope,
            });
        }
        m.slope += self.alpha * (slope - m.slope);
        let last = *m.limit.get_or_insert(cx.ledger().limit);
        if cx.prev.n_transactions < self.warmup {
            return Ok(Limit {
                value: last,
                branch: "warm-up",
            });
        }
        let target = last + self.gain * m.slope;
        let value = target.clamp(self.limit_min, self.limit_max);
        m.limit = Some(value);
        let branch = match value {
            v if v > target => "limit-min",
            v if v < target => "limit-max",
            _ => "slope",
        };
        Ok(Limit { value, branch })
    }

    fn branches(&self) -> &'static [&'static str] {
        &["warm-up", "slope", "limit-min", "limit-max"]
    }
}
