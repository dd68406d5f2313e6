//! The variant's user, `variant-user`: amounts around a mean, inflated by low integrity,
//! optionally clamped to the stored capacity (see the module docs of [`super`]).

use currents::draws;
use currents::model::{Behaviour, Cx, Draw};
use currents::params::ParamSpec;
use currents::rand_core::Rng;
use currents::registry::UserType;

use super::VariantModel;

/// The variant's user (see the draw at the top of this file). `integrity` is in (0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VariantUser {
    pub avg_amount: f64,
    pub integrity: f64,
    pub clamp: bool,
}

/// A user drawing amounts around `avg_amount` with `integrity`, clamped or not.
pub fn variant_user(avg_amount: f64, integrity: f64, clamp: bool) -> VariantUser {
    assert!(integrity > 0.0 && integrity <= 1.0, "integrity in (0, 1]");
    VariantUser {
        avg_amount,
        integrity,
        clamp,
    }
}

impl Behaviour<VariantModel> for VariantUser {
    type Memory = ();

    fn draw<R: Rng + ?Sized>(
        &self,
        cx: &Cx<'_, VariantModel>,
        rng: &mut R,
        _: &mut (),
    ) -> Draw<f64> {
        let received = draws::randint01(rng) == 1;
        let mut a = self.avg_amount * (draws::uniform01(rng) + 0.5);
        let mut paths = 0;
        if draws::uniform01(rng) < 0.1 {
            a *= draws::uniform(rng, 2.0, 5.0);
            paths |= 1;
        }
        if !received && draws::uniform01(rng) > self.integrity {
            a *= draws::uniform(rng, 1.0, 1.0 / self.integrity);
            paths |= 2;
        }
        let capacity = cx.prev.capacity.max(0) as f64;
        if !received && self.clamp && a > capacity {
            a = capacity;
            paths |= 4;
        }
        let payment = if received { a } else { -a };
        Draw { payment, paths }
    }

    fn paths(&self) -> &'static [&'static str] {
        &["large", "integrity", "clamped"]
    }
}

/// The declaration `--user variant-user` resolves; the notebook's mean amount, integrity
/// 0.5 (its low-integrity user) and the clamp on.
impl UserType for VariantUser {
    const NAME: &'static str = "variant-user";
    const SUMMARY: &'static str =
        "amounts around avg-amount, inflated with probability 1 - integrity, clamped to capacity";
    const PARAMS: &'static [ParamSpec] = &[
        ParamSpec {
            name: "avg-amount",
            default: 100.0,
            min: 0.0,
            max: 1e9,
            integer: false,
            doc: "the mean payment size",
        },
        ParamSpec {
            name: "integrity",
            default: 0.5,
            min: 0.01,
            max: 1.0,
            integer: false,
            doc: "probability that a sent payment is not inflated",
        },
        ParamSpec {
            name: "clamp",
            default: 1.0,
            min: 0.0,
            max: 1.0,
            integer: true,
            doc: "1: nothing is sent past the stored capacity; 0: no clamp",
        },
    ];

    fn from_values(v: &[f64]) -> Self {
        variant_user(v[0], v[1], v[2] == 1.0)
    }
}
