//! A run of any model seen without its type: [`StateView`] and [`StepView`], what an
//! [`AnyObserver`] is handed.
//!
//! A workflow that runs models named at run time (a sweep, a comparison, a scenario report,
//! a chart) observes them through these views: the members' [`Ledger`]s, the model's row,
//! the catalog's laws on the step and the one per-run fold, each answered by the model's
//! own typed code ([`Viewed`] adapts a typed [`Observer`]'s events). A view is borrowed for
//! one call: nothing of a run outlives it.

use std::io;

use crate::catalog::{self, Invariant, StepCells};
use crate::metrics::{Metered, RunFold};
use crate::model::{Flow, Ledger, Members, Model, Observer, StepEvent, StepLimits, Value};

/// A state of some model.
pub trait StateView {
    /// How many members the state holds.
    fn n_members(&self) -> usize;
    /// Member `member`'s ledger.
    fn ledger(&self, member: usize) -> Ledger;
    /// The state's row, in the model's column order, appended to `out`.
    fn row(&self, out: &mut Vec<Value>);
    /// Reads the state into `cells` as a run's genesis state (its whole row,
    /// [`StepCells`]), before the run's steps are checked with [`StepView::check_laws`].
    fn read_genesis(&self, cells: &mut StepCells);
}

/// One step of some model: the state after it (its [`StateView`]), and what the step did.
pub trait StepView: StateView {
    /// The step (1-based).
    fn t(&self) -> u64;
    /// The members the step's payment involved.
    fn members(&self) -> Members;
    /// The limits the policy set for them, with their branches.
    fn limits(&self) -> StepLimits;
    /// Member `member`'s ledger before the step.
    fn prev_ledger(&self, member: usize) -> Ledger;
    /// The payment's size as the first member it involves sees it ([`Metered::amount`]).
    fn amount(&self) -> f64;
    /// True when enforcement changed the payment.
    fn restricted(&self) -> bool;
    /// The applied payment as the model writes it (`Debug`).
    fn payment_text(&self) -> String;
    /// Checks the catalog's generic step laws (`catalog::check_step`) on the step, reading
    /// into `cells` (which read the run's genesis state, [`StateView::read_genesis`]) the
    /// cells the step can have changed: O(1) a step for a model of several members.
    fn check_laws(&self, cells: &mut StepCells, violate: &mut dyn FnMut(Invariant, String));
    /// Folds the step into `fold` (every member's ledger and what the model meters).
    fn fold_into(&self, fold: &mut RunFold);

    // Appended for sweeps (issue 21): a sweep's trajectory CSV writes the size of the
    // payment the user drew beside the one applied, and only the typed side has the draw.
    /// The size of the payment the user drew, before enforcement ([`Metered::amount`] of
    /// the drawn payment, as [`StepView::amount`] is of the applied one).
    fn drawn_amount(&self) -> f64;

    // Added for `compare` (issue 21): a comparison checks, on each side whose model's
    // checks declare it, the conservation law of models whose members pay each other; its
    // one definition reads the typed event.

    /// Checks [`Invariant::BALANCES_SUM_TO_ZERO`] on the step
    /// (`catalog::transfer_conserves`: the balances of the members the step involves
    /// changed by amounts that sum to zero, exactly); the error says by how much they did
    /// not. Only a law of models whose members pay each other: a one-member model's payment
    /// changes its balance by the payment.
    fn transfer_conserves(&self) -> Result<(), String>;
}

/// An observer of runs of any model: the typed [`Observer`] of a workflow that does not know
/// the model's type. Its errors are I/O errors.
pub trait AnyObserver {
    /// Sees the genesis state. Default: nothing.
    fn genesis(&mut self, _state: &dyn StateView) -> io::Result<()> {
        Ok(())
    }
    /// Sees one step; [`Flow::Stop`] ends the run.
    fn step(&mut self, step: &dyn StepView) -> io::Result<Flow>;
}

/// A state of model `M`, seen as a [`StateView`].
pub struct StateOf<'a, M: Model> {
    /// The model.
    pub(crate) model: &'a M,
    /// The state.
    pub(crate) state: &'a M::State,
}

impl<M: Model> StateView for StateOf<'_, M> {
    fn n_members(&self) -> usize {
        self.model.n_members()
    }
    fn ledger(&self, member: usize) -> Ledger {
        self.model.ledger(self.state, member)
    }
    fn row(&self, out: &mut Vec<Value>) {
        self.model.row(self.state, out);
    }
    fn read_genesis(&self, cells: &mut StepCells) {
        cells.read_genesis(self.model, self.state);
    }
}

/// A step of model `M`, seen as a [`StepView`].
pub struct StepOf<'a, 'e, M: Model> {
    /// The model.
    pub(crate) model: &'a M,
    /// The step.
    pub(crate) event: &'a StepEvent<'e, M>,
}

impl<M: Metered> StateView for StepOf<'_, '_, M> {
    fn n_members(&self) -> usize {
        self.model.n_members()
    }
    fn ledger(&self, member: usize) -> Ledger {
        self.model.ledger(self.event.next, member)
    }
    fn row(&self, out: &mut Vec<Value>) {
        self.model.row(self.event.next, out);
    }
    fn read_genesis(&self, cells: &mut StepCells) {
        cells.read_genesis(self.model, self.event.next);
    }
}

impl<M: Metered> StepView for StepOf<'_, '_, M> {
    fn t(&self) -> u64 {
        self.event.t
    }
    fn members(&self) -> Members {
        self.event.limits.members()
    }
    fn limits(&self) -> StepLimits {
        self.event.limits
    }
    fn prev_ledger(&self, member: usize) -> Ledger {
        self.model.ledger(self.event.prev, member)
    }
    fn amount(&self) -> f64 {
        self.model.amount(&self.event.applied)
    }
    fn restricted(&self) -> bool {
        self.event.restricted()
    }
    fn payment_text(&self) -> String {
        format!("{:?}", self.event.applied)
    }
    fn check_laws(&self, cells: &mut StepCells, violate: &mut dyn FnMut(Invariant, String)) {
        catalog::check_step(self.model, self.event, cells, violate);
    }
    fn fold_into(&self, fold: &mut RunFold) {
        crate::metrics::fold_step(self.model, self.event, fold);
    }
    fn drawn_amount(&self) -> f64 {
        self.model.amount(&self.event.drawn.payment)
    }
    fn transfer_conserves(&self) -> Result<(), String> {
        catalog::transfer_conserves(self.model, self.event)
    }
}

/// An [`AnyObserver`] seen as a typed observer of model `M`: what a model's runs hand the
/// events of a workflow that observes them without their type.
pub struct Viewed<'a, M: Model> {
    /// The model the events are of.
    pub(crate) model: &'a M,
    /// The observer.
    pub(crate) observer: &'a mut dyn AnyObserver,
}

impl<M: Metered> Observer<M> for Viewed<'_, M> {
    type Error = io::Error;
    fn genesis(&mut self, state: &M::State) -> io::Result<()> {
        self.observer.genesis(&StateOf {
            model: self.model,
            state,
        })
    }
    fn step(&mut self, e: &StepEvent<'_, M>) -> io::Result<Flow> {
        self.observer.step(&StepOf {
            model: self.model,
            event: e,
        })
    }
}
