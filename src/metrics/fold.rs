//! The one per-run fold: every figure a run is summarised by — `simulate --summary`'s row,
//! a sweep's and a comparison's metrics, a scenario report's summary, the charts' run
//! table — is folded here, from the members' ledgers after each step.
//!
//! A [`RunFold`] reads, after every step, the [`Ledger`] of the members the step touched
//! and what a model adds beyond it through [`Metered`] (the unrounded amount of the
//! payment, a member's send volume, the means the rule reads). Over several members a
//! figure covers every member: counts are of member-steps, final and mean figures are means
//! over the members; a one-member model (V1) is the special case, bit for bit, folded as
//! it always was. [`Fold`] is the observer that feeds a run's events to it.
//!
//! Cost: O(1) a step whatever the number of members. A step touches only the members its
//! payment involves (the `Model` contract), so every sum over the members is a running
//! total corrected by the touched members' figures before and after the step (see
//! `totals`: counts and sums of integers below 2^53 — the network's every figure but the
//! utilisation — are exact, equal to the sum over every member bit for bit). Memory is
//! O(members) whatever the run's length: one debt spell start per member when the metrics
//! are folded (the credit elasticity is folded by quarters when the run's length is known).
//!
//! [`Fold`]: super::Fold

use crate::model::{Ledger, MemberGroups, Model, balance_below_limit};

use super::groups::GroupTally;
use super::totals::{DebtSpells, GenesisLimits, MemberFigures, MemberTotals};
use super::{NAMES, RunMetrics, elasticity, elasticity_of_means};

/// What the per-run figures read of a model beyond its members' [`Ledger`]s.
///
/// A model variant implements it to get the sweep's and compare's metrics:
///
/// ```
/// # use currents::metrics::Metered;
/// # use currents::v1::V1;
/// // V1 already implements it: the amount is the unrounded payment, the send volume is
/// // `sendVolume` (the sum of the last `sumVolume` positive transactions).
/// fn amount_of<M: Metered>(model: &M, p: &M::Payment) -> f64 { model.amount(p) }
/// assert_eq!(amount_of(&V1::<currents::v1::ExactHistory>::default(), &-12.5), -12.5);
/// ```
pub trait Metered: Model {
    /// The size of `payment`, unrounded and signed as the first member it involves sees it
    /// (positive = received): what the volume figures add up.
    fn amount(&self, payment: &Self::Payment) -> f64;

    /// Member `member`'s send volume in `state`, which `balance_norm` and
    /// `balance_abs_norm` divide by; `None` (the default) when the model keeps none, which
    /// leaves those two metrics undefined (NaN).
    fn send_volume(&self, _state: &Self::State, _member: usize) -> Option<f64> {
        None
    }

    /// The mean balance and the mean send volume of member `member` that a rule reads in
    /// `state` (V1: `avgUserBalance`, `avgSendVolume`): their ratio is the notebook's
    /// equilibrium figure. `None` (the default) when the model keeps no such means.
    fn equilibrium(&self, _state: &Self::State, _member: usize) -> Option<(f64, f64)> {
        None
    }
}

/// The ledger figures every per-run summary shares, counted over steps 1 … T and every
/// member: the one place "steps over the limit" (the state law,
/// `balance_below_limit`), "steps with zero credit", the final balance and limit and the
/// smallest and largest limit are computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LedgerTally {
    /// Steps folded in.
    pub(crate) n_steps: u64,
    /// Member-steps with `balance_below_limit`: balance(t) < −limit(t).
    pub(crate) steps_over_limit: u64,
    /// Member-steps whose limit is 0.
    pub(crate) steps_zero_limit: u64,
    /// The balance after the last step, a mean over the members (the genesis balance
    /// before any step).
    pub(crate) final_balance: f64,
    /// The limit after the last step, a mean over the members (the genesis limit before
    /// any step).
    pub final_limit: f64,
    /// The smallest limit of any member over the steps (+∞ before any step).
    pub(crate) min_limit: f64,
    /// The largest limit of any member over the steps (−∞ before any step).
    pub(crate) max_limit: f64,
}

/// The mean of `f` over `members`; the value itself for one member (bit for bit: a sum
/// from 0.0 would turn −0.0 into +0.0).
#[inline]
fn mean_of(members: &[Ledger], f: impl Fn(&Ledger) -> f64) -> f64 {
    match members {
        [one] => f(one),
        many => many.iter().map(&f).sum::<f64>() / many.len() as f64,
    }
}

impl LedgerTally {
    /// A tally of no steps, starting from members whose mean balance and mean limit are
    /// these.
    fn of_means(final_balance: f64, final_limit: f64) -> Self {
        LedgerTally {
            n_steps: 0,
            steps_over_limit: 0,
            steps_zero_limit: 0,
            final_balance,
            final_limit,
            min_limit: f64::INFINITY,
            max_limit: f64::NEG_INFINITY,
        }
    }

    /// A tally of no steps, starting from the members' genesis ledgers.
    pub fn new(genesis: &[Ledger]) -> Self {
        LedgerTally {
            n_steps: 0,
            steps_over_limit: 0,
            steps_zero_limit: 0,
            final_balance: mean_of(genesis, |l| l.balance),
            final_limit: mean_of(genesis, |l| l.limit),
            min_limit: f64::INFINITY,
            max_limit: f64::NEG_INFINITY,
        }
    }

    /// Folds in the members' ledgers after one step.
    #[inline]
    pub fn push(&mut self, members: &[Ledger]) {
        if let [now] = members {
            return self.push_one(now);
        }
        self.n_steps += 1;
        for now in members {
            self.steps_over_limit += u64::from(balance_below_limit(now));
            self.steps_zero_limit += u64::from(now.limit == 0.0);
            self.min_limit = self.min_limit.min(now.limit);
            self.max_limit = self.max_limit.max(now.limit);
        }
        self.final_balance = mean_of(members, |l| l.balance);
        self.final_limit = mean_of(members, |l| l.limit);
    }

    /// Folds in the one member's ledger after one step (a one-member model's step).
    #[inline]
    fn push_one(&mut self, now: &Ledger) {
        self.n_steps += 1;
        self.steps_over_limit += u64::from(balance_below_limit(now));
        self.steps_zero_limit += u64::from(now.limit == 0.0);
        self.final_balance = now.balance;
        self.final_limit = now.limit;
        self.min_limit = self.min_limit.min(now.limit);
        self.max_limit = self.max_limit.max(now.limit);
    }

    /// The smallest limit, `None` before any step.
    pub(crate) fn min(&self) -> Option<f64> {
        (self.n_steps > 0).then_some(self.min_limit)
    }

    /// The largest limit, `None` before any step.
    pub(crate) fn max(&self) -> Option<f64> {
        (self.n_steps > 0).then_some(self.max_limit)
    }
}

/// One step of a one-member model as the fold reads it (a model of several members is
/// folded by `RunFold::push_touched`).
#[derive(Debug, Clone, Copy)]
pub struct FoldStep<'a> {
    /// The member after the step.
    pub(crate) now: &'a MemberFigures,
    /// The applied payment's amount ([`Metered::amount`]).
    pub(crate) amount: f64,
    /// True when enforcement changed the payment (`crate::model::StepEvent::restricted`).
    pub(crate) restricted: bool,
}

/// What the sweep's metrics add to the tally while a run is folded.
#[derive(Debug, Clone)]
struct MetricSums {
    balance_sum: f64,
    balance_abs_sum: f64,
    send_volume_sum: f64,
    utilisation_sum: f64,
    n_credit_positive: u64,
    /// A one-member model's member: steps in debt so far, whether the last balance was
    /// ≥ 0 (empty for a model of several members).
    debt_age: Vec<u64>,
    nonnegative_prev: Vec<bool>,
    debt_age_max: u64,
    debt_age_sum: u64,
    /// A model of several members: every member's debt spell, and the ages summed over
    /// the member-steps so far.
    spells: Option<(DebtSpells, u128)>,
    crossings: u64,
    credit_sum: f64,
    credit_change_sum: f64,
    credit_change_sq_sum: f64,
    restricted: u64,
    /// Σ |amount|, left to right from −0.0 (as `Iterator::sum` of f64 adds).
    volume_sum: f64,
    /// Σ |s| over the member-steps with a positive mean send volume, and their count.
    abs_s_sum: f64,
    abs_s_count: u64,
    /// What the credit elasticity reads: every step's credit and volume, or, when the
    /// run's length is known, only the sums over its second and fourth quarters.
    elasticity: ElasticityInput,
}

/// The input of [`elasticity`] while a run is folded.
#[derive(Debug, Clone)]
enum ElasticityInput {
    /// Every step's credit and |amount| (the run's length is not known in advance).
    Kept {
        credits: Vec<f64>,
        volumes: Vec<f64>,
    },
    /// Sums over steps `[q, 2q)` and `[n − q, n)` (0-based, q = n/4) of a run of `n` steps,
    /// added in step order from −0.0, so they equal the slices' sums in [`elasticity`].
    Quarters {
        n: u64,
        credit_2: f64,
        credit_4: f64,
        volume_2: f64,
        volume_4: f64,
    },
}

/// The one per-run fold (see the module documentation): the [`LedgerTally`], the
/// equilibrium sums, and, when asked for (`RunFold::with_metrics`), the sweep's metrics.
#[derive(Debug, Clone)]
pub struct RunFold {
    tally: LedgerTally,
    abs_balance_mean_sum: f64,
    send_volume_mean_sum: f64,
    /// A model of several members: the sums over them, kept from the touched members.
    many: Option<Box<Many>>,
    sums: Option<Box<MetricSums>>,
    /// The per-group figures, when the run's user declares member groups.
    pub(super) groups: Option<Box<GroupTally>>,
}

/// What the fold keeps of a model of several members.
#[derive(Debug, Clone)]
struct Many {
    totals: MemberTotals,
    genesis_limits: GenesisLimits,
}

impl RunFold {
    /// A fold of the tally and the equilibrium sums (`simulate --summary`'s figures) of a
    /// run starting from the `n_members` members' `genesis` figures (member m's is
    /// `genesis(m)`, read a few times, O(members) once).
    pub(crate) fn summary(n_members: usize, genesis: impl Fn(usize) -> MemberFigures) -> Self {
        Self::folding(n_members, &genesis, false)
    }

    /// A fold of a run of no member (what a run that failed before its genesis state
    /// leaves).
    pub(crate) fn empty() -> Self {
        Self::summary(0, |_| unreachable!("no member"))
    }

    /// A fold of a run starting from `genesis`, keeping the sums the metrics read when
    /// `metrics`.
    fn folding(n_members: usize, genesis: &dyn Fn(usize) -> MemberFigures, metrics: bool) -> Self {
        let every = || (0..n_members).map(genesis);
        let (tally, many) = if n_members > 1 {
            let totals = MemberTotals::new(every(), metrics);
            let tally = LedgerTally::of_means(totals.balance_mean(), totals.limit_mean());
            let genesis_limits = GenesisLimits::new(every());
            (
                tally,
                Some(Box::new(Many {
                    totals,
                    genesis_limits,
                })),
            )
        } else {
            let ledgers: Vec<Ledger> = every().map(|m| m.ledger).collect();
            (LedgerTally::new(&ledgers), None)
        };
        RunFold {
            tally,
            abs_balance_mean_sum: 0.0,
            send_volume_mean_sum: 0.0,
            many,
            sums: None,
            groups: None,
        }
    }

    /// This fold, tallying its figures per group of `groups` too (a model of several
    /// members whose user declares groups; see `groups.rs`), from the `genesis` members.
    pub(crate) fn with_groups(
        mut self,
        groups: Option<MemberGroups>,
        genesis: impl Fn(usize) -> MemberFigures,
    ) -> Self {
        self.groups = groups.map(|g| Box::new(GroupTally::new(g, genesis)));
        self
    }

    /// The per-group figures of the run so far, named `GROUP_FIGURE` (groups.rs); empty
    /// when the run's user declares no groups.
    pub(crate) fn group_figures(&self) -> Vec<(String, f64)> {
        self.groups.as_ref().map_or_else(Vec::new, |g| g.figures())
    }

    /// A fold that adds the metrics ([`RunFold::metrics`]) of a run of `n_steps` steps,
    /// in O(members) memory: the credit elasticity is folded as it goes, from the quarters
    /// of a run of `n_steps` steps (a run that ends early defines no elasticity). With
    /// `None` every step's credit and volume are kept instead, for a run of unknown length.
    pub(crate) fn with_metrics(
        n_members: usize,
        genesis: impl Fn(usize) -> MemberFigures,
        n_steps: Option<u64>,
    ) -> Self {
        let elasticity = match n_steps {
            Some(n) => ElasticityInput::Quarters {
                n,
                credit_2: -0.0,
                credit_4: -0.0,
                volume_2: -0.0,
                volume_4: -0.0,
            },
            None => ElasticityInput::Kept {
                credits: Vec::new(),
                volumes: Vec::new(),
            },
        };
        RunFold {
            sums: Some(Box::new(MetricSums {
                balance_sum: 0.0,
                balance_abs_sum: 0.0,
                send_volume_sum: 0.0,
                utilisation_sum: 0.0,
                n_credit_positive: 0,
                debt_age: vec![0; usize::from(n_members == 1)],
                nonnegative_prev: (0..usize::from(n_members == 1))
                    .map(|m| genesis(m).ledger.balance >= 0.0)
                    .collect(),
                debt_age_max: 0,
                debt_age_sum: 0,
                spells: (n_members > 1).then(|| (DebtSpells::new((0..n_members).map(&genesis)), 0)),
                crossings: 0,
                credit_sum: 0.0,
                credit_change_sum: 0.0,
                credit_change_sq_sum: 0.0,
                restricted: 0,
                volume_sum: -0.0,
                abs_s_sum: 0.0,
                abs_s_count: 0,
                elasticity,
            })),
            ..RunFold::folding(n_members, &genesis, true)
        }
    }

    /// The ledger figures of the steps so far (for several members, the final means are
    /// read from the running totals here, not kept up to date at every step of a summary).
    pub fn tally(&self) -> LedgerTally {
        let mut tally = self.tally;
        if let Some(many) = &self.many {
            tally.final_balance = many.totals.balance_mean();
            tally.final_limit = many.totals.limit_mean();
        }
        tally
    }

    /// Folds in one step of a one-member model.
    #[inline]
    pub fn push(&mut self, step: &FoldStep<'_>) {
        let credit_prev = self.tally.final_limit;
        let now = step.now;
        self.tally.push_one(&now.ledger);
        if let Some((balance_mean, send_volume_mean)) = now.equilibrium {
            self.abs_balance_mean_sum += balance_mean.abs();
            self.send_volume_mean_sum += send_volume_mean;
        }
        if let Some(sums) = &mut self.sums {
            sums.push_one(now);
            sums.push_step(step.amount, step.restricted, credit_prev, &self.tally);
        }
    }

    /// Folds in one step of a model of several members, in O(1): `touched` are the members
    /// the step touched (every other member is as it was, the `Model` contract), and
    /// `figures(m)` is member m's figures before and after the step.
    #[inline]
    pub(crate) fn push_touched(
        &mut self,
        touched: &[usize],
        mut figures: impl FnMut(usize) -> (MemberFigures, MemberFigures),
        amount: f64,
        restricted: bool,
    ) {
        let credit_prev = self.tally.final_limit;
        let Some(many) = &mut self.many else {
            // A fold of fewer than two members (a run that failed before its genesis
            // state) counts the step and nothing else.
            self.tally.n_steps += 1;
            return;
        };
        let t = self.tally.n_steps + 1;
        for &m in touched {
            let (before, after) = figures(m);
            many.totals.replace(&before, &after);
            let limit = after.ledger.limit;
            self.tally.min_limit = self.tally.min_limit.min(limit);
            self.tally.max_limit = self.tally.max_limit.max(limit);
            if let Some(sums) = &mut self.sums {
                sums.touch(m, t, before.ledger.balance, after.ledger.balance);
            }
        }
        many.end_step(touched, &mut self.tally, self.sums.is_some());
        let totals = &many.totals;
        if totals.n_equilibrium > 0 {
            self.abs_balance_mean_sum += totals.equilibrium.0.value();
            self.send_volume_mean_sum += totals.equilibrium.1.value();
        }
        if let Some(sums) = &mut self.sums {
            sums.push_totals(totals, t);
            sums.push_step(amount, restricted, credit_prev, &self.tally);
        }
    }

    /// Folds in one step of a one-member model into a summary fold (no metrics): the hot
    /// path of `simulate --summary`, the same arithmetic as [`RunFold::push`].
    #[inline(always)]
    pub(super) fn push_summary_one(&mut self, now: &Ledger, equilibrium: Option<(f64, f64)>) {
        debug_assert!(self.sums.is_none());
        self.tally.push_one(now);
        if let Some((balance_mean, send_volume_mean)) = equilibrium {
            self.abs_balance_mean_sum += balance_mean.abs();
            self.send_volume_mean_sum += send_volume_mean;
        }
    }

    /// Σ |mean balance| over Σ mean send volume, over the steps and members: how large the
    /// balances a rule sees are, in units of the send volume (the notebook's equilibrium
    /// figure). NaN when the send volume stayed 0, or the model keeps no such means.
    pub(crate) fn equilibrium(&self) -> f64 {
        if self.send_volume_mean_sum == 0.0 {
            f64::NAN
        } else {
            self.abs_balance_mean_sum / self.send_volume_mean_sum
        }
    }

    /// |s| = |mean balance| / mean send volume summed over the member-steps whose mean send
    /// volume is positive, and their count (a scenario report's `meanAbsS` is their ratio;
    /// runs pool by adding both): (0, 0) when there was no such step, or when the fold was
    /// made without the metrics. Not [`RunFold::equilibrium`], which is a ratio of sums.
    pub(crate) fn abs_s(&self) -> (f64, u64) {
        self.sums
            .as_ref()
            .map_or((0.0, 0), |s| (s.abs_s_sum, s.abs_s_count))
    }

    /// The metrics of the run so far (NaN where undefined: with no steps, or when the fold
    /// was made without them).
    pub(crate) fn metrics(&self) -> RunMetrics {
        match &self.sums {
            Some(sums) => sums.finish(&self.tally()),
            None => RunMetrics::undefined(),
        }
    }
}

impl Many {
    /// Ends a step whose `touched` members the totals and the tally's extremes hold
    /// already: the tally's figures of every member, in O(1).
    #[inline]
    fn end_step(&mut self, touched: &[usize], tally: &mut LedgerTally, means: bool) {
        tally.n_steps += 1;
        if tally.n_steps == 1 {
            // Step 1 holds the genesis limits of every member it did not touch.
            let (low, high) = self.genesis_limits.untouched(touched);
            tally.min_limit = tally.min_limit.min(low);
            tally.max_limit = tally.max_limit.max(high);
        }
        tally.steps_over_limit += self.totals.n_over;
        tally.steps_zero_limit += self.totals.n_zero;
        // The metrics read the mean limit at every step (the run's credit); a summary
        // reads the means once, through `RunFold::tally`.
        if means {
            tally.final_balance = self.totals.balance_mean();
            tally.final_limit = self.totals.limit_mean();
        }
    }
}

impl MetricSums {
    /// Folds in the one member of a one-member model after the step.
    #[inline(never)]
    fn push_one(&mut self, now: &MemberFigures) {
        let s = &now.ledger;
        self.balance_sum += s.balance;
        self.balance_abs_sum += s.balance.abs();
        self.send_volume_sum += now.send_volume.unwrap_or(f64::NAN);
        if s.limit > 0.0 {
            self.n_credit_positive += 1;
            self.utilisation_sum += (-s.balance).max(0.0) / s.limit;
        }
        if let (Some(age), Some(nonnegative_prev)) =
            (self.debt_age.get_mut(0), self.nonnegative_prev.get_mut(0))
        {
            if s.balance >= 0.0 {
                *age = 0;
            } else {
                *age += 1;
            }
            self.debt_age_max = self.debt_age_max.max(*age);
            self.debt_age_sum += *age;
            let nonnegative = s.balance >= 0.0;
            self.crossings += u64::from(nonnegative != *nonnegative_prev);
            *nonnegative_prev = nonnegative;
        }
        if let Some((balance_mean, send_volume_mean)) = now.equilibrium
            && send_volume_mean > 0.0
        {
            self.abs_s_sum += balance_mean.abs() / send_volume_mean;
            self.abs_s_count += 1;
        }
    }

    /// Member `member`'s balance went from `before` to `after` at step `t` (a model of
    /// several members): its debt spell and zero crossings.
    #[inline]
    fn touch(&mut self, member: usize, t: u64, before: f64, after: f64) {
        if let Some((spells, _)) = &mut self.spells {
            self.crossings += u64::from(spells.update(member, t, before, after));
        }
    }

    /// Folds in step `t` of a model of several members from its running `totals` (its
    /// touched members were folded in by [`MetricSums::touch`]).
    #[inline(never)]
    fn push_totals(&mut self, totals: &MemberTotals, t: u64) {
        let Some(m) = &totals.metrics else {
            return;
        };
        self.balance_sum += totals.balance.value();
        self.balance_abs_sum += m.balance_abs.value();
        self.send_volume_sum += m.send_volume();
        self.n_credit_positive += m.n_credit_positive;
        self.utilisation_sum += m.utilisation.value();
        if let Some((spells, age_sum)) = &mut self.spells {
            *age_sum += spells.age_sum(t);
        }
        if m.n_abs_s > 0 {
            self.abs_s_sum += m.abs_s.value();
            self.abs_s_count += m.n_abs_s;
        }
    }

    /// Folds in what every step adds whatever the members: the credit, the amount, the
    /// restriction.
    #[inline(never)]
    fn push_step(&mut self, amount: f64, restricted: bool, credit_prev: f64, tally: &LedgerTally) {
        // The run's credit at this step: the members' mean limit.
        let credit = tally.final_limit;
        let change = credit - credit_prev;
        self.credit_change_sum += change;
        self.credit_change_sq_sum += change * change;
        self.credit_sum += credit;
        self.restricted += u64::from(restricted);
        let volume = amount.abs();
        self.volume_sum += volume;
        // The step just folded in, 0-based.
        let i = tally.n_steps - 1;
        match &mut self.elasticity {
            ElasticityInput::Kept { credits, volumes } => {
                credits.push(credit);
                volumes.push(volume);
            }
            ElasticityInput::Quarters {
                n,
                credit_2,
                credit_4,
                volume_2,
                volume_4,
            } => {
                let q = *n / 4;
                if (q..2 * q).contains(&i) {
                    *credit_2 += credit;
                    *volume_2 += volume;
                } else if (*n - q..*n).contains(&i) {
                    *credit_4 += credit;
                    *volume_4 += volume;
                }
            }
        }
    }

    fn finish(&self, t: &LedgerTally) -> RunMetrics {
        let n = t.n_steps as f64;
        let (n_members, debt_age_max, debt_age_sum) = match &self.spells {
            Some((spells, age_sum)) => (
                spells.n_members(),
                spells.age_max(t.n_steps) as f64,
                *age_sum as f64,
            ),
            None => (
                self.debt_age.len(),
                self.debt_age_max as f64,
                self.debt_age_sum as f64,
            ),
        };
        let member_steps = n * n_members.max(1) as f64;
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
        let credit_mean = self.credit_sum / n;
        let change_mean = self.credit_change_sum / n;
        let change_var = (self.credit_change_sq_sum / n - change_mean * change_mean).max(0.0);
        let crossings = match n_members {
            0 | 1 => self.crossings as f64,
            k => self.crossings as f64 / k as f64,
        };
        let values: [f64; NAMES.len()] = [
            ratio(self.balance_sum, self.send_volume_sum),
            ratio(self.balance_abs_sum, self.send_volume_sum),
            t.steps_over_limit as f64 / member_steps,
            ratio(self.utilisation_sum, self.n_credit_positive as f64),
            t.steps_zero_limit as f64 / member_steps,
            debt_age_max,
            debt_age_sum / member_steps,
            crossings,
            t.final_limit,
            credit_mean,
            ratio(change_var.sqrt(), credit_mean),
            match &self.elasticity {
                ElasticityInput::Kept { credits, volumes } => elasticity(credits, volumes),
                ElasticityInput::Quarters {
                    n: n_run,
                    credit_2,
                    credit_4,
                    volume_2,
                    volume_4,
                } if *n_run == t.n_steps && *n_run >= 4 => {
                    let q = (n_run / 4) as f64;
                    elasticity_of_means((credit_2 / q, credit_4 / q), (volume_2 / q, volume_4 / q))
                }
                ElasticityInput::Quarters { .. } => f64::NAN,
            },
            self.restricted as f64 / n,
            self.volume_sum / n,
            t.final_balance,
        ];
        RunMetrics { values }
    }
}

#[cfg(test)]
mod tests;
