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
//! edges = "graph.csv"       # optional: a trading graph's file, for a user that trades on
//!                           # one (the network's `edge-list`; the caller reads the file)
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

mod edges;
mod error;
mod read;
mod values;

pub use edges::{EDGE_INDEX_MAX, EDGES_HEADER, EDGES_MAX, EdgeFile, Edges};
pub(crate) use error::parse_doc;
pub use error::{SpecError, parse_toml};
pub use read::TableExtra;
pub(crate) use read::key_field;
pub(crate) use values::{string_value, whole_value};

use crate::draws::RngKind;
use crate::model::Enforce;
use crate::params::{STEPS_MAX, STEPS_SUMMARY_MAX, Written};

/// The caller's own keys of a table (see [`Spec::from_table`]), canonical, with their values.
pub(crate) type Extra<'a> = Vec<(&'static str, crate::toml_value::Value<'a>)>;

/// The keys of a spec, in their canonical spelling.
pub(crate) const SPEC_KEYS: [&str; 10] = [
    "model",
    "rule",
    "user",
    "restriction",
    "rng",
    "seed",
    "runs",
    "steps",
    "edges",
    "params",
];

/// One parameter value as given, before it is matched to the model, rule or user that
/// declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The parameter's name, canonical (kebab-case).
    pub key: String,
    /// Where it was written, for errors (`params.window`, `rule.window`, `--integrity`).
    pub(crate) field: String,
    /// `Some("rule")` etc. when it was written in that entry's table, so that only that
    /// entry may declare it; `None` when any one of the three may.
    pub(crate) owner: Option<&'static str>,
    /// The value as written: [`Spec::resolve`] reads it by the one grammar of numbers with
    /// the kind and range the parameter's owner declares (only known once the names are
    /// looked up), and an error echoes it.
    pub(crate) written: Written,
}

impl Param {
    /// The value read as a real number (NaN when it is not a number). [`Spec::resolve`]
    /// reads the value as written by the kind its declaration takes (a whole number
    /// exactly), so a whole-number parameter written `-0` resolves to 0.
    pub fn value(&self) -> f64 {
        self.written.real()
    }

    /// Sets the value to the number `x` (a program's, not a user's text).
    pub fn set_value(&mut self, x: f64) {
        self.written = Written::value(x);
    }
}

/// A setting (seed, runs or steps) as given: its value, how it was written and where, so
/// that a range checked once the layers are laid over each other (on resolve) names the
/// flag or key that gave it and echoes its text. Two settings are equal when their values
/// are.
#[derive(Debug, Clone)]
pub(crate) struct Setting {
    /// The value.
    pub(crate) value: u64,
    /// The value as written.
    pub(crate) shown: String,
    /// Where it was written (`--runs`, `runs`, `--rule.runs`).
    pub(crate) field: String,
}

impl PartialEq for Setting {
    fn eq(&self, o: &Self) -> bool {
        self.value == o.value
    }
}

impl Setting {
    /// `value` set by a program at `field` (shown as itself).
    pub(crate) fn given(field: &str, value: u64) -> Self {
        Setting {
            value,
            shown: value.to_string(),
            field: field.to_owned(),
        }
    }
}

/// A run as data, before its names are looked up: every part optional, so that a file,
/// flags and a workflow's defaults can be layered (`Spec::overlay`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spec {
    /// The model's name.
    pub(crate) model: Option<String>,
    /// The credit rule's name.
    pub(crate) rule: Option<String>,
    /// The user behaviour's name.
    pub(crate) user: Option<String>,
    /// The spending restriction, replacing the rule's own.
    pub(crate) restriction: Option<Enforce>,
    /// The generator family.
    pub(crate) rng: Option<RngKind>,
    /// The seed.
    pub(crate) seed: Option<Setting>,
    /// Monte Carlo runs.
    pub(crate) runs: Option<Setting>,
    /// Steps per run.
    pub(crate) steps: Option<Setting>,
    /// The trading graph's file, for a user that trades on a given graph ([`EdgeFile`]:
    /// the caller reads it).
    pub(crate) edges: Option<EdgeFile>,
    /// Parameter values, each key once.
    pub params: Vec<Param>,
}

/// The canonical spelling of a key: `_` becomes `-`.
pub(crate) fn canonical(key: &str) -> String {
    key.replace('_', "-")
}

/// The largest seed: numpy's generator also bounds `seed + runs − 1` (checked on resolve).
pub(crate) const SEED_MAX: u64 = i64::MAX as u64;

impl Spec {
    /// A spec that names only a rule.
    pub fn rule(name: &str) -> Self {
        Spec {
            rule: Some(name.to_owned()),
            ..Spec::default()
        }
    }

    /// Adds parameter `key` as `written` (a flag's or a pair's text, a TOML value), read
    /// by [`Spec::resolve`] with the kind and range its owner declares; refuses a key given
    /// before.
    pub(crate) fn push_written(
        &mut self,
        key: &str,
        written: Written,
        field: &str,
        owner: Option<&'static str>,
    ) -> Result<(), SpecError> {
        self.push(Param {
            key: canonical(key),
            field: field.to_owned(),
            owner,
            written,
        })
    }

    /// Adds `p`, refusing a key given before.
    fn push(&mut self, p: Param) -> Result<(), SpecError> {
        if let Some(first) = self.params.iter().find(|q| q.key == p.key) {
            return Err(SpecError::value(
                &p.field,
                p.written.shown(),
                format!(
                    "each key once; `{}` is already set at `{}`",
                    p.key, first.field
                ),
            ));
        }
        self.params.push(p);
        Ok(())
    }

    /// The file `edges` names, if any: the caller reads it and attaches its edges
    /// ([`EdgeFile::attach`]) before the spec resolves.
    pub fn edges_mut(&mut self) -> Option<&mut EdgeFile> {
        self.edges.as_mut()
    }

    /// The setting `key` (`seed`, `runs` or `steps`), if set.
    pub(crate) fn setting(&self, key: &str) -> Option<&Setting> {
        match key {
            "seed" => self.seed.as_ref(),
            "runs" => self.runs.as_ref(),
            "steps" => self.steps.as_ref(),
            _ => None,
        }
    }

    /// True when the setting `key` (a spec key other than `params`) is set.
    pub(crate) fn is_set(&self, key: &str) -> bool {
        match key {
            "model" => self.model.is_some(),
            "rule" => self.rule.is_some(),
            "user" => self.user.is_some(),
            "restriction" => self.restriction.is_some(),
            "rng" => self.rng.is_some(),
            "seed" => self.seed.is_some(),
            "runs" => self.runs.is_some(),
            "steps" => self.steps.is_some(),
            "edges" => self.edges.is_some(),
            _ => false,
        }
    }

    /// These settings with every one `over` sets replaced by `over`'s (flags over a file,
    /// a grid point over a sweep's top level); a parameter of `over` replaces the same key.
    pub(crate) fn overlay(mut self, over: Spec) -> Spec {
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
            edges: over.edges.or(self.edges),
            params: self.params,
        }
    }
}

impl Limits {
    /// The accepted range of the setting `key` (`seed`, `runs` or `steps`) under these
    /// limits: the one declaration [`Spec::resolve`] checks, once the layers are laid over
    /// each other, and every message names (the readers, `Spec::set_text_within` and
    /// `Spec::from_table_within`, refuse what is not a whole number with it).
    pub(crate) fn range(&self, key: &str) -> (u64, u64) {
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
    pub(crate) runs: u64,
    /// Steps when the spec sets none.
    pub(crate) steps: u64,
    /// Seed when the spec sets none.
    pub(crate) seed: u64,
    /// Generator when the spec sets none.
    pub(crate) rng: RngKind,
    /// The fewest runs accepted.
    pub(crate) runs_min: u64,
    /// The most runs accepted.
    pub(crate) runs_max: u64,
    /// The most steps accepted (a model may accept fewer: `ModelType::STEPS_MAX`).
    pub(crate) steps_max: u64,
    /// True when the workflow writes a row per state (a trajectory CSV, a scenario's
    /// tables, charts): a model's parameters are then also held to the tighter ranges it
    /// declares for that (`ModelType::TRAJECTORY_PARAMS`: the network's members).
    pub(crate) rows: bool,
}

impl Limits {
    /// `simulate --summary`'s: [`Limits::default`] for a workflow that writes no row per
    /// state, up to `STEPS_SUMMARY_MAX` steps (within what the model accepts).
    pub fn summary() -> Self {
        Limits {
            steps_max: STEPS_SUMMARY_MAX,
            rows: false,
            ..Limits::default()
        }
    }

    /// These limits with `rows` set: whether the workflow writes a row per state.
    pub(crate) fn with_rows(self, rows: bool) -> Self {
        Limits { rows, ..self }
    }
}

impl Default for Limits {
    /// `simulate`'s writing a trajectory CSV: 10 runs of 365 steps, seed 0, ChaCha; up to
    /// [`crate::params::RUNS_MAX`] runs of `STEPS_MAX` steps; a row per state.
    fn default() -> Self {
        Limits {
            runs: 10,
            steps: 365,
            seed: 0,
            rng: RngKind::Chacha,
            runs_min: 1,
            runs_max: crate::params::RUNS_MAX,
            steps_max: STEPS_MAX,
            rows: true,
        }
    }
}

#[cfg(test)]
mod tests;
