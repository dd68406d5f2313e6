//! The notebook's parameters ([`Params`]) and a whole V1 simulation ([`SimConfig`]),
//! validated once at construction.
//!
//! Every number V1 accepts has a named range. The ranges are chosen so that no
//! quantity the model computes can leave the range where doubles hold integers exactly
//! (|x| < 2^53): one step moves the balance by at most `30 · avg_amount · max(1, |integrity|)`,
//! so with the maximums below a run of `STEPS_MAX` steps stays below `3·10^15`. Inside that
//! range `int(round(x))`, Python's float/int comparisons and numpy's integer means all have
//! exact Rust counterparts, which is what lets the core promise bit-exact output and never
//! panic on validated input.

use crate::draws::{RngKind, check_numpy_seed};
use crate::params::{ParamError, RUNS_MAX, STEPS_MAX};

/// The smallest accepted average transaction amount (the user's declared minimum).
pub const AVG_AMOUNT_MIN: f64 = 0.001;
/// The largest accepted average transaction amount.
pub const AVG_AMOUNT_MAX: f64 = 1_000_000.0;
/// The largest accepted magnitude of the integrity coefficient.
pub const INTEGRITY_ABS_MAX: f64 = 100.0;
/// The largest accepted send-volume window (`sumVolume`).
pub const SUM_VOLUME_MAX: u64 = STEPS_MAX;
/// The largest accepted initial credit.
pub const INITIAL_CREDIT_MAX: i64 = 1_000_000_000;

/// The notebook's system parameters (one user, one cell of a sweep).
///
/// Construct with [`Params::new`] or [`Params::default`]; fields are read-only so a value
/// of this type is always valid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    integrity: f64,
    avg_amount: f64,
    sum_volume: u64,
    initial_credit: i64,
}

impl Default for Params {
    /// The notebook's defaults: integrity 1, average amount 100, window 30, credit 250.
    fn default() -> Self {
        Params {
            integrity: 1.0,
            avg_amount: 100.0,
            sum_volume: 30,
            initial_credit: 250,
        }
    }
}

impl Params {
    /// Validates and builds the parameters.
    ///
    /// - `integrity`: finite, within ±`INTEGRITY_ABS_MAX` (the notebook's `integrity_coefficient`);
    /// - `avg_amount`: finite, in [0.001, `AVG_AMOUNT_MAX`] (`AVG_ammount`);
    /// - `sum_volume`: the send-volume window, 1 ≤ K ≤ `SUM_VOLUME_MAX` (`sumVolume`);
    /// - `initial_credit`: the genesis credit and capacity, 0 ≤ C ≤ `INITIAL_CREDIT_MAX`.
    pub fn new(
        integrity: f64,
        avg_amount: f64,
        sum_volume: u64,
        initial_credit: i64,
    ) -> Result<Self, ParamError> {
        // The bounds are the declared ones (the user's and the model's parameters), so a
        // value is accepted or refused identically here, in a spec, a sweep and a compare side.
        use crate::registry::UserType as _;
        let user = crate::v1::NotebookUser::PARAMS;
        let model = crate::v1::V1_PARAMS;
        user[0].check(user[0].name, integrity)?;
        user[1].check(user[1].name, avg_amount)?;
        model[0].check(model[0].name, sum_volume as f64)?;
        model[1].check(model[1].name, initial_credit as f64)?;
        Ok(Params {
            integrity,
            avg_amount,
            sum_volume,
            initial_credit,
        })
    }

    /// The integrity coefficient: 1 is balanced; below 1, large outgoing payments appear.
    pub(crate) fn integrity(&self) -> f64 {
        self.integrity
    }
    /// The average transaction amount (`AVG_ammount`).
    pub fn avg_amount(&self) -> f64 {
        self.avg_amount
    }
    /// The send-volume window: how many past positive transactions are summed.
    pub fn sum_volume(&self) -> u64 {
        self.sum_volume
    }
    /// The credit limit (and capacity) at genesis.
    pub fn initial_credit(&self) -> i64 {
        self.initial_credit
    }
}

/// A whole simulation: the model parameters plus how many runs of how many steps, the seed
/// and the generator family. Always valid once built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimConfig {
    params: Params,
    n_steps: u64,
    n_runs: u64,
    seed: u64,
    rng: RngKind,
}

impl SimConfig {
    /// Validates and builds: `1 ≤ n_steps ≤ STEPS_MAX`, `1 ≤ n_runs ≤ RUNS_MAX`, and with
    /// the numpy generator every run's seed `seed + n_runs − 1` must fit numpy's u32 seed.
    pub fn new(
        params: Params,
        n_steps: u64,
        n_runs: u64,
        seed: u64,
        rng: RngKind,
    ) -> Result<Self, ParamError> {
        if !(1..=STEPS_MAX).contains(&n_steps) {
            return Err(ParamError::new(
                "steps",
                n_steps,
                format!("a whole number in [1, {STEPS_MAX}]"),
            ));
        }
        if !(1..=RUNS_MAX).contains(&n_runs) {
            return Err(ParamError::new(
                "runs",
                n_runs,
                format!("a whole number in [1, {RUNS_MAX}]"),
            ));
        }
        if rng == RngKind::Numpy {
            check_numpy_seed(("seed", &seed.to_string(), seed), ("runs", "runs", n_runs))?;
        }
        Ok(SimConfig {
            params,
            n_steps,
            n_runs,
            seed,
            rng,
        })
    }

    /// The model parameters.
    pub(crate) fn params(&self) -> &Params {
        &self.params
    }
    /// Steps per run (timesteps 1..=n_steps follow the genesis row).
    pub(crate) fn n_steps(&self) -> u64 {
        self.n_steps
    }
    /// The simulation's seed.
    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }
    /// The generator family.
    pub(crate) fn rng(&self) -> RngKind {
        self.rng
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_notebooks() {
        let p = Params::default();
        assert_eq!(Params::new(1.0, 100.0, 30, 250), Ok(p));
    }

    #[test]
    fn errors_name_field_value_and_range() {
        let e = Params::new(f64::NAN, 100.0, 30, 250).unwrap_err();
        assert_eq!(e.field, "integrity");
        assert_eq!(e.value, "NaN");
        assert!(
            e.to_string()
                .contains("accepted: a finite number in [-100, 100]"),
            "{e}"
        );
        let e = Params::new(1.0, 100.0, 0, 250).unwrap_err();
        assert_eq!((e.field.as_str(), e.value.as_str()), ("sum-volume", "0"));
    }
}
