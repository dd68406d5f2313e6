//! Scenario files: a whole seeded experiment as data — the one run spec ([`crate::spec`])
//! plus a description — running it, and its report.
//!
//! A scenario is what a snapshot test, and a comparison, needs to reproduce a set of
//! trajectories exactly. It is a spec file with keys of its own:
//!
//! ```toml
//! description = "The notebook's own run: default parameters, numpy's RandomState(0)."
//! rule = "currents-v1"        # or "turnover:window=10", or [rule] name = "turnover", window = 10
//! rng = "numpy"               # "numpy" or "chacha"
//! seed = 0
//! runs = 1
//! steps = 365
//! # model = "network"         # optional: a registered model (default: the workbench's first)
//! # user = "spender"          # optional: a registered user behaviour or preset
//! # restriction = "clamp"     # optional: none, clamp or reject (default: the rule's own)
//!
//! [params]                    # any parameter the model, the rule or the user declares
//! integrity = 1
//! avg-amount = 100
//! sum-volume = 30
//! initial-credit = 250
//! ```
//!
//! `description`, `rule`, `rng`, `seed`, `runs` and `steps` are required (a missing one is
//! [`ScenarioError::MissingKey`]); every other spec key is optional and takes the spec's
//! default. The scenario's own optional keys (`SCENARIO_KEYS`): `reference` (a cadCAD
//! trajectory file with the same parameters, which the tests compare the snapshot with) and
//! `table-every` (the stride of the trajectory table of long scenarios, see [`render`]).
//! Keys may be spelled with `-` or `_`; an unknown key is an error listing the accepted
//! ones.
//!
//! Every name is looked up in the workbench the caller hands [`Scenario::from_toml_str`]
//! (the model the file names, else the workbench's first), and every value is checked
//! once, against the declared parameter, by [`Workbench::resolve`] — the same bounds as a
//! flag, a compare side or a sweep cell. Parsing does no I/O: the caller reads the file and
//! hands over the text.
//!
//! A scenario of any model runs through the model's runs ([`AnySpec::runs`], the `exact`
//! engine) and is observed through the views ([`StateView`]): this module names no model.
//! Its report ([`render`]: the header in `report.rs`, the tables and digest in `table.rs`,
//! the summary in `summary.rs`) is the snapshot's text, laid out as the model declares
//! ([`crate::registry::ModelType::report_layout`]); [`first_difference`] (in `diff.rs`)
//! names where two reports differ.

mod diff;
mod report;
mod summary;
mod table;

pub use diff::{
    ReportDifference, TabledState, first_difference, first_number_difference, tabled_states,
};
pub use report::{TABLE_EVERY_DEFAULT, TABLE_FULL_STEPS_MAX, render};
pub use summary::SUMMARY_COLUMNS;

use std::fmt;
use std::io;
use std::sync::Arc;

use crate::draws::RngKind;
use crate::model::{Flow, RunError, Streams};
use crate::spec::{Limits, SEED_MAX, Spec, SpecError, parse_doc, whole_value};
use crate::workbench::{AnyObserver, AnyRuns, AnySpec, StateView, StepView, Workbench};

/// A scenario file's own keys, beside the spec's ([`crate::spec::SPEC_KEYS`]).
pub(crate) const SCENARIO_KEYS: [&str; 3] = ["description", "reference", "table-every"];

/// The most states (runs × steps) one scenario may hold: a scenario becomes a text file that
/// people review, and its test must stay quick.
pub(crate) const SCENARIO_STATES_MAX: u64 = 1_000_000;

/// A bad scenario file: names the key, the value and what is accepted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScenarioError {
    /// Not valid TOML, an unknown key, or a value the spec refuses (a name the workbench
    /// does not know, a parameter outside its declared range).
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A required key is missing.
    #[error("missing key `{key}` (accepted: {accepted})")]
    MissingKey {
        /// The key.
        key: &'static str,
        /// What it should hold.
        accepted: String,
    },
}

/// Why a scenario's runs stopped (validated parameters and the built-in rules rule both out
/// except for extreme rule coefficients: a credit that does not fit an integer).
#[derive(Debug, thiserror::Error)]
pub enum ScenarioRunError {
    /// The model's own engines refused to run the spec on the `exact` engine.
    #[error(transparent)]
    Engine(#[from] SpecError),
    /// Run `run` (1-based) failed: one of its steps, or the observer.
    #[error("run {run}, {source}")]
    Run {
        /// The run.
        run: u64,
        /// Why.
        source: RunError<io::Error>,
    },
}

/// A validated scenario: everything needed to reproduce its trajectories. Built only by
/// [`Scenario::from_toml_str`] (or changed by [`Scenario::with_spec`]), so every value in it
/// has been checked.
#[derive(Clone)]
pub struct Scenario {
    description: String,
    spec: Arc<dyn AnySpec>,
    reference: Option<String>,
    table_every: Option<u64>,
    /// The workbench's first model: the one a spec that names none runs, which the
    /// report's header therefore need not name.
    first_model: &'static str,
}

impl fmt::Debug for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scenario")
            .field("description", &self.description)
            .field("spec", &self.spec.to_spec())
            .field("reference", &self.reference)
            .field("table_every", &self.table_every)
            .finish()
    }
}

/// Two scenarios are equal when they say the same, run the same spec (model, rule and user
/// by name, every value, the settings) and table it the same way.
impl PartialEq for Scenario {
    fn eq(&self, other: &Self) -> bool {
        self.description == other.description
            && self.reference == other.reference
            && self.table_every == other.table_every
            && self.first_model == other.first_model
            && self.spec.to_spec() == other.spec.to_spec()
    }
}

/// Refuses a spec of more than [`SCENARIO_STATES_MAX`] states, naming `runs`.
fn check_size(spec: &dyn AnySpec) -> Result<(), ScenarioError> {
    let settings = spec.settings();
    if settings.runs.saturating_mul(settings.steps) > SCENARIO_STATES_MAX {
        return Err(SpecError::value(
            "runs",
            settings.runs.to_string(),
            format!(
                "runs x steps <= {SCENARIO_STATES_MAX} (this scenario has {} steps)",
                settings.steps
            ),
        )
        .into());
    }
    Ok(())
}

fn missing(key: &'static str, accepted: impl Into<String>) -> ScenarioError {
    ScenarioError::MissingKey {
        key,
        accepted: accepted.into(),
    }
}

impl Scenario {
    /// Parses and validates a scenario file's text, looking every name up in `bench` (in
    /// the registry of the model the file names, else of the workbench's first model).
    pub fn from_toml_str(text: &str, bench: &Workbench) -> Result<Self, ScenarioError> {
        let doc = parse_doc(text)?;
        let (spec, own) = Spec::from_doc(doc.root(), &SCENARIO_KEYS)?;
        let get = |key: &str| own.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
        let description = match get("description") {
            Some(v) => match v.as_str() {
                Some(s) => s.to_owned(),
                None => {
                    return Err(SpecError::value("description", v.describe(), "a string").into());
                }
            },
            None => {
                return Err(missing(
                    "description",
                    "a sentence saying what the scenario shows",
                ));
            }
        };
        let limits = Limits::default();
        if spec.rule.is_none() {
            // The rules of the model the file names; an unknown model is the first thing
            // wrong, and resolving names it.
            let Ok(model) = bench.find(spec.model.as_deref()) else {
                return Err(bench
                    .resolve(&spec, &limits)
                    .err()
                    .map_or_else(|| missing("model", bench.names()), ScenarioError::from));
            };
            return Err(missing(
                "rule",
                format!(
                    "a rule name ({}), NAME:key=value,… or a table with `name` and the rule's parameters",
                    model.rule_names()
                ),
            ));
        }
        if spec.rng.is_none() {
            return Err(missing("rng", "\"numpy\" or \"chacha\""));
        }
        if spec.seed.is_none() {
            return Err(missing(
                "seed",
                format!("a whole number in [0, {SEED_MAX}]"),
            ));
        }
        if spec.runs.is_none() {
            return Err(missing(
                "runs",
                format!("a whole number in [1, {}]", limits.runs_max),
            ));
        }
        if spec.steps.is_none() {
            return Err(missing(
                "steps",
                format!("a whole number in [1, {}]", limits.steps_max),
            ));
        }
        let resolved = bench.resolve(&spec, &limits)?;
        let reference = match get("reference") {
            Some(v) => match v.as_str() {
                Some(s) => Some(s.to_owned()),
                None => {
                    return Err(SpecError::value(
                        "reference",
                        v.describe(),
                        "a path relative to the crate root",
                    )
                    .into());
                }
            },
            None => None,
        };
        let table_every = match get("table-every") {
            Some(v) => Some(whole_value("table-every", &v, 1, limits.steps_max)?),
            None => None,
        };
        check_size(&*resolved)?;
        Ok(Scenario {
            description,
            spec: Arc::from(resolved),
            reference,
            table_every,
            first_model: bench.models().next().map_or("", |m| m.name()),
        })
    }

    /// The same scenario running `spec` instead (a perturbed rule, say: resolve the
    /// changed [`AnySpec::to_spec`] with [`Workbench::resolve`]); refused when it holds
    /// more than `SCENARIO_STATES_MAX` states.
    pub fn with_spec(self, spec: Box<dyn AnySpec>) -> Result<Self, ScenarioError> {
        check_size(&*spec)?;
        Ok(Scenario {
            spec: Arc::from(spec),
            ..self
        })
    }

    /// Why the scenario exists, in a sentence.
    pub(crate) fn description(&self) -> &str {
        &self.description
    }

    /// What runs: model, rule, user, their parameters, restriction, generator, seed, runs
    /// and steps.
    pub fn spec(&self) -> &dyn AnySpec {
        &*self.spec
    }

    /// A cadCAD trajectory file with the same workload, relative to the crate root.
    pub fn reference(&self) -> Option<&str> {
        self.reference.as_deref()
    }

    /// The stride of the trajectory table, when the file sets one.
    pub(crate) fn table_every(&self) -> Option<u64> {
        self.table_every
    }

    /// The model's name when it is not the workbench's first (the header names it then).
    pub(crate) fn model_if_named(&self) -> Option<&'static str> {
        let name = self.spec.model().name;
        (name != self.first_model).then_some(name)
    }

    /// The user's name when it is not its registry's first (the header names it then).
    pub(crate) fn user_if_named(&self) -> Option<&'static str> {
        let user = self.spec.user();
        (!user.first).then_some(user.name)
    }

    /// True when `currents simulate` runs this scenario given only its settings and
    /// parameters as flags: the workbench's first model, a rule of its registry's first
    /// rule type at its defaults under its own restriction, a user of the first user type,
    /// and every parameter the report's `params:` line lists one that simulate has a flag
    /// of its own for (`--integrity 1`). For V1: the notebook's rule with its constants and
    /// the notebook's user with no growth and no bias.
    pub(crate) fn is_simulate_default(&self) -> bool {
        let (rule, user) = (self.spec.rule(), self.spec.user());
        self.model_if_named().is_none()
            && rule.first_type
            && rule.values == rule.defaults
            && self.spec.restriction() == self.spec.rule_restriction()
            && user.first_type
            && report::world_params(&*self.spec)
                .iter()
                .all(|(name, _)| report::SIMULATE_PARAM_FLAGS.contains(name))
    }

    /// The generator run `run` (1-based) draws from, as the report names it:
    /// `RandomState(seed + run - 1)` or `chacha_rng(seed, 0, run)`.
    pub(crate) fn generator_of_run(&self, run: u64) -> String {
        let s = self.spec.settings();
        match s.rng {
            RngKind::Numpy => format!("RandomState({})", s.seed + run - 1),
            RngKind::Chacha => format!("chacha_rng({}, 0, {run})", s.seed),
        }
    }

    /// The streams the runs draw from: run r from `numpy_rng(seed + r − 1)` or
    /// `chacha_rng(seed, 0, r)`, exactly as `currents simulate` does.
    fn streams(&self) -> Streams {
        let s = self.spec.settings();
        Streams::new(s.rng, s.seed)
    }

    /// The runs on the `exact` engine: the one run loop on the spec's plan (or the model's
    /// own engine for it; for V1 the means computed exactly as numpy does), so a scenario
    /// gives the numbers `currents simulate --engine exact` gives.
    fn runs(&self) -> Result<Box<dyn AnyRuns>, SpecError> {
        self.spec.runs(None)
    }

    /// Runs every run of the scenario in order, calling `visit(run, timestep, state)` for
    /// the genesis state (timestep 0) and after every step; an error of `visit` stops the
    /// runs and is returned as the run's [`RunError::Observe`].
    pub fn for_each_state(
        &self,
        mut visit: impl FnMut(u64, u64, &dyn StateView) -> io::Result<()>,
    ) -> Result<(), ScenarioRunError> {
        let runs = self.runs()?;
        let (streams, steps) = (self.streams(), self.spec.settings().steps);
        for run in 1..=self.spec.settings().runs {
            let mut observer = Visit {
                run,
                visit: &mut visit,
            };
            runs.observe(&streams, run, steps, &mut observer, None)
                .map_err(|source| ScenarioRunError::Run { run, source })?;
        }
        Ok(())
    }
}

/// A visitor of states seen as an observer of runs.
struct Visit<'a, F> {
    run: u64,
    visit: &'a mut F,
}

impl<F: FnMut(u64, u64, &dyn StateView) -> io::Result<()>> AnyObserver for Visit<'_, F> {
    fn genesis(&mut self, state: &dyn StateView) -> io::Result<()> {
        (self.visit)(self.run, 0, state)
    }
    fn step(&mut self, step: &dyn StepView) -> io::Result<Flow> {
        (self.visit)(self.run, step.t(), step)?;
        Ok(Flow::Continue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "description = \"d\"\nrule = \"currents-v1\"\nrng = \"chacha\"\nseed = 3\nruns = 2\nsteps = 10\n";

    fn bench() -> Workbench {
        Workbench::builtin()
    }

    fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        Scenario::from_toml_str(text, &bench())
    }

    fn err(text: &str) -> ScenarioError {
        parse(text).unwrap_err()
    }

    #[test]
    fn minimal_scenario_takes_notebook_params_and_rule() {
        let s = parse(MINIMAL).unwrap();
        let spec = s.spec();
        assert_eq!(spec.rule().name, "currents-v1");
        assert_eq!(spec.rule().values, [-3.0, 1.0, 7.0, 2.0]);
        assert_eq!(spec.model().values, [30.0, 250.0]);
        assert_eq!(spec.user().values, [1.0, 100.0, 0.0, 0.0]);
        let settings = spec.settings();
        assert_eq!((settings.seed, settings.runs, settings.steps), (3, 2, 10));
        assert_eq!(settings.rng, RngKind::Chacha);
        assert!(s.is_simulate_default());
        assert_eq!((s.model_if_named(), s.user_if_named()), (None, None));
    }

    #[test]
    fn rule_table_sets_v1_coefficients_in_both_spellings() {
        let text = MINIMAL.replace("rule = \"currents-v1\"\n", "")
            + "[rule]\nname = \"currents-v1\"\nquad_coef = -2.9\nround-digits = 3\n";
        let s = parse(&text).unwrap();
        let r = s.spec().rule();
        assert_eq!(
            (r.get("quad-coef"), r.get("round-digits"), r.get("warmup")),
            (Some(-2.9), Some(3.0), Some(7.0))
        );
        assert!(!s.is_simulate_default());
    }

    #[test]
    fn params_take_any_declared_parameter_and_user_names_a_preset() {
        let text = MINIMAL.replace("rule = \"currents-v1\"", "rule = \"turnover\"")
            + "user = \"spender\"\n[params]\nwindow = 12\nintegrity = 0.8\nsum-volume = 7\n";
        // `user` must come before `[params]` in TOML: it does, appended before the table.
        let s = parse(&text).unwrap();
        let spec = s.spec();
        assert_eq!(spec.rule().get("window"), Some(12.0));
        assert_eq!(spec.user().get("integrity"), Some(0.8));
        assert_eq!(spec.user().get("bias"), Some(-0.05), "the preset's value");
        assert_eq!(spec.model().get("sum-volume"), Some(7.0));
        assert_eq!(s.user_if_named(), Some("spender"));
        assert!(!s.is_simulate_default());
    }

    #[test]
    fn every_registered_rule_of_every_model_runs_as_a_scenario() {
        let bench = bench();
        let mut n_models = 0;
        for model in bench.models() {
            n_models += 1;
            let rules = model.entries().into_iter().filter(|e| e.kind == "rule");
            for entry in rules {
                let text = MINIMAL.replace(
                    "rule = \"currents-v1\"",
                    &format!("model = {:?}\nrule = {:?}", model.name(), entry.name),
                );
                let s = parse(&text).unwrap();
                assert_eq!(s.spec().rule().name, entry.name);
                assert_eq!(s.spec().model().name, model.name());
                let mut n = 0;
                let ran = s.for_each_state(|_, _, _| {
                    n += 1;
                    Ok(())
                });
                // v1-no-fallback is refused by the run loop once its quadratic goes
                // negative, which takes more than these 10 steps; every other rule runs to
                // the end.
                assert!(ran.is_ok(), "{} {}: {ran:?}", model.name(), entry.name);
                assert_eq!(n, 2 * 11, "{} {}", model.name(), entry.name);
            }
        }
        assert_eq!(n_models, 3);
    }

    #[test]
    fn the_model_is_named_only_when_it_is_not_the_first() {
        let v1 = parse(&MINIMAL.replace("rule =", "model = \"v1\"\nrule =")).unwrap();
        assert_eq!(v1.model_if_named(), None);
        assert_eq!(
            v1,
            parse(MINIMAL).unwrap(),
            "naming the first model changes nothing"
        );
        let net = parse(&MINIMAL.replace(
            "rule = \"currents-v1\"",
            "model = \"network\"\nrule = \"static\"",
        ))
        .unwrap();
        assert_eq!(net.model_if_named(), Some("network"));
        assert_eq!(
            net.user_if_named(),
            None,
            "uniform-pairs is the network's first user"
        );
        assert!(!net.is_simulate_default());
        // A rule the named model does not have lists that model's rules.
        let e = err(&MINIMAL.replace("rule =", "model = \"network\"\nrule ="));
        assert!(
            e.to_string()
                .starts_with("invalid value for `rule`: \"currents-v1\""),
            "{e}"
        );
        assert!(!e.to_string().contains("v1-strict"), "{e}");
        let e = err(&MINIMAL.replace("rule = \"currents-v1\"\n", "model = \"network\"\n"));
        assert!(
            matches!(&e, ScenarioError::MissingKey { key: "rule", accepted } if accepted.contains("static") && !accepted.contains("currents-v1")),
            "{e}"
        );
        let e = err(&MINIMAL.replace("rule = \"currents-v1\"\n", "model = \"v9\"\n"));
        assert!(
            e.to_string().starts_with(
                "invalid value for `model`: \"v9\" (accepted: v1, network, network-one-sided)"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_rule_table_is_checked_against_the_declared_ranges() {
        let text = MINIMAL.replace("rule = \"currents-v1\"\n", "")
            + "[rule]\nname = \"turnover\"\nwindow = 0\n";
        let e = err(&text);
        assert!(
            e.to_string()
                .starts_with("invalid value for `rule.window`: 0"),
            "{e}"
        );
    }

    #[test]
    fn unknown_rule_name_lists_known_names() {
        let e = err(&MINIMAL.replace("currents-v1", "currents-v9"));
        let known = bench().find(None).unwrap().rule_names();
        assert_eq!(
            e,
            ScenarioError::Spec(SpecError::value("rule", "\"currents-v9\"", known))
        );
    }

    #[test]
    fn unknown_keys_are_named_with_the_accepted_ones() {
        let e = err(&format!("{MINIMAL}stepz = 4\n"));
        let msg = e.to_string();
        assert!(
            msg.starts_with("invalid value for `stepz`: (unknown key)"),
            "{msg}"
        );
        assert!(msg.contains("rng, seed, runs, steps"), "{msg}");
        assert!(msg.contains("description, reference, table-every"), "{msg}");
        // The old spelling of the generator's key is unknown too.
        let e = err(&MINIMAL.replace("rng = ", "generator = "));
        assert!(
            e.to_string()
                .starts_with("invalid value for `generator`: (unknown key)"),
            "{e}"
        );
        let e = err(&format!("{MINIMAL}[params]\nintegrety = 0.5\n"));
        assert!(
            e.to_string()
                .starts_with("invalid value for `params.integrety`"),
            "{e}"
        );
        assert!(e.to_string().contains("integrity, avg-amount"), "{e}");
    }

    #[test]
    fn missing_and_out_of_range_values_are_named() {
        for key in ["description", "rule", "rng", "seed", "runs", "steps"] {
            let text: String = MINIMAL
                .lines()
                .filter(|l| !l.starts_with(key))
                .map(|l| format!("{l}\n"))
                .collect();
            let e = err(&text);
            assert!(
                matches!(&e, ScenarioError::MissingKey { key: k, .. } if *k == key),
                "{key}: {e}"
            );
        }
        let e = err(&format!("{MINIMAL}[params]\navg-amount = 0\n"));
        assert!(
            e.to_string().starts_with(
                "invalid value for `params.avg-amount`: 0 (accepted: a finite number in [0.001,"
            ),
            "{e}"
        );
        let e = err(&MINIMAL.replace("seed = 3", "seed = \"3\""));
        assert_eq!(
            e.to_string(),
            "invalid value for `seed`: \"3\" (accepted: a whole number in [0, 9223372036854775807])"
        );
        let e = err(&MINIMAL.replace("rng = \"chacha\"", "rng = \"mt\""));
        assert!(e.to_string().starts_with("invalid value for `rng`"), "{e}");
        let e = err(&MINIMAL
            .replace("runs = 2", "runs = 1000")
            .replace("steps = 10", "steps = 1001"));
        assert!(
            e.to_string().starts_with("invalid value for `runs`: 1000"),
            "{e}"
        );
        let e = err(&(MINIMAL.replace("rule = \"currents-v1\"\n", "")
            + "[rule]\nname = \"currents-v1\"\nquad-coef = inf\n"));
        assert!(
            e.to_string()
                .starts_with("invalid value for `rule.quad-coef`: inf"),
            "{e}"
        );
        let e = err(&format!("{MINIMAL}table-every = 0\n"));
        assert!(
            e.to_string()
                .starts_with("invalid value for `table-every`: 0"),
            "{e}"
        );
    }

    #[test]
    fn bad_toml_gives_line_and_column() {
        let e = err("description = \"d\"\nseed = = 3\n");
        assert!(
            matches!(e, ScenarioError::Spec(SpecError::Syntax { line: 2, .. })),
            "{e}"
        );
    }
}
