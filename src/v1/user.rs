//! User types: how a user transacts, declared as [`crate::rules::Rule`] declares a rule.
//!
//! The V1 notebook has one behaviour, set by the integrity coefficient and the average
//! amount. To ask whether a rule serves different users, a sweep varies the behaviour too:
//! [`NotebookUser`] adds growth of the amounts over time (the notebook's assumption that some
//! users' volume grows) and a spending bias (spenders pay more often than they are paid,
//! hoarders the reverse). Presets name common mixes; every parameter can also be set freely.
//!
//! With zero growth and zero bias, [`NotebookUser`] draws exactly as the notebook does (its
//! draw is in [`crate::v1`]), so the balanced preset reproduces the notebook.

use rand_core::Rng;

use crate::draws::{randint01, uniform, uniform01};
use crate::model::{Behaviour, Cx, Draw};
use crate::params::ParamSpec;
use crate::registry::UserType;

use super::params::{AVG_AMOUNT_MAX, AVG_AMOUNT_MIN};
use super::{History, V1};

/// The built-in behaviour: the notebook's draw with growth and a spending bias.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NotebookUser {
    /// The notebook's integrity coefficient (1 = balanced; below 1, large payments out).
    pub integrity: f64,
    /// The average amount at step 1.
    pub avg_amount: f64,
    /// Growth of the average amount per 365 steps: `avg · (1 + growth)^((t − 1)/365)`.
    pub growth: f64,
    /// Spending bias: the probability of receiving is `0.5 + bias` (negative = spender).
    pub bias: f64,
}

/// Steps per year, for [`NotebookUser::growth`].
pub const STEPS_PER_YEAR: f64 = 365.0;

impl NotebookUser {
    /// The notebook's user of validated `params`: their integrity and average amount, no
    /// growth, no bias.
    pub fn from_params(params: &super::Params) -> Self {
        NotebookUser {
            integrity: params.integrity(),
            avg_amount: params.avg_amount(),
            growth: 0.0,
            bias: 0.0,
        }
    }

    /// The average amount at step `t`.
    #[inline]
    pub(crate) fn avg_amount_at(&self, t: u64) -> f64 {
        if self.growth == 0.0 {
            self.avg_amount
        } else {
            self.avg_amount
                * (1.0 + self.growth).powf((t.saturating_sub(1)) as f64 / STEPS_PER_YEAR)
        }
    }
}

impl Default for NotebookUser {
    fn default() -> Self {
        NotebookUser::from_values(&crate::params::defaults(NotebookUser::PARAMS))
    }
}

impl UserType for NotebookUser {
    const NAME: &'static str = "balanced";
    const SUMMARY: &'static str =
        "the notebook's user: pays and is paid equally often, amounts ~100";
    const PARAMS: &'static [ParamSpec] = &[
        ParamSpec {
            name: "integrity",
            default: 1.0,
            min: -100.0,
            max: 100.0,
            integer: false,
            doc: "the notebook's integrity coefficient (1 = balanced)",
        },
        ParamSpec {
            name: "avg-amount",
            default: 100.0,
            min: AVG_AMOUNT_MIN,
            max: AVG_AMOUNT_MAX,
            integer: false,
            doc: "average payment amount at step 1 (volume)",
        },
        ParamSpec {
            name: "growth",
            default: 0.0,
            min: -0.99,
            max: 100.0,
            integer: false,
            doc: "growth of the average amount per 365 steps (1 = doubles in a year)",
        },
        ParamSpec {
            name: "bias",
            default: 0.0,
            min: -0.5,
            max: 0.5,
            integer: false,
            doc: "spending bias: P(receive) = 0.5 + bias (negative = spender)",
        },
    ];
    fn from_values(v: &[f64]) -> Self {
        NotebookUser {
            integrity: v[0],
            avg_amount: v[1],
            growth: v[2],
            bias: v[3],
        }
    }
}

/// A named user type: a name and its parameter values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preset {
    /// The name configs use.
    pub name: &'static str,
    /// What it models.
    pub(crate) doc: &'static str,
    /// Its behaviour.
    pub behaviour: NotebookUser,
}

const fn preset(
    name: &'static str,
    doc: &'static str,
    avg_amount: f64,
    growth: f64,
    bias: f64,
) -> Preset {
    Preset {
        name,
        doc,
        behaviour: NotebookUser {
            integrity: 1.0,
            avg_amount,
            growth,
            bias,
        },
    }
}

/// The named user types, in the order `currents policies` lists them.
pub const PRESETS: [Preset; 6] = [
    preset(
        "balanced",
        "the notebook's user: pays and is paid equally often, amounts ~100",
        100.0,
        0.0,
        0.0,
    ),
    preset(
        "spender",
        "pays more often than paid: P(receive) = 0.45",
        100.0,
        0.0,
        -0.05,
    ),
    preset(
        "hoarder",
        "is paid more often than pays: P(receive) = 0.55",
        100.0,
        0.0,
        0.05,
    ),
    preset(
        "growing",
        "balanced, amounts double every 365 steps (assumption 2)",
        100.0,
        1.0,
        0.0,
    ),
    preset("high-volume", "balanced, amounts ~1000", 1000.0, 0.0, 0.0),
    preset("low-volume", "balanced, amounts ~10", 10.0, 0.0, 0.0),
];

/// Looks a preset up by name.
pub fn find_preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

/// The path names of [`NotebookUser`]'s draws (bit `i` of [`Draw::paths`] = name `i`).
pub const NOTEBOOK_PATHS: [&str; 3] = ["large-incoming", "large-outgoing", "integrity"];

/// `x < n` with Python's exact float/int comparison (no rounding of `n` to a double).
#[inline]
pub fn f64_lt_i64(x: f64, n: i64) -> bool {
    // Up to 2^53 in magnitude `n` is an exact double, so the float comparison is exact (and
    // false for NaN); the usual case, without the `floor` call below.
    if n.unsigned_abs() <= 1 << 53 {
        x < n as f64
    } else if x.is_nan() {
        false
    } else if x < -9_223_372_036_854_775_808.0 {
        true
    } else if x >= 9_223_372_036_854_775_808.0 {
        false
    } else {
        // For an integer n, x < n exactly when floor(x) < n; floor(x) fits an i64 here.
        (x.floor() as i64) < n
    }
}

impl NotebookUser {
    /// The notebook's draw, consuming the generator exactly as the notebook does, against
    /// the capacity stored in the previous state.
    ///
    /// Four draws, or five on the integrity path: the sign (`randint(0, 2)`, 0 → sent; with
    /// a bias, `U < 0.5 + bias` → received), the amount `avg · (U + 0.5)`, the
    /// large-transaction test, the integrity test and, on that path,
    /// `uniform(−1, integrity)`. The capacity checks compare the *signed* amount with the
    /// previous capacity, exactly as in the notebook, so they cap large incoming amounts
    /// but let large outgoing ones through.
    #[inline]
    pub fn draw_at<R: Rng + ?Sized>(&self, rng: &mut R, t: u64, capacity_prev: i64) -> Draw<f64> {
        let received = if self.bias == 0.0 {
            randint01(rng) == 1
        } else {
            uniform01(rng) < 0.5 + self.bias
        };
        let sign = if received { 1.0 } else { -1.0 };
        let mut amount = self.avg_amount_at(t) * (uniform01(rng) + 0.5);
        amount *= sign;
        let y = uniform01(rng);
        // Both tests evaluated (`&`, not `&&`) and the amount selected: one step in ten takes
        // the large path at random, which as a branch would be mispredicted that often.
        let big = amount * 2.0 * y;
        let large = (y > 0.9) & f64_lt_i64(big, capacity_prev);
        amount = if large { big } else { amount };
        let mut paths = 0;
        let y = uniform01(rng);
        if y > self.integrity {
            let big = amount * 10.0;
            if f64_lt_i64(big, capacity_prev) {
                amount = big * uniform(rng, -1.0, self.integrity);
                paths |= 4;
            }
        }
        Draw {
            payment: amount,
            paths: paths | large_paths(large, amount),
        }
    }
}

/// The [`NOTEBOOK_PATHS`] bits of a draw that took the large path (`large`) and ended at
/// `amount`: large-incoming (bit 0) or large-outgoing (bit 1) by the sign of the amount.
///
/// The large path keeps the sign of the drawn amount; the integrity path (bit 2) multiplies
/// by a uniform draw and so can change it, hence one integrity path regardless of sign.
#[inline]
pub(crate) fn large_paths(large: bool, amount: f64) -> u32 {
    u32::from(large & (amount > 0.0)) | (u32::from(large & (amount < 0.0)) << 1)
}

impl<H: History> Behaviour<V1<H>> for NotebookUser {
    type Memory = ();

    #[inline]
    fn draw<R: Rng + ?Sized>(&self, cx: &Cx<'_, V1<H>>, rng: &mut R, _: &mut ()) -> Draw<f64> {
        self.draw_at(rng, cx.t, cx.prev.capacity)
    }

    fn paths(&self) -> &'static [&'static str] {
        &NOTEBOOK_PATHS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_is_in_range() {
        for p in PRESETS {
            let b = p.behaviour;
            let v = [b.integrity, b.avg_amount, b.growth, b.bias];
            for (spec, x) in NotebookUser::PARAMS.iter().zip(v) {
                assert_eq!(spec.check(spec.name, x), Ok(x), "{}", p.name);
            }
        }
    }
}
