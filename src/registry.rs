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

use std::any::{Any, TypeId};
use std::fmt;

use crate::model::{Behaviour, CreditError, CreditPolicy, Cx, Draw, Enforcement, Limit, Model};
use crate::params::{ParamError, ParamSpec, check_values};
use crate::rand_core::Rng;
use crate::rules::{CreditPeriod, FixedBand, Rule, Static, Turnover};

/// A policy's memory with its type erased (created on the first step).
#[derive(Default)]
pub struct ErasedMemory(Option<Box<dyn Any + Send>>);

impl ErasedMemory {
    /// Calls `f` on the memory as a `T`. A memory starts empty and is filled by the first
    /// policy or behaviour that uses it; one run loop gives each one its own memory, and a
    /// memory handed to one of another type (only possible by calling it by hand) is
    /// started afresh, not a panic.
    #[inline]
    fn with<T: Default + Send + 'static, R>(&mut self, f: impl FnOnce(&mut T) -> R) -> R {
        if let Some(m) = self.0.as_mut().and_then(|m| m.downcast_mut::<T>()) {
            return f(m);
        }
        let mut fresh = T::default();
        let r = f(&mut fresh);
        self.0 = Some(Box::new(fresh));
        r
    }
}

impl fmt::Debug for ErasedMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ErasedMemory")
    }
}

/// The object-safe face of a [`CreditPolicy`] (implemented for every policy).
pub trait DynPolicy<M: Model>: Send + Sync {
    /// [`CreditPolicy::limit`] on erased memory.
    fn limit_erased(&self, cx: &Cx<'_, M>, memory: &mut ErasedMemory)
    -> Result<Limit, CreditError>;
    /// [`CreditPolicy::enforcement`].
    fn enforcement(&self) -> Enforcement;
    /// [`CreditPolicy::branches`].
    fn branches(&self) -> &'static [&'static str];
    /// [`CreditPolicy::observed_invariants`].
    fn observed_invariants(&self) -> &'static [&'static str];
}

impl<M: Model, P: CreditPolicy<M> + Send> DynPolicy<M> for P
where
    P::Memory: 'static,
{
    #[inline]
    fn limit_erased(
        &self,
        cx: &Cx<'_, M>,
        memory: &mut ErasedMemory,
    ) -> Result<Limit, CreditError> {
        memory.with(|m: &mut P::Memory| self.limit(cx, m))
    }
    fn enforcement(&self) -> Enforcement {
        CreditPolicy::enforcement(self)
    }
    fn branches(&self) -> &'static [&'static str] {
        CreditPolicy::branches(self)
    }
    fn observed_invariants(&self) -> &'static [&'static str] {
        CreditPolicy::observed_invariants(self)
    }
}

/// A rule built from the registry: any [`CreditPolicy`] for `M`, behind one type.
pub struct PolicyBox<M: Model> {
    name: &'static str,
    policy: Box<dyn DynPolicy<M>>,
}

impl<M: Model> PolicyBox<M> {
    /// Wraps a policy under `name`.
    pub fn new<P: CreditPolicy<M> + Send + 'static>(name: &'static str, policy: P) -> Self
    where
        P::Memory: 'static,
    {
        PolicyBox {
            name,
            policy: Box::new(policy),
        }
    }

    /// The rule's registered name.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl<M: Model> fmt::Debug for PolicyBox<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PolicyBox({})", self.name)
    }
}

impl<M: Model> CreditPolicy<M> for PolicyBox<M> {
    type Memory = ErasedMemory;

    #[inline]
    fn limit(&self, cx: &Cx<'_, M>, memory: &mut ErasedMemory) -> Result<Limit, CreditError> {
        self.policy.limit_erased(cx, memory)
    }
    fn enforcement(&self) -> Enforcement {
        self.policy.enforcement()
    }
    fn branches(&self) -> &'static [&'static str] {
        self.policy.branches()
    }
    fn observed_invariants(&self) -> &'static [&'static str] {
        self.policy.observed_invariants()
    }
}

/// One registered rule: its declaration and its constructor.
pub struct RuleEntry<M: Model> {
    /// Its name.
    pub name: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// Its declared parameters, in constructor order.
    pub params: &'static [ParamSpec],
    /// [`Rule::READS_V1_IMBALANCE`]: `currents check` probes it as a rule of V1's imbalance.
    pub reads_v1_imbalance: bool,
    build: fn(&[f64]) -> PolicyBox<M>,
    type_id: fn() -> TypeId,
}

impl<M: Model> Clone for RuleEntry<M> {
    fn clone(&self) -> Self {
        RuleEntry { ..*self }
    }
}

/// Two entries are the same rule when they have the same name (a registry holds one rule
/// per name).
impl<M: Model> PartialEq for RuleEntry<M> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl<M: Model> fmt::Debug for RuleEntry<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RuleEntry({})", self.name)
    }
}

impl<M: Model> RuleEntry<M> {
    /// The default value of every parameter, in declaration order.
    pub fn defaults(&self) -> Vec<f64> {
        crate::params::defaults(self.params)
    }

    /// Builds the rule from `values` (declaration order), each checked against its
    /// declared range; the error names `rule.param`.
    pub fn build(&self, values: &[f64]) -> Result<PolicyBox<M>, ParamError> {
        check_values(self.name, self.params, values)?;
        Ok((self.build)(values))
    }

    /// Builds the rule at its defaults.
    pub fn build_default(&self) -> PolicyBox<M> {
        (self.build)(&self.defaults())
    }

    /// The enforcement the rule uses at its defaults.
    pub fn enforcement(&self) -> Enforcement {
        CreditPolicy::enforcement(&self.build_default())
    }

    /// True when the entry builds rule type `R` (a fast path for a known type, whatever
    /// name it is registered under).
    pub fn is<R: 'static>(&self) -> bool {
        (self.type_id)() == TypeId::of::<R>()
    }
}

fn build<M: Model, R: Rule + CreditPolicy<M>>(values: &[f64]) -> PolicyBox<M>
where
    R::Memory: 'static,
{
    PolicyBox::new(R::NAME, R::from_values(values))
}

/// What a spec resolves against: a registered name with declared parameters and their
/// defaults. Implemented by [`ModelEntry`], [`RuleEntry`] and [`UserEntry`].
pub trait Declared {
    /// What kind of entry: `model`, `rule` or `user`.
    const KIND: &'static str;
    /// The registered name.
    fn name(&self) -> &'static str;
    /// One line on what it is.
    fn summary(&self) -> &'static str;
    /// The declared parameters, in constructor order.
    fn params(&self) -> &'static [ParamSpec];
    /// The values it runs with when a spec sets none (a preset's values for a preset).
    fn defaults(&self) -> Vec<f64>;
}

impl<M: Model> Declared for RuleEntry<M> {
    const KIND: &'static str = "rule";
    fn name(&self) -> &'static str {
        self.name
    }
    fn summary(&self) -> &'static str {
        self.summary
    }
    fn params(&self) -> &'static [ParamSpec] {
        self.params
    }
    fn defaults(&self) -> Vec<f64> {
        RuleEntry::defaults(self)
    }
}

/// A user type's declaration: its parameters and how to build it from their values (the
/// shape of [`Rule`]). How it draws is its [`crate::model::Behaviour`]
/// implementation.
pub trait UserType: Sized {
    /// The name specs use (`user = "…"`).
    const NAME: &'static str;
    /// One line on what the user does.
    const SUMMARY: &'static str;
    /// The declared parameters, in the order [`UserType::from_values`] receives them.
    const PARAMS: &'static [ParamSpec];
    /// Builds the behaviour from checked values (same order as [`UserType::PARAMS`]).
    fn from_values(values: &[f64]) -> Self;
}

/// A model's declaration: the parameters that build it (for V1: the send-volume window and
/// the genesis credit). The shape of [`Rule`] for models.
pub trait ModelType: Model + Sized {
    /// The name specs use (`model = "v1"`).
    const NAME: &'static str;
    /// One line on what the model is.
    const SUMMARY: &'static str;
    /// The declared parameters, in the order [`ModelType::from_values`] receives them.
    const PARAMS: &'static [ParamSpec];
    /// Builds the model from checked values (same order as [`ModelType::PARAMS`]).
    fn from_values(values: &[f64]) -> Self;
}

/// One registered model: its declaration and its constructor.
pub struct ModelEntry<M> {
    /// Its name.
    pub name: &'static str,
    /// One line on what it is.
    pub summary: &'static str,
    /// Its declared parameters.
    pub params: &'static [ParamSpec],
    build: fn(&[f64]) -> M,
}

impl<M> Clone for ModelEntry<M> {
    fn clone(&self) -> Self {
        ModelEntry { ..*self }
    }
}

impl<M> fmt::Debug for ModelEntry<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ModelEntry({})", self.name)
    }
}

impl<M> PartialEq for ModelEntry<M> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl<M: Model> ModelEntry<M> {
    /// Builds the model from `values` (declaration order), each checked against its
    /// declared range.
    pub fn build(&self, values: &[f64]) -> Result<M, ParamError> {
        check_values(self.name, self.params, values)?;
        Ok((self.build)(values))
    }
}

impl<M: Model> Declared for ModelEntry<M> {
    const KIND: &'static str = "model";
    fn name(&self) -> &'static str {
        self.name
    }
    fn summary(&self) -> &'static str {
        self.summary
    }
    fn params(&self) -> &'static [ParamSpec] {
        self.params
    }
    fn defaults(&self) -> Vec<f64> {
        crate::params::defaults(self.params)
    }
}

/// The object-safe face of a [`Behaviour`] (implemented for every behaviour).
pub trait DynBehaviour<M: Model>: Send + Sync {
    /// [`Behaviour::draw`] on an erased generator and erased memory.
    fn draw_erased(
        &self,
        cx: &Cx<'_, M>,
        rng: &mut dyn Rng,
        memory: &mut ErasedMemory,
    ) -> Draw<M::Payment>;
    /// [`Behaviour::paths`].
    fn paths(&self) -> &'static [&'static str];
}

impl<M: Model, B: Behaviour<M> + Send> DynBehaviour<M> for B
where
    B::Memory: 'static,
{
    #[inline]
    fn draw_erased(
        &self,
        cx: &Cx<'_, M>,
        rng: &mut dyn Rng,
        memory: &mut ErasedMemory,
    ) -> Draw<M::Payment> {
        memory.with(|m: &mut B::Memory| self.draw(cx, rng, m))
    }
    fn paths(&self) -> &'static [&'static str] {
        Behaviour::paths(self)
    }
}

/// A user behaviour built from the registry: any [`Behaviour`] for `M`, behind one type.
pub struct BehaviourBox<M: Model> {
    name: &'static str,
    behaviour: Box<dyn DynBehaviour<M>>,
}

impl<M: Model> BehaviourBox<M> {
    /// Wraps a behaviour under `name`.
    pub fn new<B: Behaviour<M> + Send + 'static>(name: &'static str, behaviour: B) -> Self
    where
        B::Memory: 'static,
    {
        BehaviourBox {
            name,
            behaviour: Box::new(behaviour),
        }
    }

    /// The user's registered name.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl<M: Model> fmt::Debug for BehaviourBox<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BehaviourBox({})", self.name)
    }
}

impl<M: Model> Behaviour<M> for BehaviourBox<M> {
    type Memory = ErasedMemory;

    #[inline]
    fn draw<R: Rng + ?Sized>(
        &self,
        cx: &Cx<'_, M>,
        rng: &mut R,
        memory: &mut ErasedMemory,
    ) -> Draw<M::Payment> {
        let mut rng = rng;
        self.behaviour.draw_erased(cx, &mut rng, memory)
    }
    fn paths(&self) -> &'static [&'static str] {
        self.behaviour.paths()
    }
}

/// One registered user behaviour: its declaration, its values (a preset's, or the declared
/// defaults) and its constructor.
pub struct UserEntry<M: Model> {
    /// Its name.
    pub name: &'static str,
    /// One line on what it models.
    pub summary: &'static str,
    /// Its declared parameters.
    pub params: &'static [ParamSpec],
    values: Vec<f64>,
    build: fn(&[f64]) -> BehaviourBox<M>,
    type_id: fn() -> TypeId,
}

impl<M: Model> Clone for UserEntry<M> {
    fn clone(&self) -> Self {
        UserEntry {
            values: self.values.clone(),
            ..*self
        }
    }
}

impl<M: Model> fmt::Debug for UserEntry<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserEntry({})", self.name)
    }
}

impl<M: Model> PartialEq for UserEntry<M> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.values == other.values
    }
}

impl<M: Model> UserEntry<M> {
    /// Builds the behaviour from `values` (declaration order), each checked against its
    /// declared range.
    pub fn build(&self, values: &[f64]) -> Result<BehaviourBox<M>, ParamError> {
        check_values(self.name, self.params, values)?;
        let mut b = (self.build)(values);
        b.name = self.name; // a preset's box carries the preset's name
        Ok(b)
    }

    /// True when the entry builds behaviour type `U`.
    pub fn is<U: 'static>(&self) -> bool {
        (self.type_id)() == TypeId::of::<U>()
    }
}

impl<M: Model> Declared for UserEntry<M> {
    const KIND: &'static str = "user";
    fn name(&self) -> &'static str {
        self.name
    }
    fn summary(&self) -> &'static str {
        self.summary
    }
    fn params(&self) -> &'static [ParamSpec] {
        self.params
    }
    fn defaults(&self) -> Vec<f64> {
        self.values.clone()
    }
}

fn build_user<M: Model, U: UserType + Behaviour<M> + Send + 'static>(
    values: &[f64],
) -> BehaviourBox<M>
where
    U::Memory: 'static,
{
    BehaviourBox::new(U::NAME, U::from_values(values))
}

/// A name that no entry has: names the kind, the name and every known name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {name:?} (known: {known})")]
pub struct UnknownName {
    /// What was looked up (`rule`).
    pub kind: &'static str,
    /// The name given.
    pub name: String,
    /// The known names, comma-separated.
    pub known: String,
}

/// The models, rules and user behaviours known for model type `M`, each in registration
/// order (the first of each is the default a spec that names none runs).
pub struct Registry<M: Model> {
    models: Vec<ModelEntry<M>>,
    rules: Vec<RuleEntry<M>>,
    users: Vec<UserEntry<M>>,
}

impl<M: Model> Clone for Registry<M> {
    fn clone(&self) -> Self {
        Registry {
            models: self.models.clone(),
            rules: self.rules.clone(),
            users: self.users.clone(),
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
        }
    }

    /// Registers the model type `M` itself under [`ModelType::NAME`] (a registry is for one
    /// model type; a second call replaces the first).
    pub fn model(mut self) -> Self
    where
        M: ModelType,
    {
        let entry = ModelEntry {
            name: M::NAME,
            summary: M::SUMMARY,
            params: M::PARAMS,
            build: M::from_values,
        };
        upsert(&mut self.models, entry, |e| e.name == M::NAME);
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
        if let Err(e) = check_values(name, U::PARAMS, values) {
            panic!("user preset {name}: {e}");
        }
        let entry = UserEntry {
            name,
            summary,
            params: U::PARAMS,
            values: values.to_vec(),
            build: build_user::<M, U>,
            type_id: TypeId::of::<U>,
        };
        upsert(&mut self.users, entry, |e| e.name == name);
        self
    }

    /// Every model, in registration order.
    pub fn models(&self) -> &[ModelEntry<M>] {
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
    pub fn find_user(&self, name: &str) -> Result<&UserEntry<M>, UnknownName> {
        find_in(&self.users, name)
    }

    /// Registers rule `R`; a rule registered under a name already present replaces it.
    pub fn rule<R: Rule + CreditPolicy<M>>(mut self) -> Self
    where
        R::Memory: 'static,
    {
        let entry = RuleEntry {
            name: R::NAME,
            summary: R::SUMMARY,
            params: R::PARAMS,
            reads_v1_imbalance: R::READS_V1_IMBALANCE,
            build: build::<M, R>,
            type_id: TypeId::of::<R>,
        };
        upsert(&mut self.rules, entry, |e| e.name == R::NAME);
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
