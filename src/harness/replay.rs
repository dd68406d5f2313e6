//! Counterexamples and their replay: every violation the harness finds carries the input
//! that reproduces it, rendered as a one-line `currents replay …` command, and
//! [`replay`] re-runs such an input under the catalog.

use crate::draws::RngKind;
use crate::model::{CreditPolicy, Streams};
use crate::v1::History;
use crate::v1::NotebookUser;
use crate::v1::Params;
use crate::v1::V1;

use super::laws::V1Laws;
use super::probe::Probe;
use super::tape::V1Tape;
use super::walk::{Tally, run_digests, walk_seeded, walk_tape};
use crate::catalog::Invariant;

/// An input that reproduces a violation.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplayInput {
    /// A tape of amounts (already resolved), applied from genesis.
    Tape {
        /// The parameters.
        params: Params,
        /// The amounts, step 1 first.
        amounts: Vec<f64>,
    },
    /// One seeded run, as `currents simulate` draws it, for its first `n_steps` steps.
    Seeded {
        /// The parameters.
        params: Params,
        /// The generator family.
        rng: RngKind,
        /// The simulation seed.
        seed: u64,
        /// The 1-based run.
        run: u64,
        /// Steps to run (the violating step is the last).
        n_steps: u64,
    },
    /// Whole runs compared with each other (determinism laws).
    Runs {
        /// The parameters.
        params: Params,
        /// The generator family.
        rng: RngKind,
        /// The simulation seed.
        seed: u64,
        /// Runs 1..=n_runs.
        n_runs: u64,
        /// Steps per run.
        n_steps: u64,
        /// Threads to compare with one thread.
        threads: usize,
    },
    /// The credit rule at two inputs.
    Probe(Probe),
    /// One seeded run of a cell of a model's grid ([`super::check_model`]), for its first
    /// `n_steps` steps ([`super::replay_cell`] replays it).
    Cell {
        /// The cell's label.
        cell: String,
        /// The generator family.
        rng: RngKind,
        /// The seed.
        seed: u64,
        /// The 1-based run.
        run: u64,
        /// Steps to run (the violating step is the last).
        n_steps: u64,
    },
    /// Whole runs of a cell of a model's grid compared with each other.
    CellRuns {
        /// The cell's label.
        cell: String,
        /// The generator family.
        rng: RngKind,
        /// The seed.
        seed: u64,
        /// Runs 1..=n_runs.
        n_runs: u64,
        /// Steps per run.
        n_steps: u64,
        /// Threads compared with one thread.
        threads: usize,
    },
    /// A tape of a model's payments (shown as text), from the case described.
    Payments {
        /// The case (its model and start), as the model's tapes describe it.
        case: String,
        /// The payments, step 1 first.
        payments: Vec<String>,
    },
}

/// A violation and what reproduces it.
#[derive(Debug, Clone, PartialEq)]
pub struct Counterexample {
    /// The violated invariant.
    pub invariant: Invariant,
    /// The violating timestep, for step invariants.
    pub step: Option<u64>,
    /// What was seen, in one line.
    pub detail: String,
    /// The input that reproduces it.
    pub input: ReplayInput,
}

pub(crate) fn params_flags(p: &Params) -> String {
    format!(
        "--integrity {:?} --avg-amount {:?} --sum-volume {} --initial-credit {}",
        p.integrity(),
        p.avg_amount(),
        p.sum_volume(),
        p.initial_credit()
    )
}

/// The program name replay commands start with when no other is given.
pub const DEFAULT_BIN: &str = "currents";

/// `word` as one word of a POSIX shell command: as it is when it holds only characters
/// no shell treats specially, else in single quotes.
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./+,:=@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Joins floats in their shortest round-trip form, comma-separated.
pub fn join_floats(xs: &[f64]) -> String {
    xs.iter()
        .map(|x| format!("{x:?}"))
        .collect::<Vec<_>>()
        .join(",")
}

impl Counterexample {
    /// The one-line command that replays this counterexample with `currents replay` under
    /// the policy named `policy`. A rule that is not a built-in policy is replayed from
    /// Rust with [`replay`] on [`Counterexample::input`] instead; a counterexample of
    /// another model than V1 ([`ReplayInput::Cell`], [`ReplayInput::CellRuns`],
    /// [`ReplayInput::Payments`]) is described, not replayable from the command line.
    pub fn replay_command(&self, policy: &str) -> String {
        self.replay_command_in(DEFAULT_BIN, policy)
    }

    /// [`Counterexample::replay_command`] for the program `bin` (the binary that is
    /// running: `target/release/currents`, a user's own binary): the command starts with
    /// `bin`, quoted for a POSIX shell when it needs to be.
    pub fn replay_command_in(&self, bin: &str, policy: &str) -> String {
        let head = format!(
            "{} replay --policy {policy} --invariant {}",
            shell_word(bin),
            self.invariant
        );
        match &self.input {
            ReplayInput::Tape { params, amounts } => format!(
                "{head} {} --tape={}",
                params_flags(params),
                join_floats(amounts)
            ),
            ReplayInput::Seeded {
                params,
                rng,
                seed,
                run,
                n_steps,
            } => format!(
                "{head} {} --rng {rng} --seed {seed} --run {run} --steps {n_steps}",
                params_flags(params)
            ),
            ReplayInput::Runs {
                params,
                rng,
                seed,
                n_runs,
                n_steps,
                threads,
            } => format!(
                "{head} {} --rng {rng} --seed {seed} --runs {n_runs} --steps {n_steps} --threads {threads}",
                params_flags(params)
            ),
            ReplayInput::Probe(p) => format!(
                "{head} --sum-volume {} --probe={:?},{},{},{:?},{:?}",
                p.sum_volume,
                p.send_volume_mean,
                p.credit_prev,
                p.n_transactions,
                p.balance_mean_lo,
                p.balance_mean_hi
            ),
            ReplayInput::Cell {
                cell,
                rng,
                seed,
                run,
                n_steps,
            } => format!(
                "{} on cell {cell}: --rng {rng} --seed {seed} --run {run} --steps {n_steps} (replay with harness::replay_cell)",
                self.invariant
            ),
            ReplayInput::CellRuns {
                cell,
                rng,
                seed,
                n_runs,
                n_steps,
                threads,
            } => format!(
                "{} on cell {cell}: --rng {rng} --seed {seed} --runs {n_runs} --steps {n_steps} --threads {threads} (replay with harness::replay_cell)",
                self.invariant
            ),
            ReplayInput::Payments { case, payments } => format!(
                "{} on {case}: payments {} (replay with harness::check_model_tape)",
                self.invariant,
                payments.join(",")
            ),
        }
    }
}

/// One violation seen by [`replay`].
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayFinding {
    /// The invariant.
    pub invariant: Invariant,
    /// The first violating timestep, for step invariants.
    pub step: Option<u64>,
    /// How many steps (or runs, or probes) violate it in this input.
    pub count: u64,
    /// The first violation, in one line.
    pub detail: String,
}

pub(crate) fn tally_findings<P>(tally: &Tally<P>) -> Vec<ReplayFinding> {
    tally
        .seen
        .iter()
        .filter_map(|(invariant, seen)| {
            seen.first.as_ref().map(|(t, d)| ReplayFinding {
                invariant,
                step: Some(*t),
                count: seen.count,
                detail: d.clone(),
            })
        })
        .collect()
}

/// Compares digests of runs 1..=n_runs: `SameSeedSameTrajectory` between two executions
/// on one thread, `ThreadCountDoesNotChangeOutput` between one thread and `threads`.
pub(crate) fn runs_findings(a: &[u64], b: &[u64], c: &[u64], threads: usize) -> Vec<ReplayFinding> {
    let mut out = Vec::new();
    let mut push = |inv: Invariant, other: &[u64], what: &str| {
        let bad: Vec<usize> = (0..a.len()).filter(|&k| a[k] != other[k]).collect();
        if let Some(first) = bad.first() {
            out.push(ReplayFinding {
                invariant: inv,
                step: None,
                count: bad.len() as u64,
                detail: format!("run {} differs {what}", first + 1),
            });
        }
    };
    push(
        Invariant::SAME_SEED_SAME_TRAJECTORY,
        b,
        "between two executions",
    );
    push(
        Invariant::THREAD_COUNT_DOES_NOT_CHANGE_OUTPUT,
        c,
        &format!("between 1 and {threads} threads"),
    );
    out
}

/// Re-runs `input` under the catalog with `policy` on V1 with history `H` (the notebook's
/// user for seeded runs, a tape for a tape), and returns every violation seen (all
/// invariants that apply to the input's kind). Inputs of another model
/// ([`ReplayInput::Cell`], [`ReplayInput::CellRuns`], [`ReplayInput::Payments`]) give
/// nothing here.
///
/// `mean_tolerance` is the tolerance of [`V1Laws::AVERAGES_ARE_HISTORY_MEANS`] (0 for the
/// exact history).
pub fn replay<P, H>(policy: &P, input: &ReplayInput, mean_tolerance: f64) -> Vec<ReplayFinding>
where
    P: CreditPolicy<V1<H>>,
    H: History,
{
    let laws = V1Laws { mean_tolerance };
    match input {
        ReplayInput::Tape { params, amounts } => {
            let model = V1::<H>::new(params);
            let tape = V1Tape::amounts(*params, amounts);
            let tally = walk_tape(&model, policy, &tape, &laws, amounts.len() as u64);
            tally_findings(&tally)
        }
        ReplayInput::Seeded {
            params,
            rng,
            seed,
            run,
            n_steps,
        } => {
            let model = V1::<H>::new(params);
            let user = NotebookUser::from_params(params);
            let tally = walk_seeded(
                &model,
                policy,
                &user,
                &laws,
                &Streams::new(*rng, *seed),
                *run,
                *n_steps,
            );
            tally_findings(&tally)
        }
        ReplayInput::Runs {
            params,
            rng,
            seed,
            n_runs,
            n_steps,
            threads,
        } => {
            let model = V1::<H>::new(params);
            let user = NotebookUser::from_params(params);
            let digests = |t| {
                run_digests(
                    &model,
                    policy,
                    &user,
                    &Streams::new(*rng, *seed),
                    *n_runs,
                    *n_steps,
                    t,
                )
            };
            let (a, b, c) = (digests(1), digests(1), digests(*threads));
            runs_findings(&a, &b, &c, *threads)
        }
        ReplayInput::Probe(p) => [
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
        .collect(),
        ReplayInput::Cell { .. } | ReplayInput::CellRuns { .. } | ReplayInput::Payments { .. } => {
            Vec::new()
        }
    }
}
