//! The observers that fold a run into its [`RunFold`]: [`Fold`] (every figure, the
//! metrics included) and [`SummaryFold`] (`--summary`'s, the hot path: it reads only the
//! states). Both read, at each step, only the members the step touched ([`touched`]).

use std::convert::Infallible;

use crate::model::{
    Flow, MemberGroups, Observer, StepEvent, TOUCHED_MAX, step_changes_whole_state, touched_by,
};

use super::fold::{FoldStep, Metered, RunFold};
use super::totals::MemberFigures;

/// The members step `e` touched ([`touched_by`]) into `ids`; how many. Every other member
/// is as it was (the `Model` contract), so these are all a fold of several members reads
/// of a step.
#[inline]
fn touched<M: Metered + ?Sized>(
    model: &M,
    e: &StepEvent<'_, M>,
    ids: &mut [usize; TOUCHED_MAX],
) -> usize {
    touched_by(model, &e.limits, &e.applied, ids)
}

/// Folds step `e` of `model` into `fold`: a one-member model's member after the step, or
/// the members the step touched, before and after it (`RunFold::push_touched`).
#[inline(always)]
pub(crate) fn fold_step<M: Metered + ?Sized>(model: &M, e: &StepEvent<'_, M>, fold: &mut RunFold) {
    let amount = model.amount(&e.applied);
    let restricted = e.restricted();
    if step_changes_whole_state(model) {
        let now = MemberFigures::of(model, e.next, 0);
        fold.push(&FoldStep {
            now: &now,
            amount,
            restricted,
        });
    } else {
        let mut ids = [0; TOUCHED_MAX];
        let n = touched(model, e, &mut ids);
        let mut figures = |m| {
            (
                MemberFigures::of(model, e.prev, m),
                MemberFigures::of(model, e.next, m),
            )
        };
        fold.push_touched(&ids[..n], &mut figures, amount, restricted);
        if let Some(groups) = &mut fold.groups {
            let payer = model.members(&e.applied).as_slice().first().copied();
            let written_off = model.written_off(e.next) - model.written_off(e.prev);
            groups.push(&ids[..n], &mut figures, payer, written_off);
        }
    }
}

/// The observer that folds a run of any [`Metered`] model into its [`RunFold`] with the
/// metrics (sweeps, `compare`, scenario reports).
pub(crate) struct Fold<'a, M> {
    model: &'a M,
    /// The run's length, when known (the metrics' elasticity folds by quarters).
    n_steps: Option<u64>,
    /// The member groups of the run's user, whose figures are tallied per group.
    groups: Option<MemberGroups>,
    fold: Option<RunFold>,
}

impl<'a, M: Metered> Fold<'a, M> {
    /// An observer of a run of `model` of `n_steps` steps (`None`: of unknown length)
    /// folding every figure, the metrics included ([`RunFold::with_metrics`]; a summary
    /// alone is [`SummaryFold`]'s).
    pub(crate) fn with_metrics(model: &'a M, n_steps: Option<u64>) -> Self {
        Fold {
            model,
            n_steps,
            groups: None,
            fold: None,
        }
    }

    /// This observer, tallying the figures per group of `groups` too (when given, on a
    /// model of several members: `RunFold::with_groups`).
    pub(crate) fn grouped(mut self, groups: Option<MemberGroups>) -> Self {
        self.groups =
            groups.filter(|g| g.n_members() == self.model.n_members() && g.n_members() > 1);
        self
    }

    /// The fold, once the genesis state was seen.
    pub(crate) fn into_fold(self) -> Option<RunFold> {
        self.fold
    }
}

impl<M: Metered> Observer<M> for Fold<'_, M> {
    type Error = Infallible;
    fn genesis(&mut self, state: &M::State) -> Result<(), Infallible> {
        let model = self.model;
        let genesis = |m| MemberFigures::of(model, state, m);
        self.fold = Some(
            RunFold::with_metrics(model.n_members(), genesis, self.n_steps)
                .with_groups(self.groups.take(), genesis),
        );
        Ok(())
    }

    #[inline]
    fn step(&mut self, e: &StepEvent<'_, M>) -> Result<Flow, Infallible> {
        if let Some(fold) = &mut self.fold {
            fold_step(self.model, e, fold);
        }
        Ok(Flow::Continue)
    }
}

/// The observer that folds a run of any [`Metered`] model into a summary
/// ([`RunFold::summary`]: `simulate --summary`'s figures, no metrics). It reads only the
/// states, so that a run loop that feeds it builds nothing else of a step: the hot path of
/// `--summary`, one member's figures on the stack, or the touched members' of a model of
/// several.
pub(crate) struct SummaryFold<'a, M> {
    model: &'a M,
    fold: Option<RunFold>,
}

impl<'a, M: Metered> SummaryFold<'a, M> {
    /// An observer of a run of `model`.
    pub fn new(model: &'a M) -> Self {
        SummaryFold { model, fold: None }
    }

    /// The fold, once the genesis state was seen.
    pub(crate) fn into_fold(self) -> Option<RunFold> {
        self.fold
    }

    /// Folds in the members step `e` touched (a model of several members).
    #[inline]
    fn push_members(&mut self, e: &StepEvent<'_, M>) {
        let model = self.model;
        let mut ids = [0; TOUCHED_MAX];
        let n = touched(model, e, &mut ids);
        if let Some(fold) = &mut self.fold {
            let figures = |m| {
                (
                    MemberFigures::of(model, e.prev, m),
                    MemberFigures::of(model, e.next, m),
                )
            };
            fold.push_touched(&ids[..n], figures, 0.0, false);
        }
    }
}

impl<M: Metered> Observer<M> for SummaryFold<'_, M> {
    type Error = Infallible;
    fn genesis(&mut self, state: &M::State) -> Result<(), Infallible> {
        let model = self.model;
        self.fold = Some(RunFold::summary(model.n_members(), |m| {
            MemberFigures::of(model, state, m)
        }));
        Ok(())
    }

    #[inline(always)]
    fn step(&mut self, e: &StepEvent<'_, M>) -> Result<Flow, Infallible> {
        let model = self.model;
        if !step_changes_whole_state(model) {
            self.push_members(e);
        } else if let Some(fold) = &mut self.fold {
            fold.push_summary_one(&model.ledger(e.next, 0), model.equilibrium(e.next, 0));
        }
        Ok(Flow::Continue)
    }
}
