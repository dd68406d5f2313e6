//! A spec resolved against a registry: every name looked up, every parameter checked
//! against the declaration of the entry that owns it ([`RunSpec`], whose entries are
//! [`Chosen`] with values that are always valid), and what one run of it drives
//! ([`RunSpec::plan`]).
//!
//! The spec itself — data read from TOML, flags or the `NAME:key=value,…` shorthand,
//! layered — is [`crate::spec`]'s, which knows nothing of a registry; resolution lives here,
//! beside the names it looks up.

use std::fmt;

use crate::draws::{RngKind, check_numpy_seed};
use crate::model::{Enforce, Enforced, Enforcement, Model, Plan, Streams};
use crate::params::{ParamError, ParamSpec, Written};
use crate::spec::{EdgeFile, Edges, Limits, Param, Setting, Spec, SpecError};

use super::{
    BehaviourBox, Declared, ModelEntry, PolicyBox, Registry, RuleEntry, UnknownName, UserEntry,
};

impl Spec {
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
        // Where each parameter set was given, for the pairs that constrain each other.
        let mut given: Vec<(&str, usize, &Param)> = Vec::new();
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
                    // Where a row per state is written, a model's tighter declaration of
                    // the parameter holds (the range its message names).
                    let tight = (limits.rows && *kind == "model")
                        .then(|| {
                            model
                                .entry
                                .trajectory_params
                                .iter()
                                .find(|t| t.name == spec.name)
                        })
                        .flatten();
                    let x = match tight {
                        Some(tight) => tight
                            .read(&p.field, &p.written)
                            .map_err(|e| in_rows(e, tight))?,
                        None => spec.read(&p.field, &p.written)?,
                    };
                    given.push((kind, *i, p));
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
        model.check_order("model", &given)?;
        rule.check_order("rule", &given)?;
        user.check_order("user", &given)?;
        let restriction = self
            .restriction
            .unwrap_or_else(|| rule.entry.enforcement().mode);
        let rng = self.rng.unwrap_or(limits.rng);
        // Each setting as given (its field and text) or the workflow's default, checked
        // against the range `limits` declare once every layer is laid.
        let given = |key: &str, default: u64| {
            self.setting(key)
                .cloned()
                .unwrap_or_else(|| Setting::given(key, default))
        };
        let (seed, runs, steps) = (
            given("seed", limits.seed),
            given("runs", limits.runs),
            given("steps", limits.steps),
        );
        for (key, x) in [("seed", &seed), ("runs", &runs), ("steps", &steps)] {
            let (lo, hi) = limits.range(key);
            if !(lo..=hi).contains(&x.value) {
                return Err(SpecError::value(
                    &x.field,
                    &x.shown,
                    format!("a whole number in [{lo}, {hi}]"),
                ));
            }
        }
        let steps_max = model.entry.steps_max;
        if steps.value > steps_max {
            return Err(SpecError::value(
                &steps.field,
                &steps.shown,
                format!(
                    "a whole number in [1, {steps_max}] for model {}",
                    model.entry.name
                ),
            ));
        }
        if rng == RngKind::Numpy {
            check_numpy_seed(
                (&seed.field, &seed.shown, seed.value),
                (&runs.field, "runs", runs.value),
            )?;
        }
        let (seed, runs, steps) = (seed.value, runs.value, steps.value);
        let edges = edges_for(self.edges.as_ref(), &model, &user)?;
        Ok(RunSpec {
            model,
            rule,
            user,
            restriction,
            rng,
            seed,
            runs,
            steps,
            edges,
        })
    }
}

/// The spec's edge file for `user` on `model`: required by a user that trades on a file's
/// graph ([`super::UserType::READS_EDGES`]), refused for any other, its edges read by the
/// caller, and every index below the model's members (the error names the file, the line
/// and field of the largest index, and the range).
fn edges_for<M: Model>(
    file: Option<&EdgeFile>,
    model: &Chosen<ModelEntry<M>>,
    user: &Chosen<UserEntry<M>>,
) -> Result<Option<EdgeFile>, SpecError> {
    let name = user.entry.name;
    let Some(file) = file else {
        if user.entry.reads_edges {
            return Err(SpecError::value(
                "user",
                name,
                format!("{name} with a trading graph's file: edges = \"FILE\" (--edges FILE)"),
            ));
        }
        return Ok(None);
    };
    let path = crate::params::shown_text(&crate::params::short_text(file.path()));
    if !user.entry.reads_edges {
        return Err(SpecError::value(
            file.field(),
            path,
            format!("no file: the user {name} does not trade on a file's graph (edge-list does)"),
        ));
    }
    let Some(edges) = file.edges() else {
        return Err(SpecError::value(
            file.field(),
            path,
            "a file the caller has read (EdgeFile::attach) before the spec resolves",
        ));
    };
    let n = model.entry.build(&model.values)?.n_members();
    let (largest, line, field) = edges.largest();
    if largest as usize >= n {
        return Err(SpecError::value(
            format!(
                "{} line {line}: {field}",
                crate::params::one_line(file.path())
            ),
            largest.to_string(),
            format!(
                "a member index in [0, {}]: model {} has {n} members",
                n.saturating_sub(1),
                model.entry.name
            ),
        ));
    }
    Ok(Some(file.clone()))
}

/// A parameter refused by a model's tighter declaration where a row per state is written
/// ([`super::ModelType::TRAJECTORY_PARAMS`]): the range, then why, on one line.
fn in_rows(e: ParamError, tight: &ParamSpec) -> ParamError {
    ParamError {
        accepted: format!(
            "{} where a row per state is written (a trajectory CSV, a scenario's tables, charts); {}",
            e.accepted, tight.doc
        ),
        ..e
    }
}

fn param_names(params: &[ParamSpec]) -> String {
    if params.is_empty() {
        "none".to_owned()
    } else {
        params.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
    }
}

fn pick<'a, E: Declared>(
    name: Option<&str>,
    all: &'a [E],
    find: impl Fn(&str) -> Result<&'a E, UnknownName>,
) -> Result<&'a E, SpecError> {
    match name {
        Some(n) => find(n).map_err(|e| SpecError::value(e.kind, format!("{:?}", e.name), e.known)),
        None => all.first().ok_or_else(|| {
            SpecError::value(E::KIND, "(none)", format!("a registered {}", E::KIND))
        }),
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
    pub(crate) fn defaults_of(entry: &E) -> Self {
        Chosen {
            values: entry.defaults(),
            entry: entry.clone(),
        }
    }

    /// `entry` with `values` (declaration order), each checked.
    pub fn new(entry: &E, values: Vec<f64>) -> Result<Self, ParamError> {
        crate::params::check_values(entry.name(), entry.params(), entry.ordered(), &values)?;
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

    /// Checks the pairs of parameters the entry declares ([`Declared::ordered`]) on these
    /// values; `given` says where each parameter of entry `kind` was given, so that the
    /// error names it as written.
    pub(crate) fn check_order(
        &self,
        kind: &str,
        given: &[(&str, usize, &Param)],
    ) -> Result<(), ParamError> {
        let at = |i: usize| {
            given
                .iter()
                .find(|(k, j, _)| *k == kind && *j == i)
                .map(|(_, _, p)| (p.field.clone(), p.written.shown().to_owned()))
        };
        crate::params::check_order(self.entry.params(), self.entry.ordered(), &self.values, &at)
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
        self.set_written(key, &Written::value(value), field)
    }

    /// Sets parameter `key` to the value `written` (read by the one grammar of numbers
    /// with the kind its declaration takes), checked against its declaration; `field` and
    /// the value as written name it in the error.
    pub(crate) fn set_written(
        &mut self,
        key: &str,
        written: &Written,
        field: &str,
    ) -> Result<(), SpecError> {
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
        self.values[i] = self.entry.params()[i].read(field, written)?;
        Ok(())
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
    pub(crate) restriction: Enforce,
    /// The generator family.
    pub rng: RngKind,
    /// The seed.
    pub seed: u64,
    /// Monte Carlo runs.
    pub runs: u64,
    /// Steps per run.
    pub steps: u64,
    /// The trading graph's file and its edges, for a user that trades on one.
    pub(crate) edges: Option<EdgeFile>,
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
            && self.edges == o.edges
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
        let user = self.user.entry.build_on(&self.user.values, self.edges());
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

    /// The edges the user trades on, when the spec named a file of them.
    pub fn edges(&self) -> Option<&Edges> {
        self.edges.as_ref().and_then(EdgeFile::edges)
    }

    /// The trading graph's file as the spec named it, if any.
    pub fn edge_file(&self) -> Option<&EdgeFile> {
        self.edges.as_ref()
    }

    /// The streams its runs draw from: (rng, seed), subset 0 — the streams `simulate`
    /// uses. Run r of [`RunSpec::plan`] is `plan.run(&spec.streams(), r, spec.steps, …)`.
    pub fn streams(&self) -> Streams {
        Streams::new(self.rng, self.seed)
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
        if let Some(file) = &self.edges {
            pairs.push(format!("edges={}", file.path()));
        }
        let sep = if s.contains(':') { ',' } else { ':' };
        s.push(sep);
        s.push_str(&pairs.join(","));
        s
    }
}
