//! V1 through the invariant harness: its cells (the notebook's defaults and the four
//! parameter sets of the cadCAD reference files), its own laws ([`V1Laws`]), its tapes
//! (`V1Tapes`) and its rule probes ([`Probe`]), joined in [`check_rule`] — a V1 credit
//! policy through the whole catalog three ways: seeded Monte Carlo runs over the cells with
//! both generator families, a proptest search over transaction tapes that shrinks every
//! violation to a minimal tape, and probes of the rule on a grid of inputs. `V1Checks` is
//! what V1 gives `currents check` and `currents replay`.
//!
//! ```
//! use currents::catalog::Invariant;
//! use currents::harness::HarnessConfig;
//! use currents::model::{CreditError, CreditPolicy, Cx, Limit};
//! use currents::v1::harness::check_rule;
//! use currents::v1::{History, V1};
//!
//! /// Credit is the average send volume, scaled down linearly as |s| grows to 1.
//! struct Linear;
//!
//! impl<H: History> CreditPolicy<V1<H>> for Linear {
//!     type Memory = ();
//!     fn limit(&self, cx: &Cx<'_, V1<H>>, _: &mut ()) -> Result<Limit, CreditError> {
//!         let p = cx.prev;
//!         if p.n_transactions < 7 {
//!             return Ok(Limit { value: p.credit as f64, branch: "warm-up" });
//!         }
//!         if p.send_volume_mean == 0.0 {
//!             return Ok(Limit { value: 0.0, branch: "zero-send-volume" });
//!         }
//!         let s = p.balance_mean / p.send_volume_mean;
//!         let x = (1.0 - s.abs()).max(0.0) * p.send_volume_mean;
//!         Ok(Limit { value: x.round(), branch: "linear" })
//!     }
//!     fn branches(&self) -> &'static [&'static str] {
//!         &["warm-up", "linear", "zero-send-volume"]
//!     }
//!     // The model does not hold users to their limit, whatever the rule.
//!     fn observed_invariants(&self) -> &'static [&'static str] {
//!         &["payment_within_limit"]
//!     }
//! }
//!
//! let config = HarnessConfig { n_runs: 2, n_steps: 120, tape_cases: 32, ..HarnessConfig::default() };
//! let report = check_rule(&Linear, &config).unwrap();
//! assert!(report.passed(), "{}", report.to_table());
//! assert!(report.invariant(Invariant::PAYMENT_WITHIN_LIMIT).violated());
//! ```

mod laws;
mod probe;
mod tapes;

use crate::catalog::Invariant;
use crate::harness::{
    CellArgs, Checks, Counterexample, HarnessConfig, HarnessReport, ModelCell, ReplayFinding,
    ReplayInput, RuleFindings, check_cells, check_model_tape, run_digests, runs_findings,
    tally_findings, walk_seeded, walk_tape,
};
use crate::model::{CreditPolicy, Streams};
use crate::params::{ParamError, ParamSpec};
use crate::registry::{Chosen, Registry, RuleEntry, UserType as _};

use super::{ExactHistory, History, NotebookUser, Params, V1, V1_PARAMS};

pub use laws::{Expected, Record, StepContext, V1Laws, check_step};
pub(crate) use laws::{V1_RULE_LAWS, v1_invariants};
pub use probe::Probe;
pub use tapes::{TapeCase, TapeEntry, amount_abs_max, params_strategy, tape_case_strategy};
pub(crate) use tapes::{V1Tape, V1Tapes};

/// V1's cells when a check names none: the notebook's defaults and the four parameter sets
/// of the cadCAD reference files (integrity, average amount, window, genesis credit).
pub(crate) fn default_grid() -> Vec<Params> {
    [
        (1.0, 100.0, 30, 250),
        (0.8, 100.0, 30, 250),
        (0.5, 250.0, 10, 250),
        (0.3, 50.0, 7, 250),
        (0.95, 1000.0, 1, 0),
    ]
    .into_iter()
    .filter_map(|(i, a, k, c)| Params::new(i, a, k, c).ok())
    .collect()
}

/// The parameters V1's cells set, as declared: the notebook's user's integrity and average
/// amount, then the model's window and genesis credit.
fn declared() -> [&'static ParamSpec; 4] {
    let user = NotebookUser::PARAMS;
    [&user[0], &user[1], &V1_PARAMS[0], &V1_PARAMS[1]]
}

/// The cell of `params`: its four values as the command line writes them
/// (`--integrity 1.0 --avg-amount 100.0 --sum-volume 30 --initial-credit 250`).
pub fn cell_of(params: &Params) -> CellArgs {
    let values = [
        params.integrity(),
        params.avg_amount(),
        params.sum_volume() as f64,
        params.initial_credit() as f64,
    ];
    CellArgs::of(
        declared()
            .iter()
            .zip(values)
            .map(|(p, v)| (p.name.to_owned(), CellArgs::value(v, p.integer)))
            .collect(),
    )
}

/// The parameters of a V1 cell: each it sets checked against its declaration, the others at
/// the notebook's defaults. A cell naming a model or a user, or a parameter V1's cells do
/// not set, is an error naming it.
pub(crate) fn params_of(cell: &CellArgs) -> Result<Params, ParamError> {
    if let Some(m) = cell.model.as_deref().filter(|m| *m != "v1") {
        return Err(ParamError::new("model", format!("{m:?}"), "v1"));
    }
    if let Some(u) = &cell.user {
        return Err(ParamError::new(
            "user",
            format!("{u:?}"),
            "the notebook's user (a V1 check sets its parameters, not a preset)",
        ));
    }
    let specs = declared();
    let d = Params::default();
    let mut v = [
        d.integrity(),
        d.avg_amount(),
        d.sum_volume() as f64,
        d.initial_credit() as f64,
    ];
    for (name, text) in &cell.params {
        let Some(k) = specs.iter().position(|p| p.name == name) else {
            return Err(ParamError::new(
                "param",
                format!("{name:?}"),
                "integrity, avg-amount, sum-volume or initial-credit",
            ));
        };
        v[k] = specs[k].read(&format!("--{name}"), &crate::params::Written::text(text))?;
    }
    Params::new(v[0], v[1], v[2] as u64, v[3] as i64)
}

/// The parameter sets of `config`'s cells ([`default_grid`] when it names none).
fn grid(config: &HarnessConfig) -> Result<Vec<Params>, ParamError> {
    if config.cells.is_empty() {
        return Ok(default_grid());
    }
    config.cells.iter().map(params_of).collect()
}

/// Checks the V1 policy `policy` with the exact history (numpy's means; `mean_tolerance` 0
/// is right).
pub fn check_rule<P>(policy: &P, config: &HarnessConfig) -> Result<HarnessReport, ParamError>
where
    P: CreditPolicy<V1>,
{
    check_rule_with::<P, ExactHistory>(policy, config)
}

/// Checks the V1 policy `policy` on V1 with the history `H` (for another engine, set
/// `config.mean_tolerance`): seeded runs of the notebook's user over the cells, the tape
/// search over `V1Tapes`, and, with `config.probe_rule`, the rule probes on the first
/// cell's window; every step against the generic laws and [`V1Laws`].
pub fn check_rule_with<P, H>(
    policy: &P,
    config: &HarnessConfig,
) -> Result<HarnessReport, ParamError>
where
    P: CreditPolicy<V1<H>>,
    H: History,
{
    config.validate()?;
    let grid = grid(config)?;
    let cells: Vec<ModelCell<V1<H>, NotebookUser>> = grid
        .iter()
        .map(|p| ModelCell {
            cell: cell_of(p),
            model: V1::new(p),
            behaviour: NotebookUser::from_params(p),
        })
        .collect();
    let laws = V1Laws {
        mean_tolerance: config.mean_tolerance,
    };
    let rule_laws: &[Invariant] = if config.probe_rule {
        &V1_RULE_LAWS
    } else {
        &[]
    };
    let probes = |found: &mut RuleFindings<'_>| {
        if let (true, Some(base)) = (config.probe_rule, grid.first()) {
            probe_pass::<H, P>(found, policy, base);
        }
    };
    check_cells(
        &cells,
        policy,
        &laws,
        Some(&V1Tapes),
        rule_laws,
        probes,
        config,
    )
}

/// The probe pass: the rule on a grid of inputs around `base`'s window, for the laws of the
/// rule on its own ([`V1_RULE_LAWS`]).
fn probe_pass<H, P>(found: &mut RuleFindings<'_>, policy: &P, base: &Params)
where
    H: History,
    P: CreditPolicy<V1<H>>,
{
    for inv in V1_RULE_LAWS {
        let ns = [
            0,
            7,
            base.sum_volume(),
            base.sum_volume().saturating_add(335),
        ];
        let tally = probe::probe_rule::<H, P>(policy, inv, &ns, base.sum_volume());
        let first = tally.first.map(|(p, detail)| Counterexample {
            invariant: inv,
            step: None,
            detail,
            input: p.input(),
        });
        found.add(inv, tally.violations, first);
    }
}

/// Walks one V1 tape case under the catalog with `policy` on V1 with history `H` and
/// returns every step violation it shows (the same findings [`replay`] gives for the
/// case's resolved amounts).
pub fn check_tape<P, H>(policy: &P, case: &TapeCase, mean_tolerance: f64) -> Vec<ReplayFinding>
where
    P: CreditPolicy<V1<H>>,
    H: History,
{
    check_model_tape::<V1<H>, _, _, _>(&V1Tapes, case, policy, &V1Laws { mean_tolerance })
}

/// The input that replays the tape of `amounts` on the cell of `params`.
pub fn tape_input(params: &Params, amounts: &[f64]) -> ReplayInput {
    ReplayInput::Tape {
        cell: cell_of(params),
        payments: amounts.iter().map(|a| format!("{a:?}")).collect(),
    }
}

/// The amounts of a tape as `currents replay --tape` gives them: finite numbers within the
/// per-step bound of `params` ([`amount_abs_max`]); the error names `tape`, the entry and
/// the bound.
fn tape_amounts(payments: &[String], params: &Params) -> Result<Vec<f64>, ParamError> {
    let bound = amount_abs_max(params);
    let why = "(30 x avg-amount x max(1, |integrity|))";
    payments
        .iter()
        .map(|p| {
            let a = p.trim().parse::<f64>().ok().filter(|a| a.is_finite());
            let Some(a) = a else {
                return Err(ParamError::new(
                    "tape",
                    format!("{p:?}"),
                    format!("comma-separated finite amounts with |amount| <= {bound:?} {why}"),
                ));
            };
            if a.abs() > bound {
                return Err(ParamError::new(
                    "tape",
                    crate::params::short_number(a),
                    format!("amounts with |amount| <= {bound:?} {why}"),
                ));
            }
            Ok(a)
        })
        .collect()
}

/// Re-runs `input` under the catalog with `policy` on V1 with history `H` (the notebook's
/// user for seeded runs, a tape for a tape, the rule's probe for a probe) and returns every
/// violation seen. `mean_tolerance` is the tolerance of
/// [`V1Laws::AVERAGES_ARE_HISTORY_MEANS`] (0 for the exact history). A cell V1 does not
/// have, or an amount or probe that is not a number, is an error naming it.
pub fn replay<P, H>(
    policy: &P,
    input: &ReplayInput,
    mean_tolerance: f64,
) -> Result<Vec<ReplayFinding>, ParamError>
where
    P: CreditPolicy<V1<H>>,
    H: History,
{
    let laws = V1Laws { mean_tolerance };
    let params = params_of(input.cell())?;
    let model = V1::<H>::new(&params);
    let user = NotebookUser::from_params(&params);
    Ok(match input {
        ReplayInput::Tape { payments, .. } => {
            let amounts = tape_amounts(payments, &params)?;
            let tape = V1Tape::amounts(params, &amounts);
            tally_findings(&walk_tape(
                &model,
                policy,
                &tape,
                &laws,
                amounts.len() as u64,
            ))
        }
        ReplayInput::Seeded {
            rng,
            seed,
            run,
            n_steps,
            ..
        } => {
            let streams = Streams::new(*rng, *seed);
            tally_findings(&walk_seeded(
                &model, policy, &user, &laws, &streams, *run, *n_steps,
            ))
        }
        ReplayInput::Runs {
            rng,
            seed,
            n_runs,
            n_steps,
            threads,
            ..
        } => {
            let streams = Streams::new(*rng, *seed);
            let digests = |t| run_digests(&model, policy, &user, &streams, *n_runs, *n_steps, t);
            let (a, b, c) = (digests(1), digests(1), digests(*threads));
            runs_findings(&a, &b, &c, *threads)
        }
        ReplayInput::Probe { probe, .. } => {
            let p = Probe::parse(probe, params.sum_volume())?;
            [
                Invariant::STEP_IS_DEFINED,
                Invariant::CREDIT_NON_NEGATIVE,
                V1Laws::CREDIT_MONOTONE_IN_IMBALANCE,
            ]
            .into_iter()
            .filter_map(|inv| {
                p.check_with::<H, P>(policy, inv)
                    .err()
                    .map(|detail| ReplayFinding {
                        invariant: inv,
                        step: None,
                        count: 1,
                        detail,
                    })
            })
            .collect()
        }
    })
}

/// What V1 gives `currents check` and `currents replay`: [`check_rule`] on the registered
/// rule at its defaults (its probes for the rules that declare they read V1's imbalance,
/// `Rule::PROBED`), [`replay`], and [`v1_invariants`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct V1Checks;

impl Checks<V1> for V1Checks {
    fn check(
        &self,
        _: &Registry<V1>,
        rule: &Chosen<RuleEntry<V1>>,
        config: &HarnessConfig,
    ) -> Result<HarnessReport, ParamError> {
        let config = HarnessConfig {
            probe_rule: config.probe_rule && rule.entry().probed,
            ..config.clone()
        };
        check_rule(&rule.entry().build(rule.values())?, &config)
    }

    fn replay(
        &self,
        _: &Registry<V1>,
        rule: &Chosen<RuleEntry<V1>>,
        input: &ReplayInput,
        config: &HarnessConfig,
    ) -> Result<Vec<ReplayFinding>, ParamError> {
        let last_run = match input {
            ReplayInput::Seeded { rng, seed, run, .. } => Some((rng, seed, run)),
            ReplayInput::Runs {
                rng, seed, n_runs, ..
            } => Some((rng, seed, n_runs)),
            _ => None,
        };
        if let Some((&crate::draws::RngKind::Numpy, &seed, &run)) = last_run {
            check_numpy_seed(seed, run)?;
        }
        replay::<_, ExactHistory>(
            &rule.entry().build(rule.values())?,
            input,
            config.mean_tolerance,
        )
    }

    fn invariants(&self) -> Vec<Invariant> {
        v1_invariants()
    }
}

/// With numpy's generator, run `last_run` of `seed` must have a 32-bit seed.
fn check_numpy_seed(seed: u64, last_run: u64) -> Result<(), ParamError> {
    crate::draws::check_numpy_seed(("seed", &seed.to_string(), seed), ("run", "run", last_run))
}
