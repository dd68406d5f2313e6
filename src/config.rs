//! Settings files: a `simulate` configuration in TOML, merged with command-line flags.
//!
//! A config file holds the same keys as the flags of `currents simulate` (`runs`, `steps`,
//! `seed`, `rng`, `integrity`, `avg-amount`, `sum-volume`, `initial-credit`, `out`; the
//! snake_case spellings `avg_amount`, `sum_volume` and `initial_credit` are accepted too).
//! Flags override the file. Every error names the key, the value and what is accepted.

use crate::params::{ParamError, Params, RngKind, SimConfig};
use crate::spec::{Spec, SpecError, parse_toml};
use crate::toml_value::{as_number, as_string, as_whole, describe, line_col};

/// Defaults of `currents simulate`: the notebook's workload of 10 runs of 365 steps.
pub const DEFAULT_RUNS: u64 = 10;
/// Default number of steps per run (one per day for a year).
pub const DEFAULT_STEPS: u64 = 365;
/// Default seed.
pub const DEFAULT_SEED: u64 = 0;

/// The keys a simulate config accepts, in their canonical spelling.
pub const KEYS: [&str; 9] = [
    "runs",
    "steps",
    "seed",
    "rng",
    "integrity",
    "avg-amount",
    "sum-volume",
    "initial-credit",
    "out",
];

/// A bad config file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// The text is not valid TOML.
    #[error("not valid TOML at line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// A key this config does not know.
    // Keys are shown escaped: a quoted TOML key may hold a line break, and the message
    // must stay one line.
    #[error("unknown key `{}` (accepted keys: {})", key.escape_debug(), KEYS.join(", "))]
    UnknownKey {
        /// The key as written.
        key: String,
    },
    /// One setting given twice, under both spellings (`avg-amount` and `avg_amount`).
    #[error("key `{}` sets the same value as `{}`; give it once", key.escape_debug(), other.escape_debug())]
    DuplicateKey {
        /// The second spelling met.
        key: String,
        /// The first.
        other: String,
    },
    /// A key holds a value of the wrong type or range.
    #[error(transparent)]
    Value(#[from] ParamError),
}

/// The settings of one `simulate` invocation before validation: each one optional, so a
/// file and the flags can be layered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimulateSettings {
    /// Monte Carlo runs.
    pub runs: Option<u64>,
    /// Steps per run.
    pub steps: Option<u64>,
    /// Seed.
    pub seed: Option<u64>,
    /// Generator family.
    pub rng: Option<RngKind>,
    /// Integrity coefficient.
    pub integrity: Option<f64>,
    /// Average transaction amount.
    pub avg_amount: Option<f64>,
    /// Send-volume window.
    pub sum_volume: Option<u64>,
    /// Initial credit.
    pub initial_credit: Option<i64>,
    /// Output path (`-` for stdout).
    pub out: Option<String>,
}

fn canonical(key: &str) -> Option<&'static str> {
    let k = key.replace('_', "-");
    KEYS.iter().copied().find(|c| *c == k)
}

impl SimulateSettings {
    /// Parses a TOML config. Unknown keys, wrong types and malformed TOML are errors;
    /// ranges are checked later, by [`SimulateSettings::resolve`].
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let (line, column) = e.span().map_or((1, 1), |span| line_col(text, span.start));
            ConfigError::Syntax {
                line,
                column,
                message: e.message().trim().to_owned(),
            }
        })?;
        let mut s = SimulateSettings::default();
        // Both spellings of one key would otherwise let one value silently win.
        let mut seen: Vec<(&'static str, &str)> = Vec::new();
        for (key, v) in &table {
            let Some(field) = canonical(key) else {
                return Err(ConfigError::UnknownKey { key: key.clone() });
            };
            if let Some((_, other)) = seen.iter().find(|(f, _)| *f == field) {
                return Err(ConfigError::DuplicateKey {
                    key: key.clone(),
                    other: (*other).to_owned(),
                });
            }
            seen.push((field, key));
            match field {
                "runs" => s.runs = Some(as_whole(field, v, 1, i64::MAX)? as u64),
                "steps" => s.steps = Some(as_whole(field, v, 1, i64::MAX)? as u64),
                "seed" => s.seed = Some(as_whole(field, v, 0, i64::MAX)? as u64),
                "sum-volume" => s.sum_volume = Some(as_whole(field, v, 1, i64::MAX)? as u64),
                "initial-credit" => s.initial_credit = Some(as_whole(field, v, 0, i64::MAX)?),
                "integrity" => s.integrity = Some(as_number(field, v)?),
                "avg-amount" => s.avg_amount = Some(as_number(field, v)?),
                "rng" => s.rng = Some(RngKind::parse(&as_string(field, v, "chacha or numpy")?)?),
                "out" => s.out = Some(as_string(field, v, "a file path")?),
                _ => unreachable!("every canonical key is handled"),
            }
        }
        Ok(s)
    }

    /// These settings with every value that `over` sets replaced by `over`'s.
    pub fn overlay(self, over: SimulateSettings) -> SimulateSettings {
        SimulateSettings {
            runs: over.runs.or(self.runs),
            steps: over.steps.or(self.steps),
            seed: over.seed.or(self.seed),
            rng: over.rng.or(self.rng),
            integrity: over.integrity.or(self.integrity),
            avg_amount: over.avg_amount.or(self.avg_amount),
            sum_volume: over.sum_volume.or(self.sum_volume),
            initial_credit: over.initial_credit.or(self.initial_credit),
            out: over.out.or(self.out),
        }
    }

    /// Fills the defaults in and validates everything.
    pub fn resolve(&self) -> Result<SimConfig, ParamError> {
        let d = Params::default();
        let params = Params::new(
            self.integrity.unwrap_or(d.integrity()),
            self.avg_amount.unwrap_or(d.avg_amount()),
            self.sum_volume.unwrap_or(d.sum_volume()),
            self.initial_credit.unwrap_or(d.initial_credit()),
        )?;
        SimConfig::new(
            params,
            self.steps.unwrap_or(DEFAULT_STEPS),
            self.runs.unwrap_or(DEFAULT_RUNS),
            self.seed.unwrap_or(DEFAULT_SEED),
            self.rng.unwrap_or_default(),
        )
    }
}

/// The key a `simulate` config adds to the spec's: where the CSV goes (`-` for stdout).
pub const OUT_KEY: &str = "out";

/// A `simulate` config file, read: the spec it holds and its `out`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimulateFile {
    /// The run: every key but `out`, unresolved (flags overlay it, then it is resolved
    /// once against the registry).
    pub spec: Spec,
    /// Output path (`-` for stdout).
    pub out: Option<String>,
}

impl SimulateFile {
    /// Parses a config file. Malformed TOML, unknown keys, a key given twice (in either
    /// spelling) and values of the wrong type are errors here; names and parameter ranges
    /// are checked when the spec is resolved ([`Spec::resolve`]).
    pub fn from_toml_str(text: &str) -> Result<Self, SpecError> {
        let table = parse_toml(text)?;
        let (spec, extra) = Spec::from_table(&table, &[OUT_KEY])?;
        let mut out = None;
        for (key, v) in extra {
            debug_assert_eq!(key, OUT_KEY);
            match v {
                toml::Value::String(s) => out = Some(s.clone()),
                other => return Err(SpecError::value(key, describe(other), "a file path")),
            }
        }
        Ok(SimulateFile { spec, out })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_in_both_spellings() {
        let s = SimulateSettings::from_toml_str("avg-amount = 50\nsum_volume = 7\nrng = \"numpy\"")
            .unwrap();
        assert_eq!(
            (s.avg_amount, s.sum_volume, s.rng),
            (Some(50.0), Some(7), Some(RngKind::Numpy))
        );
    }

    #[test]
    fn flags_override_the_file() {
        let file = SimulateSettings {
            runs: Some(3),
            seed: Some(9),
            ..Default::default()
        };
        let flags = SimulateSettings {
            runs: Some(5),
            ..Default::default()
        };
        let s = file.overlay(flags);
        assert_eq!((s.runs, s.seed), (Some(5), Some(9)));
    }

    #[test]
    fn both_spellings_of_one_key_are_an_error() {
        let e = SimulateSettings::from_toml_str("avg-amount = 50\navg_amount = 60").unwrap_err();
        assert_eq!(
            e,
            ConfigError::DuplicateKey {
                key: "avg_amount".into(),
                other: "avg-amount".into()
            }
        );
    }

    #[test]
    fn unknown_key_is_named() {
        let e = SimulateSettings::from_toml_str("runz = 3").unwrap_err();
        assert_eq!(e, ConfigError::UnknownKey { key: "runz".into() });
    }
}
