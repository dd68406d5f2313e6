//! Property checks of the V1 notebook model, shared by the fuzz targets and their replay
//! under `cargo test`: the laws of the notebook's credit formula ([`check_credit_formula`]),
//! of its steps on a tape of payments or from any state ([`check_step_tape`],
//! [`check_step_any`]), of its trajectory CSV rows ([`check_csv_roundtrip`]), and of any
//! user's credit policy run on V1 ([`PolicyCase`], [`check_policy_on_tape`]).
//!
//! Each check takes one already-shaped input and returns a [`Violation`] naming the law
//! that failed, as the generic core's laws in [`crate::fuzzing`] do (the numeric helpers
//! and the config file, which name no model). Nothing here allocates a generator of its own
//! or reads the clock: a check is a pure function of its input, so a failure replays from
//! the input alone.

mod policy;
mod step;

pub use policy::{PolicyCase, check_policy_on_tape};
pub use step::{TAPE_LEN_MAX, TapeEntry, check_step_any, check_step_tape};

use crate::fuzzing::{Violation, ensure, same_f64};
use crate::model::CreditError;
use crate::v1::Params;
use crate::v1::csv::{Row, read_rows, write_header, write_row};
use crate::v1::{CreditBranch, CreditInput, V1Rule, credit_v1};

/// The largest magnitude one drawn transaction can have under `params`:
/// `30 · avg_amount · max(1, |integrity|)` (amount ≤ 1.5·avg, the large path doubles it at
/// most, the integrity path multiplies by 10 and by `uniform(−1, integrity)`).
pub fn amount_bound(params: &Params) -> f64 {
    30.0 * params.avg_amount() * params.integrity().abs().max(1.0)
}

// ---------------------------------------------------------------------------------------
// credit_formula

/// The V1 credit rule on one input.
///
/// Laws (see the table in [`credit_v1`]'s documentation):
/// - a negative previous credit is `Negative`; a non-finite mean is `NonFinite`
///   naming that mean (the balance mean is checked first);
/// - otherwise the answer is a credit ≥ 0, or `OutOfRange(x)` only when `x` really is NaN,
///   infinite or rounds outside `i64`;
/// - the branch agrees with the inputs: warm-up and window keep the previous credit, the
///   negative fallback keeps it, a zero send volume gives 0;
/// - the rule is a function: the same input gives the same answer.
pub fn check_credit_formula(rule: &V1Rule, input: &CreditInput) -> Result<(), Violation> {
    let got = credit_v1(rule, input);
    // Compared through Debug so that two NaN payloads in an error count as the same.
    let again = credit_v1(rule, input);
    ensure(
        format!("{got:?}") == format!("{again:?}"),
        "credit_rule_is_a_function",
        || format!("{input:?} gave {got:?}, then {again:?}"),
    )?;
    let what = || format!("{rule:?} on {input:?} gave {got:?}");
    if input.credit_prev < 0 {
        return ensure(
            got == Err(CreditError::Negative {
                field: "credit_prev",
                value: input.credit_prev as f64,
            }),
            "negative_previous_credit_is_an_error",
            what,
        );
    }
    if !input.balance_mean_prev.is_finite() {
        return ensure(
            matches!(got, Err(CreditError::NonFinite { field: "avgUserBalance", value })
                if same_f64(value, input.balance_mean_prev)),
            "non_finite_mean_is_an_error",
            what,
        );
    }
    if !input.send_volume_mean_prev.is_finite() {
        return ensure(
            matches!(got, Err(CreditError::NonFinite { field: "avgSendVolume", value })
                if same_f64(value, input.send_volume_mean_prev)),
            "non_finite_mean_is_an_error",
            what,
        );
    }
    let n = input.n_transactions_prev;
    match got {
        Err(CreditError::OutOfRange(x)) => ensure(
            n >= rule.warmup
                && n >= input.sum_volume
                && (x.is_nan() || x.round_ties_even() >= 9_223_372_036_854_775_808.0),
            "out_of_range_only_when_the_credit_does_not_fit",
            what,
        ),
        Err(_) => ensure(false, "finite_inputs_give_a_credit_or_out_of_range", what),
        Ok(out) => {
            ensure(out.credit >= 0, "credit_is_non_negative", what)?;
            let keeps = out.credit == input.credit_prev;
            let branch_ok = match out.branch {
                CreditBranch::WarmUp => n < rule.warmup && keeps,
                CreditBranch::Window => n >= rule.warmup && n < input.sum_volume && keeps,
                CreditBranch::NegativeFallback => {
                    n >= rule.warmup
                        && n >= input.sum_volume
                        && input.send_volume_mean_prev != 0.0
                        && keeps
                }
                CreditBranch::ZeroSendVolume => {
                    n >= rule.warmup
                        && n >= input.sum_volume
                        && input.send_volume_mean_prev == 0.0
                        && out.credit == 0
                }
                CreditBranch::Quadratic => {
                    n >= rule.warmup && n >= input.sum_volume && input.send_volume_mean_prev != 0.0
                }
            };
            ensure(branch_ok, "branch_agrees_with_the_inputs", what)
        }
    }
}

// ---------------------------------------------------------------------------------------
// csv_roundtrip

/// Rows written as a trajectory CSV and read back.
///
/// Law: every value comes back identical — integers exactly, floats bit for bit
/// (including −0.0, subnormals, the largest doubles and ±∞); a NaN comes back as a NaN
/// (its payload is not written).
pub fn check_csv_roundtrip(rows: &[Row]) -> Result<(), Violation> {
    let mut buf = Vec::new();
    write_header(&mut buf).expect("writing to a Vec cannot fail");
    for r in rows {
        write_row(&mut buf, r).expect("writing to a Vec cannot fail");
    }
    let text = || String::from_utf8_lossy(&buf).into_owned();
    let back = read_rows(buf.as_slice()).map_err(|e| Violation {
        law: "written_csv_reads_back",
        detail: format!("{e}\n{}", text()),
    })?;
    ensure(back.len() == rows.len(), "written_csv_reads_back", || {
        format!("{} rows written, {} read", rows.len(), back.len())
    })?;
    for (i, (a, b)) in rows.iter().zip(&back).enumerate() {
        let (s, t) = (&a.state, &b.state);
        let same = same_f64(s.balance, t.balance)
            && same_f64(s.balance_mean, t.balance_mean)
            && same_f64(s.send_volume_mean, t.send_volume_mean)
            && (
                s.n_transactions,
                s.credit,
                s.capacity,
                s.send_volume,
                s.transaction,
            ) == (
                t.n_transactions,
                t.credit,
                t.capacity,
                t.send_volume,
                t.transaction,
            )
            && (a.simulation, a.subset, a.run, a.substep, a.timestep)
                == (b.simulation, b.subset, b.run, b.substep, b.timestep);
        ensure(same, "csv_round_trip_is_identity", || {
            format!("row {i}:\n  wrote {a:?}\n  read  {b:?}")
        })?;
    }
    Ok(())
}
