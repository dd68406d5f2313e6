//! Rule probes: a V1 credit policy evaluated on a grid of inputs, for the laws that are
//! about the rule itself rather than a trajectory ([`V1Laws::CREDIT_MONOTONE_IN_IMBALANCE`]).
//!
//! A probe is a V1 state (its means, count and credit) handed to the policy as the
//! previous state of a step, with a history holding that state only: the imbalance
//! `s = avgUserBalance / avgSendVolume` is V1's, so probes run on V1 policies only.
//!
//! For each (average send volume A, previous credit, step count n, sign of s), the rule is
//! evaluated at `s = 0, 0.001, …, 3` (balance mean `s·A`). Every adjacent pair where the
//! credit grows with |s| is a violation; the first one (smallest |s|) is narrowed by
//! bisection to two adjacent doubles of the balance mean, which is the counterexample.

use crate::catalog::Invariant;
use crate::harness::{CellArgs, ReplayInput};
use crate::model::{CreditError, CreditPolicy, Cx, Limit, Model};
use crate::params::ParamError;

use super::super::{ExactHistory, History, State, V1};
use super::laws::V1Laws;

/// One probe of the monotonicity law: the rule at two balance means with the same average
/// send volume, `|balance_mean_lo| < |balance_mean_hi|`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Probe {
    /// The average send volume (`avgSendVolume` of the previous state).
    pub send_volume_mean: f64,
    /// The previous credit.
    pub credit_prev: i64,
    /// The previous step count.
    pub n_transactions: u64,
    /// The window `sumVolume`.
    pub sum_volume: u64,
    /// The balance mean with the smaller |s|.
    pub balance_mean_lo: f64,
    /// The balance mean with the larger |s|.
    pub balance_mean_hi: f64,
}

/// The limit `policy` sets on the step after the probe's state with balance mean
/// `balance_mean`, on the model `V1<H>` of the probe's window.
fn limit_at<H: History, P: CreditPolicy<V1<H>> + ?Sized>(
    policy: &P,
    p: &Probe,
    balance_mean: f64,
) -> Result<Limit, CreditError> {
    let model = V1::<H>::with_window(p.sum_volume, p.credit_prev);
    let prev = State {
        balance: 0.0,
        balance_mean,
        n_transactions: p.n_transactions,
        credit: p.credit_prev,
        capacity: p.credit_prev,
        send_volume: 0,
        send_volume_mean: p.send_volume_mean,
        transaction: 0,
    };
    let history = model.history(&prev, 0);
    let cx = Cx {
        model: &model,
        t: p.n_transactions.saturating_add(1),
        prev: &prev,
        history: &history,
        member: 0,
    };
    policy.limit(&cx, &mut P::Memory::default())
}

impl Probe {
    /// The input that replays this probe: the cell of its window and the probe as
    /// `--probe=` takes it (`--sum-volume K --probe=A,C,N,B_LO,B_HI`).
    pub(crate) fn input(&self) -> ReplayInput {
        ReplayInput::Probe {
            cell: CellArgs::of(vec![("sum-volume".to_owned(), self.sum_volume.to_string())]),
            probe: format!(
                "{:?},{},{},{:?},{:?}",
                self.send_volume_mean,
                self.credit_prev,
                self.n_transactions,
                self.balance_mean_lo,
                self.balance_mean_hi
            ),
            fields: serde_json::json!({
                "avgSendVolume": self.send_volume_mean,
                "credit_prev": self.credit_prev, "n_transactions": self.n_transactions,
                "sum_volume": self.sum_volume, "avgUserBalance_lo": self.balance_mean_lo,
                "avgUserBalance_hi": self.balance_mean_hi,
            }),
        }
    }

    /// Parses `A,C,N,B_LO,B_HI` (`--probe`'s value) on the window `sum_volume`; the error
    /// names `probe` and what is accepted.
    pub fn parse(text: &str, sum_volume: u64) -> Result<Probe, ParamError> {
        let accepted = "five finite numbers A,C,N,B_LO,B_HI with A != 0, C and N whole, C >= 0";
        let bad = || ParamError::new("probe", format!("{text:?}"), accepted);
        let v: Vec<f64> = text
            .split(',')
            .map(|x| {
                let x = x.trim();
                x.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| ParamError::new("probe", format!("{x:?}"), accepted))
            })
            .collect::<Result<_, _>>()?;
        let whole_ok = |x: f64| x >= 0.0 && x.fract() == 0.0 && x < 9.0e15;
        if v.len() != 5 || v[0] == 0.0 || !whole_ok(v[1]) || !whole_ok(v[2]) {
            return Err(bad());
        }
        Ok(Probe {
            send_volume_mean: v[0],
            credit_prev: v[1] as i64,
            n_transactions: v[2] as u64,
            sum_volume,
            balance_mean_lo: v[3],
            balance_mean_hi: v[4],
        })
    }

    /// Evaluates `policy` (on V1 with the exact history) at both ends; `Err` describes a
    /// violation of `invariant` (monotonicity, non-negative credit, or a policy error),
    /// `Ok` the two credits.
    pub fn check<P: CreditPolicy<V1> + ?Sized>(
        &self,
        policy: &P,
        invariant: Invariant,
    ) -> Result<(i64, i64), String> {
        self.check_with::<ExactHistory, P>(policy, invariant)
    }

    /// [`Probe::check`] on V1 with the history `H`.
    pub(crate) fn check_with<H: History, P: CreditPolicy<V1<H>> + ?Sized>(
        &self,
        policy: &P,
        invariant: Invariant,
    ) -> Result<(i64, i64), String> {
        let lo = limit_at::<H, P>(policy, self, self.balance_mean_lo);
        let hi = limit_at::<H, P>(policy, self, self.balance_mean_hi);
        let (lo, hi) = match (lo, hi) {
            (Ok(lo), Ok(hi)) => ((lo.value as i64, lo.branch), (hi.value as i64, hi.branch)),
            (Err(e), _) | (_, Err(e)) => {
                return if invariant == Invariant::STEP_IS_DEFINED {
                    Err(format!("the rule fails on a probe: {e}"))
                } else {
                    Ok((0, 0))
                };
            }
        };
        if invariant == V1Laws::CREDIT_MONOTONE_IN_IMBALANCE && hi.0 > lo.0 {
            Err(format!(
                "avgSendVolume {:?}: credit {} ({}) at s = {:?} but {} ({}) at s = {:?}",
                self.send_volume_mean,
                lo.0,
                lo.1,
                self.balance_mean_lo / self.send_volume_mean,
                hi.0,
                hi.1,
                self.balance_mean_hi / self.send_volume_mean,
            ))
        } else if invariant == Invariant::CREDIT_NON_NEGATIVE && (lo.0 < 0 || hi.0 < 0) {
            Err(format!("credit {} / {} < 0 on a probe", lo.0, hi.0))
        } else {
            Ok((lo.0, hi.0))
        }
    }
}

/// What probing a rule found for one invariant.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProbeTally {
    pub(crate) violations: u64,
    pub(crate) first: Option<(Probe, String)>,
    pub(crate) probes: u64,
}

// The notebook's scale first, so that ties in |s| report a counterexample at that scale.
const SEND_VOLUME_MEANS: [f64; 5] = [100.0, 1.0, 7.5, 2_500.0, 100_000.0];
const CREDITS_PREV: [i64; 3] = [0, 250, 1_000_000];
const S_STEPS: u32 = 3_000;
const S_STEP: f64 = 0.001;

/// Probes `rule` for `invariant` on the grid (step counts `n` from `ns`, window `sum_volume`).
pub(crate) fn probe_rule<H: History, C: CreditPolicy<V1<H>> + ?Sized>(
    rule: &C,
    invariant: Invariant,
    ns: &[u64],
    sum_volume: u64,
) -> ProbeTally {
    let mut tally = ProbeTally::default();
    for &a in &SEND_VOLUME_MEANS {
        for &credit_prev in &CREDITS_PREV {
            for &n in ns {
                for sign in [1.0, -1.0] {
                    for i in 0..S_STEPS {
                        let p = Probe {
                            send_volume_mean: a,
                            credit_prev,
                            n_transactions: n,
                            sum_volume,
                            balance_mean_lo: sign * f64::from(i) * S_STEP * a,
                            balance_mean_hi: sign * f64::from(i + 1) * S_STEP * a,
                        };
                        tally.probes += 1;
                        if let Err(detail) = p.check_with::<H, C>(rule, invariant) {
                            tally.violations += 1;
                            let better = match &tally.first {
                                None => true,
                                Some((f, _)) => {
                                    p.balance_mean_lo.abs() / a
                                        < f.balance_mean_lo.abs() / f.send_volume_mean
                                }
                            };
                            if better {
                                tally.first = Some((p, detail));
                            }
                        }
                    }
                }
            }
        }
    }
    if invariant == V1Laws::CREDIT_MONOTONE_IN_IMBALANCE
        && let Some((p, _)) = tally.first
    {
        let p = narrow::<H, C>(rule, p);
        let detail = p
            .check_with::<H, C>(rule, invariant)
            .err()
            .unwrap_or_else(|| "the violation did not survive narrowing".to_owned());
        tally.first = Some((p, detail));
    }
    tally
}

/// Bisects a monotonicity violation down to two adjacent doubles of the balance mean.
fn narrow<H: History, C: CreditPolicy<V1<H>> + ?Sized>(rule: &C, mut p: Probe) -> Probe {
    let credit = |b: f64, p: &Probe| limit_at::<H, C>(rule, p, b).map(|l| l.value as i64).ok();
    let (Some(c_lo), Some(c_hi)) = (credit(p.balance_mean_lo, &p), credit(p.balance_mean_hi, &p))
    else {
        return p;
    };
    if c_hi <= c_lo {
        return p;
    }
    for _ in 0..200 {
        let mid = p.balance_mean_lo + (p.balance_mean_hi - p.balance_mean_lo) / 2.0;
        if mid == p.balance_mean_lo || mid == p.balance_mean_hi {
            break;
        }
        match credit(mid, &p) {
            Some(c) if c > c_lo => p.balance_mean_hi = mid,
            Some(_) => p.balance_mean_lo = mid,
            None => break,
        }
    }
    p
}
