//! Scenario files: a whole seeded experiment as data — the one run spec ([`crate::spec`])
//! plus a description — and running it.
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
//! default. The scenario's own optional keys ([`SCENARIO_KEYS`]): `reference` (a cadCAD
//! trajectory file with the same parameters, which the tests compare the snapshot with) and
//! `table-every` (the stride of the trajectory table of long scenarios, see
//! [`crate::report`]). Keys may be spelled with `-` or `_`; an unknown key is an error
//! listing the accepted ones.
//!
//! Every name is looked up in the registry the caller hands [`Scenario::from_toml_str`], and
//! every value is checked once, against the declared parameter, by [`Spec::resolve`] — the
//! same bounds as a flag, a compare side or a sweep cell. Parsing does no I/O: the caller
//! reads the file and hands over the text.

use crate::draws::RngKind;
use crate::model::EachState;
use crate::model::RunError;
use crate::registry::Registry;
use crate::registry::RunSpec;
use crate::spec::{Limits, SEED_MAX, Spec, SpecError, parse_toml};
use crate::toml_value::describe;
use crate::v1::NotebookUser;
use crate::v1::State;
use crate::v1::V1;
use crate::v1::V1Rule;

/// The name of the notebook's rule ([`V1Rule`]).
pub const V1_NAME: &str = <V1Rule as crate::rules::Rule>::NAME;

/// A scenario file's own keys, beside the spec's ([`crate::spec::SPEC_KEYS`]).
pub const SCENARIO_KEYS: [&str; 3] = ["description", "reference", "table-every"];

/// The most states (runs × steps) one scenario may hold: a scenario becomes a text file that
/// people review, and its test must stay quick.
pub const SCENARIO_STATES_MAX: u64 = 1_000_000;

/// A bad scenario file: names the key, the value and what is accepted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScenarioError {
    /// Not valid TOML, an unknown key, or a value the spec refuses (a name the registry
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

/// A validated scenario: everything needed to reproduce its trajectories. Built only by
/// [`Scenario::from_toml_str`] (or changed by [`Scenario::with_spec`]), so every value in it
/// has been checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    description: String,
    spec: RunSpec<V1>,
    reference: Option<String>,
    table_every: Option<u64>,
    /// The registry's first model and user: the ones a spec that names none runs, which
    /// the report's header therefore need not name.
    first_model: &'static str,
    first_user: &'static str,
}

fn missing(key: &'static str, accepted: impl Into<String>) -> ScenarioError {
    ScenarioError::MissingKey {
        key,
        accepted: accepted.into(),
    }
}

impl Scenario {
    /// Parses and validates a scenario file's text, looking every name up in `registry`.
    pub fn from_toml_str(text: &str, registry: &Registry<V1>) -> Result<Self, ScenarioError> {
        let table = parse_toml(text)?;
        let (spec, own) = Spec::from_table(&table, &SCENARIO_KEYS)?;
        let get = |key: &str| own.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        let description = match get("description") {
            Some(toml::Value::String(s)) => s.clone(),
            Some(v) => {
                return Err(SpecError::value("description", describe(v), "a string").into());
            }
            None => {
                return Err(missing(
                    "description",
                    "a sentence saying what the scenario shows",
                ));
            }
        };
        let limits = Limits::default();
        if spec.rule.is_none() {
            return Err(missing(
                "rule",
                format!(
                    "a rule name ({}), NAME:key=value,… or a table with `name` and the rule's parameters",
                    registry.names()
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
        let run_spec = spec.resolve(registry, &limits)?;
        let reference = match get("reference") {
            Some(toml::Value::String(s)) => Some(s.clone()),
            Some(v) => {
                return Err(SpecError::value(
                    "reference",
                    describe(v),
                    "a path relative to the crate root",
                )
                .into());
            }
            None => None,
        };
        let table_every = match get("table-every") {
            Some(toml::Value::Integer(k)) if (1..=limits.steps_max as i64).contains(k) => {
                Some(*k as u64)
            }
            Some(v) => {
                return Err(SpecError::value(
                    "table-every",
                    describe(v),
                    format!("a whole number in [1, {}]", limits.steps_max),
                )
                .into());
            }
            None => None,
        };
        Scenario {
            description,
            spec: run_spec.clone(),
            reference,
            table_every,
            first_model: registry.models().first().map_or("", |m| m.name),
            first_user: registry.users().first().map_or("", |u| u.name),
        }
        .with_spec(run_spec)
    }

    /// The same scenario running `spec` instead (a perturbed rule, say); refused when it
    /// holds more than [`SCENARIO_STATES_MAX`] states.
    pub fn with_spec(self, spec: RunSpec<V1>) -> Result<Self, ScenarioError> {
        if spec.runs.saturating_mul(spec.steps) > SCENARIO_STATES_MAX {
            return Err(SpecError::value(
                "runs",
                spec.runs.to_string(),
                format!(
                    "runs x steps <= {SCENARIO_STATES_MAX} (this scenario has {} steps)",
                    spec.steps
                ),
            )
            .into());
        }
        Ok(Scenario { spec, ..self })
    }

    /// Why the scenario exists, in a sentence.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// What runs: model, rule, user, their parameters, restriction, generator, seed, runs
    /// and steps.
    pub fn spec(&self) -> &RunSpec<V1> {
        &self.spec
    }

    /// A cadCAD trajectory file with the same workload, relative to the crate root.
    pub fn reference(&self) -> Option<&str> {
        self.reference.as_deref()
    }

    /// The stride of the trajectory table, when the file sets one.
    pub fn table_every(&self) -> Option<u64> {
        self.table_every
    }

    /// The model's name when it is not the registry's first (the header names it then).
    pub fn model_if_named(&self) -> Option<&'static str> {
        let name = self.spec.model.entry().name;
        (name != self.first_model).then_some(name)
    }

    /// The user's name when it is not the registry's first (the header names it then).
    pub fn user_if_named(&self) -> Option<&'static str> {
        let name = self.spec.user.entry().name;
        (name != self.first_user).then_some(name)
    }

    /// True when this is what `currents simulate` runs: V1's rule with the notebook's
    /// constants under its own restriction, and the notebook's user (no growth, no bias), so
    /// that simulate's flags reproduce it.
    pub fn is_simulate_default(&self) -> bool {
        let (rule, user) = (&self.spec.rule, &self.spec.user);
        rule.entry().is::<V1Rule>()
            && rule.values() == rule.entry().defaults().as_slice()
            && self.spec.restriction == rule.entry().enforcement().mode
            && user.entry().is::<NotebookUser>()
            && user.get("growth") == Some(0.0)
            && user.get("bias") == Some(0.0)
    }

    /// The generator run `run` (1-based) draws from, as the report names it:
    /// `RandomState(seed + run - 1)` or `chacha_rng(seed, 0, run)`.
    pub fn generator_of_run(&self, run: u64) -> String {
        match self.spec.rng {
            RngKind::Numpy => format!("RandomState({})", self.spec.seed + run - 1),
            RngKind::Chacha => format!("chacha_rng({}, 0, {run})", self.spec.seed),
        }
    }

    /// Runs every run of the scenario in order, calling `visit(run, timestep, state)` for the
    /// genesis state (timestep 0) and after every step.
    ///
    /// Each run is the spec's plan ([`RunSpec::plan`]) through the one run loop; run r draws
    /// from `numpy_rng(seed + r − 1)` or `chacha_rng(seed, 0, r)`, exactly as
    /// `currents simulate` does, so a scenario with the default rule gives the numbers
    /// `currents simulate --engine exact` gives. The means are computed exactly
    /// ([`crate::v1::ExactHistory`]).
    pub fn for_each_state<E>(
        &self,
        mut visit: impl FnMut(u64, u64, &State) -> Result<(), E>,
    ) -> Result<(), RunError<E>> {
        let plan = self.spec.plan();
        let s = &self.spec;
        for run in 1..=s.runs {
            plan.run(
                &s.streams(),
                run,
                s.steps,
                &mut EachState(|t, st: &State| visit(run, t, st)),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "description = \"d\"\nrule = \"currents-v1\"\nrng = \"chacha\"\nseed = 3\nruns = 2\nsteps = 10\n";

    fn registry() -> Registry<V1> {
        Registry::builtin()
    }

    fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        Scenario::from_toml_str(text, &registry())
    }

    fn err(text: &str) -> ScenarioError {
        parse(text).unwrap_err()
    }

    #[test]
    fn minimal_scenario_takes_notebook_params_and_rule() {
        let s = parse(MINIMAL).unwrap();
        let spec = s.spec();
        assert_eq!(spec.rule.entry().name, V1_NAME);
        assert_eq!(spec.rule.values(), &[-3.0, 1.0, 7.0, 2.0]);
        assert_eq!(spec.model.values(), &[30.0, 250.0]);
        assert_eq!(spec.user.values(), &[1.0, 100.0, 0.0, 0.0]);
        assert_eq!((spec.seed, spec.runs, spec.steps), (3, 2, 10));
        assert_eq!(spec.rng, RngKind::Chacha);
        assert!(s.is_simulate_default());
        assert_eq!((s.model_if_named(), s.user_if_named()), (None, None));
    }

    #[test]
    fn rule_table_sets_v1_coefficients_in_both_spellings() {
        let text = MINIMAL.replace("rule = \"currents-v1\"\n", "")
            + "[rule]\nname = \"currents-v1\"\nquad_coef = -2.9\nround-digits = 3\n";
        let s = parse(&text).unwrap();
        let r = &s.spec().rule;
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
        assert_eq!(spec.rule.get("window"), Some(12.0));
        assert_eq!(spec.user.get("integrity"), Some(0.8));
        assert_eq!(spec.user.get("bias"), Some(-0.05), "the preset's value");
        assert_eq!(spec.model.get("sum-volume"), Some(7.0));
        assert_eq!(s.user_if_named(), Some("spender"));
        assert!(!s.is_simulate_default());
    }

    #[test]
    fn every_registered_rule_runs_as_a_scenario() {
        for entry in registry().rules() {
            let text = MINIMAL.replace("\"currents-v1\"", &format!("{:?}", entry.name));
            let s = parse(&text).unwrap();
            assert_eq!(s.spec().rule.entry().name, entry.name);
            let mut n = 0;
            let ran = s.for_each_state(|_, _, _| -> Result<(), ()> {
                n += 1;
                Ok(())
            });
            // v1-no-fallback is refused by the run loop once its quadratic goes negative,
            // which takes more than these 10 steps; every other rule runs to the end.
            assert!(ran.is_ok(), "{}: {ran:?}", entry.name);
            assert_eq!(n, 2 * 11, "{}", entry.name);
        }
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
        assert_eq!(
            e,
            ScenarioError::Spec(SpecError::value(
                "rule",
                "\"currents-v9\"",
                registry().names()
            ))
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
