//! A sweep config as written: the top-level spec, the output settings and the `[[grid]]`
//! tables with their lists, parsed before any name is looked up (the grids are expanded
//! into cells by [`SweepConfig::resolve`], in `grid.rs`).

use crate::model::Enforce;
use crate::params::Written;
use crate::spec::{Spec, SpecError, canonical, key_field, parse_doc, string_value, whole_value};
use crate::toml_value::{Table, Value};

use super::{LIMITS, THREADS_MAX};

/// How a grid's lists combine into cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every combination (the default).
    Cartesian,
    /// Element i of every list (lists of length 1 repeat).
    Zip,
}

/// A list in a grid, with the field it was written at.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Axis<T> {
    pub(super) field: String,
    pub(super) values: Vec<T>,
}

/// A parameter's values in a grid.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct GridParam {
    pub(super) key: String,
    pub(super) field: String,
    /// Each value as written: read on resolve by the one grammar of numbers with the kind
    /// and range its owner declares, as a spec reads it.
    pub(super) values: Vec<Written>,
}

/// One `[[grid]]` table as written, before its names are looked up.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Grid {
    pub(super) field: String,
    pub(super) label: String,
    pub(super) mode: Mode,
    /// The models of the grid's cells (`None`: the top level's, else the workbench's first).
    pub(super) models: Option<Axis<String>>,
    pub(super) rules: Option<Axis<String>>,
    pub(super) users: Option<Axis<String>>,
    pub(super) restriction: Option<Axis<Enforce>>,
    pub(super) params: Vec<GridParam>,
}

/// A sweep config as written: the top-level spec, the output settings and the grids,
/// before any name is looked up ([`SweepConfig::resolve`] makes the [`super::Sweep`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SweepConfig {
    /// The top-level spec: every cell's defaults. Flags are laid over it
    /// ([`Spec::overlay`]) before the config is resolved.
    pub(crate) spec: Spec,
    threads: Option<u64>,
    out: Option<String>,
    trajectories: Option<String>,
    pub(super) grids: Vec<Grid>,
}

/// The keys of a `[[grid]]` table.
const GRID_KEYS: &str =
    "label, mode, model (or models), rule (or rules), user (or users), restriction, params";

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
        let doc = parse_doc(text)?;
        let (spec, extra) = Spec::from_table_within(
            doc.root(),
            &["threads", "out", "trajectories", "grid"],
            &LIMITS,
        )?;
        let mut config = SweepConfig {
            spec,
            threads: None,
            out: None,
            trajectories: None,
            grids: Vec::new(),
        };
        for (key, v) in extra {
            match key {
                "threads" => config.threads = Some(whole_value(key, &v, 1, THREADS_MAX)?),
                "out" => config.out = Some(string_value(key, &v, "a file path")?.to_owned()),
                "trajectories" => {
                    config.trajectories = Some(string_value(key, &v, "a file path")?.to_owned())
                }
                _ => {
                    if !v.is_array() {
                        return Err(SpecError::value("grid", v.describe(), "[[grid]] tables"));
                    }
                    for (i, item) in v.items().into_iter().enumerate() {
                        let Some(t) = item.as_table() else {
                            return Err(SpecError::value(
                                format!("grid[{i}]"),
                                item.describe(),
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
}

fn parse_grid(i: usize, t: Table<'_>) -> Result<Grid, SpecError> {
    let field = format!("grid[{i}]");
    let mut g = Grid {
        label: format!("grid{i}"),
        mode: Mode::Cartesian,
        models: None,
        rules: None,
        users: None,
        restriction: None,
        params: Vec::new(),
        field: field.clone(),
    };
    // (canonical key, the key as written) of every key read so far.
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for (key, v) in t.iter() {
        let f = format!("{field}.{}", key_field(key));
        let slot = match canonical(key).as_str() {
            "label" => "label",
            "mode" => "mode",
            "model" | "models" => "models",
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
                v.describe(),
                format!("each key once; `{field}.{first}` sets the same value"),
            ));
        }
        seen.push((slot, key));
        let strings = |accepted: &str| -> Result<Vec<String>, SpecError> {
            nonempty(
                &f,
                v.items()
                    .iter()
                    .map(|x| string_value(&f, x, accepted).map(|s| s.trim().to_owned()))
                    .collect::<Result<_, _>>()?,
            )
        };
        match slot {
            "label" => g.label = string_value(&f, &v, "a string")?.to_owned(),
            "mode" => {
                g.mode = match string_value(&f, &v, "\"cartesian\" or \"zip\"")? {
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
            "models" => {
                g.models = Some(Axis {
                    values: strings("a model name or a list of them")?,
                    field: f,
                })
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
                let Some(p) = v.as_table() else {
                    return Err(SpecError::value(
                        f,
                        v.describe(),
                        "a table of parameter = a number or a list of numbers",
                    ));
                };
                for (name, vals) in p.iter() {
                    let pf = format!("{f}.{}", key_field(name));
                    let key = canonical(name);
                    if let Some(first) = g.params.iter().find(|q| q.key == key) {
                        return Err(SpecError::value(
                            &pf,
                            vals.describe(),
                            format!("each key once; `{}` sets the same value", first.field),
                        ));
                    }
                    let values = nonempty(&pf, vals.items().iter().map(Value::written).collect())?;
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
