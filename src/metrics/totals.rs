//! The per-step sums over every member of a model of several members, kept up to date from
//! the members each step touches: what makes the per-run fold O(1) a step whatever the
//! number of members.
//!
//! A step touches only the members its payment involves (the `Model` contract): every
//! other member's balance, limit, send volume and means are what they were. So a figure
//! summed over the members at every step — the balances, the members over their limit,
//! the utilisation — changes only by what the touched members' figures changed by: each is
//! kept as a running total ([`MemberTotals`]), corrected by the touched members' figures
//! before and after the step, and read once a step. Debt ages need the step each member's
//! debt began ([`DebtSpells`]), kept per member and read only for the touched ones.
//!
//! Exactness: counts are integers. A float total is a compensated running sum
//! ([`RunningSum`]), each change added with its rounding error: when every figure is a
//! whole number and the totals stay below 2^53 (the network's balances and limits) every
//! addition is exact, so the total is the sum over the members in any order, bit for bit;
//! otherwise (the utilisation's ratios, a user's model with fractional balances) it is
//! within a few units in the last place of that sum whatever the run's length.

use crate::model::{Ledger, balance_below_limit};

use super::Metered;

/// What the per-run fold reads of one member in one state: its ledger and what
/// [`Metered`] adds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct MemberFigures {
    /// The member's ledger: its balance and limit (capacity and payment NaN: the fold
    /// reads neither).
    pub(crate) ledger: Ledger,
    /// Its send volume ([`Metered::send_volume`]).
    pub(crate) send_volume: Option<f64>,
    /// Its mean balance and mean send volume ([`Metered::equilibrium`]).
    pub(crate) equilibrium: Option<(f64, f64)>,
}

impl MemberFigures {
    /// Member `member`'s figures in `state`.
    #[inline]
    pub(crate) fn of<M: Metered + ?Sized>(model: &M, state: &M::State, member: usize) -> Self {
        let l = model.ledger(state, member);
        MemberFigures {
            // The fold reads the balance and the limit only (so a model need not compute
            // the rest of a ledger for it, when its `ledger` is inlined).
            ledger: Ledger {
                balance: l.balance,
                limit: l.limit,
                capacity: f64::NAN,
                payment: f64::NAN,
            },
            send_volume: model.send_volume(state, member),
            equilibrium: model.equilibrium(state, member),
        }
    }

    /// A member with only a ledger (no send volume, no means).
    #[cfg(test)]
    pub(crate) fn of_ledger(ledger: Ledger) -> Self {
        MemberFigures {
            ledger,
            send_volume: None,
            equilibrium: None,
        }
    }

    /// The member's utilisation `max(0, −balance) / limit`, when its limit is positive.
    #[inline]
    fn utilisation(&self) -> Option<f64> {
        let l = &self.ledger;
        (l.limit > 0.0).then(|| (-l.balance).max(0.0) / l.limit)
    }

    /// |mean balance| / mean send volume, when the mean send volume is positive.
    #[inline]
    fn abs_s(&self) -> Option<f64> {
        match self.equilibrium {
            Some((balance_mean, send_volume_mean)) if send_volume_mean > 0.0 => {
                Some(balance_mean.abs() / send_volume_mean)
            }
            _ => None,
        }
    }
}

/// A running sum of doubles with Neumaier's compensation: the rounding error of every
/// addition is kept in `compensation`, so that adding a figure and later subtracting it
/// leaves no trace however many times. Whole numbers whose sums stay below 2^53 (the
/// network's balances and limits) are added exactly: the compensation stays 0 and the sum
/// is the sum over the members in any order, bit for bit.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct RunningSum {
    sum: f64,
    compensation: f64,
}

impl RunningSum {
    /// A sum starting at `value`.
    pub(crate) fn new(value: f64) -> Self {
        RunningSum {
            sum: value,
            compensation: 0.0,
        }
    }

    /// Adds `x`.
    #[inline(always)]
    pub(crate) fn add(&mut self, x: f64) {
        let t = self.sum + x;
        self.compensation += if self.sum.abs() >= x.abs() {
            (self.sum - t) + x
        } else {
            (x - t) + self.sum
        };
        self.sum = t;
    }

    /// Replaces a figure `before` by `after`: adds `after − before`, computed exactly as a
    /// double and its rounding error (Knuth's TwoSum), so one addition a change is on the
    /// sum's chain of dependent additions, not two.
    #[inline(always)]
    pub(crate) fn replace(&mut self, before: f64, after: f64) {
        let d = after - before;
        let z = d - after;
        let e = (after - (d - z)) + (-before - z);
        self.add(d);
        self.compensation += e;
    }

    /// The sum (with its compensation; the plain sum when there is none, so a sum of
    /// −0.0s stays −0.0).
    #[inline]
    pub(crate) fn value(&self) -> f64 {
        if self.compensation == 0.0 {
            self.sum
        } else {
            self.sum + self.compensation
        }
    }
}

/// The sums over every member of one state that the per-run fold adds up at every step,
/// kept as running totals (see the module documentation).
#[derive(Debug, Clone)]
pub(crate) struct MemberTotals {
    /// How many members.
    pub(crate) n_members: usize,
    /// Σ balance.
    pub(crate) balance: RunningSum,
    /// Σ limit.
    pub(crate) limit: RunningSum,
    /// Members over their limit (`balance_below_limit`).
    pub(crate) n_over: u64,
    /// Members whose limit is 0.
    pub(crate) n_zero: u64,
    /// Σ |mean balance| and Σ mean send volume over the members that keep means, and how
    /// many do.
    pub(crate) equilibrium: (RunningSum, RunningSum),
    pub(crate) n_equilibrium: u64,
    /// The sums only the metrics read, when they are folded.
    pub(crate) metrics: Option<MetricTotals>,
}

/// The sums over every member that only the metrics read.
#[derive(Debug, Clone)]
pub(crate) struct MetricTotals {
    /// Σ |balance|.
    pub(crate) balance_abs: RunningSum,
    /// Σ send volume over the members that keep one, and how many do not.
    pub(crate) send_volume: RunningSum,
    pub(crate) n_send_volume_missing: u64,
    /// Σ utilisation over the members whose limit is positive, and how many.
    pub(crate) utilisation: RunningSum,
    pub(crate) n_credit_positive: u64,
    /// Σ |mean balance| / mean send volume over the members whose mean send volume is
    /// positive, and how many.
    pub(crate) abs_s: RunningSum,
    pub(crate) n_abs_s: u64,
}

impl MemberTotals {
    /// The totals of the `genesis` members (with the metrics' when `metrics`), in one pass
    /// over them.
    pub(crate) fn new(genesis: impl Iterator<Item = MemberFigures>, metrics: bool) -> Self {
        // Every sum from −0.0, as `Iterator::sum` adds: a sum of −0.0s stays −0.0.
        let zero = RunningSum::new(-0.0);
        let mut totals = MemberTotals {
            n_members: 0,
            balance: zero,
            limit: zero,
            n_over: 0,
            n_zero: 0,
            equilibrium: (zero, zero),
            n_equilibrium: 0,
            metrics: metrics.then_some(MetricTotals {
                balance_abs: zero,
                send_volume: zero,
                n_send_volume_missing: 0,
                utilisation: zero,
                n_credit_positive: 0,
                abs_s: zero,
                n_abs_s: 0,
            }),
        };
        for m in genesis {
            totals.n_members += 1;
            let l = &m.ledger;
            totals.balance.add(l.balance);
            totals.limit.add(l.limit);
            totals.n_over += u64::from(balance_below_limit(l));
            totals.n_zero += u64::from(l.limit == 0.0);
            if let Some((balance_mean, send_volume_mean)) = m.equilibrium {
                totals.equilibrium.0.add(balance_mean.abs());
                totals.equilibrium.1.add(send_volume_mean);
                totals.n_equilibrium += 1;
            }
            if let Some(t) = &mut totals.metrics {
                t.balance_abs.add(l.balance.abs());
                match m.send_volume {
                    Some(v) => t.send_volume.add(v),
                    None => t.n_send_volume_missing += 1,
                }
                if let Some(u) = m.utilisation() {
                    t.utilisation.add(u);
                    t.n_credit_positive += 1;
                }
                if let Some(x) = m.abs_s() {
                    t.abs_s.add(x);
                    t.n_abs_s += 1;
                }
            }
        }
        totals
    }

    /// Replaces a member's figures `before` by `after` in every total.
    #[inline(always)]
    pub(crate) fn replace(&mut self, before: &MemberFigures, after: &MemberFigures) {
        let (b, a) = (&before.ledger, &after.ledger);
        // Bit patterns compared, so that a NaN that stays NaN changes nothing and a change
        // of sign of a zero is seen.
        let balance_moved = a.balance.to_bits() != b.balance.to_bits();
        let limit_moved = a.limit.to_bits() != b.limit.to_bits();
        if balance_moved {
            self.balance.replace(b.balance, a.balance);
        }
        if limit_moved {
            self.limit.replace(b.limit, a.limit);
            self.n_zero = self.n_zero - u64::from(b.limit == 0.0) + u64::from(a.limit == 0.0);
        }
        if balance_moved || limit_moved {
            self.n_over =
                self.n_over - u64::from(balance_below_limit(b)) + u64::from(balance_below_limit(a));
        }
        if before.equilibrium.is_some() || after.equilibrium.is_some() || self.metrics.is_some() {
            self.replace_rest(before, after);
        }
    }

    /// [`MemberTotals::replace`] of the means and the metrics' sums.
    #[inline(never)]
    fn replace_rest(&mut self, before: &MemberFigures, after: &MemberFigures) {
        if before.equilibrium.is_some() || after.equilibrium.is_some() {
            let (abs, volume) = &mut self.equilibrium;
            if let Some((balance_mean, send_volume_mean)) = before.equilibrium {
                abs.add(-balance_mean.abs());
                volume.add(-send_volume_mean);
            }
            if let Some((balance_mean, send_volume_mean)) = after.equilibrium {
                abs.add(balance_mean.abs());
                volume.add(send_volume_mean);
            }
            self.n_equilibrium = self.n_equilibrium - u64::from(before.equilibrium.is_some())
                + u64::from(after.equilibrium.is_some());
        }
        if let Some(m) = &mut self.metrics {
            m.replace(before, after);
        }
    }

    /// The mean balance over the members.
    #[inline]
    pub(crate) fn balance_mean(&self) -> f64 {
        self.balance.value() / self.n_members as f64
    }

    /// The mean limit over the members.
    #[inline]
    pub(crate) fn limit_mean(&self) -> f64 {
        self.limit.value() / self.n_members as f64
    }
}

impl MetricTotals {
    #[inline]
    fn replace(&mut self, before: &MemberFigures, after: &MemberFigures) {
        let (b, a) = (&before.ledger, &after.ledger);
        if a.balance != b.balance {
            self.balance_abs.add(-b.balance.abs());
            self.balance_abs.add(a.balance.abs());
        }
        if before.send_volume != after.send_volume {
            self.send_volume.add(-before.send_volume.unwrap_or(0.0));
            self.send_volume.add(after.send_volume.unwrap_or(0.0));
            self.n_send_volume_missing = self.n_send_volume_missing
                - u64::from(before.send_volume.is_none())
                + u64::from(after.send_volume.is_none());
        }
        let (ub, ua) = (before.utilisation(), after.utilisation());
        if ub != ua {
            self.utilisation.add(-ub.unwrap_or(0.0));
            self.utilisation.add(ua.unwrap_or(0.0));
            self.n_credit_positive =
                self.n_credit_positive - u64::from(ub.is_some()) + u64::from(ua.is_some());
        }
        let (sb, sa) = (before.abs_s(), after.abs_s());
        if sb != sa {
            self.abs_s.add(-sb.unwrap_or(0.0));
            self.abs_s.add(sa.unwrap_or(0.0));
            self.n_abs_s = self.n_abs_s - u64::from(sb.is_some()) + u64::from(sa.is_some());
        }
    }

    /// Σ send volume over the members, NaN when a member keeps none (the figures that
    /// divide by it are then undefined).
    #[inline]
    pub(crate) fn send_volume(&self) -> f64 {
        if self.n_send_volume_missing > 0 {
            f64::NAN
        } else {
            self.send_volume.value()
        }
    }
}

/// The debt spells of every member: the step each member's current spell in debt began
/// (balance < 0 at every step since), from which the debt ages' sum and maximum follow
/// without visiting the members that a step did not touch.
///
/// A member in debt at step t since step s has age t − s + 1; so the ages summed over the
/// members in debt are `n_in_debt · (t + 1) − Σ s`, both kept as spells begin and end.
#[derive(Debug, Clone)]
pub(crate) struct DebtSpells {
    /// Per member: the first step of its current spell in debt, 0 when not in debt.
    start: Vec<u64>,
    n_in_debt: u64,
    start_sum: u128,
    /// The longest spell that has ended (its last age).
    ended_max: u64,
}

impl DebtSpells {
    /// The spells at genesis: a member whose genesis balance is negative is in debt from
    /// step 1 on.
    pub(crate) fn new(genesis: impl Iterator<Item = MemberFigures>) -> Self {
        let start: Vec<u64> = genesis
            // In debt: not ≥ 0 (a NaN balance counts as in debt, as the one-member fold does).
            .map(|m| u64::from(m.ledger.balance < 0.0 || m.ledger.balance.is_nan()))
            .collect();
        let n_in_debt = start.iter().sum::<u64>();
        DebtSpells {
            start,
            n_in_debt,
            start_sum: u128::from(n_in_debt),
            ended_max: 0,
        }
    }

    /// Member `member`'s balance went from `before` to `after` at step `t`; true when it
    /// crossed zero (`≥ 0` on one side only).
    #[inline]
    pub(crate) fn update(&mut self, member: usize, t: u64, before: f64, after: f64) -> bool {
        let (was, is) = (before >= 0.0, after >= 0.0);
        if was == is {
            return false;
        }
        let Some(start) = self.start.get_mut(member) else {
            return true;
        };
        if is {
            // The spell ended at t − 1, at age t − start.
            self.ended_max = self.ended_max.max(t - *start);
            self.n_in_debt -= 1;
            self.start_sum -= u128::from(*start);
            *start = 0;
        } else {
            *start = t;
            self.n_in_debt += 1;
            self.start_sum += u128::from(t);
        }
        true
    }

    /// The debt ages of every member in debt at step `t`, summed.
    #[inline]
    pub(crate) fn age_sum(&self, t: u64) -> u128 {
        u128::from(self.n_in_debt) * u128::from(t + 1) - self.start_sum
    }

    /// The longest age any member reached in steps 1 … `t` (O(members): read once, when
    /// the metrics are).
    pub(crate) fn age_max(&self, t: u64) -> u64 {
        self.start
            .iter()
            .filter(|&&s| s > 0 && s <= t)
            .map(|&s| t - s + 1)
            .fold(self.ended_max, u64::max)
    }

    /// How many members.
    pub(crate) fn n_members(&self) -> usize {
        self.start.len()
    }
}

/// The smallest and largest genesis limits, each with its member: enough of them that
/// the extremes of the limits at step 1 can be read without the members the first step
/// touched (whose genesis limits are not limits of any step).
#[derive(Debug, Clone)]
pub(crate) struct GenesisLimits {
    /// Up to `KEPT` (limit, member), smallest first; NaN limits left out (as `f64::min`
    /// leaves them out).
    lowest: Vec<(f64, usize)>,
    /// Up to `KEPT` (limit, member), largest first.
    highest: Vec<(f64, usize)>,
}

impl GenesisLimits {
    /// More than the members one step touches (a payment's and the limits' members).
    const KEPT: usize = 2 * crate::model::MEMBERS_PER_PAYMENT_MAX + 1;

    /// The extremes of the `genesis` members' limits.
    pub(crate) fn new(genesis: impl Iterator<Item = MemberFigures>) -> Self {
        let mut lowest: Vec<(f64, usize)> = Vec::with_capacity(Self::KEPT + 1);
        let mut highest: Vec<(f64, usize)> = Vec::with_capacity(Self::KEPT + 1);
        for (m, f) in genesis.enumerate() {
            let limit = f.ledger.limit;
            if limit.is_nan() {
                continue;
            }
            Self::keep(&mut lowest, (limit, m), |a, b| a < b);
            Self::keep(&mut highest, (limit, m), |a, b| a > b);
        }
        GenesisLimits { lowest, highest }
    }

    /// Inserts `x` into `kept` (ordered by `before`, at most `KEPT` long).
    fn keep(kept: &mut Vec<(f64, usize)>, x: (f64, usize), before: impl Fn(f64, f64) -> bool) {
        let at = kept
            .iter()
            .position(|k| before(x.0, k.0))
            .unwrap_or(kept.len());
        if at < Self::KEPT {
            kept.insert(at, x);
            kept.truncate(Self::KEPT);
        }
    }

    /// The smallest and largest genesis limits of the members not in `touched` (±∞ when
    /// every member is).
    pub(crate) fn untouched(&self, touched: &[usize]) -> (f64, f64) {
        let free = |&&(_, m): &&(f64, usize)| !touched.contains(&m);
        let low = self.lowest.iter().find(free).map_or(f64::INFINITY, |x| x.0);
        let high = self
            .highest
            .iter()
            .find(free)
            .map_or(f64::NEG_INFINITY, |x| x.0);
        (low, high)
    }
}
