//! The harness diff: when both sides run their model's own rule on the same model, that
//! model's checks (`currents check`'s: its laws, tapes and probes) on each side's cell, and
//! each invariant's status on both sides.

use crate::harness::{CellArgs, HarnessConfig};
use crate::workbench::{AnySpec, ChosenView, Workbench};

use super::{CompareConfig, CompareError, Side};

/// One invariant of a model's harness checks on both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct HarnessDiff {
    /// The invariant's catalog name.
    pub name: &'static str,
    /// Required or observed, as the side's rule declares it.
    pub(crate) kind: &'static str,
    /// Violated on the baseline.
    pub baseline_violated: bool,
    /// Violated on the candidate.
    pub candidate_violated: bool,
}

impl HarnessDiff {
    /// True when it holds on one side and not on the other.
    pub fn changed(&self) -> bool {
        self.baseline_violated != self.candidate_violated
    }
}

/// The cell a check of `spec` runs, as the command line names it: the model when it is
/// not its registry's first, the user when it is not of the type of its model's first
/// user, and every model and user parameter whose value differs from its declared default
/// (each as [`CellArgs::value`] writes it). V1's cells (`v1::harness::cell_of`) read back
/// to the same values; a V1 check refuses a cell naming a user or a parameter its cells
/// do not set (`growth`, `bias`).
fn cell_of(spec: &dyn AnySpec) -> CellArgs {
    let (model, user) = (spec.model(), spec.user());
    let set = |c: &ChosenView| {
        c.params
            .iter()
            .zip(&c.values)
            .filter(|(p, v)| **v != p.default)
            .map(|(p, v)| (p.name.to_owned(), CellArgs::value(*v, p.integer)))
            .collect::<Vec<_>>()
    };
    let mut params = set(&user);
    params.extend(set(&model));
    if let Some(file) = spec.to_spec().edges {
        params.push(("edges".to_owned(), file.path().to_owned()));
    }
    CellArgs {
        model: (!model.first).then(|| model.name.to_owned()),
        user: (!user.first_type).then(|| user.name.to_owned()),
        params,
    }
}

/// True when a side runs its model's own rule (of the type of the registry's first rule:
/// V1's `currents-v1`, at any values) under the rule's own restriction: what the model's
/// checks drive.
fn checks_its_rule(spec: &dyn AnySpec) -> bool {
    spec.rule().first_type && spec.restriction() == spec.rule_restriction()
}

/// Runs the harness checks of the sides' model on both sides when both run that model's
/// own rule under its own restriction and the model's checks accept both sides' cells
/// ([`Side::spec`]'s model and user values; V1's accept the notebook's user without
/// growth or bias, at any parameter values): min(runs, 3) runs × min(steps, 200) steps on
/// each side's cell and rule values with the comparison's seed and generator, 64 generated
/// tapes. `None` for any other pair — sides on different models, another rule or
/// restriction, a cell the checks refuse. An error only for settings the checks cannot run
/// (none that `CompareConfig::validate` accepts: the checks run no more runs than the
/// comparison, so a numpy seed that fits the comparison's fits theirs).
pub(crate) fn harness_diff(
    baseline: &Side,
    candidate: &Side,
    config: &CompareConfig,
    bench: &Workbench,
) -> Result<Option<Vec<HarnessDiff>>, CompareError> {
    let (a, b) = (baseline.spec(), candidate.spec());
    let model = a.model().name;
    if model != b.model().name || !checks_its_rule(a) || !checks_its_rule(b) {
        return Ok(None);
    }
    let Ok(checks) = bench.find(Some(model)) else {
        return Ok(None);
    };
    let config_of = |spec: &dyn AnySpec| HarnessConfig {
        cells: vec![cell_of(spec)],
        edge_files: spec.to_spec().edges.into_iter().collect(),
        // At most the comparison's runs, so that any seed the comparison accepts (with
        // numpy, seed + runs - 1 fits 32 bits) the checks accept too.
        n_runs: config.n_runs.min(3),
        n_steps: config.n_steps.min(200),
        seed: config.seed,
        rngs: vec![config.rng],
        tape_cases: 64,
        ..HarnessConfig::default()
    };
    // The rule and its values as the side names them (nothing else of the spec is read).
    let check =
        |spec: &dyn AnySpec, config: &HarnessConfig| checks.check(&spec.to_spec(), config).ok();
    if let Err(e) = config_of(a).validate() {
        // Settings the checks cannot run are an error for a pair they would check: whether
        // they accept the cells is asked with the least check (one step, no tapes).
        let least = |spec: &dyn AnySpec| HarnessConfig {
            n_runs: 1,
            n_steps: 1,
            rngs: vec![crate::draws::RngKind::Chacha],
            tape_cases: 0,
            threads: vec![1],
            probe_rule: false,
            seed: 0,
            ..config_of(spec)
        };
        let accepted = |spec: &dyn AnySpec| check(spec, &least(spec)).is_some();
        return if accepted(a) && accepted(b) {
            Err(e)
        } else {
            Ok(None)
        };
    }
    let Some(ra) = check(a, &config_of(a)) else {
        return Ok(None);
    };
    let Some(rb) = check(b, &config_of(b)) else {
        return Ok(None);
    };
    // Each invariant of the baseline's report with its status in the candidate's (the same
    // list: one model, one rule type).
    Ok(Some(
        ra.invariants
            .iter()
            .filter_map(|x| {
                let y = rb.invariants.iter().find(|y| y.invariant == x.invariant)?;
                Some(HarnessDiff {
                    name: x.invariant.name(),
                    kind: x.kind.name(),
                    baseline_violated: x.violated(),
                    candidate_violated: y.violated(),
                })
            })
            .collect(),
    ))
}
