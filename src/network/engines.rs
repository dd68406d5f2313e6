//! The network's engine: how the runs of a spec whose user is `uniform-pairs` (the classic
//! chain) go faster than on the boxed plan, chosen here for every workflow
//! ([`crate::registry::Engines`]); every other spec runs on the boxed plan.
//!
//! - Its user is drawn unboxed (the boxed behaviour makes every generator word a virtual
//!   call), on the one run loop, for every observer.
//! - Its `--summary` folds ([`Runs::folds`]) keep **one** state and step it in place: a
//!   summary needs no observer that reads whole states, so the second state the run loop
//!   keeps for its observers (`Stepper`: the states at t − 1 and t) is not needed, which
//!   halves the memory a step reads at a million members. Every step goes through the same
//!   functions as the run loop's — the draw ([`UniformPairs`]), the limits
//!   (`model::set_limits`), the enforcement (`model::enforced`), the transfer
//!   (`Network::outcome`, written by `Network::step_in_place`), the fold
//!   (`RunFold::push_touched` from the touched members' figures before and after) — and
//!   gives the same fold bit for bit (`tests/network_scale.rs`).
//! - The draws of `uniform-pairs` read nothing of the state (only how many members there
//!   are), so the in-place loop draws [`LOOKAHEAD`] steps ahead, from the same generator
//!   in the same order, and asks the processor to fetch the ledgers those steps will read
//!   while it computes the current one ([`prefetch`]): at a million members a step then
//!   waits for no memory.
//!
//! Both run on the engine named `exact`: the numbers are the boxed plan's, bit for bit.

use std::cell::Cell;
use std::convert::Infallible;
use std::io;
use std::ops::RangeInclusive;

use rand_core::Rng;

use crate::metrics::{MemberFigures, RunFold, TOUCHED_MAX, touched_by};
use crate::model::{
    Behaviour, CreditPolicy, Cx, Enforced, Model, Plan, RunError, StepError, Streams, WithRng,
    enforced, set_limits,
};
use crate::registry::runs::{EXACT, Engines, Runs, Sink, run_plan};
use crate::registry::{RunSpec, UserType};
use crate::rules::Static;
use crate::spec::SpecError;

use super::{Network, NetworkState, Transfer, UniformPairs};

/// How many steps ahead the in-place loop draws its transfers (and fetches their ledgers):
/// enough to cover a memory latency with the work of the steps in between, few enough that
/// the fetched lines are still in the cache when their step comes.
pub(crate) const LOOKAHEAD: usize = 32;

/// The network's engines (registered by [`super::registry`]).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NetworkEngines;

impl Engines<Network> for NetworkEngines {
    fn names(&self) -> &'static [&'static str] {
        &[EXACT]
    }

    fn fastest(&self, _: &RunSpec<Network>) -> &'static str {
        EXACT
    }

    fn runs(
        &self,
        spec: &RunSpec<Network>,
        _: &'static str,
    ) -> Result<Option<Box<dyn Runs<Network>>>, SpecError> {
        if !spec.user.entry().is::<UniformPairs>() {
            return Ok(None);
        }
        let plan = spec.plan();
        let user = UniformPairs::from_values(spec.user.values());
        let model = plan.model;
        let Enforced {
            policy,
            enforcement,
        } = plan.policy;
        // `static` (the classic chain's rule) typed; any other rule boxed.
        if spec.rule.entry().is::<Static>() {
            return Ok(Some(Box::new(PairRuns {
                plan: Plan {
                    model,
                    policy: Enforced {
                        policy: Static,
                        enforcement,
                    },
                    behaviour: user,
                },
            })));
        }
        Ok(Some(Box::new(PairRuns {
            plan: Plan {
                model,
                policy: Enforced {
                    policy,
                    enforcement,
                },
                behaviour: user,
            },
        })))
    }
}

/// The runs of a spec whose user is `uniform-pairs`: its user typed, its rule typed when
/// it is `static` (`P`), else boxed.
struct PairRuns<P> {
    plan: Plan<Network, Enforced<P>, UniformPairs>,
}

impl<P: CreditPolicy<Network> + Send> Runs<Network> for PairRuns<P> {
    fn model(&self) -> &Network {
        &self.plan.model
    }

    fn engine(&self) -> &'static str {
        EXACT
    }

    fn run(
        &self,
        streams: &Streams,
        run: u64,
        n_steps: u64,
        observer: &mut Sink<'_, Network>,
        words: Option<&Cell<u64>>,
    ) -> Result<(), RunError<io::Error>> {
        run_plan(&self.plan, streams, run, n_steps, observer, words)
    }

    /// Each run's summary fold, stepped in place ([`fold_in_place`]).
    fn folds(
        &self,
        streams: &Streams,
        runs: RangeInclusive<u64>,
        n_steps: u64,
    ) -> Vec<Result<RunFold, RunError<Infallible>>> {
        runs.map(|run| {
            streams.with_rng(
                run,
                InPlace {
                    plan: &self.plan,
                    n_steps,
                },
            )
        })
        .collect()
    }
}

/// One run's fold in place, on the generator of its run.
struct InPlace<'a, P> {
    plan: &'a Plan<Network, P, UniformPairs>,
    n_steps: u64,
}

impl<P: CreditPolicy<Network>> WithRng for InPlace<'_, P> {
    type Output = Result<RunFold, RunError<Infallible>>;
    fn with<R: Rng>(self, rng: &mut R) -> Self::Output {
        let p = self.plan;
        fold_in_place(&p.model, &p.policy, &p.behaviour, rng, self.n_steps)
    }
}

/// The summary fold (`RunFold::summary`) of a run of `n_steps` steps of `policy` and
/// `user` on `model`, drawing from `rng`, with one state stepped in place: the fold the
/// run loop gives with `SummaryFold` as its observer, bit for bit (see the module
/// documentation).
pub(crate) fn fold_in_place<P: CreditPolicy<Network>, R: Rng + ?Sized>(
    model: &Network,
    policy: &P,
    user: &UniformPairs,
    rng: &mut R,
    n_steps: u64,
) -> Result<RunFold, RunError<Infallible>> {
    let mut state = model.genesis();
    let n_members = model.n_members();
    let mut fold = RunFold::summary(n_members, |m| MemberFigures::of(model, &state, m));
    let mut memories: Vec<P::Memory> = std::iter::repeat_with(P::Memory::default)
        .take(n_members)
        .collect();
    let enforcement = policy.enforcement();
    // The transfers of steps t … t + LOOKAHEAD − 1, step s's at (s − 1) % LOOKAHEAD: drawn
    // in step order from `rng`, as the run loop draws them (the user reads no state). Kept
    // field by field, so that reading one back waits for no partly written store.
    let mut payers = [0usize; LOOKAHEAD];
    let mut payees = [0usize; LOOKAHEAD];
    let mut amounts = [0i64; LOOKAHEAD];
    let draw = |t: u64, state: &NetworkState, rng: &mut R| {
        let cx = Cx {
            model,
            t,
            prev: state,
            history: &(),
            member: 0,
        };
        let payment = Behaviour::<Network>::draw(user, &cx, rng, &mut ()).payment;
        prefetch(state, payment.payer, payment.payee);
        (payment.payer, payment.payee, payment.amount)
    };
    for slot in 0..LOOKAHEAD {
        let t = slot as u64 + 1;
        if t <= n_steps {
            (payers[slot], payees[slot], amounts[slot]) = draw(t, &state, rng);
        }
    }
    for t in 1..=n_steps {
        let at = |source: StepError| RunError::Step {
            timestep: t,
            source,
        };
        let slot = ((t - 1) % LOOKAHEAD as u64) as usize;
        let payment = Transfer {
            payer: payers[slot],
            payee: payees[slot],
            amount: amounts[slot],
        };
        let later = t + LOOKAHEAD as u64;
        if later <= n_steps {
            (payers[slot], payees[slot], amounts[slot]) = draw(later, &state, rng);
        }
        let cx = Cx {
            model,
            t,
            prev: &state,
            history: &(),
            member: 0,
        };
        let limits = set_limits(policy, &cx, &payment, &mut memories).map_err(at)?;
        let applied = enforced(&enforcement, &cx, payment).map_err(at)?;
        let mut ids = [0; TOUCHED_MAX];
        let n = touched_by(model, &limits, &applied, &mut ids);
        let ids = &ids[..n];
        // The touched members' figures before the step: a transfer's payer and payee, two
        // at most (more only when enforcement changed the payment's members, which the
        // network's never does: then they are kept in a vector).
        let before_two = [
            MemberFigures::of(model, &state, ids[0]),
            MemberFigures::of(model, &state, ids[n.min(2) - 1]),
        ];
        let before_rest: Vec<MemberFigures> = if n > 2 {
            ids.iter()
                .map(|&m| MemberFigures::of(model, &state, m))
                .collect()
        } else {
            Vec::new()
        };
        model
            .step_in_place(&mut state, &limits, applied)
            .map_err(at)?;
        // `push_touched` asks for the members in the order of `ids`.
        let mut i = 0;
        let figures = |m: usize| {
            let before = if n > 2 {
                before_rest[i]
            } else {
                before_two[i.min(1)]
            };
            i += 1;
            (before, MemberFigures::of(model, &state, m))
        };
        fold.push_touched(ids, figures, 0.0, false);
    }
    Ok(fold)
}

/// Asks the processor to fetch the ledgers of a transfer's `payer` and `payee` in `state`
/// (their balances, their limits when each member has its own, their memory of leaving
/// when members may leave) into the cache: a hint, which changes no value.
#[inline(always)]
fn prefetch(state: &NetworkState, payer: usize, payee: usize) {
    for m in [payer, payee] {
        if let Some(b) = state.balances.get(m) {
            fetch(b);
        }
        if let super::limits::MemberLimits::Each(each) = &state.limits
            && let Some(l) = each.get(m)
        {
            fetch(l);
        }
    }
    // Where members may leave, their seats' memory (none is kept elsewhere).
    if let Some(leaving) = state.leaving.as_deref() {
        for m in [payer, payee] {
            if let Some(seat) = leaving.seats.get(m) {
                fetch(seat);
            }
        }
    }
}

/// The prefetch hint for the cache line holding `x` (none on other processors).
#[inline(always)]
fn fetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` reads nothing and writes nothing: it is a hint that the line
    // holding a valid reference's address will be read soon. SSE, which it needs, is part
    // of every x86-64 processor.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(x).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}
