//! A resolved spec of any model ([`AnySpec`]): what it names, with which values and
//! settings, and the runs the model's registry chooses for it.

use std::sync::Arc;

use crate::draws::RngKind;
use crate::model::{CreditPolicy as _, Enforce, LedgerColumns};
use crate::params::{ParamSpec, Written};
use crate::registry::{Chosen, Declared, Registry, ReportLayout, RunSpec};
use crate::spec::{Param, Setting, Spec, SpecError};

use super::Driven;
use super::runs::{AnyRuns, Held, RunsOf};

/// One entry a resolved spec chose (its model, rule or user) with its values.
#[derive(Debug, Clone, PartialEq)]
pub struct ChosenView {
    /// `model`, `rule` or `user`.
    pub(crate) kind: &'static str,
    /// The registered name.
    pub name: &'static str,
    /// Its declared parameters.
    pub(crate) params: &'static [ParamSpec],
    /// The values it runs with, in declaration order.
    pub values: Vec<f64>,
    /// The entry's own values (a preset's for a preset).
    pub(crate) defaults: Vec<f64>,
    /// True when it is the registry's first of its kind: what a spec that names none runs.
    pub(crate) first: bool,
    /// True when it is of the same Rust type as the registry's first of its kind (a preset
    /// of the first user, say).
    pub(crate) first_type: bool,
    /// The shorthand `name:key=value,…` (only the values that differ from its own).
    pub(crate) shorthand: String,
}

impl ChosenView {
    /// The value of parameter `key`, if declared.
    pub fn get(&self, key: &str) -> Option<f64> {
        let i = self.params.iter().position(|p| p.name == key)?;
        Some(self.values[i])
    }

    /// `(name, value)` of each parameter, in declaration order.
    pub(crate) fn pairs(&self) -> Vec<(&'static str, f64)> {
        self.params
            .iter()
            .zip(&self.values)
            .map(|(p, v)| (p.name, *v))
            .collect()
    }
}

/// The run settings of a resolved spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// The generator family.
    pub rng: RngKind,
    /// The seed.
    pub seed: u64,
    /// Monte Carlo runs.
    pub runs: u64,
    /// Steps per run.
    pub steps: u64,
}

/// A spec resolved against one model's registry, whatever the model's type: every name
/// found, every value checked ([`RunSpec`] behind it).
pub trait AnySpec: Send + Sync {
    /// The model and its values.
    fn model(&self) -> ChosenView;
    /// The rule and its values.
    fn rule(&self) -> ChosenView;
    /// The user and its values.
    fn user(&self) -> ChosenView;
    /// The spending restriction it runs under.
    fn restriction(&self) -> Enforce;
    /// The rule's own restriction (what a spec that sets none runs).
    fn rule_restriction(&self) -> Enforce;
    /// The run settings.
    fn settings(&self) -> Settings;
    /// The spec back as the command-line shorthand ([`RunSpec::shorthand`]).
    fn shorthand(&self) -> String;
    /// The spec back as data: the model, rule and user by name, every parameter's value
    /// (each written under its owner), the restriction and the settings. Resolving it
    /// against the same registry gives this spec again.
    fn to_spec(&self) -> Spec;
    /// Every engine this model has, `exact` first.
    fn engine_names(&self) -> &'static [&'static str];
    /// The engine the spec runs on when speed is what matters.
    fn fastest_engine(&self) -> &'static str;
    /// The runs of the spec on `engine` (`None`: `exact`, the engine whose numbers every
    /// workflow pins); an engine the model does not have, or that cannot run the spec, is
    /// an error naming `engine`.
    fn runs(&self, engine: Option<&str>) -> Result<Box<dyn AnyRuns>, SpecError>;

    // Scenario reports.

    /// Which columns a scenario report tables of the model this spec runs (at its values),
    /// and how wide: the model's [`crate::registry::ModelType::report_layout`], which only
    /// the typed side knows.
    fn report_layout(&self) -> ReportLayout;
    /// How a scenario report names member m's balance, limit and means: the columns the
    /// model this spec runs (at its values) declares for its members
    /// ([`crate::model::Model::ledger_columns`]), named for any member (the network's
    /// `balance_m`), or the ledger's `balance` and `limit` when it declares none. Only the
    /// typed side holds a model to ask.
    fn ledger_columns(&self) -> LedgerColumns;
}

/// A resolved spec of model `M` and the registry it was resolved against.
pub(super) struct SpecOf<M: Driven> {
    pub(super) spec: RunSpec<M>,
    pub(super) registry: Arc<Registry<M>>,
}

/// The view of `chosen`, whose registry's entries of its kind are `all`.
fn view<E: Declared + Clone>(
    chosen: &Chosen<E>,
    all: &[E],
    same_type: impl Fn(&E, &E) -> bool,
) -> ChosenView {
    let entry = chosen.entry();
    let first = all.first();
    ChosenView {
        kind: E::KIND,
        name: entry.name(),
        params: entry.params(),
        values: chosen.values().to_vec(),
        defaults: entry.defaults(),
        first: first.is_some_and(|f| f.name() == entry.name()),
        first_type: first.is_some_and(|f| same_type(f, entry)),
        shorthand: chosen.to_string(),
    }
}

impl<M: Driven> AnySpec for SpecOf<M> {
    fn model(&self) -> ChosenView {
        view(&self.spec.model, self.registry.models(), |_, _| true)
    }
    fn rule(&self) -> ChosenView {
        view(&self.spec.rule, self.registry.rules(), |a, b| {
            a.same_type(b)
        })
    }
    fn user(&self) -> ChosenView {
        view(&self.spec.user, self.registry.users(), |a, b| {
            a.same_type(b)
        })
    }
    fn restriction(&self) -> Enforce {
        self.spec.restriction
    }
    fn rule_restriction(&self) -> Enforce {
        self.spec.rule.entry().build_default().enforcement().mode
    }
    fn settings(&self) -> Settings {
        let s = &self.spec;
        Settings {
            rng: s.rng,
            seed: s.seed,
            runs: s.runs,
            steps: s.steps,
        }
    }
    fn shorthand(&self) -> String {
        self.spec.shorthand()
    }
    fn to_spec(&self) -> Spec {
        let s = &self.spec;
        let mut params = Vec::new();
        for c in [self.model(), self.rule(), self.user()] {
            for (p, v) in c.params.iter().zip(&c.values) {
                params.push(Param {
                    key: p.name.to_owned(),
                    field: format!("{}.{}", c.kind, p.name),
                    owner: Some(c.kind),
                    written: Written::value(*v),
                });
            }
        }
        Spec {
            model: Some(s.model.entry().name.to_owned()),
            rule: Some(s.rule.entry().name.to_owned()),
            user: Some(s.user.entry().name.to_owned()),
            restriction: Some(s.restriction),
            rng: Some(s.rng),
            seed: Some(Setting::given("seed", s.seed)),
            runs: Some(Setting::given("runs", s.runs)),
            steps: Some(Setting::given("steps", s.steps)),
            edges: s.edges.clone(),
            params,
        }
    }
    fn engine_names(&self) -> &'static [&'static str] {
        self.registry.engine_names()
    }
    fn fastest_engine(&self) -> &'static str {
        self.registry.fastest_engine(&self.spec)
    }
    fn runs(&self, engine: Option<&str>) -> Result<Box<dyn AnyRuns>, SpecError> {
        let runs = self.registry.runs(&self.spec, engine)?;
        Ok(Box::new(RunsOf(Held::Owned(runs))))
    }

    // Scenario reports.

    fn report_layout(&self) -> ReportLayout {
        let model = &self.spec.model;
        // Chosen values are checked when chosen; building cannot fail.
        let Ok(layout) = model.entry().report_layout(model.values()) else {
            unreachable!("a Chosen entry holds values checked against its declaration")
        };
        layout
    }
    fn ledger_columns(&self) -> LedgerColumns {
        let model = &self.spec.model;
        // Chosen values are checked when chosen; building cannot fail.
        let Ok(built) = model.entry().build(model.values()) else {
            unreachable!("a Chosen entry holds values checked against its declaration")
        };
        LedgerColumns::of_any_member(&built)
    }
}
