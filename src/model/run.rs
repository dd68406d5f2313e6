//! The one run loop: a [`Stepper`] takes one step of a (model, policy, behaviour) and
//! hands its [`StepEvent`] to an [`Observer`]; [`run`] takes `n_steps` of them.

use rand_core::Rng;

use super::{Behaviour, CreditPolicy, Cx, Draw, Model, StepError, StepLimits};

/// Whether the run goes on after an observer has seen a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Take the next step.
    Continue,
    /// Stop the run here (for example: a counterexample was found).
    Stop,
}

/// One step, as observers see it.
pub struct StepEvent<'a, M: Model + ?Sized> {
    /// The step (1-based).
    pub t: u64,
    /// The state at `t − 1`.
    pub prev: &'a M::State,
    /// The state at `t`.
    pub next: &'a M::State,
    /// The limits the policy set for this step, with their branches: one for each member
    /// the payment involves ([`Model::members`]).
    pub limits: StepLimits,
    /// The payment the behaviour drew, and its paths.
    pub drawn: Draw<M::Payment>,
    /// The payment that happened after enforcement.
    pub applied: M::Payment,
}

impl<M: Model + ?Sized> StepEvent<'_, M> {
    /// True when enforcement changed the payment.
    pub(crate) fn restricted(&self) -> bool {
        self.drawn.payment != self.applied
    }
}

/// Receives the genesis state and every step of a run: a CSV writer, a summary, metrics,
/// an invariant checker. Return [`Flow::Stop`] to end the run early.
pub trait Observer<M: Model + ?Sized> {
    /// What stops the run when observing fails (a write error, say).
    type Error;

    /// Sees the state at timestep 0. Default: nothing.
    fn genesis(&mut self, _state: &M::State) -> Result<(), Self::Error> {
        Ok(())
    }

    /// Sees one step.
    fn step(&mut self, event: &StepEvent<'_, M>) -> Result<Flow, Self::Error>;
}

impl<M: Model + ?Sized, O: Observer<M> + ?Sized> Observer<M> for &mut O {
    type Error = O::Error;
    fn genesis(&mut self, state: &M::State) -> Result<(), Self::Error> {
        (**self).genesis(state)
    }
    fn step(&mut self, event: &StepEvent<'_, M>) -> Result<Flow, Self::Error> {
        (**self).step(event)
    }
}

/// Two observers side by side: both see every step; the run stops when either asks.
impl<M: Model + ?Sized, A: Observer<M>, B: Observer<M, Error = A::Error>> Observer<M> for (A, B) {
    type Error = A::Error;
    fn genesis(&mut self, state: &M::State) -> Result<(), Self::Error> {
        self.0.genesis(state)?;
        self.1.genesis(state)
    }
    fn step(&mut self, event: &StepEvent<'_, M>) -> Result<Flow, Self::Error> {
        let a = self.0.step(event)?;
        let b = self.1.step(event)?;
        Ok(if a == Flow::Stop || b == Flow::Stop {
            Flow::Stop
        } else {
            Flow::Continue
        })
    }
}

/// An observer that cannot fail (`I`, a fold, say) beside any other (`O`): both see every
/// step; the run stops when either asks, and only `O`'s errors stop it.
pub(crate) struct Beside<I, O>(pub I, pub O);

impl<M, I, O> Observer<M> for Beside<I, O>
where
    M: Model + ?Sized,
    I: Observer<M, Error = std::convert::Infallible>,
    O: Observer<M>,
{
    type Error = O::Error;
    fn genesis(&mut self, state: &M::State) -> Result<(), Self::Error> {
        let Ok(()) = self.0.genesis(state);
        self.1.genesis(state)
    }
    #[inline]
    fn step(&mut self, event: &StepEvent<'_, M>) -> Result<Flow, Self::Error> {
        let Ok(a) = self.0.step(event);
        let b = self.1.step(event)?;
        Ok(if a == Flow::Stop || b == Flow::Stop {
            Flow::Stop
        } else {
            Flow::Continue
        })
    }
}

/// The null observer: sees nothing, never stops (for stepping a run by hand).
impl<M: Model + ?Sized> Observer<M> for () {
    type Error = std::convert::Infallible;
    fn step(&mut self, _: &StepEvent<'_, M>) -> Result<Flow, Self::Error> {
        Ok(Flow::Continue)
    }
}

/// An observer made of a closure that sees every state with its timestep (the genesis
/// state at 0): the shape of a CSV writer or a summary.
pub struct EachState<F>(pub F);

impl<M, E, F> Observer<M> for EachState<F>
where
    M: Model + ?Sized,
    F: FnMut(u64, &M::State) -> Result<(), E>,
{
    type Error = E;
    fn genesis(&mut self, state: &M::State) -> Result<(), E> {
        (self.0)(0, state)
    }
    #[inline]
    fn step(&mut self, event: &StepEvent<'_, M>) -> Result<Flow, E> {
        (self.0)(event.t, event.next)?;
        Ok(Flow::Continue)
    }
}

/// An observer made of a closure that sees every step's event (not the genesis state).
pub struct EachStep<F>(pub F);

impl<M, E, F> Observer<M> for EachStep<F>
where
    M: Model + ?Sized,
    F: FnMut(&StepEvent<'_, M>) -> Result<(), E>,
{
    type Error = E;
    #[inline]
    fn step(&mut self, event: &StepEvent<'_, M>) -> Result<Flow, E> {
        (self.0)(event)?;
        Ok(Flow::Continue)
    }
}

/// A failure of a run: a step failed, or an observer did.
#[derive(Debug, thiserror::Error)]
pub enum RunError<E> {
    /// A step failed (impossible under validated parameters and a policy that keeps its
    /// contract; see [`StepError`]).
    #[error("step {timestep}: {source}")]
    Step {
        /// The timestep that could not be computed.
        timestep: u64,
        /// Why.
        source: StepError,
    },
    /// The observer returned an error (for example, writing failed).
    #[error(transparent)]
    Observe(E),
}

/// A run in progress: the state, the history behind it and the memories of the policy and
/// the behaviour. [`Stepper::step`] is the body of the one run loop.
pub struct Stepper<'a, M: Model, P: CreditPolicy<M>, B: Behaviour<M>> {
    model: &'a M,
    policy: &'a P,
    behaviour: &'a B,
    enforcement: super::Enforcement,
    state: M::State,
    /// The state the next step is written into ([`Model::step_into`]): the state before
    /// `state` (t − 2), or a copy of `state`; swapped with it after every step.
    spare: M::State,
    /// True when `spare` is neither (a step or an observer failed after writing into it):
    /// the next step first copies `state` into it.
    spare_stale: bool,
    history: M::History,
    /// The policy's memory of each member (its limit is set from its own history).
    policy_memory: Vec<P::Memory>,
    behaviour_memory: B::Memory,
    t: u64,
}

/// A copy of the run in progress (a benchmark's warm start, a fork of a run), when both
/// memories can be copied.
impl<M: Model, P: CreditPolicy<M>, B: Behaviour<M>> Clone for Stepper<'_, M, P, B>
where
    P::Memory: Clone,
    B::Memory: Clone,
{
    fn clone(&self) -> Self {
        Stepper {
            state: self.state.clone(),
            spare: self.spare.clone(),
            history: self.history.clone(),
            policy_memory: self.policy_memory.clone(),
            behaviour_memory: self.behaviour_memory.clone(),
            ..*self
        }
    }
}

impl<'a, M: Model, P: CreditPolicy<M>, B: Behaviour<M>> Stepper<'a, M, P, B> {
    /// A run at its genesis state, its history sized for `n_steps` steps.
    pub fn new(model: &'a M, policy: &'a P, behaviour: &'a B, n_steps: u64) -> Self {
        let state = model.genesis();
        let history = model.history(&state, n_steps);
        Stepper {
            model,
            policy,
            behaviour,
            enforcement: policy.enforcement(),
            spare: state.clone(),
            spare_stale: false,
            state,
            history,
            policy_memory: std::iter::repeat_with(P::Memory::default)
                .take(model.n_members())
                .collect(),
            behaviour_memory: B::Memory::default(),
            t: 0,
        }
    }

    /// The current state (the genesis state before the first step).
    pub fn state(&self) -> &M::State {
        &self.state
    }

    /// The history of the states so far.
    pub fn history(&self) -> &M::History {
        &self.history
    }

    /// The steps taken so far.
    pub fn t(&self) -> u64 {
        self.t
    }

    /// The model.
    pub fn model(&self) -> &'a M {
        self.model
    }

    /// Takes up to `n_steps` steps, handing every step to `observer`, which may stop the run
    /// early; a stepper still at its genesis state hands that to `observer` first. On an
    /// error the stepper is left at the last state reached, so a caller can still read it
    /// ([`run`] is this on a new stepper).
    pub fn run<R: Rng + ?Sized, O: Observer<M> + ?Sized>(
        &mut self,
        rng: &mut R,
        n_steps: u64,
        observer: &mut O,
    ) -> Result<(), RunError<O::Error>> {
        if self.t == 0 {
            observer.genesis(&self.state).map_err(RunError::Observe)?;
        }
        for _ in 0..n_steps {
            if self.step(rng, observer)? == Flow::Stop {
                break;
            }
        }
        Ok(())
    }

    /// Takes one step, drawing from `rng`, and hands its event to `observer`.
    ///
    /// On an error the run is left at the previous state.
    #[inline]
    pub fn step<R: Rng + ?Sized, O: Observer<M> + ?Sized>(
        &mut self,
        rng: &mut R,
        observer: &mut O,
    ) -> Result<Flow, RunError<O::Error>> {
        let t = self.t + 1;
        let at = |source| RunError::Step {
            timestep: t,
            source,
        };
        let cx = Cx {
            model: self.model,
            t,
            prev: &self.state,
            history: &self.history,
            member: 0,
        };
        // The draw and the limits both read the previous state only, so their order does
        // not change a number; the draw comes first because it names the members whose
        // limits the step sets.
        let drawn = self.behaviour.draw(&cx, rng, &mut self.behaviour_memory);
        let limits =
            set_limits(self.policy, &cx, &drawn.payment, &mut self.policy_memory).map_err(at)?;
        let applied = enforced(&self.enforcement, &cx, drawn.payment).map_err(at)?;
        // The step is written into the spare state, which holds t − 2 (or a copy of t − 1):
        // `step_into`'s contract. Until the step and its observers succeed it is marked
        // stale, so that after any error the next step starts from a copy of t − 1.
        if self.spare_stale {
            self.spare.clone_from(&self.state);
        }
        self.spare_stale = true;
        self.model
            .step_into(
                &self.state,
                &self.history,
                &limits,
                applied,
                &mut self.spare,
            )
            .map_err(at)?;
        let flow = observer
            .step(&StepEvent {
                t,
                prev: &self.state,
                next: &self.spare,
                limits,
                drawn,
                applied,
            })
            .map_err(RunError::Observe)?;
        // Recorded only once every observer has seen the step: on any error the stepper is
        // still wholly at t − 1 (state, history, t).
        self.model.record(&mut self.history, &self.spare);
        std::mem::swap(&mut self.state, &mut self.spare);
        self.spare_stale = false;
        self.t = t;
        Ok(flow)
    }
}

/// The limits of step `cx.t` for the members `payment` involves ([`Model::members`]), each
/// set by `policy` from that member's view (`Cx::member`) and its own memory in
/// `memories`, and refused when negative or not finite: the one place a step's limits are
/// set ([`Stepper::step`], and a model's engines that step a run their own way).
#[inline(always)]
pub(crate) fn set_limits<M: Model, P: CreditPolicy<M>>(
    policy: &P,
    cx: &Cx<'_, M>,
    payment: &M::Payment,
    memories: &mut [P::Memory],
) -> Result<StepLimits, StepError> {
    StepLimits::try_from_fn(cx.model.members(payment), |member| {
        let memory = memories.get_mut(member).ok_or(StepError::NoSuchMember {
            member,
            n_members: cx.model.n_members(),
        })?;
        let limit = policy.limit(&Cx { member, ..*cx }, memory)?;
        // NaN is neither finite nor >= 0.
        if !(limit.value.is_finite() && limit.value >= 0.0) {
            return Err(StepError::BadLimit {
                value: limit.value,
                branch: limit.branch,
            });
        }
        Ok(limit)
    })
}

/// The payment that happens when `payment` was drawn at step `cx.t` under `enforcement`
/// (the drawn one when there is none): the one place enforcement is applied.
#[inline]
pub(crate) fn enforced<M: Model>(
    enforcement: &super::Enforcement,
    cx: &Cx<'_, M>,
    payment: M::Payment,
) -> Result<M::Payment, StepError> {
    if enforcement.is_none() {
        Ok(payment)
    } else {
        cx.model.enforce(enforcement, cx.prev, cx.history, payment)
    }
}

/// Runs `n_steps` steps of `policy` and `behaviour` on `model`, drawing from `rng`: the
/// genesis state and every step go to `observer`, which may stop the run early.
///
/// This is the one run loop: simulate, check, scenarios, sweeps, compare and the fuzz
/// laws all run through it.
///
/// A year of the notebook (V1, its rule and its user) on a ChaCha stream, counting the
/// payments that take the balance past the limit they were made under:
///
/// ```
/// use currents::model::{EachStep, Model, payment_breaks_limit, run};
/// use currents::v1::{NotebookUser, Params, V1, V1Rule};
///
/// let params = Params::default();
/// let model = V1::<currents::v1::StreamingHistory>::new(&params);
/// let (mut over, mut steps) = (0, 0);
/// let mut count = EachStep(|e: &currents::model::StepEvent<'_, V1<_>>| -> Result<(), ()> {
///     let (prev, next) = (model.ledger(e.prev, 0), model.ledger(e.next, 0));
///     over += u32::from(payment_breaks_limit(&prev, &next));
///     steps += 1;
///     Ok(())
/// });
/// let mut rng = currents::draws::chacha_rng(0, 0, 1);
/// run(&model, &V1Rule::default(), &NotebookUser::from_params(&params), &mut rng, 365, &mut count)
///     .unwrap();
/// assert_eq!(steps, 365);
/// assert!(over < steps);
/// ```
pub fn run<M, P, B, R, O>(
    model: &M,
    policy: &P,
    behaviour: &B,
    rng: &mut R,
    n_steps: u64,
    observer: &mut O,
) -> Result<(), RunError<O::Error>>
where
    M: Model,
    P: CreditPolicy<M>,
    B: Behaviour<M>,
    R: Rng + ?Sized,
    O: Observer<M> + ?Sized,
{
    Stepper::new(model, policy, behaviour, n_steps).run(rng, n_steps, observer)
}
