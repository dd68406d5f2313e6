//! A sweep's trajectory CSV (`--trajectories`): every state of every run of every cell,
//! one row per member, written from the members' ledgers as the runs go (an
//! [`AnyObserver`], so that it writes runs of any model).

use std::io::{self, Write};

use crate::model::{Flow, Ledger};
use crate::workbench::{AnyObserver, StateView, StepView};

/// The header of a sweep's trajectory CSV of a one-member model.
pub const TRAJECTORY_HEADER: &str = "cell,run,timestep,balance,credit,capacity,transaction,drawn";

/// The header of a sweep's trajectory CSV with a `member` column.
const MEMBERS_HEADER: &str = "cell,run,timestep,member,balance,credit,capacity,transaction,drawn";

/// The header of a sweep's trajectory CSV for a model of `n_members` members: with a
/// `member` column unless there is one member.
pub fn trajectory_header(n_members: usize) -> &'static str {
    if n_members == 1 {
        TRAJECTORY_HEADER
    } else {
        MEMBERS_HEADER
    }
}

/// Writes the states of one run of one cell: one row a member, with its index when the
/// sweep's header has a `member` column (some cell's model has other than one member).
pub(super) struct TrajectoryRows<'a> {
    w: &'a mut dyn Write,
    cell: usize,
    run: u64,
    member_column: bool,
}

impl<'a> TrajectoryRows<'a> {
    /// The rows of run `run` of cell `cell`, written to `w`.
    pub(super) fn new(w: &'a mut dyn Write, cell: usize, run: u64, member_column: bool) -> Self {
        TrajectoryRows {
            w,
            cell,
            run,
            member_column,
        }
    }

    /// The rows of step `t` (0: genesis) of `n` members whose ledgers `ledger` gives;
    /// `drawn` is the size of the payment the user drew.
    fn rows(
        &mut self,
        t: u64,
        n: usize,
        ledger: &dyn Fn(usize) -> Ledger,
        drawn: f64,
    ) -> io::Result<()> {
        let (cell, run) = (self.cell, self.run);
        // Limits, capacities and payments of V1 are integers below 2^53: `Display` of the
        // double writes the integer's digits.
        for m in 0..n {
            let l = ledger(m);
            let (b, c, k, p) = (l.balance, l.limit, l.capacity, l.payment);
            if self.member_column {
                writeln!(self.w, "{cell},{run},{t},{m},{b},{c},{k},{p},{drawn}")?;
            } else {
                writeln!(self.w, "{cell},{run},{t},{b},{c},{k},{p},{drawn}")?;
            }
        }
        Ok(())
    }
}

impl AnyObserver for TrajectoryRows<'_> {
    fn genesis(&mut self, state: &dyn StateView) -> io::Result<()> {
        self.rows(0, state.n_members(), &|m| state.ledger(m), 0.0)
    }

    fn step(&mut self, step: &dyn StepView) -> io::Result<Flow> {
        let drawn = step.drawn_amount();
        self.rows(step.t(), step.n_members(), &|m| step.ledger(m), drawn)?;
        Ok(Flow::Continue)
    }
}
