//! The per-group answers: when a run's user declares member groups
//! ([`crate::model::Behaviour::member_groups`]: `traders`' high- and low-volume members),
//! the one per-run fold ([`super::RunFold`]) also tallies, per group and for the whole
//! network, the figures below — O(1) a step from the members the step touched (their
//! figures before and after it), O(members) once, at the end (the Gini coefficients).
//!
//! Definitions (also in docs/metrics.md), over steps 1 … T; a group of s members:
//!
//! - `G_refused_share`: of the payments whose payer (the payment's first member) is in G,
//!   the share refused — the payer's balance did not move.
//! - `G_limit_share`: of the group's s·T member-steps, the share "at the limit": capacity
//!   (balance + limit) below the group's typical payment (for `traders`, the type's mean
//!   amount, so that more than half of the member's payments would be refused; a mean of 1:
//!   balance at −limit).
//! - `G_turnover`: the units the group's members paid (the payers' balance decreases),
//!   per member per step.
//! - `G_lost_per_default`: the credit written off when a member of G left owing (the
//!   network's members who leave, `leave-after`; `crate::model::Model::written_off`), per
//!   such default; NaN when none of its members left.
//! - `G_gini`: the Gini coefficient of the group's spending power after step T — each
//!   member's capacity, 0 when negative (a rule that lowered the limit under a debt):
//!   `Σ_i (2i − s − 1) x_(i) / (s · Σ x)` over the sorted values; NaN when they sum to 0.
//! - `G_equilibrium`: the notebook's equilibrium ratio |mean balance| / send volume, member
//!   by member as the notebook has it for its one user: each member's balance averaged
//!   over steps 1 … T, in absolute value, averaged over the group, over the mean size of
//!   the payments the group's members made (units paid / payments made); NaN when they
//!   made none. Each member's time sum is kept lazily (its balance, and the step since
//!   which it holds), O(1) a step.
//! - `network_credit_outstanding`: Σ over the members of max(0, −balance) (the debts, as
//!   many units as the credits), its mean over the steps.
//! - `network_velocity`: units paid per step / `network_credit_outstanding` (0 / 0: NaN).
//! - `network_cannot_spend_share`: of the N·T member-steps, the share whose capacity is
//!   below 1 (no whole unit can be paid).
//!
//! Counts are exact; the sums are of whole numbers on the network, exact below 2^53.

use crate::model::{Ledger, MemberGroups};

use super::totals::MemberFigures;

/// One group's running sums.
#[derive(Debug, Clone, Default)]
struct GroupSums {
    /// Members at the limit now, and summed over the steps.
    at_limit: u64,
    at_limit_steps: u64,
    /// Payments its members made (as payers), of which refused, and the units paid.
    payments: u64,
    refused: u64,
    units: f64,
    /// Its members who left owing (defaults), and the credit written off when they did.
    defaults: u64,
    lost: f64,
}

/// The figures [`super::RunFold`] tallies per member group (see the module documentation).
#[derive(Debug, Clone)]
pub(crate) struct GroupTally {
    groups: MemberGroups,
    /// Every member's capacity now (balance + limit): the Gini coefficients' input.
    capacity: Vec<f64>,
    /// Every member's balance now, the first step it has held at, and its sum over the
    /// steps before that one (the members' time-mean balances, kept lazily).
    balance: Vec<f64>,
    since: Vec<u64>,
    balance_sum: Vec<f64>,
    per: Vec<GroupSums>,
    n_steps: u64,
    /// Σ max(0, −balance) now, and summed over the steps.
    outstanding: f64,
    outstanding_steps: f64,
    /// Members whose capacity is below 1 now, and summed over the steps.
    cannot_spend: u64,
    cannot_spend_steps: u64,
    /// Units paid by every member.
    units: f64,
}

/// A member's capacity: balance + limit.
#[inline]
fn capacity(l: &Ledger) -> f64 {
    l.balance + l.limit
}

impl GroupTally {
    /// The tally of a run whose genesis members are `genesis(m)`, m < `groups`' members.
    pub(crate) fn new(groups: MemberGroups, genesis: impl Fn(usize) -> MemberFigures) -> Self {
        let n = groups.n_members();
        let mut tally = GroupTally {
            per: vec![GroupSums::default(); groups.groups().len()],
            capacity: Vec::with_capacity(n),
            balance: Vec::with_capacity(n),
            since: vec![1; n],
            balance_sum: vec![0.0; n],
            n_steps: 0,
            outstanding: 0.0,
            outstanding_steps: 0.0,
            cannot_spend: 0,
            cannot_spend_steps: 0,
            units: 0.0,
            groups,
        };
        for m in 0..n {
            let l = genesis(m).ledger;
            let g = tally.groups.group_of(m);
            tally.capacity.push(capacity(&l));
            tally.balance.push(l.balance);
            tally.add(g, &l, 1.0);
        }
        tally
    }

    /// Adds (`sign` 1) or removes (−1) a member of group `g` with ledger `l` from the
    /// current counts and sums.
    #[inline]
    fn add(&mut self, g: usize, l: &Ledger, sign: f64) {
        let typical = self.groups.groups()[g].typical_payment;
        let c = capacity(l);
        let sums = &mut self.per[g];
        let (at_limit, cannot) = (
            u64::from(at_the_limit(c, typical)),
            u64::from(at_the_limit(c, SPENDING_UNIT)),
        );
        if sign > 0.0 {
            sums.at_limit += at_limit;
            self.cannot_spend += cannot;
        } else {
            sums.at_limit -= at_limit;
            self.cannot_spend -= cannot;
        }
        self.outstanding += sign * (-l.balance).max(0.0);
    }

    /// Folds in one step: `touched` are the members it touched, `figures(m)` member m's
    /// figures before and after it, `payer` the payment's first member.
    #[inline]
    pub(crate) fn push(
        &mut self,
        touched: &[usize],
        figures: &mut dyn FnMut(usize) -> (MemberFigures, MemberFigures),
        payer: Option<usize>,
        written_off: f64,
    ) {
        for &m in touched {
            if m >= self.capacity.len() {
                continue;
            }
            let (before, after) = figures(m);
            let g = self.groups.group_of(m);
            self.add(g, &before.ledger, -1.0);
            self.add(g, &after.ledger, 1.0);
            self.capacity[m] = capacity(&after.ledger);
            if after.ledger.balance.to_bits() != self.balance[m].to_bits() {
                // Steps since … t − 1 held the old balance; step t (this one) the new.
                let t = self.n_steps + 1;
                self.balance_sum[m] += self.balance[m] * (t - self.since[m]) as f64;
                self.balance[m] = after.ledger.balance;
                self.since[m] = t;
            }
            if payer == Some(m) {
                // A payer who left at this step (a default) had its debt written off: its
                // balance moved by that much, and not by a payment.
                let paid = before.ledger.balance - after.ledger.balance + written_off;
                let sums = &mut self.per[g];
                if written_off > 0.0 {
                    sums.defaults += 1;
                    sums.lost += written_off;
                }
                sums.payments += 1;
                if paid == 0.0 {
                    sums.refused += 1;
                } else if paid > 0.0 {
                    sums.units += paid;
                    self.units += paid;
                }
            }
        }
        self.n_steps += 1;
        for sums in &mut self.per {
            sums.at_limit_steps += sums.at_limit;
        }
        self.outstanding_steps += self.outstanding;
        self.cannot_spend_steps += self.cannot_spend;
    }

    /// The figures, named `GROUP_FIGURE` per group in block order, then the network's
    /// (O(members): the Gini coefficients sort each group's capacities).
    pub(crate) fn figures(&self) -> Vec<(String, f64)> {
        let t = self.n_steps as f64;
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
        let mut out = Vec::new();
        let mut start = 0;
        for (g, (group, sums)) in self.groups.groups().iter().zip(&self.per).enumerate() {
            let s = self.groups.size(g);
            let member_steps = s as f64 * t;
            let made = sums.payments - sums.refused;
            let mean_payment = ratio(sums.units, made as f64);
            let name = group.name;
            out.push((
                format!("{name}_refused_share"),
                ratio(sums.refused as f64, sums.payments as f64),
            ));
            out.push((
                format!("{name}_limit_share"),
                ratio(sums.at_limit_steps as f64, member_steps),
            ));
            out.push((format!("{name}_turnover"), ratio(sums.units, member_steps)));
            out.push((
                format!("{name}_lost_per_default"),
                ratio(sums.lost, sums.defaults as f64),
            ));
            let block = start..start + s;
            let power: Vec<f64> = self.capacity[block.clone()]
                .iter()
                .map(|&c| spending_power(c))
                .collect();
            out.push((format!("{name}_gini"), gini(&power)));
            // Σ over the members of |their time-mean balance|.
            let abs_means: f64 = block
                .map(|m| {
                    let held = (self.n_steps + 1 - self.since[m]) as f64;
                    ((self.balance_sum[m] + self.balance[m] * held) / t).abs()
                })
                .sum();
            out.push((
                format!("{name}_equilibrium"),
                ratio(ratio(abs_means, s as f64), mean_payment),
            ));
            start += s;
        }
        let n = self.capacity.len() as f64;
        let outstanding = ratio(self.outstanding_steps, t);
        out.push(("network_credit_outstanding".to_owned(), outstanding));
        out.push((
            "network_velocity".to_owned(),
            ratio(self.units, self.outstanding_steps),
        ));
        out.push((
            "network_cannot_spend_share".to_owned(),
            ratio(self.cannot_spend_steps as f64, n * t),
        ));
        out
    }
}

/// The smallest payment: a member whose capacity is below it cannot spend.
pub(crate) const SPENDING_UNIT: f64 = 1.0;

/// A member is at its limit when its capacity (balance + limit) is below the payment it
/// typically makes (`typical_payment`: its group's, or [`SPENDING_UNIT`], where it cannot
/// spend at all): more than half of its payments would be refused. The one definition the
/// group figures and the `at_limit` chart share.
#[inline]
pub(crate) fn at_the_limit(capacity: f64, typical_payment: f64) -> bool {
    capacity < typical_payment
}

/// A member's spending power, what the Gini coefficients and the Lorenz chart measure: its
/// capacity (balance + limit), counted as 0 when it is negative (a member beyond its
/// limit can spend nothing, and a negative holding has no share of a total).
pub(crate) fn spending_power(capacity: f64) -> f64 {
    capacity.max(0.0)
}

/// The Gini coefficient of `values`: `Σ_i (2i − n − 1) x_(i) / (n Σ x)` over the values
/// sorted ascending (i = 1 … n), which equals Σ_i Σ_j |x_i − x_j| / (2 n² mean); NaN when
/// they sum to 0 or less, or there are none.
pub(crate) fn gini(values: &[f64]) -> f64 {
    let mut x = values.to_vec();
    x.sort_by(f64::total_cmp);
    let n = x.len() as f64;
    let total: f64 = x.iter().sum();
    if x.is_empty() || total.is_nan() || total <= 0.0 {
        return f64::NAN;
    }
    let weighted: f64 = x
        .iter()
        .zip(1..)
        .map(|(v, i)| (2.0 * f64::from(i) - n - 1.0) * v)
        .sum();
    weighted / (n * total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gini_is_the_mean_absolute_difference_over_twice_the_mean() {
        // [1, 2, 3, 4]: Σ_i Σ_j |x_i − x_j| = 20, mean 2.5, n = 4: 20 / (2 · 16 · 2.5).
        assert_eq!(gini(&[4.0, 1.0, 3.0, 2.0]), 0.25);
        assert_eq!(gini(&[5.0; 7]), 0.0);
        // One member holds everything: (n − 1) / n.
        assert_eq!(gini(&[0.0, 0.0, 0.0, 8.0]), 0.75);
        assert!(gini(&[]).is_nan() && gini(&[0.0, 0.0]).is_nan());
    }
}
