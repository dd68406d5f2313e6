//! Grid expansion: each `[[grid]]` table's lists expanded into cells (cartesian or zip),
//! every cell the top-level spec overlaid with its point and resolved once against the
//! [`Workbench`] — the names looked up in the registry of the cell's model, the parameters
//! the ones that model, its rules and its users declare.

use std::sync::Arc;

use crate::spec::{Limits, Spec, SpecError};
use crate::workbench::{EntryInfo, Workbench};

use super::config::{Axis, Grid, Mode, SweepConfig};
use super::{CELLS_MAX, Cell, LIMITS, Sweep};

impl SweepConfig {
    /// Expands the grids into cells and resolves each against `bench` with the sweep's
    /// `LIMITS`: every cell's model the one its grid or the top level names (the
    /// workbench's first when neither does), every name looked up in that model's
    /// registry, every value checked against its declaration.
    pub fn resolve(&self, bench: &Workbench) -> Result<Sweep, SpecError> {
        self.resolve_within(bench, false)
    }

    /// [`SweepConfig::resolve`] for a sweep that also writes its trajectories (`rows`: a
    /// row per member of every state), which bound what widens a state's rows (a network's
    /// members: `ModelType::TRAJECTORY_PARAMS`).
    pub(crate) fn resolve_within(&self, bench: &Workbench, rows: bool) -> Result<Sweep, SpecError> {
        let mut cells = Vec::new();
        // Which top-level parameters some cell declares (one that none does is an error).
        let mut top_used = vec![false; self.spec.params.len()];
        for grid in &self.grids {
            let limits = LIMITS.with_rows(rows);
            expand(bench, &self.spec, grid, &limits, &mut top_used, &mut cells)?;
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
        let default_model = bench.find(None).map_or("", |m| m.name());
        Ok(Sweep::new(cells, default_model))
    }
}

/// What one model declares, by kind: its model entry, its rules and its users.
struct Catalogue {
    model: EntryInfo,
    rules: Vec<EntryInfo>,
    users: Vec<EntryInfo>,
}

impl Catalogue {
    /// The model `name` names in `bench` (the first when `None`); an unknown name is an
    /// error at `field` listing the known ones.
    fn of(bench: &Workbench, field: &str, name: Option<&str>) -> Result<Catalogue, SpecError> {
        let model = bench.find(name).map_err(|e| {
            SpecError::value(
                field,
                format!("{:?}", e.name),
                format!("a registered {} ({})", e.kind, e.known),
            )
        })?;
        let (mut models, mut rules, mut users) = (Vec::new(), Vec::new(), Vec::new());
        for e in model.entries() {
            match e.kind {
                "model" => models.push(e),
                "rule" => rules.push(e),
                _ => users.push(e),
            }
        }
        let model = models.into_iter().next().ok_or_else(|| {
            SpecError::value(field, format!("{:?}", model.name()), "a registered model")
        })?;
        Ok(Catalogue {
            model,
            rules,
            users,
        })
    }
}

/// The entry named `name` in `all` (the first when `name` is `None`); an unknown name is an
/// error at `field` listing the known ones.
fn lookup<'r>(
    field: &str,
    name: Option<&str>,
    kind: &str,
    all: &'r [EntryInfo],
) -> Result<&'r EntryInfo, SpecError> {
    match name {
        Some(n) => all.iter().find(|e| e.name == n).ok_or_else(|| {
            // A shorthand `NAME:key=value` is a spec's, not a list element's.
            let hint = if n.contains(':') {
                "; parameters go in [grid.params]"
            } else {
                ""
            };
            let known: Vec<&str> = all.iter().map(|e| e.name).collect();
            SpecError::value(
                field,
                format!("{n:?}"),
                format!("a registered {kind} ({}){hint}", known.join(", ")),
            )
        }),
        None => all
            .first()
            .ok_or_else(|| SpecError::value(field, "(none)", format!("a registered {kind}"))),
    }
}

fn declares(entry: &EntryInfo, key: &str) -> bool {
    entry.params.iter().any(|p| p.name == key)
}

/// The model, rule and user of one cell.
struct Entries<'r> {
    model: &'r EntryInfo,
    rule: &'r EntryInfo,
    user: &'r EntryInfo,
}

impl Entries<'_> {
    /// True when the entry `owner` names (any of the three when `None`) declares `key`.
    fn declare(&self, key: &str, owner: Option<&str>) -> bool {
        let mine = |kind: &str| owner.is_none_or(|o| o == kind);
        (mine("model") && declares(self.model, key))
            || (mine("rule") && declares(self.rule, key))
            || (mine("user") && declares(self.user, key))
    }

    /// What each entry declares, for an error message.
    fn known(&self) -> String {
        let names = |e: &EntryInfo| {
            if e.params.is_empty() {
                "none".to_owned()
            } else {
                e.params
                    .iter()
                    .map(|p| p.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        format!(
            "model {}: {}; rule {}: {}; user {}: {}",
            self.model.name,
            names(self.model),
            self.rule.name,
            names(self.rule),
            self.user.name,
            names(self.user)
        )
    }
}

/// One point of a grid: an index into each list (`None`: the grid has no such list), and
/// (parameter, value index) for each of its parameters the cell's entries declare.
struct Point {
    model: Option<usize>,
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
/// and resolved once against `bench`.
fn expand(
    bench: &Workbench,
    top: &Spec,
    g: &Grid,
    limits: &Limits,
    top_used: &mut [bool],
    cells: &mut Vec<Cell>,
) -> Result<(), SpecError> {
    // What each of the grid's models declares (one: the top level's, when the grid names
    // none).
    let catalogues = match &g.models {
        Some(a) => a
            .values
            .iter()
            .map(|m| Catalogue::of(bench, &a.field, Some(m)))
            .collect::<Result<Vec<_>, _>>()?,
        None => vec![Catalogue::of(bench, "model", top.model.as_deref())?],
    };
    // The rule (user) of model `mi` at index `i` of the grid's list (`None`: the top
    // level's, else the model's first).
    let rule_at = |mi: usize, i: Option<usize>| {
        let all = &catalogues[mi].rules;
        match (&g.rules, i) {
            (Some(a), Some(i)) => lookup(&a.field, Some(&a.values[i]), "rule", all),
            _ => lookup("rule", top.rule.as_deref(), "rule", all),
        }
    };
    let user_at = |mi: usize, i: Option<usize>| {
        let all = &catalogues[mi].users;
        match (&g.users, i) {
            (Some(a), Some(i)) => lookup(&a.field, Some(&a.values[i]), "user", all),
            _ => lookup("user", top.user.as_deref(), "user", all),
        }
    };
    // Which of the grid's parameters some cell declares.
    let mut used = vec![false; g.params.len()];
    let mut points = Vec::new();
    let mut entries_of_points = Vec::new();
    let room = CELLS_MAX.saturating_sub(cells.len());
    match g.mode {
        Mode::Cartesian => {
            for (mi, cat) in catalogues.iter().enumerate() {
                let model = &cat.model;
                for ri in 0..len(&g.rules) {
                    let rule = rule_at(mi, some_if(&g.rules, ri))?;
                    // A parameter goes with the first of rule, user and model that
                    // declares it.
                    let rule_axes: Vec<usize> = (0..g.params.len())
                        .filter(|&p| declares(rule, &g.params[p].key))
                        .collect();
                    for rp in product(g, &rule_axes) {
                        for si in 0..len(&g.restriction) {
                            for ui in 0..len(&g.users) {
                                let user = user_at(mi, some_if(&g.users, ui))?;
                                let user_axes: Vec<usize> = (0..g.params.len())
                                    .filter(|&p| {
                                        let k = &g.params[p].key;
                                        !declares(rule, k) && declares(user, k)
                                    })
                                    .collect();
                                let model_axes: Vec<usize> = (0..g.params.len())
                                    .filter(|&p| {
                                        let k = &g.params[p].key;
                                        !declares(rule, k)
                                            && !declares(user, k)
                                            && declares(model, k)
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
                                            model: some_if(&g.models, mi),
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
        }
        Mode::Zip => {
            let mut lens: Vec<(&str, usize)> = Vec::new();
            for a in [&g.models, &g.rules, &g.users].into_iter().flatten() {
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
                let mi = pick(len(&g.models), i);
                let cat = &catalogues[mi];
                let ri = some_if(&g.rules, pick(len(&g.rules), i));
                let ui = some_if(&g.users, pick(len(&g.users), i));
                let (rule, user) = (rule_at(mi, ri)?, user_at(mi, ui)?);
                let entries = Entries {
                    model: &cat.model,
                    rule,
                    user,
                };
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
                    model: some_if(&g.models, mi),
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
        if let (Some(a), Some(i)) = (&g.models, point.model) {
            over.model = Some(a.values[i].clone());
        }
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
            over.push_written(&gp.key, gp.values[v].clone(), &gp.field, None)?;
        }
        let spec = bench.resolve(&base.overlay(over), limits)?;
        cells.push(Cell::new(cells.len(), g.label.clone(), Arc::from(spec)));
    }
    Ok(())
}
