//! The cells of a sweep ([`Cell`]: a resolved spec of any model, its index and its grid's
//! label) and the validated sweep ([`Sweep`]) they make with the settings they share.

use std::fmt;
use std::sync::Arc;

use crate::draws::RngKind;
use crate::spec::SpecError;
use crate::workbench::{AnySpec, Workbench};

use super::SweepConfig;

/// One cell of a sweep: its resolved spec (of whichever model it names), its index and its
/// grid's label. Built only by [`SweepConfig::resolve`], so its values are always valid.
#[derive(Clone)]
pub struct Cell {
    index: usize,
    label: String,
    spec: Arc<dyn AnySpec>,
}

impl fmt::Debug for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cell")
            .field("index", &self.index)
            .field("label", &self.label)
            .field("model", &self.spec.model().name)
            .field("spec", &self.spec.shorthand())
            .finish()
    }
}

impl Cell {
    pub(super) fn new(index: usize, label: String, spec: Arc<dyn AnySpec>) -> Self {
        Cell { index, label, spec }
    }

    /// Its index (0-based, across grids): the ChaCha subset of its runs.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The label of its grid.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// What its runs are: model, rule, user, their values, restriction and the settings
    /// ([`AnySpec::runs`] gives the runs themselves).
    pub fn spec(&self) -> &dyn AnySpec {
        &*self.spec
    }
}

/// A validated sweep: its cells and the settings every cell runs with.
#[derive(Debug, Clone)]
pub struct Sweep {
    rng: RngKind,
    seed: u64,
    n_runs: u64,
    n_steps: u64,
    cells: Vec<Cell>,
    /// True when some cell runs a model other than the workbench's first: the summary
    /// then names each cell's model.
    names_models: bool,
}

impl Sweep {
    /// The sweep of `cells` (at least one; every cell shares the top level's settings, the
    /// grids set none), resolved against a workbench whose first model is `default_model`.
    pub(super) fn new(cells: Vec<Cell>, default_model: &str) -> Sweep {
        let settings = cells[0].spec.settings();
        let names_models = cells.iter().any(|c| c.spec.model().name != default_model);
        Sweep {
            rng: settings.rng,
            seed: settings.seed,
            n_runs: settings.runs,
            n_steps: settings.steps,
            cells,
            names_models,
        }
    }

    /// Parses a sweep config and resolves it against `bench`
    /// ([`SweepConfig::from_toml_str`], then [`SweepConfig::resolve`]).
    pub fn from_toml_str(text: &str, bench: &Workbench) -> Result<Sweep, SpecError> {
        SweepConfig::from_toml_str(text)?.resolve(bench)
    }

    /// The cells, in order.
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    /// The generator family.
    pub fn rng(&self) -> RngKind {
        self.rng
    }

    /// The sweep seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Runs per cell.
    pub fn n_runs(&self) -> u64 {
        self.n_runs
    }

    /// Steps per run.
    pub fn n_steps(&self) -> u64 {
        self.n_steps
    }

    /// True when some cell runs a model other than the workbench's first (the default a
    /// config that names none runs): the summary then has a `model` column.
    pub(super) fn names_models(&self) -> bool {
        self.names_models
    }
}
