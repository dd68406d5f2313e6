//! User types: how a user transacts, as a trait of the same shape as [`crate::rules::Rule`].
//!
//! The V1 notebook has one behaviour, set by the integrity coefficient and the average
//! amount. To ask whether a rule serves different users, a sweep varies the behaviour too:
//! [`Behaviour`] adds growth of the amounts over time (the notebook's assumption that some
//! users' volume grows) and a spending bias (spenders pay more often than they are paid,
//! hoarders the reverse). Presets name common mixes; every parameter can also be set freely.
//!
//! With zero growth and zero bias, [`Behaviour`] draws exactly as [`crate::draw_amount`]
//! (same generator outputs in the same order), so the balanced preset reproduces the
//! notebook.

use rand_core::Rng;

use crate::draws::{randint01, uniform, uniform01};
use crate::model::f64_lt_i64;
use crate::params::AVG_AMOUNT_MAX;
use crate::rules::ParamSpec;
use crate::state::State;

/// What a user type sees when drawing the payment of step `t`.
#[derive(Debug, Clone, Copy)]
pub struct UserContext<'a> {
    /// The step being drawn (1-based).
    pub t: u64,
    /// The state at `t − 1`; the notebook's capacity checks read `prev.capacity`.
    pub prev: &'a State,
}

/// A transaction behaviour: declared parameters, optional state, one draw per step.
pub trait UserType: Sized {
    /// The declared parameters, in the order [`UserType::from_values`] receives them.
    const PARAMS: &'static [ParamSpec];
    /// The behaviour's own state, carried between steps.
    type State: Clone + Default + std::fmt::Debug;
    /// Builds the behaviour from checked values (same order as [`UserType::PARAMS`]).
    fn from_values(values: &[f64]) -> Self;
    /// Draws this step's payment (unrounded; positive = received) from `rng`.
    fn draw<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        ctx: &UserContext<'_>,
        state: &mut Self::State,
    ) -> f64;
}

/// The built-in behaviour: the notebook's draw with growth and a spending bias.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Behaviour {
    /// The notebook's integrity coefficient (1 = balanced; below 1, large payments out).
    pub integrity: f64,
    /// The average amount at step 1.
    pub avg_amount: f64,
    /// Growth of the average amount per 365 steps: `avg · (1 + growth)^((t − 1)/365)`.
    pub growth: f64,
    /// Spending bias: the probability of receiving is `0.5 + bias` (negative = spender).
    pub bias: f64,
}

/// Steps per year, for [`Behaviour::growth`].
pub const STEPS_PER_YEAR: f64 = 365.0;

impl Behaviour {
    /// The average amount at step `t`.
    pub fn avg_amount_at(&self, t: u64) -> f64 {
        if self.growth == 0.0 {
            self.avg_amount
        } else {
            self.avg_amount
                * (1.0 + self.growth).powf((t.saturating_sub(1)) as f64 / STEPS_PER_YEAR)
        }
    }

    /// The largest average amount reached in `n_steps` steps (checked against
    /// `AVG_AMOUNT_MAX` by the sweep, so amounts stay far below 2^53).
    pub fn avg_amount_max(&self, n_steps: u64) -> f64 {
        self.avg_amount_at(1).max(self.avg_amount_at(n_steps))
    }
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour::from_values(&crate::rules::defaults(Behaviour::PARAMS))
    }
}

impl UserType for Behaviour {
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
            min: 0.001,
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
    type State = ();

    fn from_values(v: &[f64]) -> Self {
        Behaviour {
            integrity: v[0],
            avg_amount: v[1],
            growth: v[2],
            bias: v[3],
        }
    }

    /// The notebook's draw (see [`crate::draw_amount`]) with the average amount of step `t`
    /// and, when `bias ≠ 0`, the sign drawn as `U < 0.5 + bias` (received) instead of
    /// `randint(0, 2)`.
    fn draw<R: Rng + ?Sized>(&self, rng: &mut R, ctx: &UserContext<'_>, _: &mut ()) -> f64 {
        let received = if self.bias == 0.0 {
            randint01(rng) == 1
        } else {
            uniform01(rng) < 0.5 + self.bias
        };
        let sign = if received { 1.0 } else { -1.0 };
        let capacity_prev = ctx.prev.capacity;
        let mut amount = self.avg_amount_at(ctx.t) * (uniform01(rng) + 0.5);
        amount *= sign;
        let y = uniform01(rng);
        if y > 0.9 {
            let big = amount * 2.0 * y;
            if f64_lt_i64(big, capacity_prev) {
                amount = big;
            }
        }
        let y = uniform01(rng);
        if y > self.integrity {
            let big = amount * 10.0;
            if f64_lt_i64(big, capacity_prev) {
                amount = big * uniform(rng, -1.0, self.integrity);
            }
        }
        amount
    }
}

/// A named user type: a name and its parameter values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preset {
    /// The name configs use.
    pub name: &'static str,
    /// What it models.
    pub doc: &'static str,
    /// Its behaviour.
    pub behaviour: Behaviour,
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
        behaviour: Behaviour {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draws::numpy_rng;
    use crate::params::Params;

    #[test]
    fn balanced_draw_consumes_the_generator_as_draw_amount() {
        let b = Behaviour::default();
        let params = Params::default();
        let (mut r1, mut r2) = (numpy_rng(3), numpy_rng(3));
        let mut prev = State::genesis(&params);
        for (i, cap) in [250i64, -40, 0, 5000, 90, 1]
            .iter()
            .cycle()
            .take(600)
            .enumerate()
        {
            prev.capacity = *cap;
            let a = b.draw(
                &mut r1,
                &UserContext {
                    t: i as u64 + 1,
                    prev: &prev,
                },
                &mut (),
            );
            let e = crate::model::draw_amount(&mut r2, &params, *cap).amount;
            assert_eq!(a.to_bits(), e.to_bits(), "draw {i}");
        }
    }

    #[test]
    fn every_preset_is_in_range() {
        for p in PRESETS {
            let b = p.behaviour;
            let v = [b.integrity, b.avg_amount, b.growth, b.bias];
            for (spec, x) in Behaviour::PARAMS.iter().zip(v) {
                assert_eq!(spec.check(spec.name, x), Ok(x), "{}", p.name);
            }
        }
    }
}
