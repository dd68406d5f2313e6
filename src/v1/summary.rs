//! One row per run instead of the trajectory: the figures a sweep compares.
//!
//! [`RunSummary`] folds the states of a run as they are produced (a visitor for
//! [`crate::v1::simulate_run_with`], an [`Observer`] of a V1 run), so summarising a run
//! needs O(1) memory whatever its length. [`write_header`] and [`write_row`] give the `simulate --summary` CSV format.

use std::convert::Infallible;
use std::io::{self, Write};

use crate::draws::RngKind;
use crate::metrics::LedgerTally;
use crate::model::{Flow, Ledger, Observer, StepEvent};
use crate::v1::Engine;
use crate::v1::History;
use crate::v1::SimConfig;
use crate::v1::State;
use crate::v1::v1_ledger;

/// The header of the summary CSV.
pub const HEADER: &str = "run,seed,rng,engine,integrity,avg_amount,sum_volume,initial_credit,steps,final_balance,final_credit,min_credit,max_credit,steps_over_limit,steps_zero_credit,abs_balance_mean_per_send_volume";

/// The figures of one run, over its timesteps 1 … T (the genesis state is not counted).
///
/// The ledger figures (final balance and credit, smallest and largest credit, steps over
/// the limit and with zero credit) are a [`LedgerTally`], the one definition the sweep's
/// metrics and scenario reports share; `steps_over_limit` counts
/// [`crate::model::balance_below_limit`] (balance(t) < −credit(t)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunSummary {
    /// The ledger figures.
    pub tally: LedgerTally,
    /// `userCredit` after the last step as V1's integer (the tally's `final_limit`, for
    /// callers that add credits up as integers).
    pub final_credit: i64,
    /// The sum over the steps of `|avgUserBalance|`.
    pub abs_balance_mean_sum: f64,
    /// The sum over the steps of `avgSendVolume`.
    pub send_volume_mean_sum: f64,
}

impl Default for RunSummary {
    fn default() -> Self {
        RunSummary {
            tally: LedgerTally::new(&Ledger {
                balance: 0.0,
                limit: 0.0,
                capacity: 0.0,
                payment: 0.0,
            }),
            final_credit: 0,
            abs_balance_mean_sum: 0.0,
            send_volume_mean_sum: 0.0,
        }
    }
}

impl RunSummary {
    /// Folds in the state at `timestep`; the genesis state (timestep 0) starts the tally.
    #[inline]
    pub fn observe(&mut self, timestep: u64, s: &State) {
        if timestep == 0 {
            self.tally = LedgerTally::new(&v1_ledger(s));
            self.final_credit = s.credit;
            return;
        }
        self.tally.push(&v1_ledger(s));
        self.final_credit = s.credit;
        self.abs_balance_mean_sum += s.balance_mean.abs();
        self.send_volume_mean_sum += s.send_volume_mean;
    }

    /// Mean `|avgUserBalance|` over mean `avgSendVolume` (both over the steps): how large
    /// the balances the credit rule sees are, in units of the send volume. NaN when the
    /// send volume averaged 0 over the whole run.
    pub fn abs_balance_mean_per_send_volume(&self) -> f64 {
        if self.send_volume_mean_sum == 0.0 {
            f64::NAN
        } else {
            self.abs_balance_mean_sum / self.send_volume_mean_sum
        }
    }
}

/// A summary observes a V1 run: the genesis state starts it, each step's new state is
/// folded in ([`RunSummary::observe`]).
impl<H: History> Observer<crate::v1::V1<H>> for RunSummary {
    type Error = Infallible;
    #[inline]
    fn genesis(&mut self, state: &State) -> Result<(), Infallible> {
        self.observe(0, state);
        Ok(())
    }
    #[inline]
    fn step(&mut self, e: &StepEvent<'_, crate::v1::V1<H>>) -> Result<Flow, Infallible> {
        self.observe(e.t, e.next);
        Ok(Flow::Continue)
    }
}

/// Writes the summary header line.
pub fn write_header<W: Write + ?Sized>(w: &mut W) -> io::Result<()> {
    writeln!(w, "{HEADER}")
}

/// Writes the summary row of run `run` (1-based) of `config`, run with `engine`.
///
/// `seed` is the simulation's seed: with numpy, run r replays as `--seed (seed + r − 1)
/// --runs 1`; with ChaCha, run r is stream r of `--seed seed`.
pub fn write_row<W: Write + ?Sized>(
    w: &mut W,
    config: &SimConfig,
    engine: Engine,
    run: u64,
    s: &RunSummary,
) -> io::Result<()> {
    let p = config.params();
    // A whole number below 2^53 prints the same digits as a double and as an integer.
    let params = [
        Some(p.integrity()),
        Some(p.avg_amount()),
        Some(p.sum_volume() as f64),
        Some(p.initial_credit() as f64),
    ];
    write_row_of(w, (config.seed(), config.rng(), engine), params, run, s)
}

/// Writes the summary row of run `run` of a simulation with `(seed, generator, engine)`
/// and the values of its `integrity`, `avg_amount`, `sum_volume` and `initial_credit`
/// columns, in that order (`None`, an empty field, for a run whose user or model does not
/// declare that parameter): the row of [`write_row`] for a run that is not a
/// [`SimConfig`]'s (a spec naming another rule or user).
pub fn write_row_of<W: Write + ?Sized>(
    w: &mut W,
    (seed, rng, engine): (u64, RngKind, Engine),
    params: [Option<f64>; 4],
    run: u64,
    s: &RunSummary,
) -> io::Result<()> {
    let [integrity, avg_amount, sum_volume, initial_credit] = params.map(number_or_empty);
    let t = &s.tally;
    writeln!(
        w,
        "{run},{seed},{rng},{engine},{integrity},{avg_amount},{sum_volume},{initial_credit},{},{},{},{},{},{},{},{}",
        t.n_steps,
        t.final_balance,
        t.final_limit,
        number_or_empty(t.min()),
        number_or_empty(t.max()),
        t.steps_over_limit,
        t.steps_zero_limit,
        s.abs_balance_mean_per_send_volume(),
    )
}

/// A number as the CSV writes it (`Display` of the double: a credit, an integer below 2^53,
/// prints the integer's digits); empty for none (a run of no steps, an undeclared
/// parameter).
fn number_or_empty(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| v.to_string())
}
