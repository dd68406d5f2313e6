//! One side's record of one compared run: the laws it broke, its metrics, its ledger
//! trajectory (the baseline's) or where it parts from the baseline's (the candidate's),
//! observed through the type-free views of any model ([`AnyObserver`]).

use std::cell::Cell;
use std::io;

use crate::catalog::{self, Invariant, StepCells};
use crate::metrics::{NAMES, RunFailure, RunMetrics};
use crate::model::{Flow, Streams};
use crate::workbench::{AnyObserver, AnyRuns, StateView, StepView};

use super::CompareConfig;

/// The laws reported on every side, as the catalog ([`crate::catalog`]) names and
/// defines them: a run the run loop cannot finish breaks `step_is_defined` at the failed
/// step (a negative or non-finite limit breaks `credit_non_negative` instead), and every
/// step is checked for the generic step laws ([`catalog::check_step`]) — the payment law
/// `payment_within_limit` and the state law `balance_within_limit` among them. They read
/// the members' ledgers and rows every model gives, so they apply to every rule and every
/// model; each is exact (no tolerance). A side whose model's members pay each other is also
/// held to [`Invariant::BALANCES_SUM_TO_ZERO`], listed after `credit_non_negative`.
pub(crate) const INVARIANTS: [Invariant; 5] = [
    Invariant::STEP_IS_DEFINED,
    Invariant::CREDIT_NON_NEGATIVE,
    Invariant::ALL_VALUES_FINITE,
    Invariant::PAYMENT_WITHIN_LIMIT,
    Invariant::BALANCE_WITHIN_LIMIT,
];

/// The laws a report lists, in the catalog's report order ([`catalog::ordered`]):
/// [`INVARIANTS`], with [`Invariant::BALANCES_SUM_TO_ZERO`] after the definedness laws
/// when a side is held to it (`conserves`).
pub(super) fn report_laws(conserves: bool) -> Vec<Invariant> {
    let own: &[Invariant] = if conserves {
        &[Invariant::BALANCES_SUM_TO_ZERO]
    } else {
        &[]
    };
    catalog::ordered(own, &[])
        .into_iter()
        .filter(|law| INVARIANTS.contains(law) || own.contains(law))
        .collect()
}

/// Where an invariant first broke on one side, and in how many runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvariantStatus {
    /// Runs in which it broke at least once.
    pub(crate) n_runs_violated: u64,
    /// The first (run, step) where it broke.
    pub first: Option<(u64, u64)>,
    /// False when the side is not held to it (a law of models whose members pay each
    /// other, on a side whose model's members do not): then it is not checked and never
    /// counts as a change.
    pub checked: bool,
}

impl Default for InvariantStatus {
    /// Checked, and broken in no run yet.
    fn default() -> Self {
        InvariantStatus {
            n_runs_violated: 0,
            first: None,
            checked: true,
        }
    }
}

impl InvariantStatus {
    /// True when it held in every run (or was not checked).
    pub fn holds(&self) -> bool {
        self.n_runs_violated == 0
    }

    /// The status in words: `holds`, `violated in k/N runs (first: run r step t)`, or `not
    /// checked`.
    pub(super) fn describe(&self, n_runs: u64) -> String {
        if !self.checked {
            return "not checked (not a law of its model)".to_owned();
        }
        match self.first {
            None => "holds".to_owned(),
            Some((r, t)) => format!(
                "violated in {}/{n_runs} runs (first: run {r} step {t})",
                self.n_runs_violated
            ),
        }
    }
}

/// One step of a record: the first member the payment involves (a one-member model's
/// member; a transfer's payer) as its index and its ledger's balance, limit and payment as
/// IEEE-754 bits — exact — with the index and ledger of a second member (a transfer's
/// payee) folded into the index word by FNV-1a.
type LedgerBits = [u64; 4];

/// The record of step `e`: see [`LedgerBits`].
fn step_bits(e: &dyn StepView) -> LedgerBits {
    let members = e.members();
    let members = members.as_slice();
    let bits = |m: usize| {
        let l = e.ledger(m);
        [l.balance.to_bits(), l.limit.to_bits(), l.payment.to_bits()]
    };
    let [balance, limit, payment] = bits(members[0]);
    let mut who = members[0] as u64;
    if let Some(&other) = members.get(1) {
        let fnv = |h: u64, w: u64| {
            w.to_le_bytes().iter().fold(h, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
            })
        };
        let [b, l, p] = bits(other);
        who = [other as u64, b, l, p]
            .into_iter()
            .fold(fnv(0xcbf2_9ce4_8422_2325, who), fnv);
    }
    [who, balance, limit, payment]
}

/// One side's per-run record while it runs: the observer of a compared run.
struct RunRecord<'a> {
    words: &'a Cell<u64>,
    /// The laws the report lists ([`report_laws`]).
    laws: &'a [Invariant],
    /// Whether this side is held to [`Invariant::BALANCES_SUM_TO_ZERO`].
    conserves: bool,
    /// The ledgers of each step's members ([`LedgerBits`]), per step 1 … T (kept for the
    /// baseline only: the candidate is compared with it as it runs).
    states: Vec<LedgerBits>,
    /// What the step laws read of the run's states ([`catalog::StepCells`]).
    cells: StepCells,
    /// Cumulative generator words consumed after each step (the baseline's only).
    words_after: Vec<u64>,
    /// The baseline's record to compare with, step by step (the candidate's run).
    reference: Option<(&'a [LedgerBits], &'a [u64])>,
    /// Steps taken so far.
    n_steps_taken: u64,
    /// The first step (1-based) whose ledger differs from the reference's.
    first_state_diff: Option<u64>,
    /// The first step (1-based) after which the generator words differ from the reference's.
    first_word_diff: Option<u64>,
    /// Per law of `laws`, the first step where it broke.
    broken: Vec<Option<u64>>,
}

/// Notes in `broken` (one slot per law of `laws`) that `law` broke at step `t`: the first
/// time only; a law the report does not list is not noted.
fn note(laws: &[Invariant], broken: &mut [Option<u64>], law: Invariant, t: u64) {
    if let Some(k) = laws.iter().position(|&l| l == law) {
        broken[k].get_or_insert(t);
    }
}

impl AnyObserver for RunRecord<'_> {
    fn genesis(&mut self, state: &dyn StateView) -> io::Result<()> {
        state.read_genesis(&mut self.cells);
        Ok(())
    }

    fn step(&mut self, e: &dyn StepView) -> io::Result<Flow> {
        let state = step_bits(e);
        let words = self.words.get();
        let i = self.n_steps_taken as usize;
        self.n_steps_taken += 1;
        match self.reference {
            None => {
                self.states.push(state);
                self.words_after.push(words);
            }
            Some((states, words_after)) => {
                if let Some((&other, &other_words)) = states.get(i).zip(words_after.get(i)) {
                    if other != state && self.first_state_diff.is_none() {
                        self.first_state_diff = Some(self.n_steps_taken);
                    }
                    if other_words != words && self.first_word_diff.is_none() {
                        self.first_word_diff = Some(self.n_steps_taken);
                    }
                }
            }
        }
        let (t, laws, broken) = (e.t(), self.laws, &mut self.broken);
        e.check_laws(&mut self.cells, &mut |law, _| note(laws, broken, law, t));
        if self.conserves && e.transfer_conserves().is_err() {
            note(laws, broken, Invariant::BALANCES_SUM_TO_ZERO, t);
        }
        Ok(Flow::Continue)
    }
}

/// What a compared run left: its metrics (NaN when it failed), its ledger trajectory, the
/// generator words after each step and the laws it broke.
pub(super) struct RunResult {
    pub(super) metrics: [f64; NAMES.len()],
    /// The ledger trajectory (empty when the run was compared with a reference).
    states: Vec<LedgerBits>,
    /// The words after each step (empty when the run was compared with a reference).
    words: Vec<u64>,
    /// Steps taken.
    pub(super) n_steps: u64,
    /// Against the reference: the first step whose ledger differs, and the first after
    /// which the generator words differ (within the steps both runs took).
    pub(super) first_state_diff: Option<u64>,
    pub(super) first_word_diff: Option<u64>,
    /// Per law of the report ([`report_laws`]), the first step where it broke.
    pub(super) broken: Vec<Option<u64>>,
    /// The step that failed, if one did (the run ended there).
    pub(super) failure: Option<RunFailure>,
}

/// Runs run `run` of `runs` on the comparison's generator for run r, counting its words;
/// `laws` are the report's, `conserves` whether this side is held to
/// [`Invariant::BALANCES_SUM_TO_ZERO`].
///
/// A failed step is a finding: the run ends there, `step_is_defined` (for a negative
/// limit, `credit_non_negative`) breaks at that step and the run defines no metric.
///
/// With `reference` (the baseline's result of the same run), the run's ledger and words are
/// compared with it step by step instead of being kept: one side's record in memory, not two.
pub(super) fn run_side(
    runs: &dyn AnyRuns,
    laws: &[Invariant],
    conserves: bool,
    config: &CompareConfig,
    run: u64,
    reference: Option<&RunResult>,
) -> RunResult {
    let words = Cell::new(0u64);
    let cap = match reference {
        None => usize::try_from(config.n_steps).unwrap_or(0),
        Some(_) => 0,
    };
    let mut rec = RunRecord {
        words: &words,
        laws,
        conserves,
        states: Vec::with_capacity(cap),
        cells: StepCells::default(),
        words_after: Vec::with_capacity(cap),
        reference: reference.map(|r| (r.states.as_slice(), r.words.as_slice())),
        n_steps_taken: 0,
        first_state_diff: None,
        first_word_diff: None,
        broken: vec![None; laws.len()],
    };
    // Run r's generator as `simulate` makes it, its words counted; the metrics folded
    // beside the record over the run's length.
    let streams = Streams::new(config.rng, config.seed);
    let n_steps = config.n_steps;
    let (fold, result) = runs.metered(
        &streams,
        run,
        n_steps,
        Some(n_steps),
        &mut rec,
        Some(&words),
    );
    let metrics = match (&result, fold) {
        (Ok(()), Some(fold)) => fold.metrics(),
        _ => RunMetrics::undefined(),
    };
    let failure = RunFailure::of(&result);
    if let Some(RunFailure { timestep, error }) = failure {
        let law = catalog::law_of_failure(&error);
        note(laws, &mut rec.broken, law, timestep);
    }
    RunResult {
        metrics: metrics.values,
        states: rec.states,
        words: rec.words_after,
        n_steps: rec.n_steps_taken,
        first_state_diff: rec.first_state_diff,
        first_word_diff: rec.first_word_diff,
        broken: rec.broken,
        failure,
    }
}
