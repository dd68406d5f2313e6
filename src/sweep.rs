//! Parameter sweeps: a grid of cells (rule × rule parameters × user type × model
//! parameters), N Monte Carlo runs per cell, and a summary of each metric per cell.
//!
//! A sweep config (TOML) holds the run settings and one or more `[[grid]]` tables. Each grid
//! expands to cells either as a *cartesian* product of its lists (the default) or by *zip*
//! (element i of every list makes cell i; lists of length 1 are repeated) — cadCAD users
//! know zip as the default of `config_sim`, so here it must be asked for explicitly. A rule
//! parameter only multiplies the cells of the rules that declare it.
//!
//! Cells are numbered 0, 1, … across the grids in order; run r (1-based) of cell c draws from
//! the ChaCha stream `chacha_rng(seed, c, r)`, so every run's numbers depend on the sweep
//! seed, the cell index and the run alone — not on the thread count or the order of work.
//!
//! The config names V1's built-in rules and user presets; the machinery under it is generic:
//! a cell's runs drive a [`Plan`] (model, policy, behaviour) of any
//! [`crate::metrics::Metered`] model, and [`sweep_plans`] sweeps a model variant's own plans
//! the same way. A run whose step fails (a rule returning a negative limit, which the run
//! loop refuses) is a finding, not an error: it is counted in [`CellSummary::n_failed`] and
//! left out of the cell's metrics.

use std::convert::Infallible;
use std::io::{self, Write};

use crate::metrics::{Metered, Metrics, NAMES, RunFailure, RunMetrics, Spread, spread};
use crate::model::{
    Behaviour, CreditPolicy, Enforce, Enforced, Enforcement, Flow, Observer, RunError, StepEvent,
};
use crate::parallel::{Chunking, ordered_tasks};
use crate::params::{
    AVG_AMOUNT_MAX, INITIAL_CREDIT_MAX, Params, RngKind, STEPS_MAX, SUM_VOLUME_MAX,
};
use crate::registry::{PolicyBox, RuleEntry, builtin_v1};
use crate::sim::run_seeded;
use crate::toml_value::{describe, line_col};
use crate::users::{NotebookUser, PRESETS, UserType, find_preset};
use crate::v1::V1;

/// The most runs per cell.
pub const RUNS_MAX: u64 = 100_000;
/// The most cells one sweep may hold.
pub const CELLS_MAX: usize = 100_000;
/// The most worker threads.
pub const THREADS_MAX: u64 = 256;

/// A bad sweep config: names the field, the value and what is accepted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SweepError {
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
    /// A value (or key) that is not accepted.
    #[error("invalid value for `{field}`: {value} (accepted: {accepted})")]
    Value {
        /// Where, e.g. `grid[0].rule-params.quad-coef`.
        field: String,
        /// What was given.
        value: String,
        /// What would be accepted.
        accepted: String,
    },
}

fn bad(
    field: impl Into<String>,
    value: impl Into<String>,
    accepted: impl Into<String>,
) -> SweepError {
    SweepError::Value {
        field: field.into(),
        value: value.into(),
        accepted: accepted.into(),
    }
}

/// How a grid's lists combine into cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every combination (the default).
    Cartesian,
    /// Element i of every list (lists of length 1 repeat).
    Zip,
}

/// One cell: everything that defines its runs, as explicit values (also what `compare`'s
/// sides hold).
#[derive(Debug, Clone, PartialEq)]
pub struct V1Cell {
    /// Its index (0-based, across grids); the ChaCha subset of its runs.
    pub index: usize,
    /// The label of its grid.
    pub label: String,
    /// The rule.
    pub rule: &'static RuleEntry<V1>,
    /// The rule's parameter values, in declaration order.
    pub rule_values: Vec<f64>,
    /// The spending restriction.
    pub restriction: Enforce,
    /// The user type's name (a preset, or `custom` for none).
    pub user: &'static str,
    /// The behaviour (the preset with any overrides).
    pub behaviour: NotebookUser,
    /// The model parameters (send-volume window, initial credit; integrity and average
    /// amount as the behaviour's).
    pub params: Params,
}

impl V1Cell {
    /// The rule's parameters as `name=value` pairs separated by spaces.
    pub fn rule_params(&self) -> String {
        self.rule
            .params
            .iter()
            .zip(&self.rule_values)
            .map(|(p, v)| format!("{}={v}", p.name))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A validated sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    /// Runs per cell.
    pub n_runs: u64,
    /// Steps per run.
    pub n_steps: u64,
    /// The sweep seed.
    pub seed: u64,
    /// Worker threads (`None`: as many as the machine has).
    pub threads: Option<u64>,
    /// Summary output path from the file, if any.
    pub out: Option<String>,
    /// Trajectory output path from the file, if any.
    pub trajectories: Option<String>,
    /// The cells.
    pub cells: Vec<V1Cell>,
}

fn list(v: &toml::Value) -> Vec<&toml::Value> {
    match v {
        toml::Value::Array(a) => a.iter().collect(),
        other => vec![other],
    }
}

fn whole(field: &str, v: &toml::Value, lo: u64, hi: u64) -> Result<u64, SweepError> {
    match v {
        toml::Value::Integer(i) if *i >= 0 && (lo..=hi).contains(&(*i as u64)) => Ok(*i as u64),
        _ => Err(bad(
            field,
            describe(v),
            format!("a whole number in [{lo}, {hi}]"),
        )),
    }
}

fn number(field: &str, v: &toml::Value) -> Result<f64, SweepError> {
    match v {
        toml::Value::Integer(i) => Ok(*i as f64),
        toml::Value::Float(x) => Ok(*x),
        _ => Err(bad(field, describe(v), "a number")),
    }
}

fn string<'a>(field: &str, v: &'a toml::Value, accepted: &str) -> Result<&'a str, SweepError> {
    match v {
        toml::Value::String(s) => Ok(s),
        _ => Err(bad(field, describe(v), accepted)),
    }
}

fn nonempty<T>(field: &str, v: Vec<T>) -> Result<Vec<T>, SweepError> {
    if v.is_empty() {
        Err(bad(field, "[]", "a non-empty list"))
    } else {
        Ok(v)
    }
}

const TOP_KEYS: &str = "runs, steps, seed, threads, out, trajectories, grid";
const GRID_KEYS: &str =
    "label, mode, rules, users, restriction, sum-volume, initial-credit, rule-params, user-params";

/// One grid before expansion.
struct Grid {
    label: String,
    mode: Mode,
    rules: Vec<&'static RuleEntry<V1>>,
    users: Vec<&'static str>,
    restriction: Option<Vec<Enforce>>,
    sum_volume: Vec<u64>,
    initial_credit: Vec<u64>,
    rule_params: Vec<(&'static str, Vec<f64>)>,
    /// The rule-parameter names as written, for error messages.
    rule_param_names: Vec<String>,
    user_params: Vec<(usize, Vec<f64>)>,
}

impl Sweep {
    /// Parses and validates a sweep config; every error names the field, the value and
    /// what is accepted.
    pub fn from_toml_str(text: &str) -> Result<Sweep, SweepError> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            SweepError::Syntax {
                line,
                column,
                message: e.message().trim().to_owned(),
            }
        })?;
        let mut sweep = Sweep {
            n_runs: 20,
            n_steps: 365,
            seed: 0,
            threads: None,
            out: None,
            trajectories: None,
            cells: Vec::new(),
        };
        let mut grids = Vec::new();
        for (key, v) in &table {
            match key.as_str() {
                "runs" => sweep.n_runs = whole(key, v, 1, RUNS_MAX)?,
                "steps" => sweep.n_steps = whole(key, v, 1, STEPS_MAX)?,
                "seed" => sweep.seed = whole(key, v, 0, i64::MAX as u64)?,
                "threads" => sweep.threads = Some(whole(key, v, 1, THREADS_MAX)?),
                "out" => sweep.out = Some(string(key, v, "a file path")?.to_owned()),
                "trajectories" => {
                    sweep.trajectories = Some(string(key, v, "a file path")?.to_owned())
                }
                "grid" => {
                    let toml::Value::Array(items) = v else {
                        return Err(bad("grid", describe(v), "[[grid]] tables"));
                    };
                    for (i, item) in items.iter().enumerate() {
                        let field = format!("grid[{i}]");
                        let toml::Value::Table(t) = item else {
                            return Err(bad(field, describe(item), "a [[grid]] table"));
                        };
                        grids.push(parse_grid(&field, i, t)?);
                    }
                }
                other => return Err(bad(other, "(unknown key)", format!("keys {TOP_KEYS}"))),
            }
        }
        if grids.is_empty() {
            return Err(bad("grid", "(missing)", "at least one [[grid]] table"));
        }
        for (i, g) in grids.iter().enumerate() {
            expand(&format!("grid[{i}]"), g, sweep.n_steps, &mut sweep.cells)?;
        }
        Ok(sweep)
    }
}

fn parse_grid(field: &str, i: usize, t: &toml::Table) -> Result<Grid, SweepError> {
    let mut g = Grid {
        label: format!("grid{i}"),
        mode: Mode::Cartesian,
        rules: Vec::new(),
        users: vec!["balanced"],
        restriction: None,
        sum_volume: vec![30],
        initial_credit: vec![250],
        rule_params: Vec::new(),
        rule_param_names: Vec::new(),
        user_params: Vec::new(),
    };
    let mut have_rules = false;
    for (key, v) in t {
        let f = format!("{field}.{key}");
        match key.as_str() {
            "label" => g.label = string(&f, v, "a string")?.to_owned(),
            "mode" => {
                g.mode = match string(&f, v, "\"cartesian\" or \"zip\"")? {
                    "cartesian" => Mode::Cartesian,
                    "zip" => Mode::Zip,
                    other => return Err(bad(f, format!("{other:?}"), "\"cartesian\" or \"zip\"")),
                }
            }
            "rules" => {
                have_rules = true;
                let names = builtin_v1().names();
                g.rules = nonempty(
                    &f,
                    list(v)
                        .into_iter()
                        .map(|x| {
                            let s = string(&f, x, &names)?;
                            builtin_v1()
                                .find(s)
                                .ok()
                                .ok_or_else(|| bad(&f, format!("{s:?}"), names.clone()))
                        })
                        .collect::<Result<_, _>>()?,
                )?;
            }
            "users" => {
                let names = PRESETS.map(|p| p.name).join(", ");
                g.users = nonempty(
                    &f,
                    list(v)
                        .into_iter()
                        .map(|x| {
                            let s = string(&f, x, &names)?;
                            find_preset(s)
                                .map(|p| p.name)
                                .ok_or_else(|| bad(&f, format!("{s:?}"), names.clone()))
                        })
                        .collect::<Result<_, _>>()?,
                )?;
            }
            "restriction" => {
                g.restriction = Some(nonempty(
                    &f,
                    list(v)
                        .into_iter()
                        .map(|x| {
                            let s = string(&f, x, "none, clamp or reject")?;
                            Enforce::parse("restriction", s)
                                .map_err(|e| bad(&f, e.value, e.accepted))
                        })
                        .collect::<Result<_, _>>()?,
                )?);
            }
            "sum-volume" | "sum_volume" => {
                g.sum_volume = nonempty(
                    &f,
                    list(v)
                        .into_iter()
                        .map(|x| whole(&f, x, 1, SUM_VOLUME_MAX))
                        .collect::<Result<_, _>>()?,
                )?;
            }
            "initial-credit" | "initial_credit" => {
                g.initial_credit = nonempty(
                    &f,
                    list(v)
                        .into_iter()
                        .map(|x| whole(&f, x, 0, INITIAL_CREDIT_MAX as u64))
                        .collect::<Result<_, _>>()?,
                )?;
            }
            "rule-params" | "user-params" => {
                let toml::Value::Table(p) = v else {
                    return Err(bad(
                        f,
                        describe(v),
                        "a table of parameter = value or [values]",
                    ));
                };
                for (name, vals) in p {
                    let pf = format!("{f}.{name}");
                    let values: Vec<f64> = nonempty(
                        &pf,
                        list(vals)
                            .into_iter()
                            .map(|x| number(&pf, x))
                            .collect::<Result<_, _>>()?,
                    )?;
                    if key == "user-params" {
                        let Some(idx) = NotebookUser::PARAMS
                            .iter()
                            .position(|s| s.name == name.as_str())
                        else {
                            let names = NotebookUser::PARAMS
                                .iter()
                                .map(|s| s.name)
                                .collect::<Vec<_>>()
                                .join(", ");
                            return Err(bad(
                                f,
                                format!("{name:?}"),
                                format!("user parameters {names}"),
                            ));
                        };
                        let spec = &NotebookUser::PARAMS[idx];
                        for &x in &values {
                            spec.check(spec.name, x)
                                .map_err(|e| bad(&pf, e.value, e.accepted))?;
                        }
                        g.user_params.push((idx, values));
                    } else {
                        g.rule_params.push((leak_name(name), values));
                        g.rule_param_names.push(name.clone());
                    }
                }
            }
            other => {
                return Err(bad(
                    f,
                    format!("{other:?} (unknown key)"),
                    format!("keys {GRID_KEYS}"),
                ));
            }
        }
    }
    if !have_rules {
        return Err(bad(
            format!("{field}.rules"),
            "(missing)",
            "a list of rule names",
        ));
    }
    // Every rule parameter must be declared by one of the grid's rules, and in range there.
    for ((name, values), written) in g.rule_params.iter().zip(&g.rule_param_names) {
        let pf = format!("{field}.rule-params.{written}");
        let mut declared = false;
        for r in &g.rules {
            if let Some(spec) = r.params.iter().find(|s| s.name == *name) {
                declared = true;
                for &x in values {
                    spec.check(spec.name, x).map_err(|e| {
                        bad(
                            &pf,
                            e.value,
                            format!("{} (for rule {})", e.accepted, r.name),
                        )
                    })?;
                }
            }
        }
        if !declared {
            let names: Vec<String> = g
                .rules
                .iter()
                .map(|r| {
                    format!(
                        "{}: {}",
                        r.name,
                        r.params
                            .iter()
                            .map(|s| s.name)
                            .collect::<Vec<_>>()
                            .join(" ")
                    )
                })
                .collect();
            return Err(bad(
                format!("{field}.rule-params"),
                format!("{written:?}"),
                format!("parameters of the grid's rules ({})", names.join("; ")),
            ));
        }
    }
    Ok(g)
}

/// Parameter names are matched against the rules' `'static` declarations, so keep the
/// declared spelling rather than the config's string.
fn leak_name(name: &str) -> &'static str {
    for r in builtin_v1().rules() {
        if let Some(s) = r.params.iter().find(|s| s.name == name) {
            return s.name;
        }
    }
    // Undeclared names are rejected right after parsing; any 'static string will do here.
    "?"
}

/// One point of a grid before it becomes a cell.
struct Point<'a> {
    rule: &'static RuleEntry<V1>,
    rule_params: Vec<(&'static str, f64)>,
    user: &'static str,
    user_params: Vec<(usize, f64)>,
    restriction: Option<Enforce>,
    sum_volume: u64,
    initial_credit: u64,
    grid: &'a Grid,
}

fn expand(field: &str, g: &Grid, n_steps: u64, cells: &mut Vec<V1Cell>) -> Result<(), SweepError> {
    let restrictions: Vec<Option<Enforce>> = match &g.restriction {
        Some(r) => r.iter().copied().map(Some).collect(),
        None => vec![None],
    };
    let mut points = Vec::new();
    match g.mode {
        Mode::Cartesian => {
            for &rule in &g.rules {
                // The axes this rule declares, then the common ones.
                let axes: Vec<&(&'static str, Vec<f64>)> = g
                    .rule_params
                    .iter()
                    .filter(|(n, _)| rule.params.iter().any(|s| s.name == *n))
                    .collect();
                let mut combos: Vec<Vec<(&'static str, f64)>> = vec![Vec::new()];
                for (name, values) in axes {
                    combos = combos
                        .iter()
                        .flat_map(|c| {
                            values.iter().map(move |&v| {
                                let mut c = c.clone();
                                c.push((*name, v));
                                c
                            })
                        })
                        .collect();
                }
                let mut user_combos: Vec<Vec<(usize, f64)>> = vec![Vec::new()];
                for (idx, values) in &g.user_params {
                    user_combos = user_combos
                        .iter()
                        .flat_map(|c| {
                            values.iter().map(move |&v| {
                                let mut c = c.clone();
                                c.push((*idx, v));
                                c
                            })
                        })
                        .collect();
                }
                for rp in &combos {
                    for &restriction in &restrictions {
                        for &user in &g.users {
                            for up in &user_combos {
                                for &sum_volume in &g.sum_volume {
                                    for &initial_credit in &g.initial_credit {
                                        points.push(Point {
                                            rule,
                                            rule_params: rp.clone(),
                                            user,
                                            user_params: up.clone(),
                                            restriction,
                                            sum_volume,
                                            initial_credit,
                                            grid: g,
                                        });
                                        if points.len() + cells.len() > CELLS_MAX {
                                            return Err(too_many(field));
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        Mode::Zip => {
            let mut lens: Vec<(String, usize)> = vec![
                ("rules".into(), g.rules.len()),
                ("users".into(), g.users.len()),
                ("restriction".into(), restrictions.len()),
                ("sum-volume".into(), g.sum_volume.len()),
                ("initial-credit".into(), g.initial_credit.len()),
            ];
            lens.extend(
                g.rule_params
                    .iter()
                    .map(|(n, v)| (format!("rule-params.{n}"), v.len())),
            );
            lens.extend(g.user_params.iter().map(|(i, v)| {
                (
                    format!("user-params.{}", NotebookUser::PARAMS[*i].name),
                    v.len(),
                )
            }));
            let n = lens.iter().map(|(_, l)| *l).max().unwrap_or(1);
            if let Some((name, l)) = lens.iter().find(|(_, l)| *l != 1 && *l != n) {
                return Err(bad(
                    format!("{field}.{name}"),
                    format!("a list of {l}"),
                    format!("in zip mode, lists of length 1 or {n} (the longest list)"),
                ));
            }
            if n + cells.len() > CELLS_MAX {
                return Err(too_many(field));
            }
            let pick = |len: usize, i: usize| if len == 1 { 0 } else { i };
            for i in 0..n {
                let rule = g.rules[pick(g.rules.len(), i)];
                points.push(Point {
                    rule,
                    rule_params: g
                        .rule_params
                        .iter()
                        .filter(|(name, _)| rule.params.iter().any(|s| s.name == *name))
                        .map(|(name, v)| (*name, v[pick(v.len(), i)]))
                        .collect(),
                    user: g.users[pick(g.users.len(), i)],
                    user_params: g
                        .user_params
                        .iter()
                        .map(|(k, v)| (*k, v[pick(v.len(), i)]))
                        .collect(),
                    restriction: restrictions[pick(restrictions.len(), i)],
                    sum_volume: g.sum_volume[pick(g.sum_volume.len(), i)],
                    initial_credit: g.initial_credit[pick(g.initial_credit.len(), i)],
                    grid: g,
                });
            }
        }
    }
    for p in points {
        cells.push(make_cell(field, cells.len(), p, n_steps)?);
    }
    Ok(())
}

fn too_many(field: &str) -> SweepError {
    bad(
        field,
        "more cells than allowed",
        format!("at most {CELLS_MAX} cells in a sweep"),
    )
}

fn make_cell(field: &str, index: usize, p: Point<'_>, n_steps: u64) -> Result<V1Cell, SweepError> {
    let mut rule_values = p.rule.defaults();
    for (name, v) in &p.rule_params {
        if let Some(i) = p.rule.params.iter().position(|s| s.name == *name) {
            rule_values[i] = *v;
        }
    }
    let preset = find_preset(p.user).map(|p| p.behaviour).unwrap_or_default();
    let mut b = [
        preset.integrity,
        preset.avg_amount,
        preset.growth,
        preset.bias,
    ];
    for (i, v) in &p.user_params {
        b[*i] = *v;
    }
    let behaviour = NotebookUser::from_values(&b);
    if behaviour.avg_amount_max(n_steps) > AVG_AMOUNT_MAX {
        return Err(bad(
            format!("{field}.user-params.growth"),
            format!(
                "{} with avg-amount {} over {n_steps} steps",
                behaviour.growth, behaviour.avg_amount
            ),
            format!("growth keeping the average amount at most {AVG_AMOUNT_MAX}"),
        ));
    }
    let params = Params::new(
        behaviour.integrity,
        behaviour.avg_amount,
        p.sum_volume,
        p.initial_credit as i64,
    )
    .map_err(|e| bad(format!("{field}.{}", e.field), e.value, e.accepted))?;
    Ok(V1Cell {
        index,
        label: p.grid.label.clone(),
        rule: p.rule,
        rule_values,
        restriction: p.restriction.unwrap_or(p.rule.enforcement().mode),
        user: p.user,
        behaviour,
        params,
    })
}

/// What the runs of a cell drive, for any model: the model, the credit policy and the
/// behaviour (a V1 cell's is [`V1Cell::plan`]; a model variant builds its own).
#[derive(Debug, Clone)]
pub struct Plan<M, P, B> {
    /// The model (with its parameters).
    pub model: M,
    /// The credit policy (a [`crate::registry::PolicyBox`] for a rule named at run time).
    pub policy: P,
    /// The behaviour drawing the payments.
    pub behaviour: B,
}

/// The plan of a V1 cell: its rule at its parameter values under its restriction.
pub type V1Plan = Plan<V1, Enforced<PolicyBox<V1>>, NotebookUser>;

impl V1Cell {
    /// The model, policy and behaviour this cell's runs drive.
    pub fn plan(&self) -> V1Plan {
        let rule = self.rule.build_checked(&self.rule_values);
        let enforcement = Enforcement {
            mode: self.restriction,
            ..CreditPolicy::<V1>::enforcement(&rule)
        };
        Plan {
            model: V1::new(&self.params),
            policy: Enforced {
                policy: rule,
                enforcement,
            },
            behaviour: self.behaviour,
        }
    }
}

/// One run's outcome: its metrics and, when a step failed, where and why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunOutcome {
    /// The metrics ([`RunMetrics::undefined`] when the run failed).
    pub metrics: RunMetrics,
    /// The step that failed, if one did.
    pub failure: Option<RunFailure>,
}

/// The metrics observer beside another observer, sharing its error type.
struct WithMetrics<'a, M, O> {
    metrics: Metrics<'a, M>,
    other: O,
}

impl<M: Metered, O: Observer<M>> Observer<M> for WithMetrics<'_, M, O> {
    type Error = O::Error;
    fn genesis(&mut self, state: &M::State) -> Result<(), O::Error> {
        let Ok(()) = self.metrics.genesis(state);
        self.other.genesis(state)
    }
    #[inline]
    fn step(&mut self, e: &StepEvent<'_, M>) -> Result<Flow, O::Error> {
        let Ok(_) = self.metrics.step(e);
        self.other.step(e)
    }
}

/// Runs run `run` (1-based) of `plan` on the ChaCha stream `chacha_rng(seed, subset, run)`
/// ([`crate::sim::run_seeded`]), handing every state to `observer` as well, and returns its
/// metrics.
///
/// A step that fails (a policy returning a negative limit, say: the run loop refuses it
/// with [`crate::StepError::BadLimit`]) ends the run there; it is not an error but a
/// finding: the outcome names the step and the metrics are undefined. Only `observer`'s
/// own errors are returned.
pub fn plan_run<M, P, B, O>(
    plan: &Plan<M, P, B>,
    seed: u64,
    subset: u64,
    run: u64,
    n_steps: u64,
    observer: O,
) -> Result<RunOutcome, O::Error>
where
    M: Metered,
    P: CreditPolicy<M>,
    B: Behaviour<M>,
    O: Observer<M>,
{
    let mut both = WithMetrics {
        metrics: Metrics::new(&plan.model),
        other: observer,
    };
    let result = run_seeded(
        &plan.model,
        &plan.policy,
        &plan.behaviour,
        RngKind::Chacha,
        seed,
        subset,
        run,
        n_steps,
        &mut both,
    );
    match result {
        Err(RunError::Observe(e)) => Err(e),
        Err(RunError::Step { timestep, source }) => Ok(RunOutcome {
            metrics: RunMetrics::undefined(),
            failure: Some(RunFailure {
                timestep,
                error: source,
            }),
        }),
        Ok(()) => Ok(RunOutcome {
            metrics: both.metrics.finish(),
            failure: None,
        }),
    }
}

/// The outcome of run `run` (1-based) of `cell`, from its own ChaCha stream
/// `chacha_rng(sweep_seed, cell.index, run)`.
pub fn cell_run_metrics(cell: &V1Cell, sweep_seed: u64, n_steps: u64, run: u64) -> RunOutcome {
    let Ok(outcome) = plan_run(
        &cell.plan(),
        sweep_seed,
        cell.index as u64,
        run,
        n_steps,
        (),
    );
    outcome
}

/// The summary of one cell: each metric's spread across the runs that completed, and the
/// runs that did not.
#[derive(Debug, Clone, PartialEq)]
pub struct CellSummary {
    /// The cell's index.
    pub index: usize,
    /// One spread per metric, in [`NAMES`] order, over the runs that completed (a failed
    /// run defines no metric).
    pub spreads: Vec<Spread>,
    /// Runs in which a step failed.
    pub n_failed: u64,
    /// The first failed run and its failure.
    pub first_failure: Option<(u64, RunFailure)>,
}

impl CellSummary {
    /// Summarises the outcomes of runs 1, 2, … of cell `index`.
    pub fn of_runs(index: usize, runs: &[RunOutcome]) -> Self {
        CellSummary {
            index,
            spreads: (0..NAMES.len())
                .map(|m| spread(&runs.iter().map(|r| r.metrics.values[m]).collect::<Vec<_>>()))
                .collect(),
            n_failed: runs.iter().filter(|r| r.failure.is_some()).count() as u64,
            first_failure: runs
                .iter()
                .zip(1u64..)
                .find_map(|(r, run)| r.failure.map(|f| (run, f))),
        }
    }

    /// The note a sweep prints for a cell with failed runs (`None` when every run
    /// completed), e.g. `cell 6: 20/20 runs failed and are left out of its metrics (first:
    /// run 1 step 40: the policy returned the limit -3 …)`.
    pub fn failure_note(&self, n_runs: u64) -> Option<String> {
        let (run, f) = self.first_failure?;
        Some(format!(
            "cell {}: {}/{n_runs} runs failed and are left out of its metrics (first: run {run} {f})",
            self.index, self.n_failed
        ))
    }
}

/// Writes one state of a sweep's trajectory CSV from its ledger.
struct TrajectoryRows<'a, M> {
    w: &'a mut dyn Write,
    model: &'a M,
    cell: usize,
    run: u64,
}

impl<M: Metered> Observer<M> for TrajectoryRows<'_, M> {
    type Error = io::Error;
    fn genesis(&mut self, state: &M::State) -> io::Result<()> {
        self.row(0, state, 0.0)
    }
    fn step(&mut self, e: &StepEvent<'_, M>) -> io::Result<Flow> {
        let drawn = self.model.amount(&e.drawn.payment);
        self.row(e.t, e.next, drawn)?;
        Ok(Flow::Continue)
    }
}

impl<M: Metered> TrajectoryRows<'_, M> {
    fn row(&mut self, t: u64, state: &M::State, drawn: f64) -> io::Result<()> {
        // Limits, capacities and payments of V1 are integers below 2^53: `Display` of the
        // double writes the integer's digits.
        let l = self.model.ledger(state, 0);
        writeln!(
            self.w,
            "{},{},{t},{},{},{},{},{drawn}",
            self.cell, self.run, l.balance, l.limit, l.capacity, l.payment
        )
    }
}

/// The header of a sweep's trajectory CSV.
pub const TRAJECTORY_HEADER: &str = "cell,run,timestep,balance,credit,capacity,transaction,drawn";

/// Runs every plan (cell `c` is `plans[c]`; run r of it draws from `chacha_rng(seed, c,
/// r)`) and returns the cells' summaries in order: the generic sweep, for any model.
///
/// With `trajectories`, every state is written there ([`TRAJECTORY_HEADER`]; cells and
/// runs in order, one thread, so memory stays bounded); otherwise cells run on `threads`
/// workers of the ordered executor ([`crate::parallel::ordered_tasks`]). Either way the
/// numbers are the same, for any thread count. A run whose step fails is reported in its
/// cell's [`CellSummary::n_failed`] and left out of the spreads; it does not stop the
/// sweep. `on_cell` is called once per finished cell.
pub fn sweep_plans<M, P, B>(
    plans: &[Plan<M, P, B>],
    seed: u64,
    n_runs: u64,
    n_steps: u64,
    threads: usize,
    trajectories: Option<&mut dyn Write>,
    on_cell: &(dyn Fn() + Sync),
) -> io::Result<Vec<CellSummary>>
where
    M: Metered,
    P: CreditPolicy<M> + Sync,
    B: Behaviour<M> + Sync,
{
    if let Some(w) = trajectories {
        writeln!(w, "{TRAJECTORY_HEADER}")?;
        let mut out = Vec::with_capacity(plans.len());
        for (c, plan) in plans.iter().enumerate() {
            let mut runs = Vec::with_capacity(usize::try_from(n_runs).unwrap_or(0));
            for run in 1..=n_runs {
                let rows = TrajectoryRows {
                    w: &mut *w,
                    model: &plan.model,
                    cell: c,
                    run,
                };
                runs.push(plan_run(plan, seed, c as u64, run, n_steps, rows)?);
            }
            out.push(CellSummary::of_runs(c, &runs));
            on_cell();
        }
        return Ok(out);
    }
    let pool = crate::parallel::pool(threads)?;
    let chunking = Chunking {
        runs_per_task: 1,
        tasks_per_window: 4 * threads.max(1),
    };
    let mut out = Vec::with_capacity(plans.len());
    ordered_tasks(
        &pool,
        plans.len() as u64,
        chunking,
        |cells| {
            let summaries: Vec<CellSummary> = cells
                .map(|c| {
                    let c = (c - 1) as usize;
                    let runs: Vec<RunOutcome> = (1..=n_runs)
                        .map(|run| {
                            let Ok(o) = plan_run(&plans[c], seed, c as u64, run, n_steps, ());
                            o
                        })
                        .collect();
                    on_cell();
                    CellSummary::of_runs(c, &runs)
                })
                .collect();
            Ok::<_, Infallible>(summaries)
        },
        |summaries, _| {
            out.extend(summaries);
            Ok(())
        },
    )
    .unwrap_or_else(|never| match never {});
    Ok(out)
}

/// Runs every cell of `sweep` ([`sweep_plans`] over the cells' [`V1Cell::plan`]s) and
/// returns the summaries in cell order.
pub fn run_sweep(
    sweep: &Sweep,
    threads: usize,
    trajectories: Option<&mut dyn Write>,
    on_cell: &(dyn Fn() + Sync),
) -> io::Result<Vec<CellSummary>> {
    let plans: Vec<V1Plan> = sweep.cells.iter().map(V1Cell::plan).collect();
    sweep_plans(
        &plans,
        sweep.seed,
        sweep.n_runs,
        sweep.n_steps,
        threads,
        trajectories,
        on_cell,
    )
}

/// The summary CSV's header.
pub fn summary_header() -> String {
    let mut h = String::from(
        "cell,label,rule,rule_params,restriction,user,integrity,avg_amount,growth,bias,sum_volume,initial_credit,runs,steps,seed",
    );
    for m in NAMES {
        for s in ["mean", "p5", "p50", "p95"] {
            h.push_str(&format!(",{m}_{s}"));
        }
    }
    h
}

fn num(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        x.to_string()
    }
}

/// Writes the summary CSV: one row per cell, its parameters and each metric's mean, p5,
/// p50 and p95 across runs (empty where no run defined the metric).
pub fn write_summary(
    w: &mut dyn Write,
    sweep: &Sweep,
    summaries: &[CellSummary],
) -> io::Result<()> {
    writeln!(w, "{}", summary_header())?;
    for (cell, s) in sweep.cells.iter().zip(summaries) {
        let b = &cell.behaviour;
        write!(
            w,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            cell.index,
            cell.label,
            cell.rule.name,
            cell.rule_params(),
            cell.restriction,
            cell.user,
            b.integrity,
            b.avg_amount,
            b.growth,
            b.bias,
            cell.params.sum_volume(),
            cell.params.initial_credit(),
            sweep.n_runs,
            sweep.n_steps,
            sweep.seed
        )?;
        for sp in &s.spreads {
            write!(
                w,
                ",{},{},{},{}",
                num(sp.mean),
                num(sp.p5),
                num(sp.p50),
                num(sp.p95)
            )?;
        }
        writeln!(w)?;
    }
    Ok(())
}
