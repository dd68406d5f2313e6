//! The values a spec reads, from TOML and from the command line: numbers by the one grammar
//! of numbers (`crate::params`' [`Written`]), each refusal naming the field, the value as
//! written and the range actually enforced.

use crate::draws::RngKind;
use crate::model::Enforce;
use crate::params::Written;
use crate::toml_value::Value;

use super::{Setting, SpecError};

/// A setting (seed, runs, steps) `written` at `field`: a whole number, kept for the range
/// `[lo, hi]` to be checked on resolve, once the layers are laid over each other (a flag
/// over a file). What is not a whole number a `u64` holds is refused here, with that range.
pub(super) fn setting(
    field: &str,
    written: &Written,
    lo: u64,
    hi: u64,
) -> Result<Setting, SpecError> {
    match written.to_u64() {
        Some(value) => Ok(Setting {
            value,
            shown: written.shown().to_owned(),
            field: field.to_owned(),
        }),
        None => Err(SpecError::value(
            field,
            written.shown(),
            format!("a whole number in [{lo}, {hi}]"),
        )),
    }
}

/// A whole number in `[lo, hi]` written in TOML (an integer, or a float whose value is
/// one: the one grammar of numbers).
pub(crate) fn whole_value(field: &str, v: &Value<'_>, lo: u64, hi: u64) -> Result<u64, SpecError> {
    Ok(v.written().whole_in(field, lo, hi)?)
}

pub(crate) fn string_value<'a>(
    field: &str,
    v: &Value<'a>,
    accepted: &str,
) -> Result<&'a str, SpecError> {
    v.as_str()
        .ok_or_else(|| SpecError::value(field, v.describe(), accepted))
}

pub(super) const RESTRICTIONS: &str = "none, clamp or reject";

/// A restriction a spec may set: `Enforce`'s own names (one list of them), except `model`,
/// which is a model's default and not a choice a spec makes.
pub(super) fn parse_restriction(field: &str, s: &str) -> Result<Enforce, SpecError> {
    match Enforce::parse("restriction", s.trim()) {
        Ok(e) if e != Enforce::Model => Ok(e),
        _ => Err(SpecError::value(
            field,
            format!("{:?}", s.trim()),
            RESTRICTIONS,
        )),
    }
}

pub(super) fn parse_rng(field: &str, s: &str) -> Result<RngKind, SpecError> {
    RngKind::parse(s.trim()).map_err(|e| SpecError::value(field, e.value, e.accepted))
}
