//! Scenario files: a whole seeded experiment as data (rule, parameters, generator, seed,
//! runs, steps), and running it.
//!
//! A scenario is what a snapshot test, and later a comparison tool, needs to reproduce a set
//! of trajectories exactly. It is written in TOML:
//!
//! ```toml
//! description = "The notebook's own run: default parameters, numpy's RandomState(0)."
//! rule = "currents-v1"        # or a table: [rule] name = "currents-v1", quad-coef = -3
//! generator = "numpy"         # "numpy" or "chacha"
//! seed = 0
//! runs = 1
//! steps = 365
//!
//! [params]                    # each key optional; missing keys take the notebook's value
//! integrity = 1
//! avg-amount = 100
//! sum-volume = 30
//! initial-credit = 250
//! ```
//!
//! Optional keys: `reference` (a cadCAD trajectory file with the same parameters, which the
//! tests compare the snapshot with) and `table-every` (the stride of the trajectory table of
//! long scenarios, see [`crate::report`]). Keys may be spelled with `-` or `_`.
//!
//! The rule is a *name* with optional parameters, mapped here to a [`RuleSpec`]; an unknown
//! name is an error listing the known ones (the registry, [`crate::registry`]). Parsing does no I/O: the
//! caller reads the file and hands the text to [`Scenario::from_toml_str`].

use std::fmt;

use crate::credit::V1Rule;
use crate::model::EachState;
use crate::params::{ParamError, Params, RngKind, STEPS_MAX, SimConfig};
use crate::registry::{PolicyBox, RuleEntry, builtin_v1};
use crate::rules::Rule as _;
use crate::sim::{RunError, run_seeded};
use crate::state::State;
use crate::toml_value::{as_number, as_string, as_whole, describe, line_col};
use crate::users::NotebookUser;
use crate::v1::V1;

/// The name of the notebook's rule ([`V1Rule`]).
pub const V1_NAME: &str = <V1Rule as crate::rules::Rule>::NAME;

/// The keys of a scenario file's top level.
pub const SCENARIO_KEYS: [&str; 9] = [
    "description",
    "rule",
    "generator",
    "seed",
    "runs",
    "steps",
    "params",
    "reference",
    "table-every",
];
/// The keys of a scenario's `[params]` table.
pub const PARAM_KEYS: [&str; 4] = ["integrity", "avg-amount", "sum-volume", "initial-credit"];

/// The most states (runs × steps) one scenario may hold: a scenario becomes a text file that
/// people review, and its test must stay quick.
pub const SCENARIO_STATES_MAX: u64 = 1_000_000;

/// A bad scenario file. Every variant names the key, and what is accepted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScenarioError {
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
    /// A key that the table does not know.
    #[error("unknown key `{key}` in {table} (accepted keys: {accepted})")]
    UnknownKey {
        /// Where: `the scenario`, `[params]` or `[rule]`.
        table: &'static str,
        /// The key as written.
        key: String,
        /// The keys accepted there.
        accepted: String,
    },
    /// A required key is missing.
    #[error("missing key `{key}` (accepted: {accepted})")]
    MissingKey {
        /// The key.
        key: &'static str,
        /// What it should hold.
        accepted: String,
    },
    /// A key holds a value of the wrong type or range.
    #[error(transparent)]
    Value(#[from] ParamError),
    /// A `[rule]` parameter is not a number or is outside the range its rule declares
    /// (the same range sweeps and compare enforce).
    #[error("invalid value for `rule.{}`: {} (accepted: {})", .0.field, .0.value, .0.accepted)]
    RuleParam(ParamError),
}

/// A credit rule chosen by name (any rule of [`builtin_v1`]), with its parameter values.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSpec {
    /// The registered rule.
    pub rule: &'static RuleEntry<V1>,
    /// Its parameter values, in declaration order, each within its declared range.
    pub values: Vec<f64>,
}

impl RuleSpec {
    /// `currents-v1` with `rule`'s constants.
    pub fn v1(rule: V1Rule) -> Self {
        RuleSpec {
            rule: builtin_v1()
                .find(V1_NAME)
                .expect("the built-in registry holds currents-v1"),
            values: vec![
                rule.quad_coef,
                rule.intercept,
                rule.warmup as f64,
                f64::from(rule.round_digits),
            ],
        }
    }

    /// The V1 rule, when this is `currents-v1`.
    pub fn as_v1(&self) -> Option<V1Rule> {
        (self.rule.name == V1_NAME).then(|| V1Rule::from_values(&self.values))
    }

    /// The rule's name as scenario files spell it.
    pub fn name(&self) -> &'static str {
        self.rule.name
    }

    /// True when this is the rule `currents simulate` runs (V1 with the notebook's constants).
    pub fn is_simulate_default(&self) -> bool {
        self.as_v1() == Some(V1Rule::default())
    }
}

impl fmt::Display for RuleSpec {
    /// The name and every parameter, e.g.
    /// `currents-v1 (quad-coef = -3, intercept = 1, warmup = 7, round-digits = 2)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.rule.name)?;
        let pairs: Vec<String> = (self.rule.params.iter().zip(&self.values))
            .map(|(p, v)| format!("{} = {v}", p.name))
            .collect();
        if !pairs.is_empty() {
            write!(f, " ({})", pairs.join(", "))?;
        }
        Ok(())
    }
}

/// A validated scenario: everything needed to reproduce its trajectories.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Why the scenario exists, in a sentence.
    pub description: String,
    /// The credit rule.
    pub rule: RuleSpec,
    /// Parameters, steps, runs, seed and generator.
    pub config: SimConfig,
    /// A cadCAD trajectory file with the same workload, relative to the crate root.
    pub reference: Option<String>,
    /// The stride of the trajectory table, when the file sets one.
    pub table_every: Option<u64>,
}

impl Scenario {
    /// Parses and validates a scenario file's text.
    pub fn from_toml_str(text: &str) -> Result<Self, ScenarioError> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let (line, column) = e.span().map_or((1, 1), |span| line_col(text, span.start));
            ScenarioError::Syntax {
                line,
                column,
                message: e.message().trim().to_owned(),
            }
        })?;
        let top = keyed(&table, "the scenario", &SCENARIO_KEYS)?;
        let get = |key: &'static str| top.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        let require = |key: &'static str, accepted: &str| {
            get(key).ok_or_else(|| ScenarioError::MissingKey {
                key,
                accepted: accepted.to_owned(),
            })
        };

        let description = as_string(
            "description",
            require("description", "a sentence saying what the scenario shows")?,
            "a string",
        )?;
        let rule = parse_rule(require("rule", &rule_accepted())?)?;
        let generator = RngKind::parse(&as_string(
            "generator",
            require("generator", "\"numpy\" or \"chacha\"")?,
            "\"numpy\" or \"chacha\"",
        )?)
        .map_err(|e| ParamError::new("generator", e.value, "\"numpy\" or \"chacha\""))?;
        let seed = as_whole("seed", require("seed", "a whole number >= 0")?, 0, i64::MAX)? as u64;
        let steps_accepted = format!("a whole number in [1, {STEPS_MAX}]");
        let runs = as_whole("runs", require("runs", "a whole number >= 1")?, 1, i64::MAX)? as u64;
        let steps = as_whole(
            "steps",
            require("steps", &steps_accepted)?,
            1,
            STEPS_MAX as i64,
        )? as u64;
        let params = match get("params") {
            Some(v) => parse_params(v)?,
            None => Params::default(),
        };
        let config = SimConfig::new(params, steps, runs, seed, generator)?;
        if runs.saturating_mul(steps) > SCENARIO_STATES_MAX {
            return Err(ParamError::new(
                "runs",
                runs,
                format!("runs x steps <= {SCENARIO_STATES_MAX} (this scenario has {steps} steps)"),
            )
            .into());
        }
        let reference = get("reference")
            .map(|v| as_string("reference", v, "a path relative to the crate root"))
            .transpose()?;
        let table_every = get("table-every")
            .map(|v| as_whole("table-every", v, 1, STEPS_MAX as i64).map(|k| k as u64))
            .transpose()?;
        Ok(Scenario {
            description,
            rule,
            config,
            reference,
            table_every,
        })
    }

    /// The generator run `run` (1-based) draws from, as the report names it:
    /// `RandomState(seed + run - 1)` or `chacha_rng(seed, 0, run)`.
    pub fn generator_of_run(&self, run: u64) -> String {
        match self.config.rng() {
            RngKind::Numpy => format!("RandomState({})", self.config.seed() + run - 1),
            RngKind::Chacha => format!("chacha_rng({}, 0, {run})", self.config.seed()),
        }
    }

    /// Runs every run of the scenario in order, calling `visit(run, timestep, state)` for the
    /// genesis state (timestep 0) and after every step.
    ///
    /// Run r draws from `numpy_rng(seed + r − 1)` or `chacha_rng(seed, 0, r)`, exactly as
    /// `currents simulate` does, so a scenario with the default rule gives the numbers
    /// `currents simulate --engine exact` gives. The means are computed exactly ([`crate::ExactHistory`]).
    pub fn for_each_state<E>(
        &self,
        mut visit: impl FnMut(u64, u64, &State) -> Result<(), E>,
    ) -> Result<(), RunError<E>> {
        let policy = self.rule.rule.build_checked(&self.rule.values);
        for run in 1..=self.config.n_runs() {
            self.run_one(&policy, run, &mut visit)?;
        }
        Ok(())
    }

    fn run_one<E>(
        &self,
        policy: &PolicyBox<V1>,
        run: u64,
        visit: &mut impl FnMut(u64, u64, &State) -> Result<(), E>,
    ) -> Result<(), RunError<E>> {
        let config = &self.config;
        let params = config.params();
        run_seeded(
            &V1::<crate::ExactHistory>::new(params),
            policy,
            &NotebookUser::from_params(params),
            config.rng(),
            config.seed(),
            0,
            run,
            config.n_steps(),
            &mut EachState(|t, s: &State| visit(run, t, s)),
        )
    }
}

fn rule_accepted() -> String {
    format!(
        "a rule name ({}) or a table with `name` and the rule's parameters",
        builtin_v1().names()
    )
}

fn parse_rule(v: &toml::Value) -> Result<RuleSpec, ScenarioError> {
    let one_of = || format!("one of: {}", builtin_v1().names());
    let (name, table) = match v {
        toml::Value::String(s) => (s.as_str(), None),
        toml::Value::Table(t) => {
            let name = t.get("name").ok_or_else(|| ScenarioError::MissingKey {
                key: "rule.name",
                accepted: one_of(),
            })?;
            let toml::Value::String(name) = name else {
                return Err(ParamError::new("rule.name", describe(name), one_of()).into());
            };
            (name.as_str(), Some(t))
        }
        other => return Err(ParamError::new("rule", describe(other), rule_accepted()).into()),
    };
    let rule = builtin_v1()
        .find(name)
        .map_err(|_| ParamError::new("rule.name", format!("{name:?}"), one_of()))?;
    let mut values = rule.defaults();
    let Some(t) = table else {
        return Ok(RuleSpec { rule, values });
    };
    let keys: Vec<&'static str> = ["name"]
        .into_iter()
        .chain(rule.params.iter().map(|p| p.name))
        .collect();
    for (key, v) in keyed(t, "[rule]", &keys)? {
        let Some(i) = rule.params.iter().position(|p| p.name == key) else {
            continue; // `name`
        };
        let spec = &rule.params[i];
        let x = as_number(spec.name, v).map_err(ScenarioError::RuleParam)?;
        values[i] = spec.check(spec.name, x).map_err(ScenarioError::RuleParam)?;
    }
    Ok(RuleSpec { rule, values })
}

fn parse_params(v: &toml::Value) -> Result<Params, ScenarioError> {
    let toml::Value::Table(t) = v else {
        return Err(ParamError::new(
            "params",
            describe(v),
            format!("a table with keys {}", PARAM_KEYS.join(", ")),
        )
        .into());
    };
    let d = Params::default();
    let (mut integrity, mut avg_amount) = (d.integrity(), d.avg_amount());
    let (mut sum_volume, mut initial_credit) = (d.sum_volume(), d.initial_credit());
    for (key, v) in keyed(t, "[params]", &PARAM_KEYS)? {
        match key {
            "integrity" => integrity = as_number("params.integrity", v)?,
            "avg-amount" => avg_amount = as_number("params.avg-amount", v)?,
            "sum-volume" => sum_volume = as_whole("params.sum-volume", v, 1, i64::MAX)? as u64,
            "initial-credit" => initial_credit = as_whole("params.initial-credit", v, 0, i64::MAX)?,
            _ => unreachable!("keyed() returns only accepted keys"),
        }
    }
    Ok(Params::new(
        integrity,
        avg_amount,
        sum_volume,
        initial_credit,
    )?)
}

fn keyed<'a>(
    table: &'a toml::Table,
    where_: &'static str,
    accepted: &[&'static str],
) -> Result<Vec<(&'static str, &'a toml::Value)>, ScenarioError> {
    table
        .iter()
        .map(|(key, v)| {
            let k = key.replace('_', "-");
            match accepted.iter().copied().find(|a| *a == k) {
                Some(a) => Ok((a, v)),
                None => Err(ScenarioError::UnknownKey {
                    table: where_,
                    key: key.clone(),
                    accepted: accepted.join(", "),
                }),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "description = \"d\"\nrule = \"currents-v1\"\ngenerator = \"chacha\"\nseed = 3\nruns = 2\nsteps = 10\n";

    fn err(text: &str) -> ScenarioError {
        Scenario::from_toml_str(text).unwrap_err()
    }

    #[test]
    fn minimal_scenario_takes_notebook_params_and_rule() {
        let s = Scenario::from_toml_str(MINIMAL).unwrap();
        assert_eq!(s.rule, RuleSpec::v1(V1Rule::default()));
        assert_eq!(*s.config.params(), Params::default());
        assert_eq!(
            (s.config.seed(), s.config.n_runs(), s.config.n_steps()),
            (3, 2, 10)
        );
        assert_eq!(s.config.rng(), RngKind::Chacha);
        assert!(s.rule.is_simulate_default());
    }

    #[test]
    fn rule_table_sets_v1_coefficients_in_both_spellings() {
        let text = MINIMAL.replace(
            "rule = \"currents-v1\"\n",
            "[rule]\nname = \"currents-v1\"\nquad_coef = -2.9\nround-digits = 3\n",
        );
        // `[rule]` must come after the top-level keys in TOML: move it to the end.
        let (top, rule) = text.split_at(text.find("[rule]").unwrap());
        let (rule, rest) = rule.split_at(rule.find("generator").unwrap());
        let s = Scenario::from_toml_str(&format!("{top}{rest}{rule}")).unwrap();
        let r = s.rule.as_v1().unwrap();
        assert_eq!((r.quad_coef, r.round_digits, r.warmup), (-2.9, 3, 7));
        assert!(!s.rule.is_simulate_default());
    }

    #[test]
    fn every_registered_rule_runs_as_a_scenario() {
        for entry in builtin_v1().rules() {
            let text = MINIMAL.replace("\"currents-v1\"", &format!("{:?}", entry.name));
            let s = Scenario::from_toml_str(&text).unwrap();
            assert_eq!(s.rule.name(), entry.name);
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
            ScenarioError::Value(ParamError::new(
                "rule.name",
                "\"currents-v9\"",
                format!("one of: {}", builtin_v1().names())
            ))
        );
    }

    #[test]
    fn unknown_keys_are_named_with_the_accepted_ones() {
        let e = err(&format!("{MINIMAL}stepz = 4\n"));
        assert!(
            matches!(&e, ScenarioError::UnknownKey { table: "the scenario", key, .. } if key == "stepz"),
            "{e}"
        );
        let e = err(&format!("{MINIMAL}[params]\nintegrety = 0.5\n"));
        assert!(
            matches!(&e, ScenarioError::UnknownKey { table: "[params]", key, .. } if key == "integrety"),
            "{e}"
        );
        assert!(e.to_string().contains("integrity, avg-amount"), "{e}");
    }

    #[test]
    fn missing_and_out_of_range_values_are_named() {
        let e = err(&MINIMAL.replace("steps = 10\n", ""));
        assert!(matches!(e, ScenarioError::MissingKey { key: "steps", .. }));
        let e = err(&format!("{MINIMAL}[params]\navg-amount = 0\n"));
        assert!(matches!(
            e,
            ScenarioError::Value(ParamError {
                field: "avg-amount",
                ..
            })
        ));
        let e = err(&MINIMAL.replace("seed = 3", "seed = \"3\""));
        assert_eq!(
            e.to_string(),
            "invalid value for `seed`: \"3\" (accepted: a whole number in [0, 9223372036854775807])"
        );
        let e = err(&MINIMAL.replace("generator = \"chacha\"", "generator = \"mt\""));
        assert!(matches!(
            e,
            ScenarioError::Value(ParamError {
                field: "generator",
                ..
            })
        ));
        let e = err(&MINIMAL
            .replace("runs = 2", "runs = 1000")
            .replace("steps = 10", "steps = 1001"));
        assert!(matches!(
            e,
            ScenarioError::Value(ParamError { field: "runs", .. })
        ));
        let e = err(&(MINIMAL.replace("rule = \"currents-v1\"\n", "")
            + "[rule]\nname = \"currents-v1\"\nquad-coef = inf\n"));
        assert!(matches!(
            e,
            ScenarioError::RuleParam(ParamError {
                field: "quad-coef",
                ..
            })
        ));
        assert!(
            e.to_string()
                .starts_with("invalid value for `rule.quad-coef`: inf"),
            "{e}"
        );
    }

    #[test]
    fn bad_toml_gives_line_and_column() {
        let e = err("description = \"d\"\nseed = = 3\n");
        assert!(matches!(e, ScenarioError::Syntax { line: 2, .. }), "{e}");
    }
}
