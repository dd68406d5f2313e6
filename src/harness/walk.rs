//! Walking a trajectory under the catalog: every step is checked against every step
//! invariant, and the branches and transaction paths it reaches are counted.

use rand_core::Rng;

use crate::credit::{CreditBranch, CreditInput, CreditRule};
use crate::history::History;
use crate::params::Params;
use crate::state::State;
use crate::v1::legacy::AmountPath;
use crate::v1::legacy::Trajectory;

use super::goals::TxPath;
use super::invariants::{Invariant, Record, Scope, StepContext, check_step};
use super::tape::TapeEntry;

const N_INV: usize = Invariant::ALL.len();

/// Where a walk's amounts come from.
pub(crate) enum Source<'a, R: ?Sized> {
    /// A tape: entries resolved against the state they are applied to.
    Tape(&'a [TapeEntry]),
    /// A generator, as the notebook draws, for `n_steps` steps.
    Draws { rng: &'a mut R, n_steps: u64 },
}

/// What one walk saw.
#[derive(Debug, Clone)]
pub(crate) struct Tally {
    /// Violating steps per invariant (index of [`Invariant::ALL`]).
    pub counts: [u64; N_INV],
    /// The first violation per invariant: (timestep, description).
    pub first: [Option<(u64, String)>; N_INV],
    /// Steps per credit branch (index of [`CreditBranch::ALL`]).
    pub branches: [u64; 5],
    /// Steps per transaction path (index of [`TxPath::ALL`]).
    pub paths: [u64; 3],
    /// Steps taken.
    pub steps: u64,
    /// Steps whose credit was 0.
    pub credit_zero_steps: u64,
    /// An FNV-1a digest of every state's bits, genesis included.
    pub fingerprint: u64,
    /// The amounts applied, in order (tapes resolved to numbers).
    pub amounts: Vec<f64>,
}

impl Tally {
    fn new() -> Self {
        Tally {
            counts: [0; N_INV],
            first: std::array::from_fn(|_| None),
            branches: [0; 5],
            paths: [0; 3],
            steps: 0,
            credit_zero_steps: 0,
            fingerprint: FNV_OFFSET,
            amounts: Vec::new(),
        }
    }

    fn violate(&mut self, invariant: Invariant, t: u64, detail: String) {
        let i = invariant.index();
        self.counts[i] += 1;
        if self.first[i].is_none() {
            self.first[i] = Some((t, detail));
        }
    }

    /// True when `invariant` was violated on this walk.
    pub fn violated(&self, invariant: Invariant) -> bool {
        self.counts[invariant.index()] > 0
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv(mut h: u64, word: u64) -> u64 {
    for b in word.to_le_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// An FNV-1a digest step over every field of `s`, floats by their bits.
pub(crate) fn digest(h: u64, s: &State) -> u64 {
    let words = [
        s.balance.to_bits(),
        s.balance_mean.to_bits(),
        s.n_transactions,
        s.credit as u64,
        s.capacity as u64,
        s.send_volume as u64,
        s.send_volume_mean.to_bits(),
        s.transaction as u64,
    ];
    words.into_iter().fold(h, fnv)
}

fn path_hits(path: &AmountPath, amount: f64) -> [bool; 3] {
    // The large path keeps the sign of the drawn amount; the integrity path multiplies by
    // a uniform draw and so can change it, hence it is one goal regardless of sign.
    [
        path.large && amount > 0.0,
        path.large && amount < 0.0,
        path.integrity,
    ]
}

/// Walks one trajectory from genesis, checking every step invariant at every step.
///
/// The walk stops early if the rule errs or returns a negative credit (the step would be
/// meaningless; the engine asserts non-negative credits in debug builds): those are
/// violations of [`Invariant::StepIsDefined`] and [`Invariant::CreditNonNegative`].
pub(crate) fn walk<C, H, R>(
    rule: &C,
    params: &Params,
    source: Source<'_, R>,
    mean_tolerance: f64,
) -> Tally
where
    C: CreditRule + Clone,
    H: History + Default,
    R: Rng + ?Sized,
{
    let mut traj = Trajectory::<C, H>::new(*params, rule.clone());
    let mut record = Record::new(traj.state(), params);
    let mut tally = Tally::new();
    tally.fingerprint = digest(tally.fingerprint, traj.state());
    let (tape, mut rng, n_steps) = match source {
        Source::Tape(tape) => (tape, None, tape.len() as u64),
        Source::Draws { rng, n_steps } => (&[][..], Some(rng), n_steps),
    };
    let step_invariants: Vec<Invariant> = Invariant::ALL
        .into_iter()
        .filter(|i| i.scope() == Scope::Step && *i != Invariant::StepIsDefined)
        .collect();
    for t in 1..=n_steps {
        let prev = *traj.state();
        let input = CreditInput::from_prev(&prev, params);
        match rule.credit(&input) {
            Ok(outcome) if outcome.credit < 0 => {
                tally.violate(
                    Invariant::CreditNonNegative,
                    t,
                    format!(
                        "credit({t}) = {} < 0 ({} branch, from {input:?})",
                        outcome.credit,
                        outcome.branch.name()
                    ),
                );
                break;
            }
            Ok(outcome) => {
                let b = CreditBranch::ALL
                    .iter()
                    .position(|&x| x == outcome.branch)
                    .unwrap_or_default();
                tally.branches[b] += 1;
            }
            Err(e) => {
                tally.violate(Invariant::StepIsDefined, t, format!("step {t}: {e}"));
                break;
            }
        }
        let stepped = match (&mut rng, tape.get((t - 1) as usize)) {
            (Some(rng), _) => traj.advance(&mut **rng).map(|d| {
                for (k, hit) in path_hits(&d.path, d.amount).into_iter().enumerate() {
                    tally.paths[k] += u64::from(hit);
                }
                d.amount
            }),
            (None, Some(entry)) => {
                let amount = entry.resolve(&prev, params);
                traj.apply(amount).map(|_| amount)
            }
            (None, None) => break,
        };
        let amount = match stepped {
            Ok(a) => a,
            Err(e) => {
                tally.violate(Invariant::StepIsDefined, t, format!("step {t}: {e}"));
                break;
            }
        };
        let next = *traj.state();
        let expected = record.expected(amount);
        let ctx = StepContext {
            t,
            prev: &prev,
            next: &next,
            amount,
            params,
            expected: &expected,
            mean_tolerance,
        };
        for &inv in &step_invariants {
            if let Err(detail) = check_step(inv, &ctx) {
                tally.violate(inv, t, detail);
            }
        }
        record.push(&next, amount);
        tally.steps += 1;
        tally.credit_zero_steps += u64::from(next.credit == 0);
        tally.fingerprint = digest(tally.fingerprint, &next);
        tally.amounts.push(amount);
    }
    tally
}

/// The digest of a plain run (no checking): used to compare runs for determinism.
pub(crate) fn run_digest<C, H, R>(rule: &C, params: &Params, rng: &mut R, n_steps: u64) -> u64
where
    C: CreditRule + Clone,
    H: History + Default,
    R: Rng + ?Sized,
{
    let mut traj = Trajectory::<C, H>::new(*params, rule.clone());
    let mut h = digest(FNV_OFFSET, traj.state());
    for _ in 0..n_steps {
        // A failing step (or a negative credit, which the engine asserts against) ends the
        // digest; the checked walk reports the failure itself.
        let input = CreditInput::from_prev(traj.state(), params);
        if !matches!(rule.credit(&input), Ok(o) if o.credit >= 0) || traj.advance(rng).is_err() {
            break;
        }
        h = digest(h, traj.state());
    }
    h
}

/// Path names, for goals.
pub(crate) fn path_index(p: TxPath) -> usize {
    TxPath::ALL.iter().position(|&x| x == p).unwrap_or_default()
}
