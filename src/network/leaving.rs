//! Members leaving (default) and lost credit: what a network state keeps so that a member
//! whose payments were refused `leave-after` times in a row leaves, its debt written off as
//! lost credit and attributed to the members holding credit at that moment ([`Leaving`]).
//!
//! Everything here is O(1) a step: the refusal streak of the payer, the lazy attribution of
//! the payer and the payee. A member's attributed loss is settled when a step touches it
//! and read settled at any time ([`Leaving::attributed`]), so a report that wants every
//! member's pays O(members) once, at the end.
//!
//! Exactness: the lost total and the streaks are whole numbers (exact). The attribution is
//! a float: each default of debt `d` adds `d / H` to a loss index (`H` the credit held at
//! that moment, the sum of the positive balances), and a member holding `b > 0` between
//! two touches is attributed `b × (index now − index seen)`. Every member's attributed loss
//! then sums to the lost total up to rounding (each `d / H` and each product rounded once),
//! which is why it is compared with a relative tolerance, never exactly.

/// One seat's memory of leaving: its payer's refusals in a row and its attribution.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Seat {
    /// The loss index when the seat's attribution was last settled.
    pub(crate) seen: f64,
    /// The seat's attributed loss, settled up to `seen`.
    pub(crate) settled: f64,
    /// The seat's payments refused in a row, as payer (reset by a payment that passes and
    /// by leaving).
    pub(crate) refusals: u32,
}

impl PartialEq for Seat {
    /// Floats bit for bit.
    fn eq(&self, other: &Self) -> bool {
        self.seen.to_bits() == other.seen.to_bits()
            && self.settled.to_bits() == other.settled.to_bits()
            && self.refusals == other.refusals
    }
}

impl Eq for Seat {}

/// A [`Seat`] on 32 bytes, as [`Leaving`] keeps one per member: a step then reads one
/// cache line per member, never two (at a million members a step waits for the lines it
/// reads: 12 % less time than 24-byte seats, BENCHMARKS.md).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(align(32))]
pub(crate) struct Aligned(pub(crate) Seat);

/// The lost credit, who left at the last step, the per-member memory of leaving and the
/// run's loss index, held by a [`super::NetworkState`] (boxed, and only when the network's
/// `leave-after` is > 0: else nobody ever leaves, and a state holds one empty pointer).
///
/// Two memories are equal when every field is, floats bit for bit (so a state compares
/// equal to another exactly when every value in it is the same).
#[derive(Debug, Clone, Default)]
pub(crate) struct Leaving {
    /// The credit lost so far, in whole units: the sum of the debts of the members who
    /// left.
    pub(crate) lost: i64,
    /// The member who left at the last step, if any.
    pub(crate) left: Option<usize>,
    /// Member m's memory at index m.
    pub(crate) seats: Vec<Aligned>,
    /// Lost credit per unit of credit held, summed over every default so far.
    pub(crate) index: f64,
    /// The credit held: the sum of the members' positive balances (in i128: a sum of
    /// balances that each fit an i64).
    pub(crate) held: i128,
}

impl PartialEq for Leaving {
    fn eq(&self, other: &Self) -> bool {
        self.lost == other.lost
            && self.left == other.left
            && self.seats == other.seats
            && self.index.to_bits() == other.index.to_bits()
            && self.held == other.held
    }
}

impl Eq for Leaving {}

/// What one step makes of the leaving memory of its payer and payee.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LeaveOutcome {
    /// The lost credit after the step.
    pub(crate) lost: i64,
    /// True when the payer left at the step.
    pub(crate) left: bool,
    /// The payer's and the payee's seats after the step.
    pub(crate) payer: Seat,
    pub(crate) payee: Seat,
    /// The run's loss index and credit held after the step.
    pub(crate) index: f64,
    pub(crate) held: i128,
}

/// The positive part of a balance, as credit held.
#[inline]
fn held_by(balance: i64) -> i128 {
    i128::from(balance.max(0))
}

impl Leaving {
    /// The memory of `members` members at genesis (every balance 0): nothing lost,
    /// nobody left, nothing refused, nothing attributed, no credit held.
    pub(crate) fn genesis(members: usize) -> Self {
        Leaving {
            lost: 0,
            left: None,
            seats: vec![Aligned::default(); members],
            index: 0.0,
            held: 0,
        }
    }

    /// Member `m`'s payments refused in a row (0 when there is no such member).
    #[inline]
    pub(crate) fn refusals(&self, m: usize) -> u32 {
        self.seats.get(m).map_or(0, |s| s.0.refusals)
    }

    /// The payer's refusals in a row after a step that was `refused` or not, and whether
    /// it leaves: refused `leave_after` times in a row (`leave_after` > 0) and in debt
    /// (its `balance`, unchanged by the refused step, below 0). A member who leaves starts
    /// its seat's count again at 0.
    #[inline]
    pub(crate) fn streak(
        &self,
        payer: usize,
        refused: bool,
        balance: i64,
        leave_after: u32,
    ) -> (u32, bool) {
        if !refused {
            return (0, false);
        }
        let streak = self.refusals(payer).saturating_add(1);
        if leave_after > 0 && streak >= leave_after && balance < 0 {
            (0, true)
        } else {
            (streak, false)
        }
    }

    /// Member `m`'s attributed loss, settled to now, given its `balance`: what it was
    /// settled to, plus its credit held times the index's rise since (0 when there is no
    /// such member).
    #[inline]
    pub(crate) fn attributed(&self, m: usize, balance: i64) -> f64 {
        self.seats.get(m).map_or(0.0, |Aligned(s)| {
            s.settled + balance.max(0) as f64 * (self.index - s.seen)
        })
    }

    /// The leaving memory after a step whose payer and payee had the balances `payer_was`
    /// and `payee_was` before it and have `payer_now` and `payee_now` after it (a member
    /// who left: 0), where `payer_refusals` is the payer's streak after the step, `debt`
    /// the debt written off at the step (0 when nobody left) and `lost` the lost credit
    /// after it. Both members are
    /// settled at the index before the step; the debt then raises the index by
    /// `debt / held`, `held` the credit held at that moment (the step's transfer was
    /// refused, so every balance is as before it; the leaver, in debt, holds none).
    #[inline]
    pub(crate) fn after(
        &self,
        (payer, payee): (usize, usize),
        (payer_was, payer_now): (i64, i64),
        (payee_was, payee_now): (i64, i64),
        payer_refusals: u32,
        (debt, lost): (i64, i64),
    ) -> LeaveOutcome {
        let settle = |m: usize, balance: i64| Seat {
            seen: self.index,
            settled: self.attributed(m, balance),
            refusals: self.refusals(m),
        };
        let (mut payer_seat, payee_seat) = (settle(payer, payer_was), settle(payee, payee_was));
        payer_seat.refusals = payer_refusals;
        let mut index = self.index;
        if debt > 0 && self.held > 0 {
            index += debt as f64 / self.held as f64;
            // The leaver's seat is settled at the new index: a newcomer holds nothing yet,
            // and the seat's attribution so far stays with it.
            payer_seat.seen = index;
        }
        let held = if payer == payee {
            self.held - held_by(payer_was) + held_by(payer_now)
        } else {
            self.held - held_by(payer_was) - held_by(payee_was)
                + held_by(payer_now)
                + held_by(payee_now)
        };
        LeaveOutcome {
            lost,
            left: debt > 0,
            payer: payer_seat,
            payee: payee_seat,
            index,
            held,
        }
    }

    /// Writes `outcome` for its payer and payee (the payee first, so that a member paying
    /// itself gets the payer's).
    #[inline]
    pub(crate) fn write(&mut self, payer: usize, payee: usize, outcome: &LeaveOutcome) {
        for (m, seat) in [(payee, outcome.payee), (payer, outcome.payer)] {
            if let Some(s) = self.seats.get_mut(m) {
                s.0 = seat;
            }
        }
        self.index = outcome.index;
        self.held = outcome.held;
        self.lost = outcome.lost;
        self.left = outcome.left.then_some(payer);
    }

    /// Sets member `m`'s memory to its memory in `other` (the per-member part only).
    #[inline]
    pub(crate) fn copy_from(&mut self, other: &Leaving, m: usize) {
        if let (Some(s), Some(&from)) = (self.seats.get_mut(m), other.seats.get(m)) {
            *s = from;
        }
    }

    /// True when the memory holds `n` members.
    #[inline]
    pub(crate) fn fits(&self, n: usize) -> bool {
        self.seats.len() == n
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Limit, Model, StepLimits};
    use crate::network::{Network, NetworkState, Transfer};

    /// Plays `tape` on `net` from genesis, every limit kept at `limit`: the states after
    /// each step.
    fn play(net: &Network, limit: f64, tape: &[&str]) -> Vec<NetworkState> {
        let mut states = vec![net.genesis()];
        for t in tape {
            let t: Transfer = t.parse().unwrap();
            let kept = Limit {
                value: limit,
                branch: "kept",
            };
            let limits = StepLimits::try_from_fn(net.members(&t), |_| Ok::<_, ()>(kept)).unwrap();
            let next = net.step(states.last().unwrap(), &(), &limits, t).unwrap();
            states.push(next);
        }
        states
    }

    #[test]
    fn a_payer_in_debt_refused_leave_after_times_in_a_row_leaves_its_debt_to_its_creditors() {
        // Four members, limit 2, leaving after 2 refusals: member 0 pays 1 and 2 one unit
        // each (at −2, its limit), then is refused twice paying 3.
        let net = Network::new(4, 2).unwrap().leaving(2).unwrap();
        let s = play(&net, 2.0, &["0>1:1", "0>2:1", "0>3:1", "0>3:1", "1>3:1"]);
        assert_eq!(s[2].balances, [-2, 1, 1, 0]);
        assert_eq!(
            (s[3].refused, s[3].left(), s[3].refusals_in_a_row(0)),
            (true, None, 1)
        );
        assert_eq!(s[3].lost(), 0);
        // The second refusal: member 0 leaves, its debt of 2 lost; a newcomer takes the
        // seat at balance 0 and the genesis limit; the balances sum to the lost credit.
        let left = &s[4];
        assert_eq!((left.left(), left.lost()), (Some(0), 2));
        assert_eq!(left.balances, [0, 1, 1, 0]);
        assert_eq!(net.ledger(left, 0).limit, 2.0);
        assert_eq!(left.refusals_in_a_row(0), 0);
        assert_eq!(left.balances.iter().sum::<i64>(), left.lost());
        // Attributed pro rata to the credit held then: members 1 and 2 held 1 unit each.
        // Exact here: 2 / 2 = 1, times 1.
        let shares: Vec<f64> = (0..4).map(|m| left.attributed_loss(m)).collect();
        assert_eq!(shares, [0.0, 1.0, 1.0, 0.0]);
        // Member 1 pays its unit on: its share stays (settled when it was touched).
        let after = &s[5];
        assert_eq!((after.left(), after.lost()), (None, 2));
        let shares: Vec<f64> = (0..4).map(|m| after.attributed_loss(m)).collect();
        assert_eq!(shares, [0.0, 1.0, 1.0, 0.0]);
    }

    #[test]
    fn a_payment_that_passes_resets_the_streak_and_nobody_leaves_by_default_or_at_zero() {
        // leave-after 2: member 0 is refused once; being paid does not reset its streak
        // (only a payer's is touched), paying does; then it is refused once more.
        let tape = ["0>1:1", "0>1:1", "1>0:1", "0>1:1", "0>1:1"];
        let net = Network::new(2, 1).unwrap().leaving(2).unwrap();
        let s = play(&net, 1.0, &tape);
        assert!(s.iter().all(|x| x.left().is_none() && x.lost() == 0));
        let streaks: Vec<u32> = s.iter().map(|x| x.refusals_in_a_row(0)).collect();
        assert_eq!(streaks, [0, 0, 1, 1, 0, 1]);
        // leave-after 0: the classic chain, with nothing kept.
        let classic = Network::new(2, 1).unwrap();
        let c = play(&classic, 1.0, &["0>1:1", "0>1:1", "0>1:1", "0>1:1"]);
        assert!(c.iter().all(|x| x.left().is_none() && x.lost() == 0));
        assert_eq!(c[4].refusals_in_a_row(0), 0);
        assert!(c[4].leaving.is_none());
        // A member refused at balance 0 (limit 0) is not in debt: it stays.
        let zero = Network::new(2, 0).unwrap().leaving(1).unwrap();
        let z = play(&zero, 0.0, &["0>1:1", "0>1:1"]);
        assert!(z.iter().all(|x| x.left().is_none()));
    }
}
