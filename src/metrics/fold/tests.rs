use super::*;

fn l(balance: f64, limit: f64) -> Ledger {
    Ledger {
        balance,
        limit,
        capacity: 0.0,
        payment: 0.0,
    }
}

/// A deterministic stream of doubles in [0, 1) (xorshift64).
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> f64 {
        let x = &mut self.0;
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        (*x >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        ((self.next() * n as f64) as usize).min(n - 1)
    }
}

#[test]
fn the_tally_counts_the_state_law_over_every_member() {
    let mut t = LedgerTally::new(&[l(0.0, 250.0)]);
    assert_eq!((t.min(), t.max(), t.final_limit), (None, None, 250.0));
    // At the limit is within it; below it is over; a zero limit counts as zero credit.
    for (b, c) in [(-250.0, 250.0), (-250.5, 250.0), (-1.0, 0.0), (10.0, 400.0)] {
        t.push(&[l(b, c)]);
    }
    assert_eq!(
        (t.n_steps, t.steps_over_limit, t.steps_zero_limit),
        (4, 2, 1)
    );
    assert_eq!((t.min(), t.max()), (Some(0.0), Some(400.0)));
    assert_eq!((t.final_balance, t.final_limit), (10.0, 400.0));
    // Two members: counts are of member-steps, final figures means.
    let mut two = LedgerTally::new(&[l(0.0, 2.0), l(0.0, 4.0)]);
    assert_eq!(two.final_limit, 3.0);
    two.push(&[l(-3.0, 2.0), l(3.0, 0.0)]);
    assert_eq!((two.steps_over_limit, two.steps_zero_limit), (1, 1));
    assert_eq!((two.final_balance, two.final_limit), (0.0, 1.0));
    // One member's −0.0 stays −0.0.
    let neg = LedgerTally::new(&[l(-0.0, 0.0)]);
    assert!(neg.final_balance.is_sign_negative());
}

#[test]
fn folded_quarters_give_the_kept_steps_metrics_bit_for_bit() {
    let mut x = Xorshift(0x2545_f491_4f6c_dd1d);
    let genesis = MemberFigures::of_ledger(Ledger {
        balance: 0.0,
        limit: 250.0,
        capacity: 250.0,
        payment: 0.0,
    });
    for n in [1u64, 3, 4, 5, 7, 8, 365, 1001, 4099] {
        let mut kept = RunFold::with_metrics(1, |_| genesis, None);
        let mut folded = RunFold::with_metrics(1, |_| genesis, Some(n));
        // A credit drifting upwards with the volume, so the elasticity is defined.
        for i in 0..n {
            let growth = 1.0 + i as f64 / n as f64;
            let now = MemberFigures {
                ledger: l((x.next() - 0.5) * 1e3, (200.0 + 100.0 * x.next()) * growth),
                send_volume: None,
                equilibrium: None,
            };
            let amount = (x.next() - 0.5) * 300.0 * growth;
            let restricted = x.next() < 0.1;
            let now = MemberFigures {
                send_volume: Some(x.next() * 1e3),
                ..now
            };
            let step = FoldStep {
                now: &now,
                amount,
                restricted,
            };
            kept.push(&step);
            folded.push(&step);
        }
        let (a, b) = (kept.metrics().values, folded.metrics().values);
        for (m, (a, b)) in a.iter().zip(&b).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "n = {n}, {}", NAMES[m]);
        }
        if n >= 365 {
            assert!(a[11].is_finite(), "n = {n}: elasticity undefined");
        }
    }
    // A run that ends before its announced length defines no elasticity.
    let mut short = RunFold::with_metrics(1, |_| genesis, Some(100));
    short.push(&FoldStep {
        now: &genesis,
        amount: 1.0,
        restricted: false,
    });
    assert!(short.metrics().values[11].is_nan());
    // A summary fold defines no metric but keeps the tally.
    let mut summary = RunFold::summary(1, |_| genesis);
    summary.push(&FoldStep {
        now: &MemberFigures {
            equilibrium: Some((-3.0, 6.0)),
            ..genesis
        },
        amount: 1.0,
        restricted: false,
    });
    assert!(summary.metrics().values.iter().all(|v| v.is_nan()));
    assert_eq!((summary.tally().n_steps, summary.equilibrium()), (1, 0.5));
    assert_eq!(summary.abs_s(), (0.0, 0), "mean |s| is a metric's");
}

/// The per-run figures of several members as their definitions read (docs/metrics.md),
/// summed over every member at every step in member order: the O(members) fold the
/// incremental one must equal.
struct EveryMember {
    tally: LedgerTally,
    abs_balance_mean_sum: f64,
    send_volume_mean_sum: f64,
    balance_sum: f64,
    balance_abs_sum: f64,
    send_volume_sum: f64,
    utilisation_sum: f64,
    n_credit_positive: u64,
    debt_age: Vec<u64>,
    nonnegative_prev: Vec<bool>,
    debt_age_max: u64,
    debt_age_sum: u64,
    crossings: u64,
    abs_s_sum: f64,
    abs_s_count: u64,
}

impl EveryMember {
    fn new(genesis: &[MemberFigures]) -> Self {
        let ledgers: Vec<Ledger> = genesis.iter().map(|m| m.ledger).collect();
        EveryMember {
            tally: LedgerTally::new(&ledgers),
            abs_balance_mean_sum: 0.0,
            send_volume_mean_sum: 0.0,
            balance_sum: 0.0,
            balance_abs_sum: 0.0,
            send_volume_sum: 0.0,
            utilisation_sum: 0.0,
            n_credit_positive: 0,
            debt_age: vec![0; genesis.len()],
            nonnegative_prev: genesis.iter().map(|m| m.ledger.balance >= 0.0).collect(),
            debt_age_max: 0,
            debt_age_sum: 0,
            crossings: 0,
            abs_s_sum: 0.0,
            abs_s_count: 0,
        }
    }

    fn push(&mut self, members: &[MemberFigures]) {
        let ledgers: Vec<Ledger> = members.iter().map(|m| m.ledger).collect();
        self.tally.push(&ledgers);
        for (m, f) in members.iter().enumerate() {
            let s = &f.ledger;
            if let Some((b, v)) = f.equilibrium {
                self.abs_balance_mean_sum += b.abs();
                self.send_volume_mean_sum += v;
                if v > 0.0 {
                    self.abs_s_sum += b.abs() / v;
                    self.abs_s_count += 1;
                }
            }
            self.balance_sum += s.balance;
            self.balance_abs_sum += s.balance.abs();
            self.send_volume_sum += f.send_volume.unwrap_or(f64::NAN);
            if s.limit > 0.0 {
                self.n_credit_positive += 1;
                self.utilisation_sum += (-s.balance).max(0.0) / s.limit;
            }
            let age = &mut self.debt_age[m];
            *age = if s.balance >= 0.0 { 0 } else { *age + 1 };
            self.debt_age_max = self.debt_age_max.max(*age);
            self.debt_age_sum += *age;
            let nonnegative = s.balance >= 0.0;
            self.crossings += u64::from(nonnegative != self.nonnegative_prev[m]);
            self.nonnegative_prev[m] = nonnegative;
        }
    }
}

/// `a` and `b` equal bit for bit when `exact`, else within `1e-12` relative.
#[track_caller]
fn assert_close(a: f64, b: f64, exact: bool, what: &str) {
    if exact || a.is_nan() || b.is_nan() {
        assert_eq!(a.to_bits(), b.to_bits(), "{what}: {a} vs {b}");
    } else {
        let scale = a.abs().max(b.abs()).max(1.0);
        assert!((a - b).abs() <= 1e-12 * scale, "{what}: {a} vs {b}");
    }
}

/// The law behind `RunFold::push_touched`: a fold that reads only the members each step
/// touched (their figures before and after it) gives every figure of the fold over every
/// member — bit for bit when every figure is an integer (the network's balances and
/// limits: counts, extremes, means and sums alike; utilisation, |s| and the equilibrium
/// sums are ratios, within 1e-12), and within 1e-12 otherwise. Random runs of 2 … 9
/// members whose steps change one or two members' balance, limit, send volume and means,
/// genesis limits included among the extremes.
#[test]
fn a_fold_of_the_touched_members_equals_the_fold_over_every_member() {
    let mut x = Xorshift(0x9e37_79b9_7f4a_7c15);
    for case in 0..400 {
        let integers = case % 2 == 0;
        let n = 2 + x.below(8);
        let n_steps = 1 + x.below(300) as u64;
        let keeps_means = case % 3 == 0;
        let value = |x: &mut Xorshift, scale: f64| {
            let v = (x.next() - 0.5) * scale;
            if integers { v.round() } else { v }
        };
        let figure = |x: &mut Xorshift| {
            let limit = if x.next() < 0.2 {
                0.0
            } else {
                value(x, 20.0).abs()
            };
            MemberFigures {
                ledger: l(value(x, 40.0), limit),
                send_volume: keeps_means.then(|| value(x, 10.0).abs()),
                equilibrium: keeps_means.then(|| (value(x, 10.0), value(x, 6.0).abs())),
            }
        };
        let mut members: Vec<MemberFigures> = (0..n).map(|_| figure(&mut x)).collect();
        let genesis = members.clone();
        let mut every = EveryMember::new(&genesis);
        let mut touched_fold = RunFold::with_metrics(n, |m| genesis[m], Some(n_steps));
        let mut summary = RunFold::summary(n, |m| genesis[m]);
        let (mut credit_prev, mut credits) = (every.tally.final_limit, Vec::new());
        for _ in 0..n_steps {
            let first = x.below(n);
            let ids: Vec<usize> = if x.next() < 0.3 {
                vec![first]
            } else {
                vec![first, (first + 1 + x.below(n - 1)) % n]
            };
            let before = members.clone();
            for &m in &ids {
                let new = figure(&mut x);
                // Often only the balance moves, as a transfer moves it.
                members[m] = if x.next() < 0.5 {
                    MemberFigures {
                        ledger: l(new.ledger.balance, before[m].ledger.limit),
                        ..before[m]
                    }
                } else {
                    new
                };
            }
            every.push(&members);
            credits.push((every.tally.final_limit, credit_prev));
            credit_prev = every.tally.final_limit;
            let amount = value(&mut x, 8.0);
            touched_fold.push_touched(&ids, |m| (before[m], members[m]), amount, false);
            summary.push_touched(&ids, |m| (before[m], members[m]), 0.0, false);
        }
        let what = |s: &str| format!("case {case} ({n} members, {n_steps} steps): {s}");
        for fold in [&touched_fold, &summary] {
            let (a, b) = (&every.tally, fold.tally());
            assert_eq!(
                (a.n_steps, a.steps_over_limit, a.steps_zero_limit),
                (b.n_steps, b.steps_over_limit, b.steps_zero_limit),
                "{}",
                what("counts")
            );
            assert_eq!(
                a.min_limit.to_bits(),
                b.min_limit.to_bits(),
                "{}",
                what("min")
            );
            assert_eq!(
                a.max_limit.to_bits(),
                b.max_limit.to_bits(),
                "{}",
                what("max")
            );
            assert_close(
                a.final_balance,
                b.final_balance,
                integers,
                &what("final balance"),
            );
            assert_close(a.final_limit, b.final_limit, integers, &what("final limit"));
            let eq = |s: f64| if keeps_means { s } else { 0.0 };
            assert_close(
                eq(every.abs_balance_mean_sum),
                fold.abs_balance_mean_sum,
                false,
                &what("Σ |mean balance|"),
            );
            assert_close(
                eq(every.send_volume_mean_sum),
                fold.send_volume_mean_sum,
                false,
                &what("Σ mean send volume"),
            );
        }
        let sums = touched_fold.sums.as_ref().expect("metrics");
        assert_close(every.balance_sum, sums.balance_sum, integers, &what("Σ b"));
        assert_close(
            every.balance_abs_sum,
            sums.balance_abs_sum,
            integers,
            &what("Σ |b|"),
        );
        assert_close(
            every.send_volume_sum,
            sums.send_volume_sum,
            integers,
            &what("Σ V"),
        );
        assert_close(
            every.utilisation_sum,
            sums.utilisation_sum,
            false,
            &what("Σ u"),
        );
        assert_eq!(
            every.n_credit_positive,
            sums.n_credit_positive,
            "{}",
            what("C > 0")
        );
        assert_close(every.abs_s_sum, sums.abs_s_sum, false, &what("Σ |s|"));
        assert_eq!(every.abs_s_count, sums.abs_s_count, "{}", what("|s| count"));
        assert_eq!(every.crossings, sums.crossings, "{}", what("crossings"));
        let metrics = touched_fold.metrics().values;
        let at = |name: &str| metrics[NAMES.iter().position(|m| *m == name).unwrap()];
        assert_eq!(
            at("debt_age_max"),
            every.debt_age_max as f64,
            "{}",
            what("age max")
        );
        let member_steps = n_steps as f64 * n as f64;
        assert_eq!(
            at("debt_age_mean").to_bits(),
            (every.debt_age_sum as f64 / member_steps).to_bits(),
            "{}",
            what("age mean")
        );
        // The run's credit is the members' mean limit at every step.
        let credit_sum: f64 = credits.iter().map(|c| c.0).sum();
        assert_close(
            at("credit_mean"),
            credit_sum / n_steps as f64,
            integers,
            &what("C̄"),
        );
        assert_close(
            at("credit_final"),
            every.tally.final_limit,
            integers,
            &what("C_T"),
        );
    }
}
