//! Policies and behaviours named at run time: their concrete types erased behind one
//! type each ([`PolicyBox`], [`BehaviourBox`]), with their memories ([`ErasedMemory`]), so
//! that one run loop drives whatever a spec named.

use std::any::Any;
use std::fmt;

use crate::model::{
    Behaviour, CreditError, CreditPolicy, Cx, Draw, Enforcement, Limit, MemberGroups, Model,
};
use crate::rand_core::Rng;

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
        if size_of::<T>() == 0 {
            // A memory of no size holds nothing between steps (the `static` rule's, the
            // network's user's): a fresh one is the same, and the run's memories of every
            // member are then never read (no cache line of them a step).
            return f(&mut T::default());
        }
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
    /// [`Behaviour::member_groups`].
    fn member_groups(&self, n_members: usize) -> Option<MemberGroups>;
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
    fn member_groups(&self, n_members: usize) -> Option<MemberGroups> {
        Behaviour::member_groups(self, n_members)
    }
}

/// A user behaviour built from the registry: any [`Behaviour`] for `M`, behind one type.
pub struct BehaviourBox<M: Model> {
    pub(super) name: &'static str,
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
    fn member_groups(&self, n_members: usize) -> Option<MemberGroups> {
        self.behaviour.member_groups(n_members)
    }
}
