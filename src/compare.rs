//! A regression gate for policy changes: two rules on the same seeded transaction streams.
//!
//! Snapshots catch *any* change to the numbers; a team editing its credit rule also needs to
//! know whether a change *matters*. [`compare`] runs a baseline and a candidate side by side
//! on common random numbers — run r of both sides draws from the same generator stream, the
//! one `currents simulate` uses for run r — and reports, per metric of [`crate::metrics`],
//! both means and the paired difference with a bootstrap 95% interval across runs; per
//! trajectory invariant, its status on each side; per run, the first step where the two
//! trajectories diverge and the first step where they stop sharing draws; and a verdict.
//!
//! Pairing matters because most of a metric's spread across runs comes from the draws, which
//! both sides share: the paired difference cancels it. For `credit_mean` under a 2.6% change
//! of V1's quadratic coefficient its standard deviation drops from 670 (one side) to 41
//! (the pair), so 10 runs do what independent samples would need thousands for
//! (docs/compare.md, "Power").
//!
//! # Sides
//!
//! Each side is the one run spec ([`crate::spec`]): the shorthand `NAME:key=value,…`
//! ([`SideInput::shorthand`]: the rule, its parameters, `user=`, the user's and the model's
//! parameters, `restriction=`, and the settings `rng`, `seed`, `runs`, `steps`) or a spec or
//! scenario `.toml` file ([`SideInput::file`]). [`resolve_sides`] looks both up in a
//! [`Registry`], layered so that only what a side says differs:
//!
//! - **Settings** (runs, steps, seed, generator): a flag, over what a side's spec sets, over
//!   the defaults ([`CompareConfig::default`]). Both sides always run the same settings —
//!   common random numbers need them — so when the two sides set one setting to different
//!   values and no flag settles it, the comparison is refused.
//! - **Model and user**: a side written as shorthand is laid over a *file* on the other
//!   side: it runs on the file's model and user with their parameter values, except what it
//!   names itself (another user or model starts from that entry's own values; its own
//!   parameters replace the file's). So `--baseline scenario.toml --candidate turnover`
//!   compares two rules on the scenario's user and window. Two shorthand sides, or two
//!   files, each run on their own spec over the registry's defaults: `turnover` against
//!   `turnover:integrity=0.8` compares two users under one rule.
//! - **Rule and restriction** are each side's own: never carried from the other side.
//!
//! The draws stay aligned as long as both sides consume the same number of generator
//! outputs per step. The built-in user draw ([`crate::v1::NotebookUser`]) takes a fixed
//! seven 32-bit outputs per step, plus two more on the integrity path, which is only taken
//! when a uniform draw exceeds the integrity coefficient *and* ten times the amount is below
//! the previous capacity. With integrity ≥ 1 the path is never taken and the alignment is
//! exact for any pair of rules; below 1 the capacity (which the rule sets) decides, and the
//! report names, per run, the first step where the draw counts differ
//! ([`RunDivergence::crn_lost_step`]).
//!
//! A side runs as the runs of a plan ([`crate::registry::Runs`]: a model, a credit policy
//! and a behaviour on an engine), so [`compare_plans`] compares plans of two different
//! models (a model variant against V1) from the members' [`crate::model::Ledger`]s alone;
//! [`compare`] compares two resolved V1 specs on the runs the registry chooses for them
//! ([`Registry::runs`]) and, when both are `currents-v1` on the notebook's user, adds the
//! V1-only harness catalog ([`harness_diff`]).
//!
//! A run whose step fails (the run loop refuses a negative limit, as `v1-no-fallback`
//! returns) is a finding: the side breaks the `run-completes` invariant, the run is left
//! out of the metrics, and the gate fails unless the other side fails alike.
//!
//! Everything is deterministic: the runs use the seeded streams above and the bootstrap
//! draws from its own ChaCha stream ([`chacha_rng`]`(seed, BOOTSTRAP_SUBSET, metric + 1)`),
//! so the same inputs give the same report and verdict on any machine.

use std::cell::Cell as Counter;
use std::fmt::{self, Write as _};

use rand_core::Rng;

use crate::catalog::{self, Invariant};
use crate::draws::{RngKind, chacha_rng};
use crate::harness::HarnessConfig;
use crate::metrics::{Fold, Metered, NAMES, RunFailure, percentile};
use crate::model::{CreditPolicy, Enforce, Flow, Observer, StepEvent, Streams, Value};
use crate::params::{ParamError, STEPS_MAX};
use crate::registry::{Chosen, RunSpec};
use crate::registry::{Declared, Registry, Runs};
use crate::rules::Rule as _;
use crate::scenario::SCENARIO_KEYS;
use crate::spec::{Limits, Spec, SpecError, one_line, parse_toml};
use crate::v1::NotebookUser;
use crate::v1::V1;
use crate::v1::V1Rule;
use crate::v1::harness::{cell_of, check_rule};
use crate::v1::{Params, SimConfig};

/// The ChaCha subset the bootstrap draws from (runs use subset 0, as `simulate` does).
pub const BOOTSTRAP_SUBSET: u64 = 0xB007;
/// Bootstrap resamples per metric.
pub const N_BOOT: usize = 2000;
/// The default smallest relative change of a metric's mean that fails the gate (1%).
pub const MIN_CHANGE_DEFAULT: f64 = 0.01;
/// The most runs a comparison may hold (both sides' trajectories of one run are kept).
pub const COMPARE_RUNS_MAX: u64 = 100_000;
/// The most states (runs × steps) per side: keeps a gate run in CI short.
pub const COMPARE_STATES_MAX: u64 = 100_000_000;
/// The program name [`CompareReport::command`] starts with unless the caller sets another
/// ([`CompareReport::program`]).
pub const PROGRAM_DEFAULT: &str = "currents";

/// A bad comparison input: names the field, the value and what is accepted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
// Control characters are escaped so that the message stays one line (a side is free text).
#[error(
    "invalid value for `{}`: {} (accepted: {})",
    one_line(field),
    one_line(&crate::params::short_text(value)),
    one_line(accepted)
)]
pub struct CompareError {
    /// Where, e.g. `baseline.quad-coef`.
    pub field: String,
    /// What was given.
    pub value: String,
    /// What would be accepted.
    pub accepted: String,
}

fn bad(
    field: impl Into<String>,
    value: impl Into<String>,
    accepted: impl Into<String>,
) -> CompareError {
    CompareError {
        field: field.into(),
        value: value.into(),
        accepted: accepted.into(),
    }
}

impl From<ParamError> for CompareError {
    fn from(e: ParamError) -> Self {
        bad(e.field, e.value, e.accepted)
    }
}

/// A spec's error as it stands (a syntax error names the field `spec`).
impl From<SpecError> for CompareError {
    fn from(e: SpecError) -> Self {
        match e {
            SpecError::Value {
                field,
                value,
                accepted,
            } => bad(field, value, accepted),
            syntax @ SpecError::Syntax { .. } => {
                bad("spec", "(not valid TOML)", syntax.to_string())
            }
        }
    }
}

/// A spec error of side `side`, its field prefixed with the side unless it names it already
/// (a shorthand's own pairs are written `side.key` when parsed).
/// An error in side `field`'s file `source`: a bad value is named as in a shorthand
/// (`baseline.params.integrity`, with the range the declaration enforces); a file that is
/// not TOML names the file.
fn in_side_file(field: &str, source: &str, e: SpecError) -> CompareError {
    match e {
        SpecError::Value { .. } => in_side(field, e),
        SpecError::Syntax { .. } => bad(field, source, e.to_string()),
    }
}

fn in_side(side: &str, e: SpecError) -> CompareError {
    match e {
        SpecError::Value {
            field,
            value,
            accepted,
        } => {
            let named = field == side || field.starts_with(&format!("{side}."));
            let field = if named {
                field
            } else {
                format!("{side}.{field}")
            };
            bad(field, value, accepted)
        }
        syntax @ SpecError::Syntax { .. } => bad(side, "(not valid TOML)", syntax.to_string()),
    }
}

/// One side as written — a shorthand or a spec/scenario file — before its names are looked
/// up ([`resolve_sides`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SideInput {
    field: String,
    source: String,
    spec: Spec,
    from_file: bool,
}

impl SideInput {
    /// Parses the shorthand `NAME[:key=value,…]` of side `field` (`baseline` or
    /// `candidate`): NAME is the rule; a key is any spec key (`user`, `model`,
    /// `restriction`, `rng`, `seed`, `runs`, `steps`) or a parameter of the rule, the user
    /// or the model. Each key once.
    pub fn shorthand(field: &str, text: &str) -> Result<Self, CompareError> {
        let limits = CompareConfig::default().limits();
        let spec =
            Spec::from_shorthand_within(field, text, &limits).map_err(|e| in_side(field, e))?;
        Ok(SideInput {
            field: field.to_owned(),
            source: text.to_owned(),
            spec,
            from_file: false,
        })
    }

    /// Parses the text of a spec or scenario file (`source`, its path, names it in the
    /// report); a scenario's own keys (`description`, …) are accepted and not used.
    pub fn file(field: &str, source: &str, text: &str) -> Result<Self, CompareError> {
        let in_file = |e: SpecError| in_side_file(field, source, e);
        let table = parse_toml(text).map_err(in_file)?;
        let limits = CompareConfig::default().limits();
        let (spec, _) =
            Spec::from_table_within(&table, &SCENARIO_KEYS, &limits).map_err(in_file)?;
        Ok(SideInput {
            field: field.to_owned(),
            source: source.to_owned(),
            spec,
            from_file: true,
        })
    }

    /// The side as given: the shorthand or the file's path.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The spec as written (nothing layered yet).
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// Resolves the spec against `registry` with `limits`; errors name the side (the file,
    /// for a file side).
    fn resolve(
        &self,
        spec: &Spec,
        registry: &Registry<V1>,
        limits: &Limits,
    ) -> Result<RunSpec<V1>, CompareError> {
        spec.resolve(registry, limits).map_err(|e| {
            if self.from_file {
                in_side_file(&self.field, &self.source, e)
            } else {
                in_side(&self.field, e)
            }
        })
    }
}

/// The spec `side` runs when laid over `file`'s resolved spec: the file's model and user
/// with their values (each unless `side` names another), then everything `side` sets.
fn over_file(file: &RunSpec<V1>, file_source: &str, side: &Spec) -> Result<Spec, SpecError> {
    fn carry<E: Declared + Clone>(
        base: &mut Spec,
        kind: &'static str,
        chosen: &Chosen<E>,
        source: &str,
    ) -> Result<(), SpecError> {
        for (p, v) in chosen.entry().params().iter().zip(chosen.values()) {
            base.push_param(
                p.name,
                *v,
                &format!("{source}: {kind}.{}", p.name),
                Some(kind),
            )?;
        }
        Ok(())
    }
    let mut base = Spec::default();
    let (model, user) = (&file.model, &file.user);
    if side
        .model
        .as_deref()
        .is_none_or(|n| n == model.entry().name)
    {
        base.model = Some(model.entry().name.to_owned());
        carry(&mut base, "model", model, file_source)?;
    }
    if side.user.as_deref().is_none_or(|n| n == user.entry().name) {
        base.user = Some(user.entry().name.to_owned());
        carry(&mut base, "user", user, file_source)?;
    }
    Ok(base.overlay(side.clone()))
}

/// One side of a comparison, resolved: what runs ([`RunSpec`]) and how it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    source: String,
    spec: RunSpec<V1>,
    first_model: &'static str,
    first_user: &'static str,
}

impl Side {
    /// Side `source` running `spec`; `registry` (the one `spec` was resolved against) tells
    /// which model and user are its defaults, which the label then leaves out.
    pub fn new(source: &str, spec: RunSpec<V1>, registry: &Registry<V1>) -> Self {
        Side {
            source: source.to_owned(),
            spec,
            first_model: registry.models().first().map_or("", |m| m.name),
            first_user: registry.users().first().map_or("", |u| u.name),
        }
    }

    /// The side as given (a shorthand or a file's path).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// What runs.
    pub fn spec(&self) -> &RunSpec<V1> {
        &self.spec
    }

    /// A one-line description: rule, parameters, restriction (and user and model when
    /// they are not the defaults).
    pub fn label(&self) -> String {
        self.describe().label()
    }

    /// What a report says of this side.
    pub fn describe(&self) -> SideLabel {
        // A user or model is named when it is not the registry's first at its own values.
        fn shown<E: Declared + Clone>(c: &Chosen<E>, first: &str) -> Option<String> {
            let s = c.to_string();
            (s != first).then_some(s)
        }
        let rule = &self.spec.rule;
        SideLabel {
            source: self.source.clone(),
            rule: rule.entry().name.to_owned(),
            params: (rule.entry().params.iter().zip(rule.values()))
                .map(|(p, v)| (p.name, *v))
                .collect(),
            restriction: self.spec.restriction,
            user: shown(&self.spec.user, self.first_user),
            model: shown(&self.spec.model, self.first_model),
        }
    }
}

/// What a report says of a side, whatever its model: how it was given, its rule, the
/// rule's parameter values and the spending restriction, and its user and model when they
/// are not the defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct SideLabel {
    /// The side as given (a spec, a file name, or a model variant's own name).
    pub source: String,
    /// The rule's name.
    pub rule: String,
    /// The rule's parameters and their values, in declaration order.
    pub params: Vec<(&'static str, f64)>,
    /// The spending restriction.
    pub restriction: Enforce,
    /// The user as shorthand (`spender`, `balanced:integrity=0.8`), when it is not the
    /// registry's first user at its own values.
    pub user: Option<String>,
    /// The model as shorthand (`v1:sum-volume=10`), when it is not the registry's first
    /// model at its defaults.
    pub model: Option<String>,
}

impl SideLabel {
    /// A side named `source` running `policy` (no parameters listed): the label of a
    /// model variant's side.
    pub fn of_policy<M: crate::model::Model, P: CreditPolicy<M>>(
        source: &str,
        rule: &str,
        policy: &P,
    ) -> Self {
        SideLabel {
            source: source.to_owned(),
            rule: rule.to_owned(),
            params: Vec::new(),
            restriction: policy.enforcement().mode,
            user: None,
            model: None,
        }
    }

    /// A one-line description: rule, parameters, restriction, then the user and the model
    /// when they are named.
    pub fn label(&self) -> String {
        let p = self
            .params
            .iter()
            .map(|(name, v)| format!("{name}={v}"))
            .collect::<Vec<_>>()
            .join(" ");
        let sep = if p.is_empty() { "" } else { " " };
        let mut s = format!("{}{sep}{p} (restriction {})", self.rule, self.restriction);
        for (kind, x) in [("user", &self.user), ("model", &self.model)] {
            if let Some(x) = x {
                let _ = write!(s, ", {kind} {x}");
            }
        }
        s
    }
}

/// A setting both sides must share: the flag's value, else the one the sides set (refused
/// when they set different values), else none (the defaults fill it).
fn settle<T: PartialEq + fmt::Display + Copy>(
    key: &str,
    flag: Option<T>,
    baseline: Option<T>,
    candidate: Option<T>,
) -> Result<(Option<T>, &'static str), CompareError> {
    if flag.is_some() {
        return Ok((flag, ""));
    }
    match (baseline, candidate) {
        (Some(a), Some(b)) if a != b => Err(bad(
            format!("candidate.{key}"),
            b.to_string(),
            format!(
                "the baseline's {key} ({a}): both sides run on the same streams (common random numbers); set {key} on one side only, or with --{key}"
            ),
        )),
        (Some(_), _) => Ok((baseline, "baseline")),
        (None, Some(_)) => Ok((candidate, "candidate")),
        (None, None) => Ok((None, "")),
    }
}

/// Resolves both sides against `registry`, layered as the module documentation says:
/// settings from `flags` (only its `rng`, `seed`, `runs` and `steps` are read) over the
/// sides' specs over `defaults`' run settings, refused when the sides disagree; a shorthand
/// side over a file on the other side. Returns the two sides and the run settings they
/// share, with `defaults`' gate (min-change, fail-on, allow), checked by
/// [`CompareConfig::validate`].
pub fn resolve_sides(
    baseline: &SideInput,
    candidate: &SideInput,
    flags: &Spec,
    defaults: &CompareConfig,
    registry: &Registry<V1>,
) -> Result<(Side, Side, CompareConfig), CompareError> {
    let (a, b) = (&baseline.spec, &candidate.spec);
    let (rng, rng_from) = settle("rng", flags.rng, a.rng, b.rng)?;
    let (seed, seed_from) = settle("seed", flags.seed, a.seed, b.seed)?;
    let (runs, runs_from) = settle("runs", flags.runs, a.runs, b.runs)?;
    let (steps, steps_from) = settle("steps", flags.steps, a.steps, b.steps)?;
    let settings = Spec {
        rng,
        seed,
        runs,
        steps,
        ..Spec::default()
    };
    let limits = defaults.limits();
    // The settings alone first, so that a bad one is named where it came from.
    let shared = settings.resolve(registry, &limits).map_err(|e| {
        let from = match &e {
            SpecError::Value { field, .. } => match field.as_str() {
                "rng" => rng_from,
                "seed" => seed_from,
                "runs" => runs_from,
                "steps" => steps_from,
                _ => "",
            },
            SpecError::Syntax { .. } => "",
        };
        match (e, from) {
            // A setting the flags gave is named as the flag (`--seed`).
            (
                SpecError::Value {
                    field,
                    value,
                    accepted,
                },
                "",
            ) if flags.is_set(&field) => bad(format!("--{field}"), value, accepted),
            (e, "") => CompareError::from(e),
            (e, side) => in_side(side, e),
        }
    })?;
    let with_settings = |s: &Spec| {
        s.clone().overlay(Spec {
            rng: Some(shared.rng),
            seed: Some(shared.seed),
            runs: Some(shared.runs),
            steps: Some(shared.steps),
            ..Spec::default()
        })
    };
    let (a, b) = (with_settings(a), with_settings(b));
    let (a, b) = match (baseline.from_file, candidate.from_file) {
        (true, false) => {
            let file = baseline.resolve(&a, registry, &limits)?;
            let b =
                over_file(&file, &baseline.source, &b).map_err(|e| in_side(&candidate.field, e))?;
            (file, candidate.resolve(&b, registry, &limits)?)
        }
        (false, true) => {
            let file = candidate.resolve(&b, registry, &limits)?;
            let a =
                over_file(&file, &candidate.source, &a).map_err(|e| in_side(&baseline.field, e))?;
            (baseline.resolve(&a, registry, &limits)?, file)
        }
        _ => (
            baseline.resolve(&a, registry, &limits)?,
            candidate.resolve(&b, registry, &limits)?,
        ),
    };
    let config = CompareConfig {
        n_runs: shared.runs,
        n_steps: shared.steps,
        seed: shared.seed,
        rng: shared.rng,
        ..defaults.clone()
    };
    // A bound on the settings together (runs x steps) names the flag that set runs.
    config.validate().map_err(|e| {
        let from = match e.field.as_str() {
            "rng" => rng_from,
            "seed" => seed_from,
            "runs" => runs_from,
            "steps" => steps_from,
            _ => "",
        };
        let field = if flags.is_set(&e.field) {
            format!("--{}", e.field)
        } else if !from.is_empty() {
            format!("{from}.{}", e.field)
        } else {
            e.field.clone()
        };
        CompareError { field, ..e }
    })?;
    Ok((
        Side::new(&baseline.source, a, registry),
        Side::new(&candidate.source, b, registry),
        config,
    ))
}

/// Parses and resolves one shorthand side on its own, with [`CompareConfig::default`]'s
/// settings (a library caller's or a test's side; the CLI resolves both sides together,
/// [`resolve_sides`]).
pub fn parse_spec(field: &str, text: &str, registry: &Registry<V1>) -> Result<Side, CompareError> {
    let input = SideInput::shorthand(field, text)?;
    let limits = CompareConfig::default().limits();
    let spec = input.resolve(&input.spec, registry, &limits)?;
    Ok(Side::new(text, spec, registry))
}

/// Run settings shared by both sides, and the gate's thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareConfig {
    /// Paired runs.
    pub n_runs: u64,
    /// Steps per run.
    pub n_steps: u64,
    /// The seed: run r uses `chacha_rng(seed, 0, r)` or numpy's `RandomState(seed + r − 1)`.
    pub seed: u64,
    /// The generator family.
    pub rng: RngKind,
    /// The smallest relative change of a metric's mean that fails the gate.
    pub min_change: f64,
    /// Per-metric thresholds replacing `min_change` (`--fail-on METRIC:THRESHOLD`), by
    /// index into [`NAMES`].
    pub fail_on: Vec<(usize, f64)>,
    /// Metrics that never fail the gate (`--allow METRIC`), by index into [`NAMES`].
    pub allow: Vec<usize>,
}

impl Default for CompareConfig {
    /// `currents compare`'s defaults: 20 paired runs of 365 steps, seed 0, ChaCha, a 1%
    /// relative change fails the gate, no per-metric thresholds.
    fn default() -> Self {
        CompareConfig {
            n_runs: 20,
            n_steps: 365,
            seed: 0,
            rng: RngKind::Chacha,
            min_change: MIN_CHANGE_DEFAULT,
            fail_on: Vec::new(),
            allow: Vec::new(),
        }
    }
}

impl CompareConfig {
    /// What a side's spec resolves with: this config's run settings as the defaults, at
    /// least 2 runs (an interval needs 2) and at most [`COMPARE_RUNS_MAX`], at most
    /// [`STEPS_MAX`] steps.
    pub fn limits(&self) -> Limits {
        Limits {
            runs: self.n_runs,
            steps: self.n_steps,
            seed: self.seed,
            rng: self.rng,
            runs_min: 2,
            runs_max: COMPARE_RUNS_MAX,
            steps_max: STEPS_MAX,
        }
    }

    /// Checks the run settings (the same limits as `simulate`, plus
    /// [`COMPARE_RUNS_MAX`] and [`COMPARE_STATES_MAX`]).
    pub fn validate(&self) -> Result<(), CompareError> {
        SimConfig::new(
            Params::default(),
            self.n_steps,
            self.n_runs,
            self.seed,
            self.rng,
        )?;
        let (runs_min, runs_max) = self.limits().range("runs");
        if !(runs_min..=runs_max).contains(&self.n_runs) {
            return Err(bad(
                "runs",
                self.n_runs.to_string(),
                format!("a whole number in [{runs_min}, {runs_max}] (an interval needs 2 runs)"),
            ));
        }
        if self.n_runs.saturating_mul(self.n_steps) > COMPARE_STATES_MAX {
            let most = (COMPARE_STATES_MAX / self.n_steps).min(runs_max);
            return Err(bad(
                "runs",
                self.n_runs.to_string(),
                format!(
                    "with {} steps, a whole number in [{runs_min}, {most}] (runs x steps <= {COMPARE_STATES_MAX})",
                    self.n_steps
                ),
            ));
        }
        let ok = |x: f64| x.is_finite() && x >= 0.0;
        if !ok(self.min_change) {
            return Err(bad(
                "min-change",
                self.min_change.to_string(),
                "a relative change >= 0, e.g. 0.01 or 1%",
            ));
        }
        Ok(())
    }

    fn threshold(&self, m: usize) -> f64 {
        self.fail_on
            .iter()
            .rev()
            .find(|(i, _)| *i == m)
            .map_or(self.min_change, |(_, t)| *t)
    }
}

/// Parses a metric name (one of [`NAMES`]) for `field`.
pub fn parse_metric(field: &str, name: &str) -> Result<usize, CompareError> {
    NAMES.iter().position(|n| *n == name.trim()).ok_or_else(|| {
        bad(
            field,
            format!("{name:?}"),
            format!("a metric: {}", NAMES.join(", ")),
        )
    })
}

/// Parses a relative change: a fraction (`0.05`) or a percentage (`5%`), ≥ 0.
pub fn parse_change(field: &str, s: &str) -> Result<f64, CompareError> {
    let t = s.trim();
    let x = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
        None => t.parse::<f64>(),
    };
    match x {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(bad(
            field,
            format!("{s:?}"),
            "a relative change >= 0: a fraction (0.05) or a percentage (5%)",
        )),
    }
}

/// Parses `--fail-on METRIC:THRESHOLD`.
pub fn parse_fail_on(s: &str) -> Result<(usize, f64), CompareError> {
    let Some((m, t)) = s.split_once(':') else {
        return Err(bad(
            "fail-on",
            format!("{s:?}"),
            "METRIC:THRESHOLD, e.g. credit_mean:5%",
        ));
    };
    Ok((parse_metric("fail-on", m)?, parse_change("fail-on", t)?))
}

/// The laws reported on each side, as the catalog ([`crate::catalog`]) names and
/// defines them: a run the run loop cannot finish breaks `step_is_defined` at the failed
/// step (a negative or non-finite limit breaks `credit_non_negative` instead), and every
/// step is checked for the generic step laws ([`catalog::check_step`]) — the payment law
/// `payment_within_limit` and the state law `balance_within_limit` among them. They read
/// the members' ledgers and rows every model gives, so they apply to every rule and every
/// model; each is exact (no tolerance).
pub const INVARIANTS: [Invariant; 5] = [
    Invariant::STEP_IS_DEFINED,
    Invariant::CREDIT_NON_NEGATIVE,
    Invariant::ALL_VALUES_FINITE,
    Invariant::PAYMENT_WITHIN_LIMIT,
    Invariant::BALANCE_WITHIN_LIMIT,
];

/// The index of `law` in [`INVARIANTS`].
fn index_of(law: Invariant) -> Option<usize> {
    INVARIANTS.iter().position(|&i| i == law)
}

/// Where an invariant first broke on one side, and in how many runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InvariantStatus {
    /// Runs in which it broke at least once.
    pub n_runs_violated: u64,
    /// The first (run, step) where it broke.
    pub first: Option<(u64, u64)>,
}

impl InvariantStatus {
    /// True when it held in every run.
    pub fn holds(&self) -> bool {
        self.n_runs_violated == 0
    }

    fn describe(&self, n_runs: u64) -> String {
        match self.first {
            None => "holds".to_owned(),
            Some((r, t)) => format!(
                "violated in {}/{n_runs} runs (first: run {r} step {t})",
                self.n_runs_violated
            ),
        }
    }
}

/// One step of a record: the first member the payment involves (a one-member model's
/// member; a transfer's payer) as its index and its ledger's balance, limit and payment as
/// IEEE-754 bits — exact — with the index and ledger of a second member (a transfer's
/// payee) folded into the index word by FNV-1a.
type LedgerBits = [u64; 4];

/// The record of step `e`: see [`LedgerBits`].
fn step_bits<M: crate::model::Model>(model: &M, e: &StepEvent<'_, M>) -> LedgerBits {
    let members = e.limits.members();
    let members = members.as_slice();
    let bits = |m: usize| {
        let l = model.ledger(e.next, m);
        [l.balance.to_bits(), l.limit.to_bits(), l.payment.to_bits()]
    };
    let [balance, limit, payment] = bits(members[0]);
    let mut who = members[0] as u64;
    if let Some(&other) = members.get(1) {
        let fnv = |h: u64, w: u64| {
            w.to_le_bytes().iter().fold(h, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
            })
        };
        let [b, l, p] = bits(other);
        who = [other as u64, b, l, p]
            .into_iter()
            .fold(fnv(0xcbf2_9ce4_8422_2325, who), fnv);
    }
    [who, balance, limit, payment]
}

/// One side's per-run record while it runs: the observer of a compared run.
struct RunRecord<'a, M> {
    model: &'a M,
    words: &'a Counter<u64>,
    /// The run's metrics, folded in O(members) memory ([`Fold::with_metrics`]).
    fold: Fold<'a, M>,
    /// The ledgers of each step's members ([`LedgerBits`]), per step 1 … T (kept for the
    /// baseline only: the candidate is compared with it as it runs).
    states: Vec<LedgerBits>,
    /// The step's row, made once a step for the finiteness law.
    row: Vec<Value>,
    /// Cumulative generator words consumed after each step (the baseline's only).
    words_after: Vec<u64>,
    /// The baseline's record to compare with, step by step (the candidate's run).
    reference: Option<(&'a [LedgerBits], &'a [u64])>,
    /// Steps taken so far.
    n_steps_taken: u64,
    /// The first step (1-based) whose ledger differs from the reference's.
    first_state_diff: Option<u64>,
    /// The first step (1-based) after which the generator words differ from the reference's.
    first_word_diff: Option<u64>,
    /// Per invariant, the first step where it broke.
    broken: [Option<u64>; INVARIANTS.len()],
}

impl<M: Metered> Observer<M> for RunRecord<'_, M> {
    // A record never fails; the runs it observes take I/O errors.
    type Error = std::io::Error;
    fn genesis(&mut self, state: &M::State) -> std::io::Result<()> {
        let Ok(()) = self.fold.genesis(state);
        Ok(())
    }
    fn step(&mut self, e: &StepEvent<'_, M>) -> std::io::Result<Flow> {
        let Ok(_) = self.fold.step(e);
        let state = step_bits(self.model, e);
        let words = self.words.get();
        let i = self.n_steps_taken as usize;
        self.n_steps_taken += 1;
        match self.reference {
            None => {
                self.states.push(state);
                self.words_after.push(words);
            }
            Some((states, words_after)) => {
                if let Some((&other, &other_words)) = states.get(i).zip(words_after.get(i)) {
                    if other != state && self.first_state_diff.is_none() {
                        self.first_state_diff = Some(self.n_steps_taken);
                    }
                    if other_words != words && self.first_word_diff.is_none() {
                        self.first_word_diff = Some(self.n_steps_taken);
                    }
                }
            }
        }
        self.row.clear();
        self.model.row(e.next, &mut self.row);
        let broken = &mut self.broken;
        catalog::check_step(self.model, e, &self.row, &mut |law, _| {
            if let Some(k) = index_of(law) {
                broken[k].get_or_insert(e.t);
            }
        });
        Ok(Flow::Continue)
    }
}

/// What a compared run left: its metrics (NaN when it failed), its ledger trajectory, the
/// generator words after each step and the invariants it broke.
struct RunResult {
    metrics: [f64; NAMES.len()],
    /// The ledger trajectory (empty when the run was compared with a reference).
    states: Vec<LedgerBits>,
    /// The words after each step (empty when the run was compared with a reference).
    words: Vec<u64>,
    /// Steps taken.
    n_steps: u64,
    /// Against the reference: the first step whose ledger differs, and the first after
    /// which the generator words differ (within the steps both runs took).
    first_state_diff: Option<u64>,
    first_word_diff: Option<u64>,
    broken: [Option<u64>; INVARIANTS.len()],
}

/// Runs run `run` of `plan` on the comparison's generator for run r, counting its words.
///
/// A failed step is a finding: the run ends there, `run-completes` (and, for a negative
/// limit, `credit-non-negative`) breaks at that step and the run defines no metric.
///
/// With `reference` (the baseline's result of the same run), the run's ledger and words are
/// compared with it step by step instead of being kept: one side's record in memory, not two.
fn run_side<M: Metered, R: Runs<M> + ?Sized>(
    runs: &R,
    config: &CompareConfig,
    run: u64,
    reference: Option<&RunResult>,
) -> RunResult {
    let words = Counter::new(0u64);
    let cap = match reference {
        None => usize::try_from(config.n_steps).unwrap_or(0),
        Some(_) => 0,
    };
    let model = runs.model();
    let mut rec = RunRecord {
        model,
        words: &words,
        fold: Fold::with_metrics(model, Some(config.n_steps)),
        states: Vec::with_capacity(cap),
        row: Vec::new(),
        words_after: Vec::with_capacity(cap),
        reference: reference.map(|r| (r.states.as_slice(), r.words.as_slice())),
        n_steps_taken: 0,
        first_state_diff: None,
        first_word_diff: None,
        broken: [None; INVARIANTS.len()],
    };
    // Run r's generator as `simulate` makes it, its words counted.
    let streams = Streams::new(config.rng, config.seed);
    let result = runs.run(&streams, run, config.n_steps, &mut rec, Some(&words));
    let metrics = match &result {
        Ok(()) => rec.fold.metrics().values,
        Err(_) => [f64::NAN; NAMES.len()],
    };
    if let Some(RunFailure { timestep, error }) = RunFailure::of(&result)
        && let Some(k) = index_of(catalog::law_of_failure(&error))
    {
        rec.broken[k].get_or_insert(timestep);
    }
    RunResult {
        metrics,
        states: rec.states,
        words: rec.words_after,
        n_steps: rec.n_steps_taken,
        first_state_diff: rec.first_state_diff,
        first_word_diff: rec.first_word_diff,
        broken: rec.broken,
    }
}

/// One metric's comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricDiff {
    /// The metric's name.
    pub name: &'static str,
    /// Runs where both sides define the metric.
    pub n: usize,
    /// The baseline mean over those runs.
    pub baseline_mean: f64,
    /// The candidate mean over those runs.
    pub candidate_mean: f64,
    /// The mean paired difference (candidate − baseline).
    pub diff_mean: f64,
    /// The sample standard deviation of the baseline's values across runs (what an
    /// unpaired comparison would have to average away).
    pub baseline_sd: f64,
    /// The sample standard deviation of the paired differences.
    pub diff_sd: f64,
    /// The bootstrap 95% interval of the mean paired difference (percentile method).
    pub ci: (f64, f64),
    /// `diff_mean / |baseline_mean|` (∞ when the baseline mean is 0 and the difference is
    /// not).
    pub rel_change: f64,
    /// The relative change above which a significant difference fails the gate.
    pub threshold: f64,
    /// The interval excludes 0 and |relative change| > threshold.
    pub significant: bool,
    /// Listed in `--allow`: reported, never fails the gate.
    pub allowed: bool,
}

impl MetricDiff {
    /// True when this metric fails the gate.
    pub fn fails(&self) -> bool {
        self.significant && !self.allowed
    }
}

/// One invariant on both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct InvariantDiff {
    /// The invariant's name (one of [`INVARIANTS`]).
    pub name: &'static str,
    /// Its status on the baseline.
    pub baseline: InvariantStatus,
    /// Its status on the candidate.
    pub candidate: InvariantStatus,
}

impl InvariantDiff {
    /// True when it holds on one side and not on the other.
    pub fn changed(&self) -> bool {
        self.baseline.holds() != self.candidate.holds()
    }
}

/// Where run r's two trajectories part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunDivergence {
    /// The run (1-based).
    pub run: u64,
    /// The first step whose state (balance, credit or transaction) differs; `None` when the
    /// trajectories are identical.
    pub diverge_step: Option<u64>,
    /// The first step after which the sides have consumed different numbers of generator
    /// outputs (from there on the draws are no longer common); `None` when they stay aligned.
    pub crn_lost_step: Option<u64>,
    /// A step failed on one side or both: the run is left out of the metrics.
    pub failed: bool,
}

/// The full comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareReport {
    /// The baseline.
    pub baseline: SideLabel,
    /// The candidate.
    pub candidate: SideLabel,
    /// The settings.
    pub config: CompareConfig,
    /// One row per metric, in [`NAMES`] order.
    pub metrics: Vec<MetricDiff>,
    /// One row per invariant, in [`INVARIANTS`] order.
    pub invariants: Vec<InvariantDiff>,
    /// One row per run.
    pub runs: Vec<RunDivergence>,
    /// When both sides are `currents-v1` (a [`crate::v1::V1Rule`]), the harness catalog's
    /// status on each side ([`harness_diff`]); `None` otherwise.
    pub harness: Option<Vec<HarnessDiff>>,
    /// The program [`CompareReport::command`] starts with: [`PROGRAM_DEFAULT`] unless the
    /// caller sets another (the CLI sets the binary as it was invoked, so the printed
    /// command runs as printed).
    pub program: String,
}

/// One invariant of the harness catalog ([`crate::v1::harness::check_rule`]) on both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct HarnessDiff {
    /// The invariant's catalog name.
    pub name: &'static str,
    /// Required or observed, as V1 declares it.
    pub kind: &'static str,
    /// Violated on the baseline.
    pub baseline_violated: bool,
    /// Violated on the candidate.
    pub candidate_violated: bool,
}

impl HarnessDiff {
    /// True when it holds on one side and not on the other.
    pub fn changed(&self) -> bool {
        self.baseline_violated != self.candidate_violated
    }
}

/// The V1 rule and the notebook's parameters of a `currents-v1` side on the notebook's
/// user without growth or bias (what the harness catalog drives), with no spending
/// restriction.
fn v1_of(side: &Side) -> Result<Option<(V1Rule, Params)>, CompareError> {
    let s = &side.spec;
    let (rule, user, model) = (&s.rule, &s.user, &s.model);
    let notebook_user = user.entry().is::<NotebookUser>()
        && user.get("growth") == Some(0.0)
        && user.get("bias") == Some(0.0);
    if !rule.entry().is::<V1Rule>() || !notebook_user || s.restriction != Enforce::None {
        return Ok(None);
    }
    let value = |c: Option<f64>| c.unwrap_or(f64::NAN);
    let params = Params::new(
        value(user.get("integrity")),
        value(user.get("avg-amount")),
        value(model.get("sum-volume")) as u64,
        value(model.get("initial-credit")) as i64,
    )?;
    Ok(Some((V1Rule::from_values(rule.values()), params)))
}

/// Runs the harness catalog on both sides when both are `currents-v1` with no spending
/// restriction on the notebook's user without growth or bias (the harness drives a
/// [`crate::v1::V1Rule`] through the V1 model with that user, and V1 holds no one to the
/// limit): 3 runs × 200 steps on each side's parameters with the comparison's seed and
/// generator, 64 generated tapes. `None` for any other pair.
pub fn harness_diff(
    baseline: &Side,
    candidate: &Side,
    config: &CompareConfig,
) -> Result<Option<Vec<HarnessDiff>>, CompareError> {
    let (Some(a), Some(b)) = (v1_of(baseline)?, v1_of(candidate)?) else {
        return Ok(None);
    };
    let check = |(rule, params): &(V1Rule, Params)| {
        let hc = HarnessConfig {
            policy: V1Rule::NAME.to_owned(),
            cells: vec![cell_of(params)],
            n_runs: 3,
            n_steps: config.n_steps.min(200),
            seed: config.seed,
            rngs: vec![config.rng],
            tape_cases: 64,
            ..HarnessConfig::default()
        };
        check_rule(rule, &hc).map_err(CompareError::from)
    };
    let (ra, rb) = (check(&a)?, check(&b)?);
    Ok(Some(
        ra.invariants
            .iter()
            .zip(&rb.invariants)
            .map(|(x, y)| HarnessDiff {
                name: x.invariant.name(),
                kind: x.kind.name(),
                baseline_violated: x.violated(),
                candidate_violated: y.violated(),
            })
            .collect(),
    ))
}

/// The mean of `v`, NaN for an empty slice.
fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// The sample standard deviation of `v` (n − 1 in the denominator), NaN below 2 values.
fn sd(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return f64::NAN;
    }
    let m = mean(v);
    (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

/// The bootstrap 95% interval of the mean of `d` (percentile method, [`N_BOOT`] resamples),
/// drawing run indexes from `rng`. An index is `⌊u · n / 2^64⌋` for a 64-bit output `u`
/// (bias below n / 2^64, far below anything measurable here).
pub fn bootstrap_ci<G: Rng + ?Sized>(d: &[f64], rng: &mut G) -> (f64, f64) {
    let n = d.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mut means = Vec::with_capacity(N_BOOT);
    for _ in 0..N_BOOT {
        let mut s = 0.0;
        for _ in 0..n {
            let i = ((u128::from(rng.next_u64()) * n as u128) >> 64) as usize;
            s += d[i];
        }
        means.push(s / n as f64);
    }
    means.sort_by(f64::total_cmp);
    (percentile(&means, 0.025), percentile(&means, 0.975))
}

/// Runs both sides on common random numbers and compares them, each on the runs
/// `registry` chooses for its spec ([`Registry::runs`], the [`crate::registry::runs::EXACT`]
/// engine: the numbers a comparison pins); when both are `currents-v1`, adds the harness
/// catalog ([`harness_diff`]). `config` must have passed [`CompareConfig::validate`].
///
/// A run whose step fails (`v1-no-fallback`'s negative limit, which the run loop refuses)
/// does not stop the comparison: the side breaks `credit_non_negative` (or
/// `step_is_defined`), which fails the gate unless the other side fails alike; the failed
/// run is left out of the metrics. Errors come from the harness catalog only.
pub fn compare(
    baseline: &Side,
    candidate: &Side,
    config: &CompareConfig,
    registry: &Registry<V1>,
) -> Result<CompareReport, CompareError> {
    let (la, lb) = (baseline.describe(), candidate.describe());
    let runs = |side: &Side| registry.runs(&side.spec, None).map_err(CompareError::from);
    let (a, b) = (runs(baseline)?, runs(candidate)?);
    let mut report = compare_plans(&la, &a, &lb, &b, config);
    report.harness = harness_diff(baseline, candidate, config)?;
    Ok(report)
}

/// Compares the runs of two plans of any models — a model variant against V1, say — on
/// common random numbers: run r of both sides draws from the generator `simulate` uses for
/// run r (`config.rng`, `config.seed`). Metrics, invariants and divergence read the
/// members' [`crate::model::Ledger`]s and [`Metered`] alone; the harness catalog is not run
/// (`harness` is `None`). Failed runs are findings, as in [`compare`]. `config` must have
/// passed [`CompareConfig::validate`].
pub fn compare_plans<MA, RA, MB, RB>(
    baseline: &SideLabel,
    baseline_plan: &RA,
    candidate: &SideLabel,
    candidate_plan: &RB,
    config: &CompareConfig,
) -> CompareReport
where
    MA: Metered,
    RA: Runs<MA> + ?Sized,
    MB: Metered,
    RB: Runs<MB> + ?Sized,
{
    let n_runs = config.n_runs;
    let mut base_m: Vec<[f64; NAMES.len()]> = Vec::new();
    let mut cand_m: Vec<[f64; NAMES.len()]> = Vec::new();
    let mut inv = [(InvariantStatus::default(), InvariantStatus::default()); INVARIANTS.len()];
    let mut runs = Vec::new();
    for run in 1..=n_runs {
        let a = run_side(baseline_plan, config, run, None);
        let b = run_side(candidate_plan, config, run, Some(&a));
        let both = a.n_steps.min(b.n_steps);
        // A run that stopped early parts from the other at its first missing step.
        let diverge_step = b
            .first_state_diff
            .or_else(|| (a.n_steps != b.n_steps).then_some(both + 1));
        runs.push(RunDivergence {
            run,
            diverge_step,
            crn_lost_step: b.first_word_diff,
            failed: a.n_steps < config.n_steps || b.n_steps < config.n_steps,
        });
        for (k, (sa, sb)) in inv.iter_mut().enumerate() {
            for (status, broken) in [(sa, a.broken[k]), (sb, b.broken[k])] {
                if let Some(t) = broken {
                    status.n_runs_violated += 1;
                    status.first.get_or_insert((run, t));
                }
            }
        }
        base_m.push(a.metrics);
        cand_m.push(b.metrics);
    }
    let metrics = (0..NAMES.len())
        .map(|m| {
            let pairs: Vec<(f64, f64)> = base_m
                .iter()
                .zip(&cand_m)
                .map(|(a, b)| (a[m], b[m]))
                .filter(|(a, b)| !a.is_nan() && !b.is_nan())
                .collect();
            let a: Vec<f64> = pairs.iter().map(|p| p.0).collect();
            let b: Vec<f64> = pairs.iter().map(|p| p.1).collect();
            let d: Vec<f64> = pairs.iter().map(|(a, b)| b - a).collect();
            let mut rng = chacha_rng(config.seed, BOOTSTRAP_SUBSET, m as u64 + 1);
            let ci = bootstrap_ci(&d, &mut rng);
            let (baseline_mean, candidate_mean, diff_mean) = (mean(&a), mean(&b), mean(&d));
            let (baseline_sd, diff_sd) = (sd(&a), sd(&d));
            let rel_change = if diff_mean == 0.0 {
                0.0
            } else if baseline_mean == 0.0 {
                f64::INFINITY.copysign(diff_mean)
            } else {
                diff_mean / baseline_mean.abs()
            };
            let threshold = config.threshold(m);
            // NaN bounds (fewer than one pair) compare false: never significant.
            let excludes_zero = ci.0 > 0.0 || ci.1 < 0.0;
            MetricDiff {
                name: NAMES[m],
                n: d.len(),
                baseline_mean,
                candidate_mean,
                diff_mean,
                baseline_sd,
                diff_sd,
                ci,
                rel_change,
                threshold,
                significant: d.len() >= 2 && excludes_zero && rel_change.abs() > threshold,
                allowed: config.allow.contains(&m),
            }
        })
        .collect();
    let invariants = INVARIANTS
        .iter()
        .zip(inv)
        .map(|(law, (b, c))| InvariantDiff {
            name: law.name(),
            baseline: b,
            candidate: c,
        })
        .collect();
    CompareReport {
        baseline: baseline.clone(),
        candidate: candidate.clone(),
        config: config.clone(),
        metrics,
        invariants,
        runs,
        harness: None,
        program: PROGRAM_DEFAULT.to_owned(),
    }
}

/// How to print a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned plain text for a terminal.
    Table,
    /// GitHub-flavoured markdown, to paste into a pull request.
    Markdown,
    /// One JSON object.
    Json,
}

impl Format {
    /// Parses `table`, `markdown` or `json`.
    pub fn parse(s: &str) -> Result<Format, CompareError> {
        match s {
            "table" => Ok(Format::Table),
            "markdown" | "md" => Ok(Format::Markdown),
            "json" => Ok(Format::Json),
            other => Err(bad(
                "format",
                format!("{other:?}"),
                "table, markdown or json",
            )),
        }
    }
}

fn num(x: f64) -> String {
    if x.is_nan() {
        "n/a".to_owned()
    } else if x == 0.0 || (x.abs() >= 0.001 && x.abs() < 1e7) {
        let s = format!("{x:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" {
            "0".to_owned()
        } else {
            s.to_owned()
        }
    } else {
        format!("{x:.3e}")
    }
}

fn pct(x: f64) -> String {
    if x.is_nan() {
        "n/a".to_owned()
    } else if x.is_infinite() {
        if x > 0.0 { "+inf" } else { "-inf" }.to_owned()
    } else {
        format!("{:+.2}%", 100.0 * x)
    }
}

fn violated(v: bool) -> &'static str {
    if v { "violated" } else { "holds" }
}

fn json_num(x: f64) -> serde_json::Value {
    if x.is_finite() {
        serde_json::json!(x)
    } else if x.is_nan() {
        serde_json::Value::Null
    } else {
        serde_json::json!(if x > 0.0 { "inf" } else { "-inf" })
    }
}

impl CompareReport {
    /// True when the gate fails: a metric changed significantly (and is not allowed) or an
    /// invariant's status changed.
    pub fn changed(&self) -> bool {
        self.metrics.iter().any(MetricDiff::fails)
            || self.invariants.iter().any(|i| i.changed())
            || self.harness_changed().next().is_some()
    }

    fn harness_changed(&self) -> impl Iterator<Item = &HarnessDiff> {
        self.harness.iter().flatten().filter(|h| h.changed())
    }

    /// The one-line verdict.
    pub fn verdict(&self) -> String {
        let failing: Vec<String> = self
            .metrics
            .iter()
            .filter(|m| m.fails())
            .map(|m| format!("{} {}", m.name, pct(m.rel_change)))
            .collect();
        let invs: Vec<&str> = self
            .invariants
            .iter()
            .filter(|i| i.changed())
            .map(|i| i.name)
            .chain(self.harness_changed().map(|h| h.name))
            .collect();
        if failing.is_empty() && invs.is_empty() {
            let allowed = self.metrics.iter().filter(|m| m.significant).count();
            let note = if allowed > 0 {
                format!(" ({allowed} allowed metric(s) changed)")
            } else {
                String::new()
            };
            format!(
                "verdict: no significant change over {} paired runs{note}",
                self.config.n_runs
            )
        } else {
            let mut parts = Vec::new();
            if !failing.is_empty() {
                parts.push(format!(
                    "{} metric(s) changed significantly: {}",
                    failing.len(),
                    failing.join(", ")
                ));
            }
            if !invs.is_empty() {
                parts.push(format!("invariant status changed: {}", invs.join(", ")));
            }
            format!("verdict: CHANGED: {}", parts.join("; "))
        }
    }

    /// The command that reproduces this report, starting with [`CompareReport::program`].
    pub fn command(&self) -> String {
        let mut c = format!(
            "{} compare --baseline '{}' --candidate '{}' --runs {} --steps {} --seed {} --rng {}",
            self.program,
            self.baseline.source,
            self.candidate.source,
            self.config.n_runs,
            self.config.n_steps,
            self.config.seed,
            self.config.rng.name()
        );
        if self.config.min_change != MIN_CHANGE_DEFAULT {
            let _ = write!(c, " --min-change {}", self.config.min_change);
        }
        for (m, t) in &self.config.fail_on {
            let _ = write!(c, " --fail-on {}:{t}", NAMES[*m]);
        }
        for m in &self.config.allow {
            let _ = write!(c, " --allow {}", NAMES[*m]);
        }
        c
    }

    fn divergence_summary(&self) -> String {
        let n = self.runs.len();
        let div: Vec<u64> = self.runs.iter().filter_map(|r| r.diverge_step).collect();
        let lost: Vec<u64> = self.runs.iter().filter_map(|r| r.crn_lost_step).collect();
        let mut s = if div.is_empty() {
            format!("trajectories identical in all {n} runs")
        } else {
            format!(
                "trajectories diverge in {}/{n} runs (first step: min {}, max {})",
                div.len(),
                div.iter().min().unwrap_or(&0),
                div.iter().max().unwrap_or(&0)
            )
        };
        if lost.is_empty() {
            s.push_str("; draws aligned at every step of every run");
        } else {
            let _ = write!(
                s,
                "; common draws lost in {}/{n} runs (from step {} at the earliest)",
                lost.len(),
                lost.iter().min().unwrap_or(&0)
            );
        }
        let failed = self.runs.iter().filter(|r| r.failed).count();
        if failed > 0 {
            let _ = write!(
                s,
                "; {failed}/{n} runs failed on a side and are left out of the metrics"
            );
        }
        s
    }

    fn rows(&self) -> Vec<[String; 7]> {
        self.metrics
            .iter()
            .map(|m| {
                let flag = if m.fails() {
                    "CHANGED"
                } else if m.significant {
                    "allowed"
                } else {
                    ""
                };
                [
                    m.name.to_owned(),
                    num(m.baseline_mean),
                    num(m.candidate_mean),
                    num(m.diff_mean),
                    format!("[{}, {}]", num(m.ci.0), num(m.ci.1)),
                    pct(m.rel_change),
                    flag.to_owned(),
                ]
            })
            .collect()
    }

    const HEADER: [&'static str; 7] = [
        "metric",
        "baseline",
        "candidate",
        "diff",
        "95% CI",
        "change",
        "",
    ];

    fn run_lines(&self) -> Vec<String> {
        self.runs
            .iter()
            .map(|r| {
                let f = |x: Option<u64>| x.map_or("-".to_owned(), |t| t.to_string());
                format!(
                    "run {}: diverges at step {}, draws aligned until {}",
                    r.run,
                    f(r.diverge_step),
                    r.crn_lost_step
                        .map_or("the end".to_owned(), |t| format!("step {t}"))
                )
            })
            .collect()
    }

    /// Renders the report.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Table => self.to_table(),
            Format::Markdown => self.to_markdown(),
            Format::Json => {
                let mut s = serde_json::to_string_pretty(&self.to_json()).unwrap_or_default();
                s.push('\n');
                s
            }
        }
    }

    fn to_table(&self) -> String {
        let c = &self.config;
        let mut s = String::new();
        let _ = writeln!(s, "baseline:  {}", self.baseline.label());
        let _ = writeln!(s, "candidate: {}", self.candidate.label());
        let _ = writeln!(
            s,
            "{} paired runs x {} steps, seed {}, generator {} (common random numbers)",
            c.n_runs,
            c.n_steps,
            c.seed,
            c.rng.name()
        );
        let _ = writeln!(s, "{}", self.divergence_summary());
        let _ = writeln!(s);
        let mut rows = vec![Self::HEADER.map(str::to_owned)];
        rows.extend(self.rows());
        let widths: Vec<usize> = (0..7)
            .map(|j| rows.iter().map(|r| r[j].chars().count()).max().unwrap_or(0))
            .collect();
        for r in &rows {
            let line: Vec<String> = r
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(j, (x, w))| {
                    if j == 0 || j == 6 {
                        format!("{x:<w$}")
                    } else {
                        format!("{x:>w$}")
                    }
                })
                .collect();
            let _ = writeln!(s, "{}", line.join("  ").trim_end());
        }
        let _ = writeln!(s);
        for i in &self.invariants {
            let _ = writeln!(
                s,
                "invariant {}: baseline {}; candidate {}{}",
                i.name,
                i.baseline.describe(c.n_runs),
                i.candidate.describe(c.n_runs),
                if i.changed() { "  CHANGED" } else { "" }
            );
        }
        for h in self.harness.iter().flatten() {
            let _ = writeln!(
                s,
                "harness {} ({}): baseline {}; candidate {}{}",
                h.name,
                h.kind,
                violated(h.baseline_violated),
                violated(h.candidate_violated),
                if h.changed() { "  CHANGED" } else { "" }
            );
        }
        let _ = writeln!(s);
        let steps = |f: fn(&RunDivergence) -> Option<u64>| {
            self.runs
                .iter()
                .map(|r| f(r).map_or("-".to_owned(), |t| t.to_string()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let _ = writeln!(
            s,
            "first diverging step, runs 1-{}: {}",
            c.n_runs,
            steps(|r| r.diverge_step)
        );
        if self.runs.iter().any(|r| r.crn_lost_step.is_some()) {
            let _ = writeln!(
                s,
                "first step with different draws, runs 1-{}: {}",
                c.n_runs,
                steps(|r| r.crn_lost_step)
            );
        }
        let _ = writeln!(s, "reproduce: {}", self.command());
        let _ = writeln!(s, "{}", self.verdict());
        s
    }

    fn to_markdown(&self) -> String {
        let c = &self.config;
        let mut s = String::new();
        let mark = if self.changed() { "❌" } else { "✅" };
        let _ = writeln!(s, "### currents compare {mark}\n");
        let _ = writeln!(s, "**{}**\n", self.verdict());
        let _ = writeln!(s, "- baseline: `{}`", self.baseline.label());
        let _ = writeln!(s, "- candidate: `{}`", self.candidate.label());
        let _ = writeln!(
            s,
            "- {} paired runs × {} steps, seed {}, generator {} (common random numbers); {}",
            c.n_runs,
            c.n_steps,
            c.seed,
            c.rng.name(),
            self.divergence_summary()
        );
        let _ = writeln!(
            s,
            "- gate: a metric fails when its bootstrap 95% interval excludes 0 and it changed by more than {} (unless allowed)\n",
            pct(c.min_change).trim_start_matches('+')
        );
        let _ = writeln!(
            s,
            "| metric | baseline | candidate | diff | 95% CI | change | |\n|---|--:|--:|--:|--:|--:|---|"
        );
        for r in self.rows() {
            let flag = if r[6] == "CHANGED" {
                "**changed**".to_owned()
            } else {
                r[6].clone()
            };
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} | {} | {} | {flag} |",
                r[0], r[1], r[2], r[3], r[4], r[5]
            );
        }
        let _ = writeln!(
            s,
            "\n| invariant | baseline | candidate | |\n|---|---|---|---|"
        );
        for i in &self.invariants {
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} |",
                i.name,
                i.baseline.describe(c.n_runs),
                i.candidate.describe(c.n_runs),
                if i.changed() { "**changed**" } else { "" }
            );
        }
        let _ = writeln!(s, "\n<details><summary>Per-run divergence</summary>\n");
        for l in self.run_lines() {
            let _ = writeln!(s, "- {l}");
        }
        let _ = writeln!(s, "\n</details>\n");
        let _ = writeln!(s, "Reproduce: `{}`", self.command());
        s
    }

    /// The report as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        let c = &self.config;
        let side = |x: &SideLabel| {
            let mut v = serde_json::json!({
                "source": x.source,
                "rule": x.rule,
                "params": x.params.iter()
                    .map(|(name, v)| ((*name).to_owned(), serde_json::json!(v)))
                    .collect::<serde_json::Map<_, _>>(),
                "restriction": x.restriction.name(),
            });
            // The user and the model only when named, so a default side reads as before.
            for (key, named) in [("user", &x.user), ("model", &x.model)] {
                if let Some(named) = named {
                    v[key] = serde_json::json!(named);
                }
            }
            v
        };
        let status = |st: &InvariantStatus| {
            serde_json::json!({
                "holds": st.holds(),
                "runs_violated": st.n_runs_violated,
                "first": st.first.map(|(r, t)| serde_json::json!({"run": r, "step": t})),
            })
        };
        serde_json::json!({
            "baseline": side(&self.baseline),
            "candidate": side(&self.candidate),
            "runs": c.n_runs,
            "steps": c.n_steps,
            "seed": c.seed,
            "rng": c.rng.name(),
            "bootstrap": {"resamples": N_BOOT, "subset": BOOTSTRAP_SUBSET},
            "metrics": self.metrics.iter().map(|m| serde_json::json!({
                "name": m.name,
                "n": m.n,
                "baseline_mean": json_num(m.baseline_mean),
                "candidate_mean": json_num(m.candidate_mean),
                "diff_mean": json_num(m.diff_mean),
                "baseline_sd": json_num(m.baseline_sd),
                "diff_sd": json_num(m.diff_sd),
                "ci95": [json_num(m.ci.0), json_num(m.ci.1)],
                "rel_change": json_num(m.rel_change),
                "threshold": m.threshold,
                "significant": m.significant,
                "allowed": m.allowed,
                "fails": m.fails(),
            })).collect::<Vec<_>>(),
            "invariants": self.invariants.iter().map(|i| serde_json::json!({
                "name": i.name,
                "baseline": status(&i.baseline),
                "candidate": status(&i.candidate),
                "changed": i.changed(),
            })).collect::<Vec<_>>(),
            "per_run": self.runs.iter().map(|r| serde_json::json!({
                "run": r.run,
                "diverge_step": r.diverge_step,
                "crn_lost_step": r.crn_lost_step,
            })).collect::<Vec<_>>(),
            "harness": self.harness.as_ref().map(|h| h.iter().map(|h| serde_json::json!({
                "name": h.name,
                "kind": h.kind,
                "baseline_violated": h.baseline_violated,
                "candidate_violated": h.candidate_violated,
                "changed": h.changed(),
            })).collect::<Vec<_>>()),
            "changed": self.changed(),
            "verdict": self.verdict(),
            "command": self.command(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootstrap_interval_of_constant_differences_is_that_constant() {
        let mut rng = chacha_rng(0, BOOTSTRAP_SUBSET, 1);
        assert_eq!(bootstrap_ci(&[0.5; 7], &mut rng), (0.5, 0.5));
    }

    #[test]
    fn bootstrap_interval_contains_the_sample_mean() {
        let d = [1.0, -2.0, 3.5, 0.25, -1.0, 2.0, 0.0, 4.0];
        let m = mean(&d);
        let (lo, hi) = bootstrap_ci(&d, &mut chacha_rng(3, BOOTSTRAP_SUBSET, 1));
        assert!(lo < m && m < hi, "{lo} {m} {hi}");
        assert!(lo >= -2.0 && hi <= 4.0);
    }

    fn registry() -> Registry<V1> {
        Registry::builtin()
    }

    #[test]
    fn spec_errors_name_field_value_and_accepted() {
        let r = registry();
        let e = parse_spec("baseline", "nope", &r).unwrap_err();
        assert_eq!(e.field, "baseline.rule");
        assert!(e.accepted.contains("currents-v1"), "{e}");
        let e = parse_spec("candidate", "turnover:alpha=7", &r).unwrap_err();
        assert_eq!(e.field, "candidate.alpha");
        let e = parse_spec("candidate", "static:zz=1", &r).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.value.as_str()),
            ("candidate.zz", "\"zz\"")
        );
        let e = parse_spec("candidate", "static:restriction=maybe", &r).unwrap_err();
        assert_eq!(e.field, "candidate.restriction");
        // Refused when read, with compare's own range (as text, the value is quoted).
        let e = parse_spec("candidate", "static:runs=1", &r).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.value.as_str(), e.accepted.as_str()),
            ("candidate.runs", "\"1\"", "a whole number in [2, 100000]")
        );
    }

    #[test]
    fn spec_sets_parameters_by_name() {
        let s = parse_spec(
            "baseline",
            "currents-v1:quad-coef=-2.5,restriction=clamp",
            &registry(),
        )
        .unwrap();
        assert_eq!(s.spec().rule.values(), &[-2.5, 1.0, 7.0, 2.0]);
        assert_eq!(s.spec().restriction, crate::model::Enforce::Clamp);
        assert_eq!(
            s.label(),
            "currents-v1 quad-coef=-2.5 intercept=1 warmup=7 round-digits=2 (restriction clamp)"
        );
    }

    #[test]
    fn a_label_names_the_user_and_model_only_when_not_the_defaults() {
        let r = registry();
        let s = parse_spec(
            "baseline",
            "static:user=spender,integrity=0.8,sum-volume=10",
            &r,
        )
        .unwrap();
        let label = s.describe();
        assert_eq!(label.user.as_deref(), Some("spender:integrity=0.8"));
        assert_eq!(label.model.as_deref(), Some("v1:sum-volume=10"));
        assert!(
            s.label().ends_with(
                "(restriction none), user spender:integrity=0.8, model v1:sum-volume=10"
            ),
            "{}",
            s.label()
        );
        let d = parse_spec("baseline", "static:user=balanced,integrity=1", &r).unwrap();
        assert_eq!((d.describe().user, d.describe().model), (None, None));
    }

    fn sides(a: &str, b: &str) -> Result<(Side, Side, CompareConfig), CompareError> {
        let (a, b) = (
            SideInput::shorthand("baseline", a)?,
            SideInput::shorthand("candidate", b)?,
        );
        resolve_sides(
            &a,
            &b,
            &Spec::default(),
            &CompareConfig::default(),
            &registry(),
        )
    }

    #[test]
    fn settings_layer_flags_over_sides_over_defaults_and_sides_must_agree() {
        let (_, _, c) = sides("static", "turnover").unwrap();
        assert_eq!(
            (c.n_runs, c.n_steps, c.seed, c.rng),
            (20, 365, 0, RngKind::Chacha)
        );
        let (a, b, c) = sides("static:seed=4,rng=numpy", "turnover:steps=50").unwrap();
        assert_eq!(
            (c.n_runs, c.n_steps, c.seed, c.rng),
            (20, 50, 4, RngKind::Numpy)
        );
        assert_eq!((a.spec().seed, b.spec().seed), (4, 4));
        assert_eq!((a.spec().steps, b.spec().steps), (50, 50));
        let e = sides("static:seed=4", "turnover:seed=5").unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.value.as_str()),
            ("candidate.seed", "5")
        );
        assert!(e.accepted.contains("common random numbers"), "{e}");
        // A flag settles it.
        let flags = Spec {
            seed: Some(9),
            ..Spec::default()
        };
        let (a, b) = (
            SideInput::shorthand("baseline", "static:seed=4").unwrap(),
            SideInput::shorthand("candidate", "static:seed=5").unwrap(),
        );
        let (_, _, c) =
            resolve_sides(&a, &b, &flags, &CompareConfig::default(), &registry()).unwrap();
        assert_eq!(c.seed, 9);
    }

    #[test]
    fn a_shorthand_side_runs_on_a_file_sides_model_and_user() {
        let file = "rule = \"currents-v1\"\nrng = \"numpy\"\nruns = 3\n[params]\nintegrity = 0.5\nsum-volume = 10\nquad-coef = -2\n";
        let f = SideInput::file("baseline", "f.toml", file).unwrap();
        let r = registry();
        let d = CompareConfig::default();
        let flags = Spec::default();
        let s = |text: &str| SideInput::shorthand("candidate", text).unwrap();
        let (a, b, c) = resolve_sides(&f, &s("turnover:avg-amount=50"), &flags, &d, &r).unwrap();
        assert_eq!((c.n_runs, c.rng), (3, RngKind::Numpy));
        assert_eq!(a.spec().rule.get("quad-coef"), Some(-2.0));
        assert_eq!(b.spec().user.values(), &[0.5, 50.0, 0.0, 0.0]);
        assert_eq!(b.spec().model.get("sum-volume"), Some(10.0));
        // Another user starts from its own values; the rule's parameters never carry over.
        let (_, b, _) = resolve_sides(&f, &s("currents-v1:user=spender"), &flags, &d, &r).unwrap();
        assert_eq!(b.spec().user.values(), &[1.0, 100.0, 0.0, -0.05]);
        assert_eq!(b.spec().rule.get("quad-coef"), Some(-3.0));
        assert_eq!(b.spec().model.get("sum-volume"), Some(10.0));
        // Either way round.
        let f = SideInput::file("candidate", "f.toml", file).unwrap();
        let static_side = SideInput::shorthand("baseline", "static").unwrap();
        let (a, _, _) = resolve_sides(&static_side, &f, &flags, &d, &r).unwrap();
        assert_eq!(a.spec().user.get("integrity"), Some(0.5));
    }

    #[test]
    fn change_accepts_fractions_and_percentages() {
        assert_eq!(parse_change("f", "5%"), Ok(0.05));
        assert_eq!(parse_change("f", "0.2"), Ok(0.2));
        assert!(parse_change("f", "-1").is_err());
        assert_eq!(parse_fail_on("credit_mean:10%"), Ok((9, 0.1)));
        assert!(parse_fail_on("credit_mean").is_err());
    }
}
