//! The network model: N members' balances and limits ([`NetworkState`]), one [`Transfer`]
//! per step, refused when it would take the payer below the limit it was made under.
//!
//! Balances are whole units (`i64`), so every transfer moves exactly what it takes and the
//! balances sum to zero exactly, step after step; the ledgers hand them to the generic
//! laws and metrics as `f64`, which is exact below 2^53.

use crate::metrics::Metered;
use crate::model::{
    Enforcement, Ledger, LedgerColumns, Members, Model, StepError, StepLimits, Value, to_int,
};
use crate::params::{ParamError, ParamSpec, check_values};
use crate::registry::ModelType;

use super::leaving::{LeaveOutcome, Leaving};
use super::limits::MemberLimits;
use super::transfer::Transfer;

/// The network's declared parameters: how many members, and their limit at genesis.
pub const NETWORK_PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "members",
        default: 2.0,
        min: 2.0,
        // A step is O(1) and a run holds O(members) (two states and the policy's memory of
        // each member), so a million members run in well under 1 GB (BENCHMARKS.md). An
        // output with a row per state has two columns per member and accepts fewer
        // (`TRAJECTORY_PARAMS`).
        max: 1e6,
        integer: true,
        doc: "how many members pay each other (at most 1000 where a row per state is written: two columns per member)",
    },
    ParamSpec {
        name: "limit",
        default: 1.0,
        min: 0.0,
        max: 1e9,
        integer: true,
        doc: "every member's credit limit at genesis, as a magnitude: a balance may go down to -limit",
    },
    ParamSpec {
        name: "leave-after",
        default: 0.0,
        min: 0.0,
        max: 1e6,
        integer: true,
        doc: "a member in debt whose payments were refused this many times in a row leaves, its debt lost credit, its seat taken by a newcomer (0: nobody leaves)",
    },
];

/// The network's parameters where a workflow writes a row per state (a trajectory CSV, a
/// scenario's tables, charts): two columns per member, so at most 1000 members (a row of
/// 2004 columns); elsewhere `members` goes up to 10^6 ([`NETWORK_PARAMS`]).
pub const NETWORK_TRAJECTORY_PARAMS: &[ParamSpec] = &[ParamSpec {
    name: "members",
    default: 2.0,
    min: 2.0,
    max: 1000.0,
    integer: true,
    doc: "a row holds two columns per member; up to 1000000 members where none is written (simulate --summary, sweeps, compare, check)",
}];

/// The classic chain of a mutual-credit network: `members` members, each starting at
/// balance 0 with the limit `limit` (a magnitude: a balance may go down to `−limit`);
/// with `leave-after` > 0, members in debt who cannot pay leave (the module's step 5).
///
/// Build it with [`Network::new`] (checked against [`NETWORK_PARAMS`]) and
/// [`Network::leaving`], or through the registry ([`ModelType::from_values`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    members: usize,
    limit: i64,
    /// Refusals in a row after which a payer in debt leaves (0: nobody leaves).
    leave_after: u32,
}

impl Network {
    /// The network of `members` members (2 … 10^6) with the genesis limit `limit`
    /// (0 … 10^9); the error names the parameter out of range.
    pub fn new(members: usize, limit: i64) -> Result<Self, ParamError> {
        check_values(
            Self::NAME,
            NETWORK_PARAMS,
            &[],
            &[members as f64, limit as f64, 0.0],
        )?;
        Ok(Network {
            members,
            limit,
            leave_after: 0,
        })
    }

    /// The network whose members in debt leave after `leave_after` payments refused in a
    /// row (0 … 10^6; 0: nobody leaves, the default); the error names `leave-after`.
    ///
    /// ```
    /// let net = currents::network::Network::new(4, 1).unwrap().leaving(2).unwrap();
    /// assert_eq!(net.leave_after(), 2);
    /// assert!(currents::network::Network::new(4, 1).unwrap().leaving(1_000_001).is_err());
    /// ```
    pub fn leaving(self, leave_after: u32) -> Result<Self, ParamError> {
        NETWORK_PARAMS[2].check(NETWORK_PARAMS[2].name, f64::from(leave_after))?;
        Ok(Network {
            leave_after,
            ..self
        })
    }

    /// Refusals in a row after which a payer in debt leaves (0: nobody leaves).
    pub fn leave_after(&self) -> u32 {
        self.leave_after
    }

    /// The network as given, unchecked (a tape case's, built within its declared ranges).
    pub(super) const fn unchecked(members: usize, limit: i64, leave_after: u32) -> Self {
        Network {
            members,
            limit,
            leave_after,
        }
    }

    /// `Ok` when `member` is one of the network's members and `state` holds its ledger.
    #[inline]
    fn check_member(&self, state: &NetworkState, member: usize) -> Result<(), StepError> {
        if member < self.members && member < state.balances.len() && member < state.limits.len() {
            Ok(())
        } else {
            Err(StepError::NoSuchMember {
                member,
                n_members: self.members,
            })
        }
    }
}

/// What one step makes of its payer's and its payee's ledgers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Outcome {
    transfer: Transfer,
    payer: (i64, i64),
    payee: (i64, i64),
    refused: bool,
    /// Step 5's lost credit and the leaving memory of the payer and payee (`None` when
    /// nobody ever leaves).
    leave: Option<LeaveOutcome>,
}

impl Network {
    /// What step `t`'s transfer makes of its payer's and payee's ledgers in `prev`
    /// (balance, limit): their new limits (rounded half to even), and the amount moved
    /// unless it is refused. The one definition of the step, for [`Model::step`],
    /// [`Model::step_into`] and the engine that steps a state in place.
    #[inline(always)]
    pub(crate) fn outcome(
        &self,
        prev: &NetworkState,
        limits: &StepLimits,
        t: Transfer,
    ) -> Result<Outcome, StepError> {
        let Transfer {
            payer,
            payee,
            amount,
        } = t;
        self.check_member(prev, payer)?;
        self.check_member(prev, payee)?;
        let limit_of = |member: usize| match limits.of(member) {
            Some(limit) => to_int("limit", limit.value),
            None => Ok(prev.limits.get(member).unwrap_or(0)),
        };
        let (payer_limit, payee_limit) = (limit_of(payer)?, limit_of(payee)?);
        let (balance, limit_prev) = (prev.balances[payer], prev.limits.get(payer).unwrap_or(0));
        let received = prev.balances[payee];
        // In i128, so that no balance, amount or limit overflows the comparison.
        let after = i128::from(balance) - i128::from(amount);
        let refused = payer == payee || amount <= 0 || after < -i128::from(limit_prev);
        let (payer_balance, payee_balance) = if refused {
            (balance, received)
        } else {
            (
                moved(balance.checked_sub(amount), balance, -amount)?,
                moved(received.checked_add(amount), received, amount)?,
            )
        };
        let mut outcome = Outcome {
            transfer: t,
            payer: (payer_balance, payer_limit),
            payee: (payee_balance, payee_limit),
            refused,
            leave: None,
        };
        if self.leave_after > 0
            && let Some(leaving) = prev.leaving.as_deref()
        {
            let balances = ((balance, payer_balance), (received, payee_balance));
            let leave = self.leave(leaving, t, refused, balances)?;
            if leave.left {
                outcome.payer = (0, self.limit);
                if payee == payer {
                    outcome.payee = outcome.payer;
                }
            }
            outcome.leave = Some(leave);
        }
        Ok(outcome)
    }

    /// Step 5, leaving: the payer's refusals in a row counted (`Leaving::streak`); a
    /// payer in debt refused `leave_after` times in a row leaves, its debt added to the
    /// lost credit, its seat taken by a newcomer (balance 0, the genesis limit); the
    /// attribution of both members settled (`Leaving::after`). `prev` is the leaving
    /// memory before transfer `t` (`refused` or not), `balances` the payer's and the
    /// payee's balances before and after the transfer. The caller seats the newcomer
    /// (`LeaveOutcome::left`).
    #[inline(never)]
    #[cold]
    fn leave(
        &self,
        prev: &Leaving,
        t: Transfer,
        refused: bool,
        ((balance, paid), (received, payee_now)): ((i64, i64), (i64, i64)),
    ) -> Result<LeaveOutcome, StepError> {
        let Transfer { payer, payee, .. } = t;
        let (streak, leaves) = prev.streak(payer, refused, balance, self.leave_after);
        let (mut debt, mut lost) = (0, prev.lost);
        let (mut payer_now, mut payee_now) = (paid, payee_now);
        if leaves {
            // The lost credit after it, or the error naming what it would have been.
            let after = i128::from(prev.lost) - i128::from(balance);
            lost = i64::try_from(after).map_err(|_| StepError::NotAnInteger {
                field: "lost",
                value: after as f64,
            })?;
            debt = lost - prev.lost;
            payer_now = 0;
            if payee == payer {
                payee_now = 0;
            }
        }
        Ok(prev.after(
            (payer, payee),
            (balance, payer_now),
            (received, payee_now),
            streak,
            (debt, lost),
        ))
    }

    /// Writes `outcome` into `next`, a state holding the step's previous state (`prev`,
    /// whose count of payments is `n_payments`) at least for its payer and payee.
    #[inline(always)]
    pub(crate) fn write(outcome: &Outcome, n_payments: u64, next: &mut NetworkState) {
        let Transfer {
            payer,
            payee,
            amount,
        } = outcome.transfer;
        // The payee last: when it is the payer (a refused transfer), both are the same.
        for (member, (balance, limit)) in [(payer, outcome.payer), (payee, outcome.payee)] {
            next.balances[member] = balance;
            next.limits.set(member, limit);
        }
        next.payer = payer;
        next.payee = payee;
        next.amount = amount;
        next.refused = outcome.refused;
        next.n_payments = n_payments.saturating_add(1);
        // Only where members may leave: elsewhere nothing is ever lost and nobody leaves,
        // as at genesis.
        if let Some(leave) = &outcome.leave
            && let Some(leaving) = next.leaving.as_deref_mut()
        {
            leaving.write(payer, payee, leave);
        }
    }

    /// Step `t` applied to `state` itself (the state before it), which then holds what
    /// [`Model::step`] returns: for an engine that keeps one state. On an error `state` is
    /// unchanged.
    #[inline(always)]
    pub(crate) fn step_in_place(
        &self,
        state: &mut NetworkState,
        limits: &StepLimits,
        t: Transfer,
    ) -> Result<(), StepError> {
        let outcome = self.outcome(state, limits, t)?;
        let n_payments = state.n_payments;
        Network::write(&outcome, n_payments, state);
        Ok(())
    }
}

impl Default for Network {
    /// The declared defaults: two members, limit 1.
    fn default() -> Self {
        Network::unchecked(2, 1, 0)
    }
}

/// One state of the network: every member's balance and limit, the transfer of the step
/// that made it, and the credit lost to members who left.
///
/// The fields are public, as a state is plain data that observers and laws read; a state
/// the model makes always holds one balance and one limit per member. At genesis `payer`,
/// `payee` and `amount` are 0, `refused` is false, nothing is lost and nobody left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkState {
    /// Member m's balance, in whole units (negative: a debt).
    pub balances: Vec<i64>,
    /// Member m's limit, a magnitude: the balance may go down to `−limit`.
    pub(crate) limits: MemberLimits,
    /// The payer of the last transfer.
    pub(crate) payer: usize,
    /// The payee of the last transfer.
    pub(crate) payee: usize,
    /// The amount of the last transfer, as drawn (also when it was refused).
    pub(crate) amount: i64,
    /// True when the last transfer was refused (no balance changed).
    pub refused: bool,
    /// Transfers made or refused so far (the step).
    pub(crate) n_payments: u64,
    /// The lost credit, who left at the last step, each member's refusals in a row and
    /// attributed loss, and the loss index (`None` when nobody ever leaves: a state of the
    /// classic chain is no larger than before members could).
    pub(crate) leaving: Option<Box<Leaving>>,
}

impl NetworkState {
    /// The credit lost so far, in whole units: the sum of the debts of the members who
    /// left (the module's step 5; 0 when nobody ever leaves). The members' balances sum
    /// to it.
    #[inline]
    pub fn lost(&self) -> i64 {
        self.leaving.as_ref().map_or(0, |l| l.lost)
    }

    /// The member who left at the last step (its seat now a newcomer's), if any.
    #[inline]
    pub fn left(&self) -> Option<usize> {
        self.leaving.as_ref().and_then(|l| l.left)
    }

    /// The lost credit attributed to member `member` (its seat: a newcomer takes over the
    /// seat's attribution so far) up to this state: for each default, the debt written off
    /// times the member's share of the credit held at that moment (its positive balance
    /// over the sum of the positive balances). O(1); 0 when nobody ever leaves or there is
    /// no such member. A float: every member's sum to [`NetworkState::lost`] up to rounding
    /// (leaving.rs says why), never exactly.
    pub fn attributed_loss(&self, member: usize) -> f64 {
        self.balances
            .get(member)
            .zip(self.leaving.as_deref())
            .map_or(0.0, |(&b, l)| l.attributed(member, b))
    }

    /// Member `member`'s payments refused in a row as payer (0 when nobody ever leaves).
    pub fn refusals_in_a_row(&self, member: usize) -> u32 {
        self.leaving.as_ref().map_or(0, |l| l.refusals(member))
    }

    /// What member `member` received at the last step: `+amount` for the payee, `−amount`
    /// for the payer, 0 for every other member and for everyone when it was refused.
    #[inline]
    pub(crate) fn received(&self, member: usize) -> i64 {
        if self.refused || self.payer == self.payee {
            0
        } else if member == self.payer {
            -self.amount
        } else if member == self.payee {
            self.amount
        } else {
            0
        }
    }
}

/// A member's balance after a change (`after`, `None` when it does not fit an `i64`), or
/// the error that names the balance it would have been (`balance + change`).
#[inline]
fn moved(after: Option<i64>, balance: i64, change: i64) -> Result<i64, StepError> {
    after.ok_or_else(|| StepError::NotAnInteger {
        field: "balance",
        value: (i128::from(balance) + i128::from(change)) as f64,
    })
}

impl ModelType for Network {
    const NAME: &'static str = "network";
    const SUMMARY: &'static str =
        "N members paying each other one unit at a time, refused below the payer's limit";
    const PARAMS: &'static [ParamSpec] = NETWORK_PARAMS;
    const TRAJECTORY_PARAMS: &'static [ParamSpec] = NETWORK_TRAJECTORY_PARAMS;
    /// No bound of its own: a run holds two states and the policy's memory of each member
    /// whatever its length (each workflow's bound holds: `simulate --summary`'s is 10^8).
    const STEPS_MAX: u64 = u64::MAX;

    fn from_values(values: &[f64]) -> Self {
        Network::unchecked(values[0] as usize, values[1] as i64, values[2] as u32)
    }

    /// Every column, in the model's order: each member's balance (wide enough for
    /// −10^9 … 10^10) and limit (for 10^9), then the transfer (payer and payee below 1000,
    /// an amount up to 10^6, refused 0 or 1) and, when members may leave, the lost credit.
    /// The summary's names for member m's balance
    /// and limit, `balance_m` and `limit_m`, come from [`Model::ledger_columns`].
    fn report_layout(&self) -> crate::registry::ReportLayout {
        let width = |name: &str, min: usize| name.len().max(min);
        let columns = self
            .columns()
            .into_iter()
            .map(|c| {
                let w = if c.starts_with("balance_") {
                    width(&c, 11)
                } else if c.starts_with("limit_") {
                    width(&c, 10)
                } else {
                    width(&c, 6) + 2
                };
                (c, w)
            })
            .collect();
        crate::registry::ReportLayout { columns }
    }
}

impl Model for Network {
    type State = NetworkState;
    type History = ();
    type Payment = Transfer;

    fn name(&self) -> &'static str {
        Self::NAME
    }

    /// `balance_0, limit_0, balance_1, limit_1, …`, then `payer, payee, amount, refused`,
    /// then `lost` when members may leave (`leave-after` > 0; with 0 it would always be 0,
    /// and the columns are the classic chain's).
    fn columns(&self) -> Vec<String> {
        let lost = (self.leave_after > 0).then(|| "lost".to_owned());
        (0..self.members)
            .flat_map(|m| [format!("balance_{m}"), format!("limit_{m}")])
            .chain(["payer", "payee", "amount", "refused"].map(String::from))
            .chain(lost)
            .collect()
    }

    fn genesis(&self) -> NetworkState {
        NetworkState {
            balances: vec![0; self.members],
            limits: MemberLimits::common(self.limit, self.members),
            payer: 0,
            payee: 0,
            amount: 0,
            refused: false,
            n_payments: 0,
            leaving: (self.leave_after > 0).then(|| Box::new(Leaving::genesis(self.members))),
        }
    }

    /// The network keeps no history: a step reads the previous state only.
    #[inline]
    fn history(&self, _: &NetworkState, _: u64) {}

    #[inline]
    fn record(&self, _: &mut (), _: &NetworkState) {}

    /// Returns the transfer unchanged, whatever the enforcement: the network holds every
    /// payer to its limit in [`Model::step`], under every policy (`none` included).
    #[inline]
    fn enforce(
        &self,
        _: &Enforcement,
        _: &NetworkState,
        _: &(),
        transfer: Transfer,
    ) -> Result<Transfer, StepError> {
        Ok(transfer)
    }

    /// Sets the payer's and the payee's limits to the ones the policy set (rounded half to
    /// even), then refuses the transfer when the payer pays itself, when the amount is not
    /// positive, or when it would take the payer's balance below `−limit(t−1)`, the limit
    /// that held when it was made; else moves the amount from the payer to the payee.
    fn step(
        &self,
        prev: &NetworkState,
        _: &(),
        limits: &StepLimits,
        t: Transfer,
    ) -> Result<NetworkState, StepError> {
        let outcome = self.outcome(prev, limits, t)?;
        let mut next = prev.clone();
        Network::write(&outcome, prev.n_payments, &mut next);
        Ok(next)
    }

    /// [`Model::step`] in O(1): `next` (the state before `prev`, or a copy of it) is first
    /// brought up to `prev` by copying the ledgers of the two members `prev`'s own transfer
    /// involved — the only ones that step changed —, then this step's outcome (the same
    /// function as [`Model::step`]'s) is written to its payer and payee. On an error `next`
    /// is unchanged.
    #[inline]
    fn step_into(
        &self,
        prev: &NetworkState,
        _: &(),
        limits: &StepLimits,
        t: Transfer,
        next: &mut NetworkState,
    ) -> Result<(), StepError> {
        let outcome = self.outcome(prev, limits, t)?;
        let n = prev.balances.len();
        let leaving_fits = match (prev.leaving.as_deref(), next.leaving.as_deref()) {
            (None, None) => true,
            (Some(a), Some(b)) => a.fits(n) && b.fits(n),
            _ => false,
        };
        if next.balances.len() != n
            || next.limits.len() != n
            || prev.limits.len() != n
            || !leaving_fits
        {
            // Not a state of this run (outside the contract): start from a copy.
            next.clone_from(prev);
        } else {
            for m in [prev.payer, prev.payee] {
                if m < n {
                    next.balances[m] = prev.balances[m];
                    next.limits.copy_from(&prev.limits, m);
                }
            }
            if let (Some(from), Some(to)) = (prev.leaving.as_deref(), next.leaving.as_deref_mut()) {
                for m in [prev.payer, prev.payee] {
                    to.copy_from(from, m);
                }
            }
        }
        Network::write(&outcome, prev.n_payments, next);
        Ok(())
    }

    #[inline]
    fn n_members(&self) -> usize {
        self.members
    }

    /// The payer, then the payee (one member when they are the same).
    #[inline]
    fn members(&self, t: &Transfer) -> Members {
        Members::pair(t.payer, t.payee)
    }

    /// Balance, limit, capacity `balance + limit` and what the member received at the last
    /// step (`NetworkState::received`). A member the state does not hold reads as NaN,
    /// which the finiteness and limit laws report, rather than a panic.
    #[inline]
    fn ledger(&self, s: &NetworkState, member: usize) -> Ledger {
        match (s.balances.get(member), s.limits.get(member)) {
            (Some(&balance), Some(limit)) => Ledger {
                balance: balance as f64,
                limit: limit as f64,
                // The sum in i64 when it fits (always, in practice): converting an i128 to
                // f64 is a slow library call, and the two give the same double.
                capacity: balance.checked_add(limit).map_or_else(
                    || (i128::from(balance) + i128::from(limit)) as f64,
                    |c| c as f64,
                ),
                payment: s.received(member) as f64,
            },
            _ => Ledger {
                balance: f64::NAN,
                limit: f64::NAN,
                capacity: f64::NAN,
                payment: f64::NAN,
            },
        }
    }

    /// `balance_m` and `limit_m`, for any member a network's trajectory may hold (its
    /// columns grow with `members`); the capacity (`balance + limit`) and what the member
    /// received are not stored as columns.
    fn ledger_columns(&self, member: usize) -> Option<LedgerColumns> {
        Some(LedgerColumns::new(
            format!("balance_{member}"),
            format!("limit_{member}"),
        ))
    }

    fn row(&self, s: &NetworkState, out: &mut Vec<Value>) {
        for (&balance, limit) in s.balances.iter().zip(s.limits.iter()) {
            out.extend([Value::Int(balance), Value::Int(limit)]);
        }
        out.extend(transfer_cells(s));
        if self.leave_after > 0 {
            out.push(Value::Int(s.lost()));
        }
    }

    /// `balance_m`, `limit_m` of each of `members` the state holds, then the transfer's
    /// four cells and, when members may leave, `lost`: O(1) a step.
    fn touched_row(&self, s: &NetworkState, members: &[usize], out: &mut Vec<Value>) {
        for &m in members {
            if let (Some(&balance), Some(limit)) = (s.balances.get(m), s.limits.get(m)) {
                out.extend([Value::Int(balance), Value::Int(limit)]);
            }
        }
        out.extend(transfer_cells(s));
        if self.leave_after > 0 {
            out.push(Value::Int(s.lost()));
        }
    }

    /// `lost`, written when members may leave (`leave-after` > 0).
    fn optional_columns(&self) -> &'static [&'static str] {
        &["lost"]
    }

    /// The lost credit ([`NetworkState::lost`]): the debts of the members who left,
    /// written off, which the members' balances sum to.
    #[inline]
    fn written_off(&self, s: &NetworkState) -> f64 {
        s.lost() as f64
    }
}

/// The row's last four cells, no member's: the step's payer, payee, amount and whether it
/// was refused.
fn transfer_cells(s: &NetworkState) -> [Value; 4] {
    [
        Value::Count(s.payer as u64),
        Value::Count(s.payee as u64),
        Value::Int(s.amount),
        Value::Count(u64::from(s.refused)),
    ]
}

/// What per-run metrics read beyond the ledgers: the size of each transfer.
impl Metered for Network {
    /// The transfer's amount (its size, positive), refused or not: a metric sees the
    /// payment, not whether the step refused it.
    #[inline]
    fn amount(&self, t: &Transfer) -> f64 {
        t.amount as f64
    }
}

#[cfg(test)]
mod tests;
