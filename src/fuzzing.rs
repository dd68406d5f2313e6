//! Property checks shared by the fuzz targets and their replay under `cargo test`: the
//! generic core's laws.
//!
//! Each `check_*` function takes one already-shaped input, runs the code under test on it
//! and returns a [`Violation`] naming the law that failed, or `Ok(())`. The fuzz targets in
//! `fuzz/` turn libFuzzer's bytes into these inputs (with the limits of [`crate::params`])
//! and panic on a violation; `tests/fuzz_replay.rs` runs the same bodies over every
//! committed corpus file on stable Rust. Keeping the laws here, in the library, means the
//! fuzzer and the test suite check the same thing, and a property test can call them too.
//!
//! This module holds the laws of the generic core — the numeric helpers ([`check_rounding`])
//! and the config file ([`check_config`], against any model's registry) — and what every
//! law shares ([`Violation`], `same_f64`). The laws of the V1 notebook model (its credit
//! formula, step tapes, CSV rows and a user's policy run on V1) are in
//! `currents::v1::fuzzing`, beside the model.
//!
//! Nothing here allocates a generator of its own or reads the clock: a check is a pure
//! function of its input, so a failure replays from the input alone.

use std::fmt;

use crate::config::SimulateFile;
use crate::draws::RngKind;
use crate::model::Model;
use crate::numeric::{py_round, round_half_even};
use crate::params::STEPS_MAX;
use crate::registry::{Declared, Registry};
use crate::spec::{Limits, SPEC_KEYS, Spec, SpecError};

/// A law that did not hold on some input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The law, named as a property test would be.
    pub(crate) law: &'static str,
    /// What was observed.
    pub(crate) detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "law `{}` violated: {}", self.law, self.detail)
    }
}

impl std::error::Error for Violation {}

/// `Ok(())` when `ok`, else a [`Violation`] of `law` with the `detail` it builds (only
/// then).
pub(crate) fn ensure(
    ok: bool,
    law: &'static str,
    detail: impl FnOnce() -> String,
) -> Result<(), Violation> {
    if ok {
        Ok(())
    } else {
        Err(Violation {
            law,
            detail: detail(),
        })
    }
}

/// Floats equal bit for bit, except that any NaN equals any NaN (payloads are not kept by
/// arithmetic or text, and no law here depends on them).
pub(crate) fn same_f64(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

// ---------------------------------------------------------------------------------------
// rounding (the numeric helpers every credit rule is built on)

/// Python's `round(x, d)` by its definition: the exact binary value of `x` printed with `d`
/// decimals (ties to even), parsed back; a zero keeps `x`'s sign.
fn py_round_reference(x: f64, digits: u32) -> f64 {
    let text = format!("{:.*}", digits as usize, x);
    let r: f64 = text.parse().unwrap_or(f64::NAN);
    if r == 0.0 { 0.0f64.copysign(x) } else { r }
}

/// The numeric helpers the credit rule is built on, on one value.
///
/// Laws: `round_half_even` is `None` exactly for NaN and values outside `i64`, and is
/// otherwise within ½ of `x`; `py_round`'s fast path equals its definition (exact decimal
/// rounding) bit for bit for every finite `x` and every `digits ≤ 15`.
pub fn check_rounding(x: f64, digits: u32) -> Result<(), Violation> {
    let digits = digits.min(crate::numeric::ROUND_DIGITS_MAX);
    match round_half_even(x) {
        Some(k) => ensure(
            x.is_finite() && (k as f64 - x).abs() <= 0.5,
            "round_half_even_is_within_half",
            || format!("round_half_even({x:e}) = {k}"),
        )?,
        None => ensure(
            x.is_nan() || x.round_ties_even().abs() >= 9_223_372_036_854_775_808.0,
            "round_half_even_fails_only_outside_i64",
            || format!("round_half_even({x:e}) = None"),
        )?,
    }
    if x.is_finite() {
        let fast = py_round(x, digits);
        let exact = py_round_reference(x, digits);
        ensure(
            fast.to_bits() == exact.to_bits(),
            "py_round_equals_exact_decimal_rounding",
            || {
                format!(
                    "py_round({x:e}, {digits}) = {fast:e}, exact decimal rounding gives {exact:e}"
                )
            },
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// config

fn toml_float(x: f64) -> String {
    if x.is_nan() {
        "nan".to_owned()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else {
        // Debug always has a `.` or an exponent, and is the shortest round-trip form.
        format!("{x:?}")
    }
}

/// A TOML key as written: bare when it may be, else a one-line basic string. (Not the
/// `toml` crate's string form, which writes a value holding a line break as a multi-line
/// string, and a key cannot be one.)
fn toml_key(k: &str) -> String {
    let bare = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        return k.to_owned();
    }
    let mut out = String::with_capacity(k.len() + 2);
    out.push('"');
    for c in k.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Renders a `simulate` config back to TOML in canonical key spelling: each named entry as
/// an inline table holding the parameters written in its table, the settings, `out`, then
/// `[params]`.
pub(crate) fn file_to_toml(f: &SimulateFile) -> String {
    let s = &f.spec;
    let text = |v: &str| toml::Value::String(v.to_owned()).to_string();
    let mut out = String::new();
    let mut line = |k: &str, v: String| {
        out.push_str(k);
        out.push_str(" = ");
        out.push_str(&v);
        out.push('\n');
    };
    for (kind, name) in [("model", &s.model), ("rule", &s.rule), ("user", &s.user)] {
        let Some(name) = name else { continue };
        let mut table = format!("{{ name = {}", text(name));
        for p in s.params.iter().filter(|p| p.owner == Some(kind)) {
            table.push_str(&format!(
                ", {} = {}",
                toml_key(&p.key),
                toml_float(p.value())
            ));
        }
        table.push_str(" }");
        line(kind, table);
    }
    if let Some(v) = s.restriction {
        line("restriction", text(v.name()));
    }
    if let Some(v) = s.rng {
        line("rng", text(v.name()));
    }
    for (k, v) in [("seed", &s.seed), ("runs", &s.runs), ("steps", &s.steps)] {
        if let Some(v) = v {
            line(k, v.value.to_string());
        }
    }
    if let Some(v) = &f.out {
        line("out", text(v));
    }
    let free: Vec<_> = s.params.iter().filter(|p| p.owner.is_none()).collect();
    if !free.is_empty() {
        out.push_str("[params]\n");
        for p in free {
            out.push_str(&format!(
                "{} = {}\n",
                toml_key(&p.key),
                toml_float(p.value())
            ));
        }
    }
    out
}

/// The same config up to where each value was written: names, settings, `out`, and each
/// parameter's key, owner and value (bit for bit).
fn same_file(a: &SimulateFile, b: &SimulateFile) -> bool {
    let (x, y) = (&a.spec, &b.spec);
    // NaNs compare equal whatever their payload; a table's keys are read in key order.
    let params = |s: &Spec| -> Vec<_> {
        let mut all: Vec<_> = s
            .params
            .iter()
            .map(|p| {
                let bits = if p.value().is_nan() {
                    f64::NAN
                } else {
                    p.value()
                }
                .to_bits();
                (p.key.clone(), p.owner, bits)
            })
            .collect();
        all.sort();
        all
    };
    (&x.model, &x.rule, &x.user, x.restriction, x.rng)
        == (&y.model, &y.rule, &y.user, y.restriction, y.rng)
        && (&x.seed, &x.runs, &x.steps) == (&y.seed, &y.runs, &y.steps)
        && a.out == b.out
        && params(x) == params(y)
}

/// The setting `key` of `s` (a spec key other than `params`), as text, if set.
fn setting(s: &Spec, key: &str) -> Option<String> {
    match key {
        "model" => s.model.clone(),
        "rule" => s.rule.clone(),
        "user" => s.user.clone(),
        "restriction" => s.restriction.map(|r| r.name().to_owned()),
        "rng" => s.rng.map(|r| r.name().to_owned()),
        "seed" | "runs" | "steps" => s.setting(key).map(|v| v.value.to_string()),
        "edges" => s.edges.as_ref().map(|e| e.path().to_owned()),
        _ => None,
    }
}

/// Whether `file` holds the value `v` given for the top-level key `key` (canonical): a
/// setting, `out`, a name given as a plain name, or each number of `[params]`.
fn value_is_held(file: &SimulateFile, key: &str, v: &toml::Value) -> bool {
    let s = &file.spec;
    // A whole-number setting takes a TOML integer, or a float whose value is a whole number
    // (the one grammar of numbers).
    let int = |key: &str| {
        let x = s.setting(key).map(|x| x.value);
        match v {
            toml::Value::Integer(i) => x.map(i128::from) == Some(i128::from(*i)),
            toml::Value::Float(f) => x.is_some_and(|x| f.fract() == 0.0 && x as f64 == *f),
            _ => false,
        }
    };
    let string = |x: Option<&str>| matches!(v, toml::Value::String(t) if x == Some(t.as_str()));
    // A generator or restriction is a name, read with the whitespace around it trimmed.
    let name = |x: Option<&str>| matches!(v, toml::Value::String(t) if x == Some(t.trim()));
    let param = |k: &str, v: &toml::Value| {
        let given = match v {
            toml::Value::Integer(i) => *i as f64,
            toml::Value::Float(f) => *f,
            // Not a number: held as written (read as NaN), for resolve to refuse with the
            // declared range.
            _ => {
                return s.params.iter().any(|p| {
                    p.key == k.replace('_', "-") && p.owner.is_none() && p.value().is_nan()
                });
            }
        };
        // A TOML integer carries no sign of zero (`-0` is the integer 0); the grammar reads
        // `-0` as the decimal it is (the double -0.0, as on the command line): an integral
        // zero matches either zero.
        let integral_zero = matches!(v, toml::Value::Integer(0));
        s.params.iter().any(|p| {
            p.key == k.replace('_', "-")
                && p.owner.is_none()
                && (same_f64(p.value(), given) || (integral_zero && p.value() == 0.0))
        })
    };
    match key {
        "seed" | "runs" | "steps" => int(key),
        "rng" => name(s.rng.map(RngKind::name)),
        "restriction" => name(s.restriction.map(|r| r.name())),
        "out" => string(file.out.as_deref()),
        "model" | "rule" | "user" => {
            let name = match key {
                "model" => &s.model,
                "rule" => &s.rule,
                _ => &s.user,
            };
            match v {
                // A rule may be written as shorthand: every key of it is held too.
                toml::Value::String(t) if key == "rule" && t.contains(':') => {
                    Spec::from_shorthand("rule", t).is_ok_and(|short| {
                        let settings_held = SPEC_KEYS.iter().all(|k| {
                            let (a, b) = (setting(&short, k), setting(s, k));
                            a.is_none() || a == b
                        });
                        settings_held
                            && short.params.iter().all(|p| {
                                s.params
                                    .iter()
                                    .any(|q| q.key == p.key && same_f64(q.value(), p.value()))
                            })
                    })
                }
                toml::Value::String(t) => name.as_deref() == Some(t.trim()),
                toml::Value::Table(t) => {
                    matches!(t.get("name"), Some(toml::Value::String(n)) if name.as_deref() == Some(n.as_str()))
                }
                _ => false,
            }
        }
        "params" => match v {
            toml::Value::Table(t) => t.iter().all(|(k, v)| param(k, v)),
            _ => false,
        },
        _ => false,
    }
}

/// Any text as a `simulate` config file (a spec plus `out`), its spec resolved against
/// `registry` (the fuzz target passes V1's built-in one).
///
/// Laws: parsing never panics; an error is one non-empty line (it is printed as the
/// binary's single error line), and a value error names a field — a non-empty one, so
/// an empty key (`"" = 1`) must be shown some other way — the value and what is
/// accepted; every key of an accepted file sets exactly the value written (a generator's or
/// restriction's name with the whitespace around it trimmed, as the spec reads names), so
/// no value is silently dropped or overridden; a parsed file survives being written back
/// and parsed again; resolving its spec against `registry` either gives a run holding
/// exactly the given values (the workflow's defaults for the rest) or a one-line error
/// naming field and accepted values, never a panic.
pub fn check_config<M: Model + fmt::Debug>(
    text: &str,
    registry: &Registry<M>,
) -> Result<(), Violation> {
    let one_line = |msg: &str| !msg.is_empty() && !msg.contains('\n');
    let names_field = |e: &SpecError| match e {
        SpecError::Value(e) => !e.field.is_empty() && !e.accepted.is_empty(),
        SpecError::Syntax { .. } => true,
    };
    let file = match SimulateFile::from_toml_str(text) {
        Err(e) => {
            let msg = e.to_string();
            ensure(one_line(&msg), "config_error_is_one_line", || {
                format!("{msg:?}")
            })?;
            return ensure(
                names_field(&e),
                "value_error_names_field_and_accepted",
                || format!("{e:?}"),
            );
        }
        Ok(f) => f,
    };
    if let Ok(table) = text.parse::<toml::Table>() {
        for (key, v) in &table {
            ensure(
                value_is_held(&file, &key.replace('_', "-"), v),
                "every_key_sets_its_value",
                || format!("`{key} = {v}` but parsed {file:?}"),
            )?;
        }
    }
    let rendered = file_to_toml(&file);
    match SimulateFile::from_toml_str(&rendered) {
        Ok(again) => ensure(
            same_file(&file, &again),
            "config_survives_a_round_trip",
            || format!("{file:?} -> {rendered:?} -> {again:?}"),
        )?,
        Err(e) => ensure(false, "config_survives_a_round_trip", || {
            format!("{file:?} -> {rendered:?} -> {e}")
        })?,
    }
    let limits = Limits::default();
    match file.spec.resolve(registry, &limits) {
        Err(e) => {
            let msg = e.to_string();
            ensure(
                one_line(&msg) && names_field(&e),
                "value_error_names_field_and_accepted",
                || format!("{e:?}"),
            )
        }
        Ok(r) => {
            let s = &file.spec;
            // A whole-number parameter holds the integer written (`-0` is 0); a real one
            // the double, bit for bit.
            let whole = |key: &str| {
                [
                    r.model.entry().params(),
                    r.rule.entry().params(),
                    r.user.entry().params(),
                ]
                .concat()
                .iter()
                .any(|d| d.name == key && d.integer)
            };
            let held = |key: &str, x: f64| {
                let x = if whole(key) { x + 0.0 } else { x };
                [r.model.get(key), r.rule.get(key), r.user.get(key)]
                    .into_iter()
                    .flatten()
                    .any(|y| same_f64(x, y))
            };
            let given = |key: &str, default: u64| s.setting(key).map_or(default, |x| x.value);
            let ok = r.runs == given("runs", limits.runs)
                && r.steps == given("steps", limits.steps)
                && r.seed == given("seed", limits.seed)
                && r.rng == s.rng.unwrap_or(limits.rng)
                && r.restriction
                    == s.restriction
                        .unwrap_or_else(|| r.rule.entry().enforcement().mode)
                && r.steps <= STEPS_MAX
                && s.params.iter().all(|p| held(&p.key, p.value()));
            ensure(ok, "resolved_config_holds_the_given_values", || {
                format!("{s:?} resolved to {r:?}")
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_key_is_one_line_and_reads_back() {
        let keys = [
            "",
            "a b",
            "a\nb",
            "a\"b",
            "a'b\n",
            "a\\b",
            "t\tr\r",
            "\u{0}\u{7f}\u{85}",
            "é",
        ];
        for k in keys {
            let text = format!("{} = 1\n", toml_key(k));
            assert_eq!(text.lines().count(), 1, "{text:?}");
            let table: toml::Table = text.parse().unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(table.keys().collect::<Vec<_>>(), [k]);
        }
    }
}
