//! Reading typed values out of TOML files with errors that name the key, the value and
//! what is accepted. Shared by the simulate config, scenario files and sweep configs.

use crate::params::ParamError;

/// A TOML value as an error message shows it (strings quoted and escaped).
pub(crate) fn describe(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// An integer in `[lo, hi]`.
pub(crate) fn as_whole(
    field: &'static str,
    v: &toml::Value,
    lo: i64,
    hi: i64,
) -> Result<i64, ParamError> {
    match v {
        toml::Value::Integer(i) if (lo..=hi).contains(i) => Ok(*i),
        _ => Err(ParamError::new(
            field,
            describe(v),
            format!("a whole number in [{lo}, {hi}]"),
        )),
    }
}

/// A number: a TOML integer or float (range checks are the caller's).
pub(crate) fn as_number(field: &'static str, v: &toml::Value) -> Result<f64, ParamError> {
    match v {
        toml::Value::Integer(i) => Ok(*i as f64),
        toml::Value::Float(x) => Ok(*x),
        _ => Err(ParamError::new(field, describe(v), "a number")),
    }
}

/// A string; `accepted` says what the string may be.
pub(crate) fn as_string(
    field: &'static str,
    v: &toml::Value,
    accepted: &str,
) -> Result<String, ParamError> {
    match v {
        toml::Value::String(s) => Ok(s.clone()),
        _ => Err(ParamError::new(field, describe(v), accepted)),
    }
}

/// The 1-based line and column of byte `offset` in `text` (for syntax errors).
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, column)
}
