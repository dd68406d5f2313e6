//! Laws of the built-in rules and restrictions, checked over many seeded runs.

use currents::draws::chacha_rng;
use currents::engine::{StepInfo, run_policy};
use currents::model::HistoryView;
use currents::rules::{
    CreditPeriod, FixedBand, Restriction, Rule, RuleContext, Static, Turnover, defaults,
};
use currents::users::{Behaviour, find_preset};
use currents::{Params, State};

/// Runs `n_runs` runs of 365 steps and hands every (previous, next, info) triple to `law`.
#[track_caller]
fn check<R: Rule>(
    rule: &R,
    user: &str,
    restriction: Restriction,
    mut law: impl FnMut(&State, &State, &StepInfo),
) {
    let b: Behaviour = find_preset(user).unwrap().behaviour;
    let params = Params::new(b.integrity, b.avg_amount, 30, 250).unwrap();
    for run in 1..=40 {
        let mut rng = chacha_rng(7, 0, run);
        let mut prev: Option<State> = None;
        run_policy(
            rule,
            &b,
            restriction,
            &params,
            365,
            &mut rng,
            |_, s, info| {
                if let (Some(p), Some(i)) = (prev, info) {
                    law(&p, s, i);
                }
                prev = Some(*s);
                Ok::<(), ()>(())
            },
        )
        .unwrap();
    }
}

#[test]
fn clamped_fixed_band_keeps_balance_above_minus_lower() {
    let rule = FixedBand {
        lower: 300,
        upper: None,
    };
    // The capacity is the previous balance plus the credit, rounded half to even, so the
    // floor holds to within that rounding (0.5).
    check(&rule, "spender", Restriction::Clamp, |_, s, _| {
        assert!(s.balance >= -300.5, "balance {} below -lower", s.balance);
    });
}

#[test]
fn clamped_fixed_band_keeps_balance_below_upper() {
    let rule = FixedBand {
        lower: 300,
        upper: Some(300.0),
    };
    check(&rule, "hoarder", Restriction::Clamp, |_, s, _| {
        // upper − prev + prev can differ from upper by one rounding of a sum (< 1e-9 here).
        assert!(
            s.balance <= 300.0 + 1e-9,
            "balance {} above upper",
            s.balance
        );
    });
}

#[test]
fn reject_either_applies_the_draw_or_nothing() {
    let mut rejected = 0;
    check(&Static, "spender", Restriction::Reject, |p, s, i| {
        assert!(i.applied == i.drawn || i.applied == 0.0);
        if i.applied == 0.0 && i.drawn != 0.0 {
            rejected += 1;
            assert!(-i.drawn > (p.balance + p.credit as f64).round().max(0.0) - 0.5);
        }
        assert_eq!(s.balance, p.balance + i.applied);
    });
    assert!(rejected > 0, "the spender never met the limit");
}

#[test]
fn static_credit_never_changes() {
    check(&Static, "spender", Restriction::None, |p, s, _| {
        assert_eq!(s.credit, p.credit)
    });
}

#[test]
fn turnover_change_per_step_is_capped_by_rho() {
    let rule = Turnover::from_values(&defaults(Turnover::PARAMS));
    let mut changed = 0;
    for user in ["balanced", "high-volume", "growing", "spender"] {
        check(&rule, user, Restriction::Clamp, |p, s, _| {
            let cap = rule.rho * (p.credit as f64).max(rule.limit_min).max(1.0);
            // + 0.5: the limit is rounded half to even after the capped change.
            assert!(
                ((s.credit - p.credit) as f64).abs() <= cap + 0.5,
                "{} -> {}",
                p.credit,
                s.credit
            );
            if p.n_transactions < rule.window {
                assert_eq!(s.credit, p.credit, "credit changed during the first window");
            }
            changed += u64::from(s.credit != p.credit);
        });
    }
    assert!(changed > 0);
}

fn ctx<'a>(
    prev: &'a State,
    view: &'a HistoryView,
    params: &'a Params,
    tx: &'a [i64],
    bal: &'a [f64],
) -> RuleContext<'a> {
    RuleContext {
        t: prev.n_transactions + 1,
        prev,
        view,
        params,
        transactions: tx,
        balances: bal,
    }
}

#[test]
fn credit_period_freezes_then_decays_out_of_standing() {
    let rule = CreditPeriod {
        period: 5,
        m: 0.5,
        k: 1.0,
        limit_min: 100.0,
        limit_max: 1e6,
        freeze: 2,
        decay: 0.5,
    };
    let params = Params::default();
    let view = HistoryView {
        balance_mean: 0.0,
        send_volume_mean: 0.0,
        send_volume_window: 0,
    };
    let mut prev = State::genesis(&params);
    prev.n_transactions = 10;
    prev.credit = 400;
    prev.balance = -300.0;
    // Ten steps of pure spending: no income, the balance below zero for the last 6 states.
    let tx = [-30i64; 10];
    let bal = [
        0.0, 0.0, 0.0, 0.0, -50.0, -100.0, -150.0, -200.0, -250.0, -280.0, -300.0,
    ];
    let mut st = Default::default();
    let mut credits = Vec::new();
    for _ in 0..4 {
        let c = rule
            .credit(&ctx(&prev, &view, &params, &tx, &bal), &mut st)
            .unwrap();
        credits.push(c);
        prev.credit = c;
    }
    assert_eq!(credits, vec![400, 400, 200, 100]);
    // Income over the period of at least m × debt restores standing: limit = k × income.
    let tx_income = [-30, -30, -30, -30, -30, 100, 0, 0, 50, 10];
    let c = rule
        .credit(&ctx(&prev, &view, &params, &tx_income, &bal), &mut st)
        .unwrap();
    assert_eq!(c, 160);
    assert_eq!(st.steps_out, 0);
}

mod restriction_props {
    use currents::rules::Restriction;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn clamp_never_pays_out_beyond_capacity_and_never_grows_a_payment(
            amount in -1e6f64..1e6, capacity in -1_000_000i64..1_000_000, balance in -1e6f64..1e6,
        ) {
            let got = Restriction::Clamp.apply(amount, capacity, balance, None);
            prop_assert!(-got <= capacity.max(0) as f64);
            prop_assert!(got.abs() <= amount.abs());
            prop_assert!(got == 0.0 || got.signum() == amount.signum());
            if amount >= 0.0 || -amount <= capacity.max(0) as f64 {
                prop_assert_eq!(got, amount);
            }
        }

        #[test]
        fn reject_applies_the_payment_whole_or_not_at_all(
            amount in -1e6f64..1e6, capacity in -1_000_000i64..1_000_000, balance in -1e6f64..1e6,
            upper in proptest::option::of(0f64..1e6),
        ) {
            let got = Restriction::Reject.apply(amount, capacity, balance, upper);
            prop_assert!(got == amount || got == 0.0);
            prop_assert!(-got <= capacity.max(0) as f64);
            if let Some(u) = upper {
                prop_assert!(got <= 0.0 || balance + got <= u);
            }
        }

        #[test]
        fn no_restriction_is_the_identity(
            amount in -1e6f64..1e6, capacity in -1_000_000i64..1_000_000, balance in -1e6f64..1e6,
        ) {
            prop_assert_eq!(Restriction::None.apply(amount, capacity, balance, Some(0.0)), amount);
        }
    }
}
