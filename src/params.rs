//! Declarations of parameters, and the one "invalid value" error: a leaf every layer may
//! use (it imports nothing of the crate's).
//!
//! A model, a credit rule and a user behaviour each declare their parameters as
//! [`ParamSpec`]s — name, default, accepted range, whether only whole numbers are
//! accepted — and every value a spec, a flag, a scenario, a sweep or a compare side gives
//! is checked against that declaration, once, with the same message whichever way it came
//! in: [`ParamError`] names the field, the value and the range that is enforced. The
//! settings every workflow shares have named limits here too (`STEPS_MAX`,
//! [`RUNS_MAX`]).

use std::fmt;

mod number;

pub use number::{Kind, Written};
pub(crate) use number::{Whole, shown_text};

/// The most steps one run may take, where a workflow writes a row per step or a model
/// keeps a history that grows with the run (V1's exact history: 25 bytes a step).
pub(crate) const STEPS_MAX: u64 = 1_000_000;
/// The most steps one run may take in `simulate --summary` (no row per step), for a model
/// whose run holds the same whatever its length (`ModelType::STEPS_MAX`: the network's).
pub(crate) const STEPS_SUMMARY_MAX: u64 = 100_000_000;
/// The most Monte Carlo runs one simulation may hold.
pub const RUNS_MAX: u64 = 10_000_000;

/// A value that is not accepted: names the field, the value and what is accepted. The
/// crate's one "invalid value" error: a parameter, a spec key, a flag, a path.
///
/// Its message is one line: the field, the value (shortened by `short_text` when long)
/// and what is accepted are shown with their control characters escaped — a quoted TOML
/// key or a compare side may hold a line break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid value for `{}`: {} (accepted: {})",
    one_line(field),
    one_line(&short_text(value)),
    one_line(accepted)
)]
pub struct ParamError {
    /// The parameter's name as the command line and config files spell it.
    pub field: String,
    /// The rejected value, as it was given or rendered.
    pub value: String,
    /// What would have been accepted.
    pub(crate) accepted: String,
}

impl ParamError {
    /// Builds an error for `field` from any displayable value.
    pub fn new(
        field: impl Into<String>,
        value: impl fmt::Display,
        accepted: impl Into<String>,
    ) -> Self {
        ParamError {
            field: field.into(),
            value: value.to_string(),
            accepted: accepted.into(),
        }
    }

    /// The same error naming `to` where it named the field `from` (a key read from a flag:
    /// `engine` → `--engine`).
    pub fn renamed(self, from: &str, to: &str) -> Self {
        if self.field == from {
            ParamError {
                field: to.to_owned(),
                ..self
            }
        } else {
            self
        }
    }

    /// The same error with `prefix.` before its field (a compare side's, a grid's); an
    /// empty `prefix` leaves it as it is.
    pub fn within(self, prefix: &str) -> Self {
        if prefix.is_empty() {
            self
        } else {
            ParamError {
                field: format!("{prefix}.{}", self.field),
                ..self
            }
        }
    }
}

/// A number as an error message shows it: as written by Rust's shortest round-trip form,
/// switched to exponent form when that is long (`1e308`, not 309 digits).
pub(crate) fn short_number(x: f64) -> String {
    let plain = x.to_string();
    if plain.len() > 24 {
        format!("{x:e}")
    } else {
        plain
    }
}

/// The most characters of a rejected text an error message shows.
pub(crate) const SHOWN_TEXT_MAX: usize = 60;

/// A rejected text as an error message shows it: as given when short, else its first
/// characters, `…` and how many characters it has in all (a 10,000-character value does
/// not fill the terminal). A path (a text with a `/`) keeps its last characters too, where
/// its file name is.
pub(crate) fn short_text(s: &str) -> String {
    let n = s.chars().count();
    if n <= SHOWN_TEXT_MAX {
        return s.to_owned();
    }
    if s.contains('/') {
        let head: String = s.chars().take(SHOWN_TEXT_MAX / 2 - 10).collect();
        let tail: String = s.chars().skip(n - SHOWN_TEXT_MAX / 2).collect();
        return format!("{head}…{tail} ({n} characters)");
    }
    let head: String = s.chars().take(SHOWN_TEXT_MAX - 20).collect();
    format!("{head}… ({n} characters)")
}

/// `s` with its control characters (line breaks, tabs, …) escaped and everything else as
/// written: how an error message shows a field or value and stays one line. Escaping twice
/// gives what escaping once gives (an escape holds no control character).
pub(crate) fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// One declared parameter of a model, a rule or a user type: its name, default and
/// accepted range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamSpec {
    /// The name configs use (kebab-case).
    pub name: &'static str,
    /// The default value.
    pub default: f64,
    /// The smallest accepted value.
    pub min: f64,
    /// The largest accepted value.
    pub max: f64,
    /// True when only whole numbers are accepted.
    pub integer: bool,
    /// One line on what it does.
    pub doc: &'static str,
}

impl ParamSpec {
    /// The kind of number it takes: whole when `integer`, else real.
    pub fn kind(&self) -> Kind {
        if self.integer {
            Kind::Whole
        } else {
            Kind::Real
        }
    }

    /// What it accepts, as an error says it: `a whole number in [1, 1000000]`, `a finite
    /// number in [-100, 100]`.
    pub(crate) fn accepted(&self) -> String {
        let kind = match self.kind() {
            Kind::Whole => "a whole number",
            Kind::Real => "a finite number",
        };
        format!("{kind} in [{}, {}]", self.min, self.max)
    }

    /// Reads `written` by the one grammar of numbers (its kind's) and checks it against
    /// the declared range; the error names `field`, the value as written and the range.
    /// A whole number is read exactly and held as the double it is (every declared whole
    /// range lies within ±2^53, where doubles hold integers exactly; `-0` is 0).
    pub fn read(&self, field: &str, written: &Written) -> Result<f64, ParamError> {
        let value = match self.kind() {
            Kind::Real => Some(written.real()).filter(|x| x.is_finite()),
            Kind::Whole => match written.whole() {
                Whole::Int(n) => Some(n as f64),
                _ => None,
            },
        };
        match value {
            Some(x) if x >= self.min && x <= self.max => Ok(x),
            _ => Err(ParamError::new(field, written.shown(), self.accepted())),
        }
    }

    /// Checks `value` against the declared range, naming `field` in the error.
    pub fn check(&self, field: &str, value: f64) -> Result<f64, ParamError> {
        let whole_ok = !self.integer || value.fract() == 0.0;
        if value.is_finite() && value >= self.min && value <= self.max && whole_ok {
            Ok(value)
        } else {
            Err(ParamError::new(field, short_number(value), self.accepted()))
        }
    }
}

/// The defaults of a list of declared parameters, in declaration order.
pub fn defaults(specs: &[ParamSpec]) -> Vec<f64> {
    specs.iter().map(|s| s.default).collect()
}

/// Two parameters of one declaration that constrain each other: `low` may not exceed
/// `high` (a minimum and its maximum, `limit-min` and `limit-max`). A rule, user type or
/// model type declares its pairs beside its parameters (`Rule::ORDERED`), and every value
/// set is checked against them once all are known, the error naming both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtMost {
    /// The parameter that may not exceed the other (the minimum).
    pub low: &'static str,
    /// The parameter it may not exceed (the maximum).
    pub high: &'static str,
}

/// Where a value was given and how it was written (`--rule.limit-max`, `2`), for an error
/// naming it; `None` for a value no one gave (a default).
pub(crate) type GivenAt<'a> = &'a dyn Fn(usize) -> Option<(String, String)>;

/// Checks every pair of `ordered` on `values` (declaration order of `params`): the error
/// is one line naming both parameters — the one given (the minimum when both or neither
/// were: `given` says where each was written) with its value as written, and the other
/// with its value and where it came from.
pub(crate) fn check_order(
    params: &[ParamSpec],
    ordered: &[AtMost],
    values: &[f64],
    given: GivenAt<'_>,
) -> Result<(), ParamError> {
    let index = |name: &str| params.iter().position(|p| p.name == name);
    for pair in ordered {
        let (Some(lo), Some(hi)) = (index(pair.low), index(pair.high)) else {
            continue;
        };
        let (a, b) = (values[lo], values[hi]);
        if a <= b {
            continue;
        }
        // Named where given, else by name with its value.
        let at = |i: usize, v: f64| match given(i) {
            Some((field, shown)) => (field.clone(), shown, format!("at `{field}`")),
            None => (
                params[i].name.to_owned(),
                short_number(v),
                "by default".to_owned(),
            ),
        };
        let blame_high = given(hi).is_some() && given(lo).is_none();
        let (field, shown, other, side) = if blame_high {
            (at(hi, b), at(lo, a), pair.low, "at least")
        } else {
            (at(lo, a), at(hi, b), pair.high, "at most")
        };
        return Err(ParamError::new(
            field.0,
            field.1,
            format!(
                "{side} {other}, which is {} {} ({} may not exceed {})",
                shown.1, shown.2, pair.low, pair.high
            ),
        ));
    }
    Ok(())
}

/// Checks `values` (declaration order) against `params`: their number, then each value
/// against its declared range, then the pairs of `ordered`; the error names the parameter.
pub(crate) fn check_values(
    owner: &str,
    params: &[ParamSpec],
    ordered: &[AtMost],
    values: &[f64],
) -> Result<(), ParamError> {
    if values.len() != params.len() {
        return Err(ParamError::new(
            "parameters",
            values.len(),
            format!("{} values for {owner}", params.len()),
        ));
    }
    for (spec, &v) in params.iter().zip(values) {
        spec.check(spec.name, v)?;
    }
    check_order(params, ordered, values, &|_| None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_path_is_shortened_keeping_its_file_name() {
        let path = format!("/{}/scenarios/side_broken.toml", "d".repeat(70));
        let shown = short_text(&path);
        assert!(shown.starts_with("/ddd"), "{shown}");
        assert!(
            shown.ends_with("side_broken.toml (98 characters)"),
            "{shown}"
        );
        assert!(shown.chars().count() < path.chars().count());
        let word = "x".repeat(98);
        assert_eq!(
            short_text(&word),
            format!("{}… (98 characters)", "x".repeat(40))
        );
    }

    #[test]
    fn long_numbers_are_shown_in_exponent_form() {
        assert_eq!(short_number(1e308), "1e308");
        assert_eq!(short_number(-2.5e-300), "-2.5e-300");
        assert_eq!(short_number(100.5), "100.5");
        assert_eq!(short_number(5.0), "5");
        assert_eq!(short_number(f64::NAN), "NaN");
    }

    #[test]
    fn a_value_outside_its_declaration_names_field_value_and_range() {
        let spec = ParamSpec {
            name: "window",
            default: 3.0,
            min: 1.0,
            max: 10.0,
            integer: true,
            doc: "",
        };
        assert_eq!(spec.check("window", 4.0), Ok(4.0));
        let e = spec.check("window", 2.5).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid value for `window`: 2.5 (accepted: a whole number in [1, 10])"
        );
        let e = spec.check("window", f64::NAN).unwrap_err();
        assert_eq!(e.value, "NaN");
        assert!(check_values("rule", &[spec], &[], &[]).is_err());
    }

    #[test]
    fn an_error_is_one_line_whatever_its_field_and_value_hold() {
        let e = ParamError::new("a\nb", "x\ty", "one\rtwo");
        assert_eq!(
            e.to_string(),
            "invalid value for `a\\nb`: x\\ty (accepted: one\\rtwo)"
        );
        // Escaping what is escaped already changes nothing.
        assert_eq!(one_line(&one_line("a\nb")), one_line("a\nb"));
    }

    #[test]
    fn an_error_renamed_or_within_a_prefix_keeps_value_and_range() {
        let e = ParamError::new("engine", "warp", "auto, lanes");
        assert_eq!(
            e.clone().renamed("engine", "--engine").to_string(),
            "invalid value for `--engine`: warp (accepted: auto, lanes)"
        );
        assert_eq!(e.clone().renamed("seed", "--seed"), e);
        assert_eq!(e.clone().within("baseline").field, "baseline.engine");
        assert_eq!(e.clone().within(""), e);
    }
}
