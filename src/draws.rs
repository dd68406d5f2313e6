//! Generators and the numpy draw formulas.
//!
//! Both generator families are driven through the same formulas, which are numpy's legacy
//! `RandomState` formulas on 32-bit outputs. With MT19937 seeded by `init_genrand` they give
//! numpy's numbers bit for bit; with ChaCha they give a portable stream of the same shape.
//! Every function takes the generator as an explicit `&mut R`: nothing here owns or hides a
//! generator.

use std::fmt;

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use rand_mt::Mt;

use crate::params::ParamError;

/// The largest seed accepted with the numpy generator (numpy's `RandomState` takes a u32).
pub(crate) const NUMPY_SEED_MAX: u64 = u32::MAX as u64;

/// The one check of numpy's 32-bit seed: runs 1..=`last_run` draw from
/// `RandomState(seed + r − 1)`, so `seed + last_run − 1 ≤ 2^32 − 1`. The seed's range
/// depends on the runs: the error names the seed at `field` (`shown` as written) and states
/// the range these runs leave, `[0, 2^32 − last_run]`; a `last_run` past 2^32 leaves none
/// and is named itself (`run_field`, e.g. `--run`). `runs` is how the message names the
/// count (`runs`, or `run` for one run replayed).
pub(crate) fn check_numpy_seed(
    (field, shown, seed): (&str, &str, u64),
    (run_field, runs, last_run): (&str, &str, u64),
) -> Result<(), ParamError> {
    let Some(max) = NUMPY_SEED_MAX.checked_sub(last_run.saturating_sub(1)) else {
        return Err(ParamError::new(
            run_field,
            last_run,
            format!(
                "with rng numpy, a whole number in [1, {}] so that seed + {runs} - 1 fits numpy's 32-bit seed",
                NUMPY_SEED_MAX + 1
            ),
        ));
    };
    if seed > max {
        return Err(ParamError::new(
            field,
            shown,
            format!(
                "with rng numpy and {runs} {last_run}, a whole number in [0, {max}] so that seed + {runs} - 1 fits numpy's 32-bit seed"
            ),
        ));
    }
    Ok(())
}

/// Which generator family drives the runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RngKind {
    /// ChaCha8 streams derived from (seed, subset, run): portable and order-independent.
    #[default]
    Chacha,
    /// numpy's legacy `RandomState` (MT19937): run r uses `RandomState(seed + r − 1)`.
    Numpy,
}

impl RngKind {
    /// The name used on the command line and in files.
    pub fn name(self) -> &'static str {
        match self {
            RngKind::Chacha => "chacha",
            RngKind::Numpy => "numpy",
        }
    }

    /// Parses `chacha` or `numpy`.
    pub fn parse(s: &str) -> Result<Self, ParamError> {
        match s {
            "chacha" => Ok(RngKind::Chacha),
            "numpy" => Ok(RngKind::Numpy),
            other => Err(ParamError::new(
                "rng",
                format!("{other:?}"),
                "chacha or numpy",
            )),
        }
    }
}

impl fmt::Display for RngKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// numpy's `rand()` (`random_sample`): 53 random bits from two 32-bit outputs, in [0, 1).
#[inline]
pub fn uniform01<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let a = rng.next_u32();
    let b = rng.next_u32();
    uniform01_of(a, b)
}

/// [`uniform01`] of the two 32-bit outputs `a` (drawn first) and `b`: numpy's
/// `((a >> 5) · 2^26 + (b >> 6)) / 2^53`. The batched engine applies it to words it took
/// from a generator's buffer.
#[inline]
pub(crate) fn uniform01_of(a: u32, b: u32) -> f64 {
    (f64::from(a >> 5) * 67_108_864.0 + f64::from(b >> 6)) / 9_007_199_254_740_992.0
}

/// numpy's `randint(0, 2)`: one 32-bit output, its lowest bit (masked rejection with mask 1
/// never rejects).
#[inline]
pub fn randint01<R: Rng + ?Sized>(rng: &mut R) -> u32 {
    rng.next_u32() & 1
}

/// numpy's `uniform(lo, hi)`: `lo + (hi − lo) · rand()`.
#[inline]
pub fn uniform<R: Rng + ?Sized>(rng: &mut R, lo: f64, hi: f64) -> f64 {
    uniform_of(lo, hi, uniform01(rng))
}

/// [`uniform`] of the `rand()` draw `u`: `lo + (hi − lo) · u`.
#[inline]
pub(crate) fn uniform_of(lo: f64, hi: f64, u: f64) -> f64 {
    lo + (hi - lo) * u
}

/// The generator numpy's `RandomState(seed)` holds: MT19937 seeded with `init_genrand`.
///
/// `seed` is numpy's 32-bit seed; run r (1-based) of a simulation with seed S uses
/// `numpy_rng(S + r − 1)`, as the notebook's list of `RandomState(i)` does.
pub fn numpy_rng(seed: u32) -> Mt {
    Mt::new(seed)
}

/// The ChaCha8 stream of run `run` in subset `subset` of a simulation seeded with `seed`.
///
/// The key is `seed` and `subset` (little-endian u64s, then zeros) and the stream number is
/// `run`, so every run's stream depends on those three numbers alone: never on the order in
/// which runs execute or on how many threads execute them.
pub fn chacha_rng(seed: u64, subset: u64, run: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&subset.to_le_bytes());
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(run);
    rng
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform01_is_in_unit_interval() {
        let mut rng = numpy_rng(0);
        for _ in 0..1000 {
            let u = uniform01(&mut rng);
            assert!((0.0..1.0).contains(&u));
        }
    }

    #[test]
    fn chacha_streams_differ_by_run_and_subset() {
        let a = chacha_rng(1, 0, 1).next_u64();
        assert_ne!(a, chacha_rng(1, 0, 2).next_u64());
        assert_ne!(a, chacha_rng(1, 1, 1).next_u64());
        assert_eq!(a, chacha_rng(1, 0, 1).next_u64());
    }
}
