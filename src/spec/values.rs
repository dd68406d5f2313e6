//! The values a spec reads, from TOML and from the command line: each refusal names the
//! field and the range actually enforced.

use crate::draws::RngKind;
use crate::model::Enforce;
use crate::toml_value::describe;

use super::SpecError;

pub(crate) fn whole_value(
    field: &str,
    v: &toml::Value,
    lo: u64,
    hi: u64,
) -> Result<u64, SpecError> {
    match v {
        toml::Value::Integer(i) if *i >= 0 && (lo..=hi).contains(&(*i as u64)) => Ok(*i as u64),
        _ => Err(SpecError::value(
            field,
            describe(v),
            format!("a whole number in [{lo}, {hi}]"),
        )),
    }
}

pub(super) fn whole_text(field: &str, s: &str, lo: u64, hi: u64) -> Result<u64, SpecError> {
    s.trim()
        .parse::<u64>()
        .ok()
        .filter(|v| (lo..=hi).contains(v))
        .ok_or_else(|| {
            SpecError::value(
                field,
                format!("{s:?}"),
                format!("a whole number in [{lo}, {hi}]"),
            )
        })
}

/// A number written in TOML (an integer or a float).
pub fn number_value(field: &str, v: &toml::Value) -> Result<f64, SpecError> {
    match v {
        toml::Value::Integer(i) => Ok(*i as f64),
        toml::Value::Float(x) => Ok(*x),
        _ => Err(SpecError::value(field, describe(v), "a number")),
    }
}

/// A number written on the command line.
pub fn number_text(field: &str, s: &str) -> Result<f64, SpecError> {
    s.trim()
        .parse::<f64>()
        .map_err(|_| SpecError::value(field, format!("{s:?}"), "a number"))
}

pub(crate) fn string_value<'a>(
    field: &str,
    v: &'a toml::Value,
    accepted: &str,
) -> Result<&'a str, SpecError> {
    match v {
        toml::Value::String(s) => Ok(s),
        _ => Err(SpecError::value(field, describe(v), accepted)),
    }
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
