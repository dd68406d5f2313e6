//! One spec for a run: model, rule, user, their parameters, generator, seed, runs and
//! steps — read from TOML or from the `NAME:key=value,…` shorthand and layered, as data:
//! this module knows no registry. [`Spec::resolve`] (in `crate::registry`) looks the names
//! up once and checks every value against its declaration.
//!
//! Every workflow reads this one spec: `simulate --config`, a scenario file, each side of
//! `compare` and each cell of a sweep (which adds lists and `[[grid]]` tables). In TOML:
//!
//! ```toml
//! model = "v1"              # optional: the registry's first model
//! rule = "turnover"         # or "turnover:window=10", or a table: [rule] name = "turnover", window = 10
//! user = "spender"          # a registered user behaviour or preset
//! restriction = "clamp"     # optional: none, clamp or reject (default: the rule's own)
//! rng = "numpy"             # chacha or numpy
//! seed = 0
//! runs = 10
//! steps = 365
//!
//! [params]                  # any parameter the chosen model, rule or user declares
//! window = 10
//! integrity = 0.8
//! sum-volume = 30
//! ```
//!
//! On the command line `turnover:window=10,integrity=0.8,rng=numpy` is the same spec:
//! the rule's name, then `key=value` pairs whose keys are the spec's keys or parameter
//! names. Keys may be written with `-` or `_`; one key given twice, in either spelling or
//! in both a table and `[params]`, is an error. A parameter is checked, once, by
//! [`Spec::resolve`] against the `ParamSpec` its owner declares — the same bounds
//! whichever way the value came in.

use crate::draws::RngKind;
use crate::model::Enforce;
use crate::params::{ParamError, STEPS_MAX};
use crate::toml_value::{describe, line_col};

/// The caller's own keys of a table (see [`Spec::from_table`]), canonical, with their values.
pub type Extra<'a> = Vec<(&'static str, &'a toml::Value)>;

/// The keys of a spec, in their canonical spelling.
pub const SPEC_KEYS: [&str; 9] = [
    "model",
    "rule",
    "user",
    "restriction",
    "rng",
    "seed",
    "runs",
    "steps",
    "params",
];

/// A bad spec: names the field, the value and what is accepted — or where the TOML broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
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
    /// A key or value that is not accepted.
    // Fields and values are shown escaped: a quoted TOML key may hold a line break, and the
    // message must stay one line.
    #[error(
        "invalid value for `{}`: {} (accepted: {})",
        one_line(field),
        one_line(&crate::params::short_text(value)),
        one_line(accepted)
    )]
    Value {
        /// Where, e.g. `params.window`, `candidate.integrity`, `grid[0].rules`.
        field: String,
        /// What was given.
        value: String,
        /// What would be accepted.
        accepted: String,
    },
}

/// `s` with its control characters (line breaks, tabs, …) escaped and everything else as
/// written: how an error message shows a field or value and stays one line.
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

impl SpecError {
    /// An error naming `field`, `value` and what is `accepted`.
    pub fn value(
        field: impl Into<String>,
        value: impl Into<String>,
        accepted: impl Into<String>,
    ) -> Self {
        SpecError::Value {
            field: field.into(),
            value: value.into(),
            accepted: accepted.into(),
        }
    }

    /// The error of a TOML text that does not parse.
    pub fn syntax(text: &str, e: &toml::de::Error) -> Self {
        let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        SpecError::Syntax {
            line,
            column,
            message: e.message().trim().to_owned(),
        }
    }

    /// The same error naming `to` where it named the field `from` (a key read from a flag:
    /// `engine` → `--engine`).
    pub fn renamed(self, from: &str, to: &str) -> Self {
        match self {
            SpecError::Value {
                field,
                value,
                accepted,
            } if field == from => SpecError::Value {
                field: to.to_owned(),
                value,
                accepted,
            },
            other => other,
        }
    }

    /// The same error with `prefix.` before its field (a compare side's, a grid's).
    pub fn within(self, prefix: &str) -> Self {
        match self {
            SpecError::Value {
                field,
                value,
                accepted,
            } if !prefix.is_empty() => SpecError::Value {
                field: format!("{prefix}.{field}"),
                value,
                accepted,
            },
            other => other,
        }
    }
}

impl From<ParamError> for SpecError {
    fn from(e: ParamError) -> Self {
        SpecError::value(e.field, e.value, e.accepted)
    }
}

/// Parses TOML text into a table, or the syntax error with its line and column.
pub fn parse_toml(text: &str) -> Result<toml::Table, SpecError> {
    text.parse()
        .map_err(|e: toml::de::Error| SpecError::syntax(text, &e))
}

/// One parameter value as given, before it is matched to the model, rule or user that
/// declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The parameter's name, canonical (kebab-case).
    pub key: String,
    /// The value.
    pub value: f64,
    /// Where it was written, for errors (`params.window`, `rule.window`, `--integrity`).
    pub field: String,
    /// `Some("rule")` etc. when it was written in that entry's table, so that only that
    /// entry may declare it; `None` when any one of the three may.
    pub owner: Option<&'static str>,
    /// The value as written when it is not a number (`"high"`, `""`), with `value` NaN:
    /// [`Spec::resolve`] refuses it with the range the parameter's owner declares, which
    /// is only known once the names are looked up.
    pub written: Option<String>,
}

/// A run as data, before its names are looked up: every part optional, so that a file,
/// flags and a workflow's defaults can be layered ([`Spec::overlay`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spec {
    /// The model's name.
    pub model: Option<String>,
    /// The credit rule's name.
    pub rule: Option<String>,
    /// The user behaviour's name.
    pub user: Option<String>,
    /// The spending restriction, replacing the rule's own.
    pub restriction: Option<Enforce>,
    /// The generator family.
    pub rng: Option<RngKind>,
    /// The seed.
    pub seed: Option<u64>,
    /// Monte Carlo runs.
    pub runs: Option<u64>,
    /// Steps per run.
    pub steps: Option<u64>,
    /// Parameter values, each key once.
    pub params: Vec<Param>,
}

/// The canonical spelling of a key: `_` becomes `-`.
pub fn canonical(key: &str) -> String {
    key.replace('_', "-")
}

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

fn whole_text(field: &str, s: &str, lo: u64, hi: u64) -> Result<u64, SpecError> {
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

/// The largest seed: numpy's generator also bounds `seed + runs − 1` (checked on resolve).
pub const SEED_MAX: u64 = i64::MAX as u64;

impl Spec {
    /// A spec that names only a rule.
    pub fn rule(name: &str) -> Self {
        Spec {
            rule: Some(name.to_owned()),
            ..Spec::default()
        }
    }

    /// Adds parameter `key = value` (written at `field`), refusing a key given before.
    pub fn push_param(
        &mut self,
        key: &str,
        value: f64,
        field: &str,
        owner: Option<&'static str>,
    ) -> Result<(), SpecError> {
        self.push(Param {
            key: canonical(key),
            value,
            field: field.to_owned(),
            owner,
            written: None,
        })
    }

    /// Adds parameter `key` written as `shown`, which is not a number: kept so that
    /// [`Spec::resolve`] refuses it naming the declared range.
    pub(crate) fn push_unparsed(
        &mut self,
        key: &str,
        shown: String,
        field: &str,
        owner: Option<&'static str>,
    ) -> Result<(), SpecError> {
        self.push(Param {
            key: canonical(key),
            value: f64::NAN,
            field: field.to_owned(),
            owner,
            written: Some(shown),
        })
    }

    /// Adds `p`, refusing a key given before.
    fn push(&mut self, p: Param) -> Result<(), SpecError> {
        if let Some(first) = self.params.iter().find(|q| q.key == p.key) {
            return Err(SpecError::value(
                &p.field,
                p.written
                    .clone()
                    .unwrap_or_else(|| crate::params::short_number(p.value)),
                format!(
                    "each key once; `{}` is already set at `{}`",
                    p.key, first.field
                ),
            ));
        }
        self.params.push(p);
        Ok(())
    }

    /// Sets one setting or parameter from its text form (a shorthand pair, a flag):
    /// `key` is a spec key or a parameter name. `field` names it in errors. Seeds, runs
    /// and steps are checked against [`Limits::default`] (`simulate`'s);
    /// [`Spec::set_text_within`] checks them against a workflow's own.
    pub fn set_text(&mut self, key: &str, value: &str, field: &str) -> Result<(), SpecError> {
        self.set_text_within(key, value, field, &Limits::default())
    }

    /// [`Spec::set_text`] with the settings checked against `limits`, so that a value
    /// outside a workflow's range is refused with that range (compare's `--runs`).
    pub fn set_text_within(
        &mut self,
        key: &str,
        value: &str,
        field: &str,
        limits: &Limits,
    ) -> Result<(), SpecError> {
        let key = canonical(key);
        let twice = |f: &str| {
            SpecError::value(
                f,
                format!("{value:?}"),
                format!("each key once; `{key}` is already set"),
            )
        };
        match key.as_str() {
            "model" | "rule" | "user" => {
                let slot = match key.as_str() {
                    "model" => &mut self.model,
                    "rule" => &mut self.rule,
                    _ => &mut self.user,
                };
                if slot.is_some() {
                    return Err(twice(field));
                }
                *slot = Some(value.trim().to_owned());
            }
            "restriction" => {
                if self.restriction.is_some() {
                    return Err(twice(field));
                }
                self.restriction = Some(parse_restriction(field, value)?);
            }
            "rng" => {
                if self.rng.is_some() {
                    return Err(twice(field));
                }
                self.rng = Some(parse_rng(field, value)?);
            }
            "seed" | "runs" | "steps" => {
                let (lo, hi) = limits.range(&key);
                let v = whole_text(field, value, lo, hi)?;
                let slot = match key.as_str() {
                    "seed" => &mut self.seed,
                    "runs" => &mut self.runs,
                    _ => &mut self.steps,
                };
                if slot.is_some() {
                    return Err(twice(field));
                }
                *slot = Some(v);
            }
            "params" => {
                return Err(SpecError::value(
                    field,
                    format!("{value:?}"),
                    "parameters as their own key=value pairs",
                ));
            }
            _ => match number_text(field, value) {
                Ok(x) => self.push_param(&key, x, field, None)?,
                Err(_) => self.push_unparsed(&key, format!("{value:?}"), field, None)?,
            },
        }
        Ok(())
    }

    /// Parses the shorthand `NAME[:key=value,…]`: NAME is the rule, each key a spec key
    /// (`model`, `user`, `restriction`, `rng`, `seed`, `runs`, `steps`) or a parameter of
    /// the model, rule or user. `field` (a flag or a compare side) prefixes error fields.
    /// Settings are checked against [`Limits::default`]; see [`Spec::from_shorthand_within`].
    pub fn from_shorthand(field: &str, text: &str) -> Result<Spec, SpecError> {
        Spec::from_shorthand_within(field, text, &Limits::default())
    }

    /// [`Spec::from_shorthand`] with the settings checked against a workflow's `limits`.
    pub fn from_shorthand_within(
        field: &str,
        text: &str,
        limits: &Limits,
    ) -> Result<Spec, SpecError> {
        let (name, rest) = match text.split_once(':') {
            Some((n, r)) => (n.trim(), Some(r)),
            None => (text.trim(), None),
        };
        if name.is_empty() {
            return Err(SpecError::value(
                field,
                format!("{text:?}"),
                "NAME or NAME:key=value,… (NAME a rule; see `currents policies`)",
            ));
        }
        let mut spec = Spec::rule(name);
        for pair in rest.into_iter().flat_map(|r| r.split(',')) {
            let Some((key, value)) = pair.split_once('=') else {
                return Err(SpecError::value(
                    field,
                    format!("{:?}", pair.trim()),
                    "key=value pairs separated by commas",
                ));
            };
            let key = key.trim();
            let f = if field.is_empty() {
                key.to_owned()
            } else {
                format!("{field}.{key}")
            };
            spec.set_text_within(key, value, &f, limits)?;
        }
        Ok(spec)
    }

    /// Reads a spec from a TOML table. Keys in `extra` belong to the caller (a scenario's
    /// `description`, a sweep's `grid`) and are returned with their values, canonical;
    /// any other unknown key is an error listing the accepted ones. Settings are checked
    /// against [`Limits::default`]; see [`Spec::from_table_within`].
    pub fn from_table<'a>(
        table: &'a toml::Table,
        extra: &[&'static str],
    ) -> Result<(Spec, Extra<'a>), SpecError> {
        Spec::from_table_within(table, extra, &Limits::default())
    }

    /// [`Spec::from_table`] with the settings checked against a workflow's `limits`.
    pub fn from_table_within<'a>(
        table: &'a toml::Table,
        extra: &[&'static str],
        limits: &Limits,
    ) -> Result<(Spec, Extra<'a>), SpecError> {
        let mut spec = Spec::default();
        let mut rest = Vec::new();
        let mut seen: Vec<(String, &str)> = Vec::new();
        for (key, v) in table {
            let k = canonical(key);
            if let Some((_, first)) = seen.iter().find(|(c, _)| *c == k) {
                return Err(SpecError::value(
                    key.as_str(),
                    describe(v),
                    format!("each key once; `{first}` sets the same value"),
                ));
            }
            seen.push((k.clone(), key));
            if let Some(x) = extra.iter().find(|x| **x == k) {
                rest.push((*x, v));
                continue;
            }
            // A rule's shorthand (`rule = "turnover:seed=3"`) may have set this key already.
            if spec.is_set(&k) {
                return Err(SpecError::value(
                    key.as_str(),
                    describe(v),
                    format!("each key once; `{k}` is already set in `rule`"),
                ));
            }
            match k.as_str() {
                "model" | "rule" | "user" => spec.named_value(&k, v, limits)?,
                "restriction" => {
                    let s = string_value(&k, v, RESTRICTIONS)?;
                    spec.restriction = Some(parse_restriction(&k, s)?);
                }
                "rng" => spec.rng = Some(parse_rng(&k, string_value(&k, v, "chacha or numpy")?)?),
                "seed" | "runs" | "steps" => {
                    let (lo, hi) = limits.range(&k);
                    let x = Some(whole_value(key, v, lo, hi)?);
                    match k.as_str() {
                        "seed" => spec.seed = x,
                        "runs" => spec.runs = x,
                        _ => spec.steps = x,
                    }
                }
                "params" => {
                    let toml::Value::Table(t) = v else {
                        return Err(SpecError::value(
                            "params",
                            describe(v),
                            "a table of parameter = number",
                        ));
                    };
                    for (pk, pv) in t {
                        let f = format!("params.{pk}");
                        match number_value(&f, pv) {
                            Ok(x) => spec.push_param(pk, x, &f, None)?,
                            Err(_) => spec.push_unparsed(pk, describe(pv), &f, None)?,
                        }
                    }
                }
                _ => {
                    let accepted = SPEC_KEYS
                        .iter()
                        .chain(extra)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ");
                    // An empty key (`"" = 1`) is shown as written, quoted, so that the
                    // error still names a field.
                    let field = if key.is_empty() { "\"\"" } else { key.as_str() };
                    return Err(SpecError::value(
                        field,
                        "(unknown key)",
                        format!("keys {accepted}"),
                    ));
                }
            }
        }
        Ok((spec, rest))
    }

    /// Parses a whole TOML text that holds a spec and nothing else.
    pub fn from_toml_str(text: &str) -> Result<Spec, SpecError> {
        let table = parse_toml(text)?;
        Ok(Spec::from_table(&table, &[])?.0)
    }

    /// `model`, `rule` or `user` given as a name, a shorthand string or a table with `name`
    /// and that entry's parameters.
    fn named_value(
        &mut self,
        kind: &str,
        v: &toml::Value,
        limits: &Limits,
    ) -> Result<(), SpecError> {
        let owner: &'static str = match kind {
            "model" => "model",
            "rule" => "rule",
            _ => "user",
        };
        let name = match v {
            toml::Value::String(s) if kind == "rule" && s.contains(':') => {
                let short = Spec::from_shorthand_within(kind, s, limits)?;
                let name = short.rule.clone();
                self.absorb(short)?;
                name.unwrap_or_default()
            }
            toml::Value::String(s) => s.trim().to_owned(),
            toml::Value::Table(t) => {
                let name = t.get("name").ok_or_else(|| {
                    SpecError::value(
                        format!("{kind}.name"),
                        "(missing)",
                        format!("the {kind}'s name"),
                    )
                })?;
                let name = string_value(&format!("{kind}.name"), name, "a name")?.to_owned();
                for (pk, pv) in t.iter().filter(|(k, _)| k.as_str() != "name") {
                    let f = format!("{kind}.{pk}");
                    match number_value(&f, pv) {
                        Ok(x) => self.push_param(pk, x, &f, Some(owner))?,
                        Err(_) => self.push_unparsed(pk, describe(pv), &f, Some(owner))?,
                    }
                }
                name
            }
            other => {
                return Err(SpecError::value(
                    kind,
                    describe(other),
                    format!("a {kind} name, or a table with `name` and the {kind}'s parameters"),
                ));
            }
        };
        let slot = match owner {
            "model" => &mut self.model,
            "rule" => &mut self.rule,
            _ => &mut self.user,
        };
        *slot = Some(name);
        Ok(())
    }

    /// Moves every setting and parameter of `other` into `self`, refusing any set in both.
    fn absorb(&mut self, other: Spec) -> Result<(), SpecError> {
        if let Some(k) = SPEC_KEYS.iter().find(|k| self.is_set(k) && other.is_set(k)) {
            return Err(SpecError::value(
                format!("rule.{k}"),
                "(set twice)",
                format!("each key once; `{k}` is already set"),
            ));
        }
        for p in other.params {
            self.push(p)?;
        }
        let merged = std::mem::take(self).overlay(Spec {
            params: Vec::new(),
            ..other
        });
        *self = merged;
        Ok(())
    }

    /// True when the setting `key` (a spec key other than `params`) is set.
    pub fn is_set(&self, key: &str) -> bool {
        match key {
            "model" => self.model.is_some(),
            "rule" => self.rule.is_some(),
            "user" => self.user.is_some(),
            "restriction" => self.restriction.is_some(),
            "rng" => self.rng.is_some(),
            "seed" => self.seed.is_some(),
            "runs" => self.runs.is_some(),
            "steps" => self.steps.is_some(),
            _ => false,
        }
    }

    /// These settings with every one `over` sets replaced by `over`'s (flags over a file,
    /// a grid point over a sweep's top level); a parameter of `over` replaces the same key.
    pub fn overlay(mut self, over: Spec) -> Spec {
        for p in over.params {
            match self.params.iter_mut().find(|q| q.key == p.key) {
                Some(q) => *q = p,
                None => self.params.push(p),
            }
        }
        Spec {
            model: over.model.or(self.model),
            rule: over.rule.or(self.rule),
            user: over.user.or(self.user),
            restriction: over.restriction.or(self.restriction),
            rng: over.rng.or(self.rng),
            seed: over.seed.or(self.seed),
            runs: over.runs.or(self.runs),
            steps: over.steps.or(self.steps),
            params: self.params,
        }
    }
}

const RESTRICTIONS: &str = "none, clamp or reject";

/// A restriction a spec may set: `Enforce`'s own names (one list of them), except `model`,
/// which is a model's default and not a choice a spec makes.
fn parse_restriction(field: &str, s: &str) -> Result<Enforce, SpecError> {
    match Enforce::parse("restriction", s.trim()) {
        Ok(e) if e != Enforce::Model => Ok(e),
        _ => Err(SpecError::value(
            field,
            format!("{:?}", s.trim()),
            RESTRICTIONS,
        )),
    }
}

fn parse_rng(field: &str, s: &str) -> Result<RngKind, SpecError> {
    RngKind::parse(s.trim()).map_err(|e| SpecError::value(field, e.value, e.accepted))
}

impl Limits {
    /// The accepted range of the setting `key` (`seed`, `runs` or `steps`) under these
    /// limits: the one declaration the parsers ([`Spec::set_text_within`],
    /// [`Spec::from_table_within`]) and [`Spec::resolve`] check, and their messages name.
    pub fn range(&self, key: &str) -> (u64, u64) {
        match key {
            "seed" => (0, SEED_MAX),
            "runs" => (self.runs_min, self.runs_max),
            _ => (1, self.steps_max),
        }
    }
}

/// A workflow's defaults and bounds for the settings (parameters have theirs declared).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Runs when the spec sets none.
    pub runs: u64,
    /// Steps when the spec sets none.
    pub steps: u64,
    /// Seed when the spec sets none.
    pub seed: u64,
    /// Generator when the spec sets none.
    pub rng: RngKind,
    /// The fewest runs accepted.
    pub runs_min: u64,
    /// The most runs accepted.
    pub runs_max: u64,
    /// The most steps accepted.
    pub steps_max: u64,
}

impl Default for Limits {
    /// `simulate`'s: 10 runs of 365 steps, seed 0, ChaCha; up to
    /// [`crate::params::RUNS_MAX`] runs of [`STEPS_MAX`] steps.
    fn default() -> Self {
        Limits {
            runs: 10,
            steps: 365,
            seed: 0,
            rng: RngKind::Chacha,
            runs_min: 1,
            runs_max: crate::params::RUNS_MAX,
            steps_max: STEPS_MAX,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_twice_in_either_spelling_is_an_error() {
        assert!(Spec::from_shorthand("", "turnover:window=1,window=2").is_err());
        assert!(Spec::from_toml_str("[params]\navg-amount = 5\navg_amount = 6\n").is_err());
        assert!(
            Spec::from_toml_str("sum_volume = 1\n").is_err(),
            "unknown top-level key"
        );
        let e =
            Spec::from_toml_str("[rule]\nname = \"turnover\"\nwindow = 3\n[params]\nwindow = 4\n")
                .unwrap_err();
        // (TOML tables are read in key order: `params` before `rule`.)
        assert!(
            e.to_string().contains("is already set at `params.window`"),
            "{e}"
        );
    }

    #[test]
    fn a_setting_in_a_rules_shorthand_and_at_the_top_level_is_an_error() {
        for text in [
            "seed = 1\nrule = \"turnover:seed=2\"\n",
            "rule = \"turnover:user=spender\"\nuser = \"balanced\"\n",
            "rule = \"turnover:rng=numpy\"\nrng = \"numpy\"\n",
        ] {
            let e = Spec::from_toml_str(text).unwrap_err().to_string();
            assert!(e.contains("each key once"), "{text:?}: {e}");
        }
    }

    #[test]
    fn an_error_is_one_line_and_quotes_are_not_escaped() {
        let e = Spec::from_toml_str("[params]\n\"a_\\nb\" = 1\n\"a-\\nb\" = 2\n").unwrap_err();
        let msg = e.to_string();
        assert!(!msg.contains('\n') && msg.contains("a-\\nb"), "{msg}");
        let e = Spec::from_shorthand("--rule", "turnover:runs=x").unwrap_err();
        assert!(e.to_string().contains(": \"x\" (accepted"), "{e}");
    }

    #[test]
    fn an_error_stays_one_line_and_keeps_quotes_as_written() {
        let e = SpecError::value("a\nb", "\"x\"", "y");
        assert_eq!(
            e.to_string(),
            "invalid value for `a\\nb`: \"x\" (accepted: y)"
        );
    }
}
