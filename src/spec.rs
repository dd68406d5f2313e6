//! One spec for a run: model, rule, user, their parameters, generator, seed, runs and
//! steps — read from TOML or from the `NAME:key=value,…` shorthand, layered, and resolved
//! once against a [`Registry`].
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
//! [`Spec::resolve`] against the [`ParamSpec`] its owner declares — the same bounds
//! whichever way the value came in.

use std::fmt;

use crate::draws::{NUMPY_SEED_MAX, RngKind};
use crate::model::Plan;
use crate::model::{Enforce, Enforced, Enforcement, Model};
use crate::params::ParamSpec;
use crate::params::{ParamError, STEPS_MAX};
use crate::registry::{
    BehaviourBox, Declared, ModelEntry, PolicyBox, Registry, RuleEntry, UserEntry,
};
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
                    return Err(SpecError::value(
                        key.as_str(),
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

    /// Looks every name up in `registry`, checks every parameter against its declaration
    /// and every setting against `limits`, and fills what is unset from `limits`' defaults
    /// and the registry's first model, rule and user.
    pub fn resolve<M: Model>(
        &self,
        registry: &Registry<M>,
        limits: &Limits,
    ) -> Result<RunSpec<M>, SpecError> {
        let model = pick(self.model.as_deref(), registry.models(), |n| {
            registry.find_model(n)
        })?;
        let rule = pick(self.rule.as_deref(), registry.rules(), |n| registry.find(n))?;
        let user = pick(self.user.as_deref(), registry.users(), |n| {
            registry.find_user(n)
        })?;
        let mut model = Chosen::defaults_of(model);
        let mut rule = Chosen::defaults_of(rule);
        let mut user = Chosen::defaults_of(user);
        for p in &self.params {
            let declared = [
                ("model", model.entry.name(), model.index(&p.key)),
                ("rule", rule.entry.name(), rule.index(&p.key)),
                ("user", user.entry.name(), user.index(&p.key)),
            ];
            let owners: Vec<_> = declared
                .iter()
                .filter(|(kind, _, i)| i.is_some() && p.owner.is_none_or(|o| o == *kind))
                .collect();
            match owners.as_slice() {
                [(kind, _, Some(i))] => {
                    let spec = match *kind {
                        "model" => &model.entry.params()[*i],
                        "rule" => &rule.entry.params()[*i],
                        _ => &user.entry.params()[*i],
                    };
                    let x = check_param(spec, &p.field, p.value).map_err(|e| match &p.written {
                        // Not a number: shown as written, with the declared range.
                        Some(text) => match e {
                            SpecError::Value {
                                field, accepted, ..
                            } => SpecError::value(field, text.clone(), accepted),
                            other => other,
                        },
                        None => e,
                    })?;
                    match *kind {
                        "model" => model.values[*i] = x,
                        "rule" => rule.values[*i] = x,
                        _ => user.values[*i] = x,
                    }
                }
                [] => {
                    let known = declared
                        .iter()
                        .filter(|(kind, _, _)| p.owner.is_none_or(|o| o == *kind))
                        .map(|(kind, name, _)| {
                            let names = match *kind {
                                "model" => param_names(model.entry.params()),
                                "rule" => param_names(rule.entry.params()),
                                _ => param_names(user.entry.params()),
                            };
                            format!("{kind} {name}: {names}")
                        })
                        .collect::<Vec<_>>()
                        .join("; ");
                    return Err(SpecError::value(
                        &p.field,
                        format!("{:?}", p.key),
                        format!("a declared parameter ({known})"),
                    ));
                }
                many => {
                    let who = many
                        .iter()
                        .map(|(kind, name, _)| format!("{kind} {name}"))
                        .collect::<Vec<_>>()
                        .join(" and ");
                    return Err(SpecError::value(
                        &p.field,
                        format!("{:?}", p.key),
                        format!(
                            "a parameter one entry declares; {who} both declare it: write it in [rule], [user] or [model]"
                        ),
                    ));
                }
            }
        }
        let restriction = self
            .restriction
            .unwrap_or_else(|| rule.entry.enforcement().mode);
        let rng = self.rng.unwrap_or(limits.rng);
        let seed = self.seed.unwrap_or(limits.seed);
        let runs = self.runs.unwrap_or(limits.runs);
        let steps = self.steps.unwrap_or(limits.steps);
        for (key, x) in [("seed", seed), ("runs", runs), ("steps", steps)] {
            let (lo, hi) = limits.range(key);
            if !(lo..=hi).contains(&x) {
                return Err(SpecError::value(
                    key,
                    x.to_string(),
                    format!("a whole number in [{lo}, {hi}]"),
                ));
            }
        }
        if rng == RngKind::Numpy && seed > NUMPY_SEED_MAX - (runs - 1) {
            return Err(SpecError::value(
                "seed",
                seed.to_string(),
                format!(
                    "with rng numpy, a whole number in [0, {}] so that seed + runs - 1 fits numpy's 32-bit seed",
                    NUMPY_SEED_MAX - (runs - 1)
                ),
            ));
        }
        Ok(RunSpec {
            model,
            rule,
            user,
            restriction,
            rng,
            seed,
            runs,
            steps,
        })
    }
}

fn param_names(params: &[ParamSpec]) -> String {
    if params.is_empty() {
        "none".to_owned()
    } else {
        params.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
    }
}

fn check_param(spec: &ParamSpec, field: &str, x: f64) -> Result<f64, SpecError> {
    spec.check(spec.name, x)
        .map_err(|e| SpecError::value(field, e.value, e.accepted))
}

fn pick<'a, E: Declared>(
    name: Option<&str>,
    all: &'a [E],
    find: impl Fn(&str) -> Result<&'a E, crate::registry::UnknownName>,
) -> Result<&'a E, SpecError> {
    match name {
        Some(n) => find(n).map_err(|e| SpecError::value(e.kind, format!("{:?}", e.name), e.known)),
        None => all.first().ok_or_else(|| {
            SpecError::value(E::KIND, "(none)", format!("a registered {}", E::KIND))
        }),
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

/// A registered entry with values for its parameters, checked against its declaration:
/// a value of this type is always valid.
#[derive(Debug, Clone, PartialEq)]
pub struct Chosen<E> {
    entry: E,
    values: Vec<f64>,
}

impl<E: Declared + Clone> Chosen<E> {
    /// `entry` at its defaults (a preset's values for a preset).
    pub fn defaults_of(entry: &E) -> Self {
        Chosen {
            values: entry.defaults(),
            entry: entry.clone(),
        }
    }

    /// `entry` with `values` (declaration order), each checked.
    pub fn new(entry: &E, values: Vec<f64>) -> Result<Self, ParamError> {
        crate::params::check_values(entry.name(), entry.params(), &values)?;
        Ok(Chosen {
            entry: entry.clone(),
            values,
        })
    }

    /// The entry.
    pub fn entry(&self) -> &E {
        &self.entry
    }

    /// The values, in declaration order.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The index of parameter `key`, if declared.
    fn index(&self, key: &str) -> Option<usize> {
        self.entry.params().iter().position(|p| p.name == key)
    }

    /// The value of parameter `key`, if declared.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.index(key).map(|i| self.values[i])
    }

    /// Sets parameter `key` to `value`, checked against its declaration; `field` names it
    /// in the error.
    pub fn set(&mut self, key: &str, value: f64, field: &str) -> Result<(), SpecError> {
        let i = self.index(key).ok_or_else(|| {
            SpecError::value(
                field,
                format!("{key:?}"),
                format!(
                    "a parameter of {} {} ({})",
                    E::KIND,
                    self.entry.name(),
                    param_names(self.entry.params())
                ),
            )
        })?;
        self.values[i] = check_param(&self.entry.params()[i], field, value)?;
        Ok(())
    }

    /// `name=value` pairs separated by spaces.
    pub fn params_text(&self) -> String {
        self.entry
            .params()
            .iter()
            .zip(&self.values)
            .map(|(p, v)| format!("{}={v}", p.name))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl<E: Declared> fmt::Display for Chosen<E> {
    /// The shorthand: `name:key=value,…` (only the values that differ from the entry's).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.entry.name())?;
        let defaults = self.entry.defaults();
        let mut sep = ':';
        for ((p, v), d) in self.entry.params().iter().zip(&self.values).zip(defaults) {
            if v.to_bits() != d.to_bits() {
                write!(f, "{sep}{}={v}", p.name)?;
                sep = ',';
            }
        }
        Ok(())
    }
}

/// A resolved spec: every name found, every value checked. What one run of it drives is
/// [`RunSpec::plan`]; run r draws from [`RunSpec::streams`].
#[derive(Debug, Clone)]
pub struct RunSpec<M: Model> {
    /// The model and its parameter values.
    pub model: Chosen<ModelEntry<M>>,
    /// The rule and its parameter values.
    pub rule: Chosen<RuleEntry<M>>,
    /// The user behaviour and its parameter values.
    pub user: Chosen<UserEntry<M>>,
    /// The spending restriction (the rule's own unless the spec set one).
    pub restriction: Enforce,
    /// The generator family.
    pub rng: RngKind,
    /// The seed.
    pub seed: u64,
    /// Monte Carlo runs.
    pub runs: u64,
    /// Steps per run.
    pub steps: u64,
}

/// Two resolved specs are equal when they name the same entries with the same values and
/// the same settings.
impl<M: Model> PartialEq for RunSpec<M> {
    fn eq(&self, o: &Self) -> bool {
        self.model == o.model
            && self.rule == o.rule
            && self.user == o.user
            && self.restriction == o.restriction
            && (self.rng, self.seed, self.runs, self.steps) == (o.rng, o.seed, o.runs, o.steps)
    }
}

/// What a resolved spec's runs drive: the model, its rule under the spec's restriction and
/// the user behaviour, each named at run time.
pub type SpecPlan<M> = Plan<M, Enforced<PolicyBox<M>>, BehaviourBox<M>>;

impl<M: Model> RunSpec<M> {
    /// The model, policy and behaviour one run drives.
    pub fn plan(&self) -> SpecPlan<M> {
        let model = self.model.entry.build(&self.model.values);
        let rule = self.rule.entry.build(&self.rule.values);
        let user = self.user.entry.build(&self.user.values);
        // Chosen values are checked when chosen; building cannot fail.
        let (Ok(model), Ok(rule), Ok(user)) = (model, rule, user) else {
            unreachable!("a Chosen entry holds values checked against its declaration")
        };
        let enforcement = Enforcement {
            mode: self.restriction,
            ..crate::model::CreditPolicy::<M>::enforcement(&rule)
        };
        Plan {
            model,
            policy: Enforced {
                policy: rule,
                enforcement,
            },
            behaviour: user,
        }
    }

    /// The streams its runs draw from: (rng, seed), subset 0 — the streams `simulate`
    /// uses. Run r of [`RunSpec::plan`] is `plan.run(&spec.streams(), r, spec.steps, …)`.
    pub fn streams(&self) -> crate::model::Streams {
        crate::model::Streams::new(self.rng, self.seed)
    }

    /// The spec back as the command-line shorthand (parameters that differ from the
    /// defaults only; the registry's first model is left out).
    pub fn shorthand(&self) -> String {
        let mut s = self.rule.to_string();
        let mut pairs = Vec::new();
        for (kind, chosen) in [
            ("model", self.model.to_string()),
            ("user", self.user.to_string()),
        ] {
            let (name, params) = chosen.split_once(':').unwrap_or((&chosen, ""));
            pairs.push(format!("{kind}={name}"));
            pairs.extend(
                params
                    .split(',')
                    .filter(|p| !p.is_empty())
                    .map(String::from),
            );
        }
        if self.restriction != self.rule.entry.enforcement().mode {
            pairs.push(format!("restriction={}", self.restriction));
        }
        pairs.push(format!("rng={}", self.rng));
        pairs.push(format!("seed={}", self.seed));
        pairs.push(format!("runs={}", self.runs));
        pairs.push(format!("steps={}", self.steps));
        let sep = if s.contains(':') { ',' } else { ':' };
        s.push(sep);
        s.push_str(&pairs.join(","));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v1::V1;

    fn registry() -> Registry<V1> {
        Registry::builtin()
    }

    #[test]
    fn an_empty_spec_is_the_registrys_first_of_each_at_its_defaults() {
        let r = Spec::default()
            .resolve(&registry(), &Limits::default())
            .unwrap();
        assert_eq!(r.model.entry().name, "v1");
        assert_eq!(r.rule.entry().name, "currents-v1");
        assert_eq!(r.user.entry().name, "balanced");
        assert_eq!(r.user.values(), &[1.0, 100.0, 0.0, 0.0]);
        assert_eq!(
            (r.runs, r.steps, r.seed, r.rng),
            (10, 365, 0, RngKind::Chacha)
        );
    }

    #[test]
    fn the_shorthand_and_the_toml_form_are_the_same_spec() {
        let short = Spec::from_shorthand(
            "",
            "turnover:window=10,integrity=0.8,user=spender,rng=numpy",
        )
        .unwrap();
        let toml = Spec::from_toml_str(
            "rule = \"turnover\"\nuser = \"spender\"\nrng = \"numpy\"\n[params]\nwindow = 10\nintegrity = 0.8\n",
        )
        .unwrap();
        let l = Limits::default();
        let (a, b) = (
            short.resolve(&registry(), &l).unwrap(),
            toml.resolve(&registry(), &l).unwrap(),
        );
        assert_eq!(a, b);
        assert_eq!(a.rule.get("window"), Some(10.0));
        assert_eq!(a.user.get("integrity"), Some(0.8));
        assert_eq!(
            a.user.get("bias"),
            Some(-0.05),
            "the preset's value is kept"
        );
    }

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
    fn an_undeclared_parameter_names_what_each_entry_declares() {
        let e = Spec::from_shorthand("candidate", "static:window=3")
            .unwrap()
            .resolve(&registry(), &Limits::default())
            .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("invalid value for `candidate.window`"),
            "{msg}"
        );
        assert!(msg.contains("rule static: none"), "{msg}");
        assert!(msg.contains("user balanced: integrity"), "{msg}");
    }

    #[test]
    fn the_shorthand_of_a_resolved_spec_resolves_to_it() {
        let l = Limits::default();
        let a = Spec::from_shorthand(
            "",
            "fixed-band:upper=100,user=growing,bias=0.1,restriction=reject,steps=40",
        )
        .unwrap()
        .resolve(&registry(), &l)
        .unwrap();
        let again = Spec::from_shorthand("", &a.shorthand())
            .unwrap()
            .resolve(&registry(), &l)
            .unwrap();
        assert_eq!(a, again, "{}", a.shorthand());
    }

    #[test]
    fn an_error_stays_one_line_and_keeps_quotes_as_written() {
        let e = SpecError::value("a\nb", "\"x\"", "y");
        assert_eq!(
            e.to_string(),
            "invalid value for `a\\nb`: \"x\" (accepted: y)"
        );
    }

    #[test]
    fn numpy_seeds_must_fit_32_bits_for_every_run() {
        let e = Spec::from_shorthand("", "currents-v1:rng=numpy,seed=4294967295,runs=2")
            .unwrap()
            .resolve(&registry(), &Limits::default())
            .unwrap_err();
        assert!(e.to_string().contains("[0, 4294967294]"), "{e}");
    }
}
