//! The one registry: models, credit rules and user behaviours by name, built-ins and a
//! user's alike.
//!
//! A [`Registry`] maps a name to a declaration (summary, parameters, defaults) and to a
//! constructor that validates parameter values: a model's parameterisation
//! ([`ModelEntry`]), a rule returned as a [`PolicyBox`] ([`RuleEntry`]) and a user
//! behaviour returned as a [`BehaviourBox`] ([`UserEntry`]) — a policy or behaviour whose
//! concrete type is erased so that one run loop drives whatever was named at run time.
//! Built-ins are registered exactly as a user's rule is ([`Registry::rule`],
//! [`Registry::user`], [`Registry::preset`]), in the same lists; no lookup special-cases
//! them. Every name the library and the CLI accept (a spec's `model`, `rule`, `user`, a
//! sweep's lists, a compare side) is looked up here, and [`crate::spec`] resolves a whole
//! run against it.
//!
//! ```
//! use currents::registry::Registry;
//! use currents::v1::V1;
//!
//! let registry = Registry::<V1>::builtin();
//! let turnover = registry.find("turnover").unwrap();
//! let rule = turnover.build(&turnover.defaults()).unwrap(); // values checked against the declaration
//! assert_eq!(rule.name(), "turnover");
//! assert!(registry.find("no-such-rule").unwrap_err().to_string().contains("known: currents-v1"));
//! ```

use crate::model::{Behaviour, CreditPolicy, Model};
use crate::params::check_values;
use crate::rules::{CreditPeriod, FixedBand, Rule, Static, Turnover};

mod entries;
mod erased;
mod resolve;
pub mod runs;

pub use entries::{Declared, ModelEntry, ModelType, ReportLayout, RuleEntry, UserEntry, UserType};
pub use erased::{BehaviourBox, DynBehaviour, DynPolicy, ErasedMemory, PolicyBox};
pub use resolve::{Chosen, RunSpec, SpecPlan};
pub(crate) use runs::Sink;
pub use runs::{Engines, Runs};

use std::sync::Arc;

use crate::metrics::Metered;
use crate::spec::SpecError;

/// A name that no entry has: names the kind, the name and every known name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {name:?} (known: {known})")]
pub struct UnknownName {
    /// What was looked up (`rule`).
    pub(crate) kind: &'static str,
    /// The name given.
    pub(crate) name: String,
    /// The known names, comma-separated.
    pub(crate) known: String,
}

/// The models, rules and user behaviours known for model type `M`, each in registration
/// order (the first of each is the default a spec that names none runs).
pub struct Registry<M: Model> {
    models: Vec<ModelEntry<M>>,
    rules: Vec<RuleEntry<M>>,
    users: Vec<UserEntry<M>>,
    /// The model's engines, when it has faster ways to run some specs.
    engines: Option<Arc<dyn Engines<M>>>,
}

impl<M: Model> Clone for Registry<M> {
    fn clone(&self) -> Self {
        Registry {
            models: self.models.clone(),
            rules: self.rules.clone(),
            users: self.users.clone(),
            engines: self.engines.clone(),
        }
    }
}

fn upsert<E>(list: &mut Vec<E>, entry: E, same: impl Fn(&E) -> bool) {
    match list.iter_mut().find(|e| same(e)) {
        Some(slot) => *slot = entry,
        None => list.push(entry),
    }
}

fn find_in<'a, E: Declared>(list: &'a [E], name: &str) -> Result<&'a E, UnknownName> {
    list.iter()
        .find(|e| e.name() == name)
        .ok_or_else(|| UnknownName {
            kind: E::KIND,
            name: name.to_owned(),
            known: names_of(list),
        })
}

fn names_of<E: Declared>(list: &[E]) -> String {
    list.iter().map(|e| e.name()).collect::<Vec<_>>().join(", ")
}

impl<M: Model> Default for Registry<M> {
    fn default() -> Self {
        Registry::new()
    }
}

impl<M: Model> Registry<M> {
    /// An empty registry.
    pub fn new() -> Self {
        Registry {
            models: Vec::new(),
            rules: Vec::new(),
            users: Vec::new(),
            engines: None,
        }
    }

    /// Registers the model's `engines` (its faster ways to run some specs; a second call
    /// replaces the first).
    pub(crate) fn engines(mut self, engines: impl Engines<M> + 'static) -> Self {
        self.engines = Some(Arc::new(engines));
        self
    }

    /// Every engine name a spec of this registry may ask for, [`runs::EXACT`] first.
    pub(crate) fn engine_names(&self) -> &'static [&'static str] {
        self.engines.as_ref().map_or(&[runs::EXACT], |e| e.names())
    }

    /// The engine `spec` runs on when none is named and speed is what matters (`simulate`'s
    /// default): [`runs::EXACT`] unless the model's engines say otherwise.
    pub(crate) fn fastest_engine(&self, spec: &RunSpec<M>) -> &'static str {
        self.engines
            .as_ref()
            .map_or(runs::EXACT, |e| e.fastest(spec))
    }

    /// The runs of `spec` on `engine` (`None`: `runs::EXACT`, the engine whose numbers
    /// every workflow pins): the one place a model's fast paths are chosen. The model's
    /// [`Engines`] serve the spec when they can; else its plan ([`RunSpec::plan`]) runs on
    /// the model's own loop. An engine the model does not have, or one that cannot run the
    /// spec, is an error naming `engine` and what is accepted.
    pub(crate) fn runs(
        &self,
        spec: &RunSpec<M>,
        engine: Option<&str>,
    ) -> Result<Box<dyn Runs<M>>, SpecError>
    where
        M: Metered + Send + 'static,
    {
        let names = self.engine_names();
        let engine = match engine {
            None => runs::EXACT,
            Some(e) => names
                .iter()
                .copied()
                .find(|n| *n == e.trim())
                .ok_or_else(|| SpecError::value("engine", format!("{e:?}"), names.join(" or ")))?,
        };
        if let Some(engines) = &self.engines
            && let Some(runs) = engines.runs(spec, engine)?
        {
            return Ok(runs);
        }
        if engine != runs::EXACT {
            return Err(SpecError::value(
                "engine",
                format!("{engine:?}"),
                format!("{} for this spec", runs::EXACT),
            ));
        }
        Ok(Box::new(spec.plan()))
    }

    /// Registers the model type `M` itself under [`ModelType::NAME`] (a registry is for one
    /// model type; a second call replaces the first).
    pub fn model(mut self) -> Self
    where
        M: ModelType,
    {
        upsert(&mut self.models, ModelEntry::of(), |e| e.name == M::NAME);
        self
    }

    /// Registers user behaviour `U` under [`UserType::NAME`] with its declared defaults; a
    /// user registered under a name already present replaces it.
    pub fn user<U: UserType + Behaviour<M> + Send + 'static>(self) -> Self
    where
        U::Memory: 'static,
    {
        let values = crate::params::defaults(U::PARAMS);
        self.preset::<U>(U::NAME, U::SUMMARY, &values)
    }

    /// Registers a preset of user behaviour `U`: the same parameters under another name with
    /// other values (each must be in its declared range; a wrong preset is a programming
    /// error and panics here, at registration, naming the parameter).
    pub fn preset<U: UserType + Behaviour<M> + Send + 'static>(
        mut self,
        name: &'static str,
        summary: &'static str,
        values: &[f64],
    ) -> Self
    where
        U::Memory: 'static,
    {
        if let Err(e) = check_values(name, U::PARAMS, U::ORDERED, values) {
            panic!("user preset {name}: {e}");
        }
        let entry = UserEntry::preset_of::<U>(name, summary, values);
        upsert(&mut self.users, entry, |e| e.name == name);
        self
    }

    /// Every model, in registration order.
    pub(crate) fn models(&self) -> &[ModelEntry<M>] {
        &self.models
    }

    /// Every user behaviour, in registration order.
    pub fn users(&self) -> &[UserEntry<M>] {
        &self.users
    }

    /// The model named `name`.
    pub fn find_model(&self, name: &str) -> Result<&ModelEntry<M>, UnknownName> {
        find_in(&self.models, name)
    }

    /// The user behaviour named `name`.
    pub(crate) fn find_user(&self, name: &str) -> Result<&UserEntry<M>, UnknownName> {
        find_in(&self.users, name)
    }

    /// Registers rule `R`; a rule registered under a name already present replaces it.
    pub fn rule<R: Rule + CreditPolicy<M>>(mut self) -> Self
    where
        R::Memory: 'static,
    {
        upsert(&mut self.rules, RuleEntry::of::<R>(), |e| e.name == R::NAME);
        self
    }

    /// Every rule, in registration order.
    pub fn rules(&self) -> &[RuleEntry<M>] {
        &self.rules
    }

    /// The known rule names, comma-separated.
    pub fn names(&self) -> String {
        names_of(&self.rules)
    }

    /// The rule named `name`.
    pub fn find(&self, name: &str) -> Result<&RuleEntry<M>, UnknownName> {
        find_in(&self.rules, name)
    }
}

/// Rules that read the ledger only: they run on every model.
pub fn generic_rules<M: Model>(registry: Registry<M>) -> Registry<M> {
    registry
        .rule::<Static>()
        .rule::<FixedBand>()
        .rule::<Turnover>()
        .rule::<CreditPeriod>()
}
