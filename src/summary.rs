//! One row per run instead of the trajectory: the figures a sweep compares.
//!
//! [`RunSummary`] folds the states of a run as they are produced (a visitor for
//! [`crate::sim::simulate_run_with`]), so summarising a run needs O(1) memory whatever its
//! length. [`write_header`] and [`write_row`] give the `simulate --summary` CSV format.

use std::io::{self, Write};

use crate::params::SimConfig;
use crate::sim::Engine;
use crate::state::State;

/// The header of the summary CSV.
pub const HEADER: &str = "run,seed,rng,engine,integrity,avg_amount,sum_volume,initial_credit,steps,final_balance,final_credit,min_credit,max_credit,steps_over_limit,steps_zero_credit,abs_balance_mean_per_send_volume";

/// The figures of one run, over its timesteps 1 … T (the genesis state is not counted).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunSummary {
    /// Steps folded in so far.
    pub n_steps: u64,
    /// `userBalance` after the last step.
    pub final_balance: f64,
    /// `userCredit` after the last step.
    pub final_credit: i64,
    /// The smallest `userCredit` over the steps.
    pub min_credit: i64,
    /// The largest `userCredit` over the steps.
    pub max_credit: i64,
    /// Steps whose balance is below `−userCredit` (the user is over the limit).
    pub steps_over_limit: u64,
    /// Steps with `userCredit == 0`.
    pub steps_zero_credit: u64,
    /// The sum over the steps of `|avgUserBalance|`.
    pub abs_balance_mean_sum: f64,
    /// The sum over the steps of `avgSendVolume`.
    pub send_volume_mean_sum: f64,
}

impl Default for RunSummary {
    fn default() -> Self {
        RunSummary {
            n_steps: 0,
            final_balance: 0.0,
            final_credit: 0,
            min_credit: i64::MAX,
            max_credit: i64::MIN,
            steps_over_limit: 0,
            steps_zero_credit: 0,
            abs_balance_mean_sum: 0.0,
            send_volume_mean_sum: 0.0,
        }
    }
}

impl RunSummary {
    /// Folds in the state at `timestep`; the genesis state (timestep 0) is skipped.
    #[inline]
    pub fn observe(&mut self, timestep: u64, s: &State) {
        if timestep == 0 {
            return;
        }
        self.n_steps += 1;
        self.final_balance = s.balance;
        self.final_credit = s.credit;
        self.min_credit = self.min_credit.min(s.credit);
        self.max_credit = self.max_credit.max(s.credit);
        // Credits stay below 2^53 under validated parameters, so the conversion is exact.
        self.steps_over_limit += u64::from(s.balance < -(s.credit as f64));
        self.steps_zero_credit += u64::from(s.credit == 0);
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
    writeln!(
        w,
        "{run},{},{},{engine},{},{},{},{},{},{},{},{},{},{},{},{}",
        config.seed(),
        config.rng(),
        p.integrity(),
        p.avg_amount(),
        p.sum_volume(),
        p.initial_credit(),
        s.n_steps,
        s.final_balance,
        s.final_credit,
        s.min_credit,
        s.max_credit,
        s.steps_over_limit,
        s.steps_zero_credit,
        s.abs_balance_mean_per_send_volume(),
    )
}
