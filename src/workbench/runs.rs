//! The runs of a resolved spec of any model ([`AnyRuns`]): the hot paths typed inside (a
//! run's CSV rows, its summary fold, its metrics), every other observer through the views.

use std::cell::Cell;
use std::convert::Infallible;
use std::io::{self, Write};
use std::ops::RangeInclusive;

use crate::metrics::{Fold, RunFold};
use crate::model::{Beside, Flow, Ledger, Model, RunError, Streams};
use crate::registry::Runs;
use crate::trajectory_csv::{CsvRows, write_model_header};

use super::Driven;
use super::view::{AnyObserver, StateOf, Viewed};

/// The runs of one resolved spec on one engine, whatever the model's type: what every
/// workflow steps. Run `run` (1-based) of `streams` draws from the generator `simulate`
/// uses for it.
pub trait AnyRuns: Send + Sync {
    /// The engine's name.
    fn engine(&self) -> &'static str;
    /// How many runs [`AnyRuns::folds`] is best handed at a time.
    fn block_len(&self) -> u64;
    /// The model's column names (the trajectory CSV's, before the index columns).
    fn columns(&self) -> Vec<String>;
    /// How many members the model's states hold.
    fn n_members(&self) -> usize;
    /// The member groups the runs' user declares (`crate::model::Behaviour::member_groups`),
    /// if any.
    fn member_groups(&self) -> Option<crate::model::MemberGroups>;
    /// The model's genesis ledgers, one per member.
    fn genesis_ledgers(&self) -> Vec<Ledger>;
    /// Writes the trajectory CSV's header (the model's columns, then the index columns).
    fn write_header(&self, out: &mut dyn Write) -> io::Result<()>;
    /// Writes run `run`'s rows (genesis first), of subset `subset`, to `out`.
    fn write_run(
        &self,
        streams: &Streams,
        run: u64,
        n_steps: u64,
        subset: u64,
        out: &mut dyn Write,
    ) -> Result<(), RunError<io::Error>>;
    /// The summary fold (`RunFold::summary`) of each of `runs`, in run order.
    fn folds(
        &self,
        streams: &Streams,
        runs: RangeInclusive<u64>,
        n_steps: u64,
    ) -> Vec<Result<RunFold, RunError<Infallible>>>;
    /// Runs run `run`, handing its genesis state and every step to `observer`; with
    /// `words`, counts the 32-bit words its generator hands out.
    fn observe(
        &self,
        streams: &Streams,
        run: u64,
        n_steps: u64,
        observer: &mut dyn AnyObserver,
        words: Option<&Cell<u64>>,
    ) -> Result<(), RunError<io::Error>>;
    /// [`AnyRuns::observe`] with the run's metrics folded beside (`fold_len`: the run's
    /// length when the metrics should fold by it, see `RunFold::with_metrics`): the fold
    /// as far as the run went (`None` only when it failed before its genesis state), and
    /// how the run ended.
    fn metered(
        &self,
        streams: &Streams,
        run: u64,
        n_steps: u64,
        fold_len: Option<u64>,
        observer: &mut dyn AnyObserver,
        words: Option<&Cell<u64>>,
    ) -> (Option<RunFold>, Result<(), RunError<io::Error>>);
}

/// An observer that does nothing (what [`AnyRuns::metered`] is handed when only the
/// metrics are wanted).
pub struct NoObserver;

impl AnyObserver for NoObserver {
    fn step(&mut self, _: &dyn super::StepView) -> io::Result<Flow> {
        Ok(Flow::Continue)
    }
}

/// The runs of model `M` (what the registry chose for a spec, or runs a caller lends
/// [`erase_runs`]), seen as [`AnyRuns`].
pub(super) struct RunsOf<'a, M: Model>(pub(super) Held<'a, M>);

/// Runs owned (what the registry chose) or lent by a caller ([`erase_runs`]).
pub(super) enum Held<'a, M: Model> {
    /// Owned.
    Owned(Box<dyn Runs<M> + 'a>),
    /// Lent.
    Lent(&'a dyn Runs<M>),
}

impl<'a, M: Model> RunsOf<'a, M> {
    /// The runs, owned or lent.
    fn runs(&self) -> &(dyn Runs<M> + 'a) {
        match &self.0 {
            Held::Owned(runs) => &**runs,
            Held::Lent(runs) => *runs,
        }
    }
}

impl<M: Driven> AnyRuns for RunsOf<'_, M> {
    fn engine(&self) -> &'static str {
        self.runs().engine()
    }
    fn block_len(&self) -> u64 {
        self.runs().block_len()
    }
    fn columns(&self) -> Vec<String> {
        self.runs().model().columns()
    }
    fn n_members(&self) -> usize {
        self.runs().model().n_members()
    }
    fn member_groups(&self) -> Option<crate::model::MemberGroups> {
        self.runs().member_groups()
    }
    fn genesis_ledgers(&self) -> Vec<Ledger> {
        let model = self.runs().model();
        let genesis = model.genesis();
        let view = StateOf {
            model,
            state: &genesis,
        };
        (0..model.n_members())
            .map(|m| super::StateView::ledger(&view, m))
            .collect()
    }
    fn write_header(&self, out: &mut dyn Write) -> io::Result<()> {
        write_model_header(out, self.runs().model())
    }
    fn write_run(
        &self,
        streams: &Streams,
        run: u64,
        n_steps: u64,
        subset: u64,
        out: &mut dyn Write,
    ) -> Result<(), RunError<io::Error>> {
        let mut rows = CsvRows::new(self.runs().model(), out, subset, run);
        self.runs().run(streams, run, n_steps, &mut rows, None)
    }
    fn folds(
        &self,
        streams: &Streams,
        runs: RangeInclusive<u64>,
        n_steps: u64,
    ) -> Vec<Result<RunFold, RunError<Infallible>>> {
        self.runs().folds(streams, runs, n_steps)
    }
    fn observe(
        &self,
        streams: &Streams,
        run: u64,
        n_steps: u64,
        observer: &mut dyn AnyObserver,
        words: Option<&Cell<u64>>,
    ) -> Result<(), RunError<io::Error>> {
        let model = self.runs().model();
        let mut viewed = Viewed { model, observer };
        self.runs().run(streams, run, n_steps, &mut viewed, words)
    }
    fn metered(
        &self,
        streams: &Streams,
        run: u64,
        n_steps: u64,
        fold_len: Option<u64>,
        observer: &mut dyn AnyObserver,
        words: Option<&Cell<u64>>,
    ) -> (Option<RunFold>, Result<(), RunError<io::Error>>) {
        let model = self.runs().model();
        let mut both = Beside(
            Fold::with_metrics(model, fold_len).grouped(self.runs().member_groups()),
            Viewed { model, observer },
        );
        let result = self.runs().run(streams, run, n_steps, &mut both, words);
        (both.0.into_fold(), result)
    }
}

// Added for `compare` (issue 21): a library caller's typed runs (the plans of two model
// types that `compare::compare_plans` compares) go through the same type-free core as the
// runs a workbench resolves, so the caller's borrowed runs are lent as `AnyRuns`.

/// `runs` (any [`Runs`] of a [`Driven`] model: a [`crate::model::Plan`], the runs a
/// registry chose) seen as [`AnyRuns`], borrowed: what a workflow written against
/// `AnyRuns` (a comparison, say) runs a caller's typed runs through.
///
/// ```
/// use currents::draws::RngKind;
/// use currents::model::{Plan, Streams};
/// use currents::network::{Network, UniformPairs};
/// use currents::rules::Static;
/// use currents::workbench::{NoObserver, erase_runs};
///
/// let plan = Plan { model: Network::new(3, 2).unwrap(), policy: Static, behaviour: UniformPairs::default() };
/// let runs = erase_runs(&plan);
/// assert_eq!((runs.engine(), runs.n_members()), ("exact", 3));
/// let streams = Streams::new(RngKind::Chacha, 0);
/// let (fold, result) = runs.metered(&streams, 1, 10, Some(10), &mut NoObserver, None);
/// assert!(result.is_ok() && fold.is_some());
/// ```
pub fn erase_runs<'a, M: Driven, R: Runs<M>>(runs: &'a R) -> Box<dyn AnyRuns + 'a> {
    Box::new(RunsOf(Held::Lent(runs)))
}
