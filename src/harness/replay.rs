//! Counterexamples and their replay: every violation the harness finds carries the input
//! that reproduces it, rendered as a one-line `currents replay …` command, and
//! [`replay`] re-runs such an input under the catalog.

use rand_core::Rng;

use crate::credit::CreditRule;
use crate::draws::{chacha_rng, numpy_rng};
use crate::history::History;
use crate::params::{Params, RngKind};

use super::invariants::{Invariant, Scope};
use super::probe::Probe;
use super::tape::TapeEntry;
use super::walk::{Source, Tally, run_digest, walk};

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

fn params_flags(p: &Params) -> String {
    format!(
        "--integrity {:?} --avg-amount {:?} --sum-volume {} --initial-credit {}",
        p.integrity(),
        p.avg_amount(),
        p.sum_volume(),
        p.initial_credit()
    )
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
    /// Rust with [`replay`] on [`Counterexample::input`] instead.
    pub fn replay_command(&self, policy: &str) -> String {
        let head = format!(
            "currents replay --policy {policy} --invariant {}",
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

pub(crate) fn tally_findings(tally: &Tally) -> Vec<ReplayFinding> {
    Invariant::ALL
        .into_iter()
        .filter_map(|inv| {
            let i = inv.index();
            tally.first[i].as_ref().map(|(t, d)| ReplayFinding {
                invariant: inv,
                step: Some(*t),
                count: tally.counts[i],
                detail: d.clone(),
            })
        })
        .collect()
}

/// Runs `f` on the generator of `run` (1-based) for the family `rng` and `seed`, as
/// `currents simulate` does: `RandomState(seed + run − 1)` or the ChaCha stream
/// (seed, 0, run). A numpy seed past 2^32 − 1 saturates (configurations validate it).
pub(crate) fn with_run_rng<T>(
    rng: RngKind,
    seed: u64,
    run: u64,
    f: impl FnOnce(&mut dyn RngBox) -> T,
) -> T {
    match rng {
        RngKind::Numpy => {
            let s = u32::try_from(seed.saturating_add(run - 1)).unwrap_or(u32::MAX);
            f(&mut numpy_rng(s))
        }
        RngKind::Chacha => f(&mut chacha_rng(seed, 0, run)),
    }
}

/// An object-safe generator handle (any `Rng` is one).
pub(crate) trait RngBox {
    fn as_rng(&mut self) -> &mut dyn Rng;
}

impl<R: Rng> RngBox for R {
    fn as_rng(&mut self) -> &mut dyn Rng {
        self
    }
}

/// The digests of runs 1..=n_runs, computed on `threads` threads (runs dealt round-robin).
pub(crate) fn run_digests<C, H>(
    rule: &C,
    params: &Params,
    rng: RngKind,
    seed: u64,
    n_runs: u64,
    n_steps: u64,
    threads: usize,
) -> Vec<u64>
where
    C: CreditRule + Clone + Sync,
    H: History + Default,
{
    let one = |run: u64| {
        with_run_rng(rng, seed, run, |r| {
            run_digest::<C, H, _>(rule, params, r.as_rng(), n_steps)
        })
    };
    let threads = threads.max(1) as u64;
    if threads == 1 {
        return (1..=n_runs).map(one).collect();
    }
    let mut out = vec![0u64; n_runs as usize];
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                let one = &one;
                scope.spawn(move || {
                    (1..=n_runs)
                        .filter(|r| (r - 1) % threads == k)
                        .map(|r| (r, one(r)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            // A panicking worker leaves its runs at 0, which differs from any digest.
            if let Ok(done) = h.join() {
                for (r, d) in done {
                    out[(r - 1) as usize] = d;
                }
            }
        }
    });
    out
}

/// Re-runs `input` under the catalog with `rule` and history `H`, and returns every
/// violation seen (all invariants that apply to the input's kind).
///
/// `mean_tolerance` is the tolerance of [`Invariant::AveragesAreHistoryMeans`] (0 for the
/// exact history).
pub fn replay<C, H>(rule: &C, input: &ReplayInput, mean_tolerance: f64) -> Vec<ReplayFinding>
where
    C: CreditRule + Clone + Sync,
    H: History + Default,
{
    match input {
        ReplayInput::Tape { params, amounts } => {
            let tape: Vec<TapeEntry> = amounts.iter().map(|&a| TapeEntry::Float(a)).collect();
            let tally = walk::<C, H, rand_chacha::ChaCha8Rng>(
                rule,
                params,
                Source::Tape(&tape),
                mean_tolerance,
            );
            tally_findings(&tally)
        }
        ReplayInput::Seeded {
            params,
            rng,
            seed,
            run,
            n_steps,
        } => {
            let tally = with_run_rng(*rng, *seed, *run, |r| {
                walk::<C, H, dyn Rng>(
                    rule,
                    params,
                    Source::Draws {
                        rng: r.as_rng(),
                        n_steps: *n_steps,
                    },
                    mean_tolerance,
                )
            });
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
            let mut out = Vec::new();
            let a = run_digests::<C, H>(rule, params, *rng, *seed, *n_runs, *n_steps, 1);
            let b = run_digests::<C, H>(rule, params, *rng, *seed, *n_runs, *n_steps, 1);
            let c = run_digests::<C, H>(rule, params, *rng, *seed, *n_runs, *n_steps, *threads);
            let mut push = |inv: Invariant, other: &[u64], what: &str| {
                let bad: Vec<u64> = (1..=*n_runs)
                    .filter(|r| a[(r - 1) as usize] != other[(r - 1) as usize])
                    .collect();
                if let Some(first) = bad.first() {
                    out.push(ReplayFinding {
                        invariant: inv,
                        step: None,
                        count: bad.len() as u64,
                        detail: format!("run {first} differs {what}"),
                    });
                }
            };
            push(
                Invariant::SameSeedSameTrajectory,
                &b,
                "between two executions",
            );
            push(
                Invariant::ThreadCountDoesNotChangeOutput,
                &c,
                &format!("between 1 and {threads} threads"),
            );
            out
        }
        ReplayInput::Probe(p) => Invariant::ALL
            .into_iter()
            .filter(|i| {
                i.scope() == Scope::Rule
                    || matches!(i, Invariant::CreditNonNegative | Invariant::StepIsDefined)
            })
            .filter_map(|inv| {
                p.check(rule, inv).err().map(|detail| ReplayFinding {
                    invariant: inv,
                    step: None,
                    count: 1,
                    detail,
                })
            })
            .collect(),
    }
}
