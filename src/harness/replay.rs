//! Counterexamples and their replay: every violation the harness finds carries the input
//! that reproduces it — its cell as command-line flags ([`CellArgs`]) and a tape, a seeded
//! run, a set of runs or a model's own probe — rendered as a one-line `currents replay …`
//! command that runs as printed, and [`replay_cell`] re-runs such an input on its cell.

use crate::catalog::Invariant;
use crate::draws::RngKind;
use crate::model::{Behaviour, CreditPolicy, Model, Streams};

use super::ModelCell;
use super::cell::CellArgs;
use super::laws::Laws;
use super::walk::{Tally, run_digests, walk_seeded};

/// An input that reproduces a violation, on its cell.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplayInput {
    /// A tape of payments (already resolved, each as the model writes a payment), applied
    /// from genesis.
    Tape {
        /// The cell.
        cell: CellArgs,
        /// The payments, step 1 first.
        payments: Vec<String>,
    },
    /// One seeded run, as `currents simulate` draws it, for its first `n_steps` steps.
    Seeded {
        /// The cell.
        cell: CellArgs,
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
        /// The cell.
        cell: CellArgs,
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
    /// A model's own probe of the rule, as its `--probe` flag's value (V1: the rule at two
    /// inputs).
    Probe {
        /// The cell.
        cell: CellArgs,
        /// The probe, as `--probe=` takes it.
        probe: String,
        /// The probe's fields as a report's JSON lists them (the model's own names).
        fields: serde_json::Value,
    },
}

impl ReplayInput {
    /// The cell the input runs on.
    pub(crate) fn cell(&self) -> &CellArgs {
        match self {
            ReplayInput::Tape { cell, .. }
            | ReplayInput::Seeded { cell, .. }
            | ReplayInput::Runs { cell, .. }
            | ReplayInput::Probe { cell, .. } => cell,
        }
    }
}

/// A violation and what reproduces it.
#[derive(Debug, Clone, PartialEq)]
pub struct Counterexample {
    /// The violated invariant.
    pub(crate) invariant: Invariant,
    /// The violating timestep, for step invariants.
    pub step: Option<u64>,
    /// What was seen, in one line.
    pub detail: String,
    /// The input that reproduces it.
    pub input: ReplayInput,
}

/// The program name replay commands start with when no other is given.
pub(crate) const DEFAULT_BIN: &str = "currents";

/// `word` as one word of a POSIX shell command: as it is when it holds only characters
/// no shell treats specially, else in single quotes.
pub(crate) fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./+,:=@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

impl Counterexample {
    /// The one-line command that replays this counterexample with `replay` under the
    /// policy named `policy`, for the program `bin` (the binary that is
    /// running: `target/release/currents`, a user's own binary): the command starts with
    /// `bin`, quoted for a POSIX shell when it needs to be, then the policy, the invariant,
    /// the cell's flags (`CellArgs::flags`) and the input.
    pub fn replay_command_in(&self, bin: &str, policy: &str) -> String {
        let mut words = vec![
            shell_word(bin),
            "replay".to_owned(),
            format!("--policy {}", shell_word(policy)),
            format!("--invariant {}", self.invariant),
        ];
        let flags = self.input.cell().flags();
        if !flags.is_empty() {
            words.push(flags);
        }
        words.push(match &self.input {
            ReplayInput::Tape { payments, .. } => {
                shell_word(&format!("--tape={}", payments.join(",")))
            }
            ReplayInput::Seeded {
                rng,
                seed,
                run,
                n_steps,
                ..
            } => format!("--rng {rng} --seed {seed} --run {run} --steps {n_steps}"),
            ReplayInput::Runs {
                rng,
                seed,
                n_runs,
                n_steps,
                threads,
                ..
            } => format!(
                "--rng {rng} --seed {seed} --runs {n_runs} --steps {n_steps} --threads {threads}"
            ),
            ReplayInput::Probe { probe, .. } => format!("--probe={probe}"),
        });
        words.join(" ")
    }
}

/// One violation seen by a replay.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayFinding {
    /// The invariant.
    pub invariant: Invariant,
    /// The first violating timestep, for step invariants.
    pub step: Option<u64>,
    /// How many steps (or runs, or probes) violate it in this input.
    pub(crate) count: u64,
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

/// Re-runs a counterexample of a seeded run or of whole runs on its cell under the generic
/// laws and `laws`: a [`ReplayInput::Seeded`] walks the run again, a [`ReplayInput::Runs`]
/// compares the runs' digests again (once more on one thread, then on its thread count).
/// A tape or a probe gives nothing here (a model's tapes and probes replay them).
pub fn replay_cell<M, P, B, L>(
    cell: &ModelCell<M, B>,
    policy: &P,
    laws: &L,
    input: &ReplayInput,
) -> Vec<ReplayFinding>
where
    M: Model,
    P: CreditPolicy<M>,
    B: Behaviour<M>,
    L: Laws<M>,
{
    match *input {
        ReplayInput::Seeded {
            rng,
            seed,
            run,
            n_steps,
            ..
        } => tally_findings(&walk_seeded(
            &cell.model,
            policy,
            &cell.behaviour,
            laws,
            &Streams::new(rng, seed),
            run,
            n_steps,
        )),
        ReplayInput::Runs {
            rng,
            seed,
            n_runs,
            n_steps,
            threads,
            ..
        } => {
            let digests = |t| {
                run_digests(
                    &cell.model,
                    policy,
                    &cell.behaviour,
                    &Streams::new(rng, seed),
                    n_runs,
                    n_steps,
                    t,
                )
            };
            let (a, b, c) = (digests(1), digests(1), digests(threads));
            runs_findings(&a, &b, &c, threads)
        }
        ReplayInput::Tape { .. } | ReplayInput::Probe { .. } => Vec::new(),
    }
}
