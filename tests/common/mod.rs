//! Shared settings of the property suites: case counts and seeds from the environment.
//!
//! - `CURRENTS_CASES=N` sets the cases per property (default 256, what CI runs).
//! - `CURRENTS_SEED=N` sets the seed (default fixed, so CI is deterministic);
//!   `CURRENTS_SEED=random` draws a fresh seed and prints it, to explore new cases.

#![allow(dead_code)]

pub mod exact_law;

use proptest::test_runner::{Config, FileFailurePersistence, RngAlgorithm, RngSeed};

/// The seed CI uses.
pub const SEED_DEFAULT: u64 = 20_260_101;

/// Cases per property: `CURRENTS_CASES`, default 256.
pub fn cases() -> u32 {
    std::env::var("CURRENTS_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(256)
}

/// The suite's seed: `CURRENTS_SEED` (a number, or `random` for a fresh one, printed).
pub fn seed() -> u64 {
    match std::env::var("CURRENTS_SEED")
        .ok()
        .as_deref()
        .map(str::trim)
    {
        Some("random") => {
            let state = std::collections::hash_map::RandomState::new();
            let s = std::hash::BuildHasher::hash_one(&state, 0u64);
            eprintln!("CURRENTS_SEED=random: rerun with CURRENTS_SEED={s}");
            s
        }
        Some(v) => v.parse().unwrap_or(SEED_DEFAULT),
        None => SEED_DEFAULT,
    }
}

/// A proptest configuration with `cases()` cases and the fixed (or chosen) seed. Failures
/// are persisted to `regressions` (a file under `proptest-regressions/`, committed; cargo
/// runs tests from the package root) and replayed first on every run.
pub fn proptest_config(regressions: &'static str) -> Config {
    Config {
        cases: cases(),
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(seed()),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(regressions))),
        ..Config::default()
    }
}
