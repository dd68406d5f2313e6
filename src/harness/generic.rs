//! The checks of any model from its registry alone: [`ModelChecks`], its own laws and
//! tapes (if any) beside the generic ones, on cells the registry resolves.

use crate::catalog::{Invariant, report_order};
use crate::model::Model;
use crate::params::ParamError;
use crate::registry::{BehaviourBox, Chosen, Registry, RuleEntry, RunSpec};
use crate::spec::{EdgeFile, Limits, SpecError};

use super::cell::CellArgs;
use super::check::{ModelCell, NoTapes, check_cells};
use super::laws::{Laws, NoLaws};
use super::replay::{ReplayFinding, ReplayInput, replay_cell, tally_findings};
use super::report::HarnessReport;
use super::tape::Tapes;
use super::walk::walk_tape;
use super::{Checks, HarnessConfig};

/// A model's checks built from its registry: the seeded runs of each cell (by default the
/// registry's first model and user at their values), the model's own `laws` beside the
/// generic ones, and a shrinking search over its `tapes` when it has them. What a model
/// registered without checks of its own is checked with (`ModelChecks::generic`).
#[derive(Debug, Clone, Default)]
pub struct ModelChecks<L, T> {
    /// The model's own laws.
    pub(crate) laws: L,
    /// The model's tapes, if it has any.
    pub(crate) tapes: Option<T>,
}

impl ModelChecks<NoLaws, NoTapes> {
    /// The generic laws only, on seeded runs, no tapes.
    pub(crate) fn generic() -> Self {
        ModelChecks {
            laws: NoLaws,
            tapes: None,
        }
    }
}

impl<L, T> ModelChecks<L, T> {
    /// The model's own `laws` and `tapes`.
    pub fn new(laws: L, tapes: T) -> Self {
        ModelChecks {
            laws,
            tapes: Some(tapes),
        }
    }
}

/// `error` about field `field` as a parameter error.
fn as_param_error(e: SpecError) -> ParamError {
    match e {
        SpecError::Value(e) => e,
        SpecError::Syntax { .. } => ParamError::new("cell", e.to_string(), "a valid cell"),
    }
}

/// The cell `cell` names, resolved against `registry` (a cell of another model is an
/// error naming `--model`); a cell that names a trading graph's file takes its edges from
/// the file of that path among `edge_files` (read by the caller).
pub(crate) fn resolve_cell<M: Model>(
    registry: &Registry<M>,
    cell: &CellArgs,
    edge_files: &[EdgeFile],
) -> Result<ModelCell<M, BehaviourBox<M>>, ParamError> {
    let mut spec = cell.to_spec().map_err(as_param_error)?;
    if let Some(file) = spec.edges_mut()
        && let Some(read) = edge_files.iter().find(|f| f.path() == file.path())
    {
        file.edges = read.edges.clone();
    }
    let spec: RunSpec<M> = spec
        .resolve(registry, &Limits::default().with_rows(false))
        .map_err(as_param_error)?;
    let model = spec.model.entry().build(spec.model.values())?;
    let behaviour = spec
        .user
        .entry()
        .build_on(spec.user.values(), spec.edges())?;
    Ok(ModelCell {
        cell: cell.clone(),
        model,
        behaviour,
    })
}

/// The cell of `registry`'s first model and user, at their values.
fn default_cell<M: Model>(registry: &Registry<M>) -> CellArgs {
    CellArgs {
        model: registry.models().first().map(|m| m.name.to_owned()),
        user: registry.users().first().map(|u| u.name.to_owned()),
        params: Vec::new(),
    }
}

impl<M, L, T> Checks<M> for ModelChecks<L, T>
where
    M: Model + Send,
    L: Laws<M> + Send,
    T: Tapes<M> + Send,
{
    fn check(
        &self,
        registry: &Registry<M>,
        rule: &Chosen<RuleEntry<M>>,
        config: &HarnessConfig,
    ) -> Result<HarnessReport, ParamError> {
        let cells = if config.cells.is_empty() {
            vec![default_cell(registry)]
        } else {
            config.cells.clone()
        };
        let cells = cells
            .iter()
            .map(|c| resolve_cell(registry, c, &config.edge_files))
            .collect::<Result<Vec<_>, _>>()?;
        let policy = rule.entry().build(rule.values())?;
        check_cells(
            &cells,
            &policy,
            &self.laws,
            self.tapes.as_ref(),
            &[],
            |_| {},
            config,
        )
    }

    fn replay(
        &self,
        registry: &Registry<M>,
        rule: &Chosen<RuleEntry<M>>,
        input: &ReplayInput,
        config: &HarnessConfig,
    ) -> Result<Vec<ReplayFinding>, ParamError> {
        let cell = resolve_cell(registry, input.cell(), &config.edge_files)?;
        let policy = rule.entry().build(rule.values())?;
        match input {
            ReplayInput::Tape { payments, .. } => {
                let Some(tapes) = &self.tapes else {
                    return Err(ParamError::new(
                        "tape",
                        format!("{:?}", payments.join(",")),
                        "a model with tapes (this one replays seeded runs: --run or --runs)",
                    ));
                };
                let tape = tapes.parse(payments)?;
                Ok(tally_findings(&walk_tape(
                    &cell.model,
                    &policy,
                    &tape,
                    &self.laws,
                    payments.len() as u64,
                )))
            }
            ReplayInput::Probe { probe, .. } => Err(ParamError::new(
                "probe",
                format!("{probe:?}"),
                "a model with probes of its rule (V1)",
            )),
            _ => Ok(replay_cell(&cell, &policy, &self.laws, input)),
        }
    }

    fn invariants(&self) -> Vec<Invariant> {
        report_order(self.laws.invariants(), &[]).unwrap_or_default()
    }
}
