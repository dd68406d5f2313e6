//! The one registry: credit rules by name, for a model, built-ins and a user's alike.
//!
//! A [`Registry`] maps a rule's name to its declaration (summary, parameters) and to a
//! constructor that validates parameter values and returns the rule as a [`PolicyBox`], a
//! [`CreditPolicy`] whose concrete type is erased so that one run loop drives any rule named
//! at run time. Built-ins are registered exactly as a user's rule is
//! ([`Registry::rule`]), in the same list; no lookup special-cases them.
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

use std::any::Any;
use std::fmt;

use crate::V1Rule;
use crate::history::History;
use crate::model::{CreditError, CreditPolicy, Cx, Enforcement, Limit, Model};
use crate::params::ParamError;
use crate::rules::{
    CreditPeriod, FixedBand, ParamSpec, Rule, Static, Turnover, V1NoFallback, V1Strict,
};
use crate::v1::V1;

/// A policy's memory with its type erased (created on the first step).
#[derive(Default)]
pub struct ErasedMemory(Option<Box<dyn Any + Send>>);

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
        // A memory starts empty and is filled by the first policy that uses it. One run
        // loop gives one policy one memory; a memory handed to a policy of another type
        // (only possible by calling `limit` by hand) is started afresh, not a panic.
        if let Some(m) = memory
            .0
            .as_mut()
            .and_then(|m| m.downcast_mut::<P::Memory>())
        {
            return self.limit(cx, m);
        }
        let mut fresh = P::Memory::default();
        let limit = self.limit(cx, &mut fresh);
        memory.0 = Some(Box::new(fresh));
        limit
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
        crate::rules::defaults(self.params)
    }

    /// Builds the rule from `values` (declaration order), each checked against its
    /// declared range; the error names `rule.param`.
    pub fn build(&self, values: &[f64]) -> Result<PolicyBox<M>, ParamError> {
        if values.len() != self.params.len() {
            return Err(ParamError::new(
                "rule parameters",
                values.len(),
                format!("{} values for {}", self.params.len(), self.name),
            ));
        }
        for (spec, &v) in self.params.iter().zip(values) {
            spec.check(spec.name, v)?;
        }
        Ok((self.build)(values))
    }

    /// Builds the rule from values already checked against its declaration (a sweep
    /// cell's, a compare side's).
    pub(crate) fn build_checked(&self, values: &[f64]) -> PolicyBox<M> {
        debug_assert!(
            self.build(values).is_ok(),
            "{}: unchecked values",
            self.name
        );
        (self.build)(values)
    }

    /// Builds the rule at its defaults.
    pub fn build_default(&self) -> PolicyBox<M> {
        (self.build)(&self.defaults())
    }

    /// The enforcement the rule uses at its defaults.
    pub fn enforcement(&self) -> Enforcement {
        CreditPolicy::enforcement(&self.build_default())
    }
}

fn build<M: Model, R: Rule + CreditPolicy<M>>(values: &[f64]) -> PolicyBox<M>
where
    R::Memory: 'static,
{
    PolicyBox::new(R::NAME, R::from_values(values))
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

/// The rules known for model `M`, in registration order.
pub struct Registry<M: Model> {
    rules: Vec<RuleEntry<M>>,
}

impl<M: Model> Clone for Registry<M> {
    fn clone(&self) -> Self {
        Registry {
            rules: self.rules.clone(),
        }
    }
}

impl<M: Model> Default for Registry<M> {
    fn default() -> Self {
        Registry::new()
    }
}

impl<M: Model> Registry<M> {
    /// An empty registry.
    pub fn new() -> Self {
        Registry { rules: Vec::new() }
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
        };
        match self.rules.iter_mut().find(|e| e.name == R::NAME) {
            Some(slot) => *slot = entry,
            None => self.rules.push(entry),
        }
        self
    }

    /// Every rule, in registration order.
    pub fn rules(&self) -> &[RuleEntry<M>] {
        &self.rules
    }

    /// The known rule names, comma-separated.
    pub fn names(&self) -> String {
        self.rules
            .iter()
            .map(|e| e.name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The rule named `name`.
    pub fn find(&self, name: &str) -> Result<&RuleEntry<M>, UnknownName> {
        self.rules
            .iter()
            .find(|e| e.name == name)
            .ok_or_else(|| UnknownName {
                kind: "rule",
                name: name.to_owned(),
                known: self.names(),
            })
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

impl<H: History + 'static> Registry<V1<H>> {
    /// The built-in rules for V1: `currents-v1` and the four generic rules, in the order
    /// `currents policies` lists them, then the two harness variants `v1-strict` and
    /// `v1-no-fallback`.
    pub fn builtin() -> Self {
        generic_rules(Registry::new().rule::<V1Rule>())
            .rule::<V1Strict>()
            .rule::<V1NoFallback>()
    }
}

/// The built-in registry for V1 with exact means (the one the CLI's sweeps, compare and
/// findings use), built once.
pub fn builtin_v1() -> &'static Registry<V1> {
    static BUILTIN: std::sync::LazyLock<Registry<V1>> = std::sync::LazyLock::new(Registry::builtin);
    &BUILTIN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_default_is_in_its_range_and_builds() {
        let registry = Registry::<V1>::builtin();
        for r in registry.rules() {
            assert!(r.build(&r.defaults()).is_ok(), "{}", r.name);
        }
    }

    #[test]
    fn a_memory_handed_to_another_rule_starts_afresh_instead_of_panicking() {
        use crate::model::Model;
        let r = Registry::<V1>::builtin();
        let turnover = r.find("turnover").unwrap().build_default();
        let period = r.find("credit-period").unwrap().build_default();
        let model = V1::default();
        let genesis = model.genesis();
        let history = model.history(&genesis, 1);
        let cx = Cx {
            model: &model,
            t: 1,
            prev: &genesis,
            history: &history,
        };
        let mut memory = ErasedMemory::default();
        let a = turnover.limit(&cx, &mut memory).unwrap();
        let b = period.limit(&cx, &mut memory).unwrap();
        // Both are in warm-up at step 1: the genesis credit, kept.
        assert_eq!((a.value, b.value), (250.0, 250.0));
        assert_eq!((a.branch, b.branch), ("warm-up", "warm-up"));
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        let e = Registry::<V1>::builtin().find("v2").unwrap_err();
        assert_eq!(e.name, "v2");
        assert!(e.known.starts_with("currents-v1, static, fixed-band"));
    }

    #[test]
    fn out_of_range_values_are_refused_by_name() {
        let r = Registry::<V1>::builtin();
        let e = r
            .find("currents-v1")
            .unwrap()
            .build(&[5.0, 1.0, 7.0, 2.0])
            .unwrap_err();
        assert_eq!(e.field, "quad-coef");
    }
}
