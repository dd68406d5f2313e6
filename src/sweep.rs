//! Parameter sweeps: a grid of cells (rules × users × parameters), N Monte Carlo runs per
//! cell, and a summary of each metric per cell.
//!
//! A sweep config is the one spec ([`crate::spec`]) plus lists. Its top level is a spec —
//! `rule`, `user`, `restriction`, `rng`, `seed`, `runs`, `steps` and `[params]` set every
//! cell's defaults — with the sweep's own `threads`, `out` and `trajectories`, and one or
//! more `[[grid]]` tables. A grid holds the spec's keys in list form:
//!
//! ```toml
//! seed = 1
//! rng = "chacha"              # or "numpy" (see below)
//!
//! [[grid]]
//! label = "bands"
//! mode = "cartesian"          # the default; or "zip"
//! rules = ["static", "fixed-band"]       # `rule` is the same key; a name or a list
//! users = ["balanced", "spender"]        # `user` is the same key
//! restriction = ["clamp", "reject"]      # default: the top level's, else each rule's own
//! [grid.params]               # any parameter the cell's model, rule or user declares
//! upper = [0, 250]            # a number or a list of numbers
//! integrity = 0.9             # a user's value overrides its preset's
//! ```
//!
//! A grid expands to cells either as a *cartesian* product of its lists or by *zip*
//! (element i of every list makes cell i; lists of length 1 repeat) — cadCAD users know zip
//! as the default of `config_sim`, so here it must be asked for explicitly. A parameter
//! multiplies (or, zipped, applies to) only the cells whose model, rule or user declares it,
//! and a top-level parameter sets only those cells; one that no cell declares is an error.
//! Each cell is the top-level spec overlaid with its grid point, resolved once against the
//! registry ([`crate::spec::Spec::resolve`]): every name is the registry's (a user's own
//! rules and users included), every value is checked against its declaration, and an
//! error names the field it was written at (`grid[1].params.quad-coef`).
//!
//! Cells are numbered 0, 1, … across the grids in order. Run r (1-based) of cell c draws
//! from the generator [`crate::model::Streams::with_rng`] makes for (seed, c, r): with ChaCha the
//! stream `chacha_rng(seed, c, r)`, so every cell has its own streams; with numpy
//! `RandomState(seed + r − 1)`, the same for every cell (numpy streams have no subsets), so
//! run r of every cell sees the same draws — common random numbers, which make two cells'
//! difference a difference of their rules and parameters, not of their luck. Either way a
//! run's numbers depend on the seed, the cell and the run alone, not on the thread count or
//! the order of work.
//!
//! The machinery under the config is generic: a cell's runs are the runs the registry
//! chooses for its spec ([`Registry::runs`]: a plan — model, policy, behaviour — of any
//! [`crate::metrics::Metered`] model on its engine), and [`sweep_plans`] sweeps a model
//! variant's own plans the same way. A run whose step fails (a rule returning a
//! negative limit, which the run loop refuses) is a finding, not an error: it is counted in
//! [`CellSummary::n_failed`] and left out of the cell's metrics.

use std::convert::Infallible;
use std::io::{self, Write};

use crate::draws::RngKind;
use crate::metrics::{Fold, Metered, NAMES, RunFailure, RunMetrics, Spread, spread};
use crate::model::{Beside, Enforce, Flow, Observer, RunError, StepEvent, Streams};
use crate::parallel::{Chunking, ordered_tasks};
use crate::params::STEPS_MAX;
use crate::registry::runs::Infallibly;
use crate::registry::{Declared, Registry, Runs, Sink, UnknownName};
use crate::registry::{RunSpec, SpecPlan};
use crate::spec::{
    Limits, Spec, SpecError, canonical, number_value, parse_toml, string_value, whole_value,
};
use crate::toml_value::describe;
use crate::v1::V1;

/// The most runs per cell.
pub const RUNS_MAX: u64 = 100_000;
/// The most cells one sweep may hold.
pub const CELLS_MAX: usize = 100_000;
/// The most worker threads: the one bound of every command ([`crate::parallel::THREADS_MAX`]).
pub const THREADS_MAX: u64 = crate::parallel::THREADS_MAX;

/// A sweep's defaults and bounds for the settings: 20 runs of 365 steps, seed 0, ChaCha; at
/// most [`RUNS_MAX`] runs of [`STEPS_MAX`] steps per cell.
pub const LIMITS: Limits = Limits {
    runs: 20,
    steps: 365,
    seed: 0,
    rng: RngKind::Chacha,
    runs_min: 1,
    runs_max: RUNS_MAX,
    steps_max: STEPS_MAX,
};

/// How a grid's lists combine into cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every combination (the default).
    Cartesian,
    /// Element i of every list (lists of length 1 repeat).
    Zip,
}

/// One cell of a sweep: its resolved spec, its index and its grid's label. Built only by
/// [`SweepConfig::resolve`], so its values are always valid.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    index: usize,
    label: String,
    spec: RunSpec<V1>,
}

impl Cell {
    /// Its index (0-based, across grids): the ChaCha subset of its runs.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The label of its grid.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// What its runs are: model, rule, user, their values, restriction and the settings.
    pub fn spec(&self) -> &RunSpec<V1> {
        &self.spec
    }

    /// The model, policy and behaviour this cell's runs drive.
    pub fn plan(&self) -> SpecPlan<V1> {
        self.spec.plan()
    }
}

/// A list in a grid, with the field it was written at.
#[derive(Debug, Clone, PartialEq)]
struct Axis<T> {
    field: String,
    values: Vec<T>,
}

/// A parameter's values in a grid.
#[derive(Debug, Clone, PartialEq)]
struct GridParam {
    key: String,
    field: String,
    /// Each value: a number, or the text as written when it is not one (refused on
    /// resolve with the range its owner declares, as a spec refuses it).
    values: Vec<Result<f64, String>>,
}

/// One `[[grid]]` table as written, before its names are looked up.
#[derive(Debug, Clone, PartialEq)]
struct Grid {
    field: String,
    label: String,
    mode: Mode,
    rules: Option<Axis<String>>,
    users: Option<Axis<String>>,
    restriction: Option<Axis<Enforce>>,
    params: Vec<GridParam>,
}

/// A sweep config as written: the top-level spec, the output settings and the grids,
/// before any name is looked up ([`SweepConfig::resolve`] makes the [`Sweep`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SweepConfig {
    /// The top-level spec: every cell's defaults. Flags are laid over it
    /// ([`Spec::overlay`]) before the config is resolved.
    pub spec: Spec,
    threads: Option<u64>,
    out: Option<String>,
    trajectories: Option<String>,
    grids: Vec<Grid>,
}

/// The keys of a `[[grid]]` table.
const GRID_KEYS: &str = "label, mode, rule (or rules), user (or users), restriction, params";

fn list(v: &toml::Value) -> Vec<&toml::Value> {
    match v {
        toml::Value::Array(a) => a.iter().collect(),
        other => vec![other],
    }
}

fn nonempty<T>(field: &str, v: Vec<T>) -> Result<Vec<T>, SpecError> {
    if v.is_empty() {
        Err(SpecError::value(field, "[]", "a non-empty list"))
    } else {
        Ok(v)
    }
}

impl SweepConfig {
    /// Parses a sweep config. Names are not looked up yet ([`SweepConfig::resolve`] does);
    /// every error names the field, the value and what is accepted.
    pub fn from_toml_str(text: &str) -> Result<SweepConfig, SpecError> {
        let table = parse_toml(text)?;
        let (spec, extra) =
            Spec::from_table_within(&table, &["threads", "out", "trajectories", "grid"], &LIMITS)?;
        let mut config = SweepConfig {
            spec,
            threads: None,
            out: None,
            trajectories: None,
            grids: Vec::new(),
        };
        for (key, v) in extra {
            match key {
                "threads" => config.threads = Some(whole_value(key, v, 1, THREADS_MAX)?),
                "out" => config.out = Some(string_value(key, v, "a file path")?.to_owned()),
                "trajectories" => {
                    config.trajectories = Some(string_value(key, v, "a file path")?.to_owned())
                }
                _ => {
                    let toml::Value::Array(items) = v else {
                        return Err(SpecError::value("grid", describe(v), "[[grid]] tables"));
                    };
                    for (i, item) in items.iter().enumerate() {
                        let toml::Value::Table(t) = item else {
                            return Err(SpecError::value(
                                format!("grid[{i}]"),
                                describe(item),
                                "a [[grid]] table",
                            ));
                        };
                        config.grids.push(parse_grid(i, t)?);
                    }
                }
            }
        }
        if config.grids.is_empty() {
            return Err(SpecError::value(
                "grid",
                "(missing)",
                "at least one [[grid]] table",
            ));
        }
        Ok(config)
    }

    /// Worker threads from the file (`None`: not set).
    pub fn threads(&self) -> Option<u64> {
        self.threads
    }

    /// The summary's output path from the file, if any.
    pub fn out(&self) -> Option<&str> {
        self.out.as_deref()
    }

    /// The trajectories' output path from the file, if any.
    pub fn trajectories(&self) -> Option<&str> {
        self.trajectories.as_deref()
    }

    /// Expands the grids into cells and resolves each against `registry` with the sweep's
    /// [`LIMITS`]: every name looked up, every value checked against its declaration.
    pub fn resolve(&self, registry: &Registry<V1>) -> Result<Sweep, SpecError> {
        let mut cells = Vec::new();
        // Which top-level parameters some cell declares (one that none does is an error).
        let mut top_used = vec![false; self.spec.params.len()];
        for grid in &self.grids {
            expand(registry, &self.spec, grid, &mut top_used, &mut cells)?;
        }
        if let Some(p) = self
            .spec
            .params
            .iter()
            .zip(&top_used)
            .find_map(|(p, used)| (!used).then_some(p))
        {
            return Err(SpecError::value(
                &p.field,
                format!("{:?}", p.key),
                "a parameter that the model, a rule or a user of some cell declares",
            ));
        }
        // Every cell shares the top level's settings; the grids set none.
        let first = &cells[0].spec;
        Ok(Sweep {
            rng: first.rng,
            seed: first.seed,
            n_runs: first.runs,
            n_steps: first.steps,
            cells,
        })
    }
}

fn parse_grid(i: usize, t: &toml::Table) -> Result<Grid, SpecError> {
    let field = format!("grid[{i}]");
    let mut g = Grid {
        label: format!("grid{i}"),
        mode: Mode::Cartesian,
        rules: None,
        users: None,
        restriction: None,
        params: Vec::new(),
        field: field.clone(),
    };
    // (canonical key, the key as written) of every key read so far.
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for (key, v) in t {
        let f = format!("{field}.{key}");
        let slot = match canonical(key).as_str() {
            "label" => "label",
            "mode" => "mode",
            "rule" | "rules" => "rules",
            "user" | "users" => "users",
            "restriction" => "restriction",
            "params" => "params",
            _ => {
                // Parameters were once grid keys (`sum-volume`, `rule-params`): say where
                // they go now.
                return Err(SpecError::value(
                    f,
                    "(unknown key)",
                    format!("keys {GRID_KEYS}; parameters go in [grid.params]"),
                ));
            }
        };
        if let Some((_, first)) = seen.iter().find(|(s, _)| *s == slot) {
            return Err(SpecError::value(
                f,
                describe(v),
                format!("each key once; `{field}.{first}` sets the same value"),
            ));
        }
        seen.push((slot, key));
        let strings = |accepted: &str| -> Result<Vec<String>, SpecError> {
            nonempty(
                &f,
                list(v)
                    .into_iter()
                    .map(|x| string_value(&f, x, accepted).map(|s| s.trim().to_owned()))
                    .collect::<Result<_, _>>()?,
            )
        };
        match slot {
            "label" => g.label = string_value(&f, v, "a string")?.to_owned(),
            "mode" => {
                g.mode = match string_value(&f, v, "\"cartesian\" or \"zip\"")? {
                    "cartesian" => Mode::Cartesian,
                    "zip" => Mode::Zip,
                    other => {
                        return Err(SpecError::value(
                            f,
                            format!("{other:?}"),
                            "\"cartesian\" or \"zip\"",
                        ));
                    }
                }
            }
            "rules" => {
                g.rules = Some(Axis {
                    values: strings("a rule name or a list of them")?,
                    field: f,
                })
            }
            "users" => {
                g.users = Some(Axis {
                    values: strings("a user name or a list of them")?,
                    field: f,
                })
            }
            "restriction" => {
                let mut values = Vec::new();
                for s in strings("none, clamp or reject, or a list of them")? {
                    // The spec's own reading of a restriction, so that a grid accepts
                    // exactly what a spec does.
                    let mut one = Spec::default();
                    one.set_text("restriction", &s, &f)?;
                    values.extend(one.restriction);
                }
                g.restriction = Some(Axis { values, field: f });
            }
            _ => {
                let toml::Value::Table(p) = v else {
                    return Err(SpecError::value(
                        f,
                        describe(v),
                        "a table of parameter = a number or a list of numbers",
                    ));
                };
                for (name, vals) in p {
                    let pf = format!("{f}.{name}");
                    let key = canonical(name);
                    if let Some(first) = g.params.iter().find(|q| q.key == key) {
                        return Err(SpecError::value(
                            &pf,
                            describe(vals),
                            format!("each key once; `{}` sets the same value", first.field),
                        ));
                    }
                    let values = nonempty(
                        &pf,
                        list(vals)
                            .into_iter()
                            .map(|x| number_value(&pf, x).map_err(|_| describe(x)))
                            .collect(),
                    )?;
                    g.params.push(GridParam {
                        key,
                        field: pf,
                        values,
                    });
                }
            }
        }
    }
    Ok(g)
}

/// The entry named `name` in `all` (the registry's first when `name` is `None`); an
/// unknown name is an error at `field` listing the known ones.
fn lookup<'r, E: Declared>(
    field: &str,
    name: Option<&str>,
    all: &'r [E],
    find: impl Fn(&str) -> Result<&'r E, UnknownName>,
) -> Result<&'r E, SpecError> {
    match name {
        Some(n) => find(n).map_err(|e| {
            // A shorthand `NAME:key=value` is a spec's, not a list element's.
            let hint = if n.contains(':') {
                "; parameters go in [grid.params]"
            } else {
                ""
            };
            SpecError::value(
                field,
                format!("{:?}", e.name),
                format!("a registered {} ({}){hint}", e.kind, e.known),
            )
        }),
        None => all
            .first()
            .ok_or_else(|| SpecError::value(field, "(none)", format!("a registered {}", E::KIND))),
    }
}

fn declares<E: Declared>(entry: &E, key: &str) -> bool {
    entry.params().iter().any(|p| p.name == key)
}

/// The model, rule and user of one cell.
struct Entries<'r, E1, E2, E3> {
    model: &'r E1,
    rule: &'r E2,
    user: &'r E3,
}

impl<E1: Declared, E2: Declared, E3: Declared> Entries<'_, E1, E2, E3> {
    /// True when the entry `owner` names (any of the three when `None`) declares `key`.
    fn declare(&self, key: &str, owner: Option<&str>) -> bool {
        let mine = |kind: &str| owner.is_none_or(|o| o == kind);
        (mine("model") && declares(self.model, key))
            || (mine("rule") && declares(self.rule, key))
            || (mine("user") && declares(self.user, key))
    }

    /// What each entry declares, for an error message.
    fn known(&self) -> String {
        let names = |ps: &[crate::params::ParamSpec]| {
            if ps.is_empty() {
                "none".to_owned()
            } else {
                ps.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
            }
        };
        format!(
            "model {}: {}; rule {}: {}; user {}: {}",
            self.model.name(),
            names(self.model.params()),
            self.rule.name(),
            names(self.rule.params()),
            self.user.name(),
            names(self.user.params())
        )
    }
}

/// One point of a grid: an index into each list (`None`: the grid has no such list), and
/// (parameter, value index) for each of its parameters the cell's entries declare.
struct Point {
    rule: Option<usize>,
    user: Option<usize>,
    restriction: Option<usize>,
    params: Vec<(usize, usize)>,
}

/// Every combination of the values of `axes` (grid parameter indexes), the first axis
/// varying slowest.
fn product(g: &Grid, axes: &[usize]) -> Vec<Vec<(usize, usize)>> {
    let mut combos: Vec<Vec<(usize, usize)>> = vec![Vec::new()];
    for &a in axes {
        combos = combos
            .iter()
            .flat_map(|c| {
                (0..g.params[a].values.len()).map(move |v| {
                    let mut c = c.clone();
                    c.push((a, v));
                    c
                })
            })
            .collect();
    }
    combos
}

/// The length of a grid's list (1 when the grid has none).
fn len<T>(a: &Option<Axis<T>>) -> usize {
    a.as_ref().map_or(1, |a| a.values.len())
}

/// `Some(i)` when the grid has the list.
fn some_if<T>(a: &Option<Axis<T>>, i: usize) -> Option<usize> {
    a.as_ref().map(|_| i)
}

fn too_many(field: &str) -> SpecError {
    SpecError::value(
        field,
        "more cells than allowed",
        format!("at most {CELLS_MAX} cells in a sweep"),
    )
}

/// Expands grid `g` into cells (appended to `cells`), each `top` overlaid with its point
/// and resolved once.
fn expand(
    registry: &Registry<V1>,
    top: &Spec,
    g: &Grid,
    top_used: &mut [bool],
    cells: &mut Vec<Cell>,
) -> Result<(), SpecError> {
    let rule_at = |i: Option<usize>| match (&g.rules, i) {
        (Some(a), Some(i)) => lookup(&a.field, Some(&a.values[i]), registry.rules(), |n| {
            registry.find(n)
        }),
        _ => lookup("rule", top.rule.as_deref(), registry.rules(), |n| {
            registry.find(n)
        }),
    };
    let user_at = |i: Option<usize>| match (&g.users, i) {
        (Some(a), Some(i)) => lookup(&a.field, Some(&a.values[i]), registry.users(), |n| {
            registry.find_user(n)
        }),
        _ => lookup("user", top.user.as_deref(), registry.users(), |n| {
            registry.find_user(n)
        }),
    };
    let model = lookup("model", top.model.as_deref(), registry.models(), |n| {
        registry.find_model(n)
    })?;
    // Which of the grid's parameters some cell declares.
    let mut used = vec![false; g.params.len()];
    let mut points = Vec::new();
    let mut entries_of_points = Vec::new();
    let room = CELLS_MAX.saturating_sub(cells.len());
    match g.mode {
        Mode::Cartesian => {
            for ri in 0..len(&g.rules) {
                let rule = rule_at(some_if(&g.rules, ri))?;
                // A parameter goes with the first of rule, user and model that declares it.
                let rule_axes: Vec<usize> = (0..g.params.len())
                    .filter(|&p| declares(rule, &g.params[p].key))
                    .collect();
                for rp in product(g, &rule_axes) {
                    for si in 0..len(&g.restriction) {
                        for ui in 0..len(&g.users) {
                            let user = user_at(some_if(&g.users, ui))?;
                            let user_axes: Vec<usize> = (0..g.params.len())
                                .filter(|&p| {
                                    let k = &g.params[p].key;
                                    !declares(rule, k) && declares(user, k)
                                })
                                .collect();
                            let model_axes: Vec<usize> = (0..g.params.len())
                                .filter(|&p| {
                                    let k = &g.params[p].key;
                                    !declares(rule, k) && !declares(user, k) && declares(model, k)
                                })
                                .collect();
                            for up in product(g, &user_axes) {
                                for mp in product(g, &model_axes) {
                                    let params: Vec<(usize, usize)> =
                                        rp.iter().chain(&up).chain(&mp).copied().collect();
                                    for &(p, _) in &params {
                                        used[p] = true;
                                    }
                                    points.push(Point {
                                        rule: some_if(&g.rules, ri),
                                        user: some_if(&g.users, ui),
                                        restriction: some_if(&g.restriction, si),
                                        params,
                                    });
                                    entries_of_points.push(Entries { model, rule, user });
                                    if points.len() > room {
                                        return Err(too_many(&g.field));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        Mode::Zip => {
            let mut lens: Vec<(&str, usize)> = Vec::new();
            for a in [&g.rules, &g.users].into_iter().flatten() {
                lens.push((&a.field, a.values.len()));
            }
            if let Some(a) = &g.restriction {
                lens.push((&a.field, a.values.len()));
            }
            lens.extend(g.params.iter().map(|p| (p.field.as_str(), p.values.len())));
            let n = lens.iter().map(|(_, l)| *l).max().unwrap_or(1);
            if let Some((field, l)) = lens.iter().find(|(_, l)| *l != 1 && *l != n) {
                return Err(SpecError::value(
                    *field,
                    format!("a list of {l}"),
                    format!("in zip mode, lists of length 1 or {n} (the longest list)"),
                ));
            }
            if n > room {
                return Err(too_many(&g.field));
            }
            let pick = |len: usize, i: usize| if len == 1 { 0 } else { i };
            for i in 0..n {
                let ri = some_if(&g.rules, pick(len(&g.rules), i));
                let ui = some_if(&g.users, pick(len(&g.users), i));
                let (rule, user) = (rule_at(ri)?, user_at(ui)?);
                let entries = Entries { model, rule, user };
                let params: Vec<(usize, usize)> = g
                    .params
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| entries.declare(&p.key, None))
                    .map(|(p, gp)| (p, pick(gp.values.len(), i)))
                    .collect();
                for &(p, _) in &params {
                    used[p] = true;
                }
                points.push(Point {
                    rule: ri,
                    user: ui,
                    restriction: some_if(&g.restriction, pick(len(&g.restriction), i)),
                    params,
                });
                entries_of_points.push(entries);
            }
        }
    }
    if let Some(p) = used.iter().position(|u| !u) {
        let known: Vec<String> = entries_of_points.iter().map(|e| e.known()).collect();
        let mut unique: Vec<&String> = Vec::new();
        for k in &known {
            if !unique.contains(&k) {
                unique.push(k);
            }
        }
        let unique: Vec<&str> = unique.iter().map(|s| s.as_str()).collect();
        return Err(SpecError::value(
            &g.params[p].field,
            format!("{:?}", g.params[p].key),
            format!(
                "a parameter the grid's model, rules or users declare ({})",
                unique.join(" | ")
            ),
        ));
    }
    for (point, entries) in points.into_iter().zip(&entries_of_points) {
        // The top level's parameters that this cell's entries declare.
        let mut base = top.clone();
        base.params.clear();
        for (p, used) in top.params.iter().zip(top_used.iter_mut()) {
            if entries.declare(&p.key, p.owner) {
                *used = true;
                base.params.push(p.clone());
            }
        }
        let mut over = Spec::default();
        if let (Some(a), Some(i)) = (&g.rules, point.rule) {
            over.rule = Some(a.values[i].clone());
        }
        if let (Some(a), Some(i)) = (&g.users, point.user) {
            over.user = Some(a.values[i].clone());
        }
        if let (Some(a), Some(i)) = (&g.restriction, point.restriction) {
            over.restriction = Some(a.values[i]);
        }
        for (p, v) in point.params {
            let gp = &g.params[p];
            match &gp.values[v] {
                Ok(x) => over.push_param(&gp.key, *x, &gp.field, None)?,
                Err(shown) => over.push_unparsed(&gp.key, shown.clone(), &gp.field, None)?,
            }
        }
        let spec = base.overlay(over).resolve(registry, &LIMITS)?;
        cells.push(Cell {
            index: cells.len(),
            label: g.label.clone(),
            spec,
        });
    }
    Ok(())
}

/// A validated sweep: its cells and the settings every cell runs with.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    rng: RngKind,
    seed: u64,
    n_runs: u64,
    n_steps: u64,
    cells: Vec<Cell>,
}

impl Sweep {
    /// Parses a sweep config and resolves it against `registry`
    /// ([`SweepConfig::from_toml_str`], then [`SweepConfig::resolve`]).
    pub fn from_toml_str(text: &str, registry: &Registry<V1>) -> Result<Sweep, SpecError> {
        SweepConfig::from_toml_str(text)?.resolve(registry)
    }

    /// The cells, in order.
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    /// The generator family.
    pub fn rng(&self) -> RngKind {
        self.rng
    }

    /// The sweep seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Runs per cell.
    pub fn n_runs(&self) -> u64 {
        self.n_runs
    }

    /// Steps per run.
    pub fn n_steps(&self) -> u64 {
        self.n_steps
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

/// Runs run `run` (1-based) of `runs` on its stream of `streams` ([`Runs::run`]), handing
/// every state to `observer` as well, and returns its metrics ([`Fold::with_metrics`]).
///
/// A step that fails (a policy returning a negative limit, say: the run loop refuses it
/// with [`crate::model::StepError::BadLimit`]) ends the run there; it is not an error but a
/// finding: the outcome names the step and the metrics are undefined. Only `observer`'s
/// own errors are returned.
pub fn run_outcome<M: Metered, R: Runs<M> + ?Sized>(
    runs: &R,
    streams: &Streams,
    run: u64,
    n_steps: u64,
    observer: &mut Sink<'_, M>,
) -> io::Result<RunOutcome> {
    let mut both = Beside(Fold::with_metrics(runs.model(), Some(n_steps)), observer);
    match runs.run(streams, run, n_steps, &mut both, None) {
        Err(RunError::Observe(e)) => Err(e),
        Err(RunError::Step { timestep, source }) => Ok(RunOutcome {
            metrics: RunMetrics::undefined(),
            failure: Some(RunFailure {
                timestep,
                error: source,
            }),
        }),
        Ok(()) => Ok(RunOutcome {
            metrics: both.0.metrics(),
            failure: None,
        }),
    }
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

/// Writes one state of a sweep's trajectory CSV from its members' ledgers (one row a
/// member, with its index, when the model has several).
struct TrajectoryRows<'a, M> {
    w: &'a mut dyn Write,
    model: &'a M,
    cell: usize,
    run: u64,
}

/// The header of a sweep's trajectory CSV for a model of `n_members` members.
pub fn trajectory_header(n_members: usize) -> &'static str {
    if n_members == 1 {
        TRAJECTORY_HEADER
    } else {
        "cell,run,timestep,member,balance,credit,capacity,transaction,drawn"
    }
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
        let n = self.model.n_members();
        for m in 0..n {
            let l = self.model.ledger(state, m);
            let member = if n == 1 {
                String::new()
            } else {
                format!("{m},")
            };
            writeln!(
                self.w,
                "{},{},{t},{member}{},{},{},{},{drawn}",
                self.cell, self.run, l.balance, l.limit, l.capacity, l.payment
            )?;
        }
        Ok(())
    }
}

/// The header of a sweep's trajectory CSV of a one-member model.
pub const TRAJECTORY_HEADER: &str = "cell,run,timestep,balance,credit,capacity,transaction,drawn";

/// Runs every plan on ChaCha streams ([`sweep_plans_with_rng`] with [`RngKind::Chacha`]:
/// run r of cell c draws from `chacha_rng(seed, c, r)`).
pub fn sweep_plans<M: Metered, R: Runs<M>>(
    plans: &[R],
    seed: u64,
    n_runs: u64,
    n_steps: u64,
    threads: usize,
    trajectories: Option<&mut dyn Write>,
    on_cell: &(dyn Fn() + Sync),
) -> io::Result<Vec<CellSummary>> {
    sweep_plans_with_rng(
        plans,
        RngKind::Chacha,
        seed,
        n_runs,
        n_steps,
        threads,
        trajectories,
        on_cell,
    )
}

/// Runs every plan (cell `c` is `plans[c]`; run r of it draws from the generator of (`rng`,
/// seed, c, r): `chacha_rng(seed, c, r)`, or with numpy `RandomState(seed + r − 1)` for
/// every cell) and returns the cells' summaries in order: the generic sweep, for any model.
///
/// With `trajectories`, every state is written there ([`TRAJECTORY_HEADER`]; cells and
/// runs in order, one thread, so memory stays bounded); otherwise cells run on `threads`
/// workers of the ordered executor ([`crate::parallel::ordered_tasks`]). Either way the
/// numbers are the same, for any thread count. A run whose step fails is reported in its
/// cell's [`CellSummary::n_failed`] and left out of the spreads; it does not stop the
/// sweep. `on_cell` is called once per finished cell.
#[allow(clippy::too_many_arguments)]
pub fn sweep_plans_with_rng<M: Metered, R: Runs<M>>(
    plans: &[R],
    rng: RngKind,
    seed: u64,
    n_runs: u64,
    n_steps: u64,
    threads: usize,
    trajectories: Option<&mut dyn Write>,
    on_cell: &(dyn Fn() + Sync),
) -> io::Result<Vec<CellSummary>> {
    let streams = Streams::new(rng, seed);
    if let Some(w) = trajectories {
        let n_members = plans.first().map_or(1, |p| p.model().n_members());
        writeln!(w, "{}", trajectory_header(n_members))?;
        let mut out = Vec::with_capacity(plans.len());
        for (c, plan) in plans.iter().enumerate() {
            let mut runs = Vec::with_capacity(usize::try_from(n_runs).unwrap_or(0));
            for run in 1..=n_runs {
                let mut rows = TrajectoryRows {
                    w: &mut *w,
                    model: plan.model(),
                    cell: c,
                    run,
                };
                let streams = streams.subset(c as u64);
                runs.push(run_outcome(plan, &streams, run, n_steps, &mut rows)?);
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
                            let streams = streams.subset(c as u64);
                            let mut none = Infallibly(());
                            run_outcome(&plans[c], &streams, run, n_steps, &mut none)
                                .unwrap_or_else(|e| unreachable!("no observer failed: {e}"))
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

/// Runs every cell of `sweep` ([`sweep_plans_with_rng`] over the runs `registry` chooses
/// for the cells' specs, on the [`crate::registry::runs::EXACT`] engine: the numbers the
/// sweep summary pins) and returns the summaries in cell order.
pub fn run_sweep(
    sweep: &Sweep,
    registry: &Registry<V1>,
    threads: usize,
    trajectories: Option<&mut dyn Write>,
    on_cell: &(dyn Fn() + Sync),
) -> io::Result<Vec<CellSummary>> {
    let mut plans = Vec::with_capacity(sweep.cells.len());
    for cell in &sweep.cells {
        plans.push(
            registry
                .runs(&cell.spec, None)
                .map_err(|e| io::Error::other(e.to_string()))?,
        );
    }
    sweep_plans_with_rng(
        &plans,
        sweep.rng,
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

/// `text` as one CSV field: quoted (quotes doubled) when it holds a comma, a quote or a
/// line break, as it is when a grid's label or a user's registered name does.
fn csv_field(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\"")).into()
    } else {
        text.into()
    }
}

/// Writes the summary CSV: one row per cell, its parameters and each metric's mean, p5,
/// p50 and p95 across runs (empty where no run defined the metric). The columns
/// `integrity` … `bias` are the user's parameters of those names and `sum_volume`,
/// `initial_credit` the model's (empty where the cell's user or model declares none).
pub fn write_summary(
    w: &mut dyn Write,
    sweep: &Sweep,
    summaries: &[CellSummary],
) -> io::Result<()> {
    writeln!(w, "{}", summary_header())?;
    for (cell, s) in sweep.cells.iter().zip(summaries) {
        let spec = &cell.spec;
        let user = |k: &str| spec.user.get(k).map_or_else(String::new, |v| v.to_string());
        let model = |k: &str| {
            spec.model
                .get(k)
                .map_or_else(String::new, |v| v.to_string())
        };
        write!(
            w,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            cell.index,
            csv_field(&cell.label),
            csv_field(spec.rule.entry().name),
            csv_field(&spec.rule.params_text()),
            spec.restriction,
            csv_field(spec.user.entry().name),
            user("integrity"),
            user("avg-amount"),
            user("growth"),
            user("bias"),
            model("sum-volume"),
            model("initial-credit"),
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
