//! The observers that fold a run into its [`RunFold`]: [`Fold`] (every figure, the
//! metrics included) and [`SummaryFold`] (`--summary`'s, the hot path: it reads only the
//! states).

use std::convert::Infallible;

use crate::model::{Flow, Ledger, Observer, StepEvent};

use super::fold::{FoldStep, Metered, RunFold};

/// The observer that folds a run of any [`Metered`] model into its [`RunFold`] with the
/// metrics (sweeps, `compare`, scenario reports).
pub(crate) struct Fold<'a, M> {
    model: &'a M,
    /// The run's length, when known (the metrics' elasticity folds by quarters).
    n_steps: Option<u64>,
    fold: Option<RunFold>,
    members: Vec<Ledger>,
    send_volumes: Vec<f64>,
    equilibrium: Vec<(f64, f64)>,
}

impl<'a, M: Metered> Fold<'a, M> {
    /// An observer of a run of `model` of `n_steps` steps (`None`: of unknown length)
    /// folding every figure, the metrics included ([`RunFold::with_metrics`]; a summary
    /// alone is [`SummaryFold`]'s).
    pub(crate) fn with_metrics(model: &'a M, n_steps: Option<u64>) -> Self {
        Fold {
            model,
            n_steps,
            fold: None,
            members: Vec::with_capacity(model.n_members()),
            send_volumes: Vec::with_capacity(model.n_members()),
            equilibrium: Vec::with_capacity(model.n_members()),
        }
    }

    /// The fold, once the genesis state was seen.
    pub(crate) fn into_fold(self) -> Option<RunFold> {
        self.fold
    }

    /// Reads every member's ledger, send volume and means in `state`.
    #[inline]
    fn read(&mut self, state: &M::State) {
        self.members.clear();
        self.send_volumes.clear();
        self.equilibrium.clear();
        for m in 0..self.model.n_members() {
            self.members.push(self.model.ledger(state, m));
            if let Some(v) = self.model.send_volume(state, m) {
                self.send_volumes.push(v);
            }
            if let Some(e) = self.model.equilibrium(state, m) {
                self.equilibrium.push(e);
            }
        }
    }
}

impl<M: Metered> Observer<M> for Fold<'_, M> {
    type Error = Infallible;
    fn genesis(&mut self, state: &M::State) -> Result<(), Infallible> {
        self.read(state);
        self.fold = Some(RunFold::with_metrics(&self.members, self.n_steps));
        Ok(())
    }

    #[inline]
    fn step(&mut self, e: &StepEvent<'_, M>) -> Result<Flow, Infallible> {
        let model = self.model;
        if model.n_members() == 1 {
            let ledger = model.ledger(e.next, 0);
            let send_volume = model.send_volume(e.next, 0);
            let equilibrium = model.equilibrium(e.next, 0);
            if let Some(fold) = &mut self.fold {
                fold.push(&FoldStep {
                    members: std::slice::from_ref(&ledger),
                    send_volumes: send_volume.as_slice(),
                    amount: model.amount(&e.applied),
                    restricted: e.restricted(),
                    equilibrium: equilibrium.as_slice(),
                });
            }
            return Ok(Flow::Continue);
        }
        self.read(e.next);
        if let Some(fold) = &mut self.fold {
            fold.push(&FoldStep {
                members: &self.members,
                send_volumes: &self.send_volumes,
                amount: model.amount(&e.applied),
                restricted: e.restricted(),
                equilibrium: &self.equilibrium,
            });
        }
        Ok(Flow::Continue)
    }
}

/// The observer that folds a run of any [`Metered`] model into a summary
/// ([`RunFold::summary`]: `simulate --summary`'s figures, no metrics). It reads only the
/// states, so that a run loop that feeds it builds nothing else of a step: the hot path of
/// `--summary`, one member's figures on the stack.
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

    /// Folds in every member of `state` (a model of several members).
    #[cold]
    #[inline(never)]
    fn push_members(&mut self, state: &M::State) {
        let model = self.model;
        let n = model.n_members();
        let members: Vec<Ledger> = (0..n).map(|m| model.ledger(state, m)).collect();
        let equilibrium: Vec<(f64, f64)> =
            (0..n).filter_map(|m| model.equilibrium(state, m)).collect();
        if let Some(fold) = &mut self.fold {
            fold.push(&FoldStep {
                members: &members,
                send_volumes: &[],
                amount: 0.0,
                restricted: false,
                equilibrium: &equilibrium,
            });
        }
    }
}

impl<M: Metered> Observer<M> for SummaryFold<'_, M> {
    type Error = Infallible;
    fn genesis(&mut self, state: &M::State) -> Result<(), Infallible> {
        let members: Vec<Ledger> = (0..self.model.n_members())
            .map(|m| self.model.ledger(state, m))
            .collect();
        self.fold = Some(RunFold::summary(&members));
        Ok(())
    }

    #[inline(always)]
    fn step(&mut self, e: &StepEvent<'_, M>) -> Result<Flow, Infallible> {
        let model = self.model;
        if model.n_members() != 1 {
            self.push_members(e.next);
        } else if let Some(fold) = &mut self.fold {
            fold.push_summary_one(&model.ledger(e.next, 0), model.equilibrium(e.next, 0));
        }
        Ok(Flow::Continue)
    }
}
