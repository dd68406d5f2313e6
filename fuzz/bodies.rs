//! The bodies of the fuzz targets: bytes → a shaped input → a property check.
//!
//! This file is compiled twice: into each fuzz target (`fuzz/fuzz_targets/*.rs`, nightly,
//! libFuzzer) and into the stable replay test (`tests/fuzz_replay.rs`), so the fuzzer and
//! `cargo test` run exactly the same code on a corpus file. Bytes are read with
//! `arbitrary::Unstructured`; when they run out, every read gives zero, so every byte
//! string is a valid input. Parameters are drawn inside the limits `Params::new` accepts
//! (the constants of `currents::params`), and a property that fails panics with the law's
//! name, which is what libFuzzer records as a crash.

#![allow(dead_code)]

use arbitrary::{Result, Unstructured};
use currents::fuzzing::{check_config, check_rounding};
use currents::registry::Registry;
use currents::v1::HistoryView;
use currents::v1::Params;
use currents::v1::V1;
use currents::v1::csv::Row;
use currents::v1::fuzzing::{
    TAPE_LEN_MAX, TapeEntry, amount_bound, check_credit_formula, check_csv_roundtrip,
    check_step_any, check_step_tape,
};
use currents::v1::params::{
    AVG_AMOUNT_MAX, AVG_AMOUNT_MIN, INITIAL_CREDIT_MAX, INTEGRITY_ABS_MAX, SUM_VOLUME_MAX,
};
use currents::v1::{CreditInput, State, V1Rule};

/// A target's body: runs the property check on one input, panicking on a violation.
pub type Body = fn(&[u8]);

/// The fuzz targets by name, as `fuzz/Cargo.toml` and `fuzz/corpus/` spell them.
pub const TARGETS: [(&str, Body); 4] = [
    ("credit_formula", credit_formula),
    ("step", step),
    ("config", config),
    ("csv_roundtrip", csv_roundtrip),
];

fn fail(result: std::result::Result<(), currents::fuzzing::Violation>) {
    if let Err(v) = result {
        panic!("{v}");
    }
}

/// Doubles worth trying on purpose: signed zeros, the smallest and largest magnitudes,
/// the edges of `i64` and of exact integers, and values next to decimal ties.
const SPECIAL_F64: [f64; 20] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::MIN_POSITIVE,
    5e-324,
    -5e-324,
    f64::MAX,
    f64::MIN,
    9_007_199_254_740_992.0,
    9_223_372_036_854_775_808.0,
    -9_223_372_036_854_775_808.0,
    9_223_372_036_854_774_784.0,
    0.005,
    -0.005,
    2.675,
    1e154,
];

/// Any double: a special value, raw bits, or an ordinary number with a fractional part.
fn any_f64(u: &mut Unstructured) -> Result<f64> {
    let sel: u8 = u.arbitrary()?;
    Ok(match sel {
        0..=39 => SPECIAL_F64[usize::from(sel) % SPECIAL_F64.len()],
        40..=119 => f64::from_bits(u.arbitrary()?),
        _ => f64::from(u.arbitrary::<i32>()?) / 64.0,
    })
}

/// A double in `[lo, hi]`: an end, a raw value that falls inside, or a point in between.
fn f64_in(u: &mut Unstructured, lo: f64, hi: f64, specials: &[f64]) -> Result<f64> {
    let sel: u8 = u.arbitrary()?;
    let x = match sel {
        0..=63 => specials[usize::from(sel) % specials.len()],
        64..=95 => {
            let raw = f64::from_bits(u.arbitrary()?);
            if (lo..=hi).contains(&raw) { raw } else { lo }
        }
        _ => lo + (hi - lo) * (f64::from(u.arbitrary::<u32>()?) / f64::from(u32::MAX)),
    };
    Ok(x.clamp(lo, hi))
}

/// An integer in `[lo, hi]`, mostly small (the interesting windows and counts are).
fn u64_in(u: &mut Unstructured, lo: u64, hi: u64) -> Result<u64> {
    let sel: u8 = u.arbitrary()?;
    Ok(match sel {
        0..=191 => lo + u64::from(u.arbitrary::<u8>()? % 64).min(hi - lo),
        192..=223 => hi,
        _ => u.int_in_range(lo..=hi)?,
    })
}

/// Validated parameters drawn inside the limits `Params::new` accepts.
fn params(u: &mut Unstructured) -> Result<Params> {
    let integrity = f64_in(
        u,
        -INTEGRITY_ABS_MAX,
        INTEGRITY_ABS_MAX,
        &[
            1.0,
            0.8,
            0.5,
            0.3,
            0.0,
            -1.0,
            INTEGRITY_ABS_MAX,
            -INTEGRITY_ABS_MAX,
        ],
    )?;
    let avg_amount = f64_in(
        u,
        AVG_AMOUNT_MIN,
        AVG_AMOUNT_MAX,
        &[
            100.0,
            250.0,
            50.0,
            1000.0,
            1.0,
            AVG_AMOUNT_MAX,
            AVG_AMOUNT_MIN,
        ],
    )?;
    let sum_volume = u64_in(u, 1, SUM_VOLUME_MAX)?;
    let initial_credit = u64_in(u, 0, INITIAL_CREDIT_MAX as u64)? as i64;
    let initial_credit = if u.arbitrary::<bool>()? {
        250
    } else {
        initial_credit
    };
    // Values inside the documented limits must be accepted: a refusal is itself a failure.
    Ok(
        Params::new(integrity, avg_amount, sum_volume, initial_credit)
            .unwrap_or_else(|e| panic!("law `limits_are_accepted` violated: {e}")),
    )
}

/// credit_formula: the V1 rule (the notebook's constants, or arbitrary ones) on arbitrary
/// means, counts and previous credit; then the rounding helpers on the same values.
pub fn credit_formula(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok((rule, input, digits)) = (|| -> Result<_> {
        let rule = if u.ratio(3, 4)? {
            V1Rule::default()
        } else {
            V1Rule {
                quad_coef: any_f64(&mut u)?,
                intercept: any_f64(&mut u)?,
                warmup: u64_in(&mut u, 0, u64::MAX)?,
                round_digits: u.arbitrary()?,
            }
        };
        let credit_prev = match u.arbitrary::<u8>()? {
            0..=199 => 250,
            200..=239 => i64::from(u.arbitrary::<u16>()?),
            _ => u.arbitrary()?,
        };
        let input = CreditInput {
            credit_prev,
            balance_mean_prev: any_f64(&mut u)?,
            send_volume_mean_prev: any_f64(&mut u)?,
            n_transactions_prev: u64_in(&mut u, 0, u64::MAX)?,
            sum_volume: u64_in(&mut u, 0, u64::MAX)?,
        };
        Ok((rule, input, u.arbitrary::<u32>()?))
    })() else {
        return;
    };
    fail(check_credit_formula(&rule, &input));
    let s = input.balance_mean_prev / input.send_volume_mean_prev;
    for x in [
        input.balance_mean_prev,
        input.send_volume_mean_prev,
        s,
        -3.0 * s * s + 1.0,
    ] {
        fail(check_rounding(x, digits % 16));
        fail(check_rounding(x, 2));
    }
}

/// step: validated parameters, a tape of draws and bounded amounts from genesis; then one
/// step from an arbitrary state with an arbitrary amount.
pub fn step(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok((p, seed, prev, view, wild_amount, tape)) = (|| -> Result<_> {
        let p = params(&mut u)?;
        let seed: u64 = u.arbitrary()?;
        let prev = State {
            balance: any_f64(&mut u)?,
            balance_mean: any_f64(&mut u)?,
            n_transactions: u64_in(&mut u, 0, u64::MAX)?,
            credit: u.arbitrary()?,
            capacity: u.arbitrary()?,
            send_volume: u.arbitrary()?,
            send_volume_mean: any_f64(&mut u)?,
            transaction: u.arbitrary()?,
        };
        let view = HistoryView {
            balance_mean: any_f64(&mut u)?,
            send_volume_mean: any_f64(&mut u)?,
            send_volume_window: u.arbitrary()?,
        };
        let wild_amount = any_f64(&mut u)?;
        let bound = amount_bound(&p);
        let mut tape = Vec::new();
        while !u.is_empty() && tape.len() < TAPE_LEN_MAX {
            let sel: u8 = u.arbitrary()?;
            tape.push(match sel {
                0..=159 => TapeEntry::Draw,
                // Rounding ties and the bound itself, kept inside the bound.
                160..=175 => TapeEntry::Amount(
                    [0.0, -0.0, 0.5, -0.5, 1.5, 2.5, bound, -bound][usize::from(sel) % 8]
                        .clamp(-bound, bound),
                ),
                _ => TapeEntry::Amount(f64_in(&mut u, -bound, bound, &[0.0, bound, -bound])?),
            });
        }
        Ok((p, seed, prev, view, wild_amount, tape))
    })() else {
        return;
    };
    fail(check_step_tape(&p, seed, &tape));
    fail(check_step_any(&prev, &view, &p, wild_amount));
}

/// config: the bytes as the text of a `simulate` config file (invalid UTF-8 replaced), its
/// spec resolved against V1's built-in registry.
pub fn config(data: &[u8]) {
    let registry = Registry::<V1>::builtin();
    fail(check_config(&String::from_utf8_lossy(data), &registry));
}

/// csv_roundtrip: up to 64 rows of arbitrary values, written and read back.
pub fn csv_roundtrip(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let mut rows = Vec::new();
    let Ok(()) = (|| -> Result<()> {
        while !u.is_empty() && rows.len() < 64 {
            let state = State {
                balance: any_f64(&mut u)?,
                balance_mean: any_f64(&mut u)?,
                n_transactions: u.arbitrary()?,
                credit: u.arbitrary()?,
                capacity: u.arbitrary()?,
                send_volume: u.arbitrary()?,
                send_volume_mean: any_f64(&mut u)?,
                transaction: u.arbitrary()?,
            };
            rows.push(Row {
                state,
                simulation: u.arbitrary()?,
                subset: u.arbitrary()?,
                run: u.arbitrary()?,
                substep: u.arbitrary()?,
                timestep: u.arbitrary()?,
            });
        }
        Ok(())
    })() else {
        return;
    };
    fail(check_csv_roundtrip(&rows));
}
