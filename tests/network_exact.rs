//! The classic chain against its exact laws, derived in `docs/network-exact.md`: a uniform
//! edge of a connected trading graph in a uniform direction, one unit, refused when the
//! payer is at −c (the network with the `static` rule and limit c). Its stationary law is
//! uniform over the balance vectors summing to 0 with every balance ≥ −c (Lanchier & Reed,
//! arXiv 1812.10359), so one member's balance b has
//!
//!   P(b = k − c) = C(nc − k + n − 2, n − 2) / C(nc + n − 1, n − 1),  k = 0 … nc,
//!
//! and the share of refused payments is (n − 1)/(n(c + 1) − 1) (Dandekar, Goel, Govindan,
//! Post, arXiv 1007.0515). Both are computed here from the formulas, in exact integers,
//! never from a simulation.
//!
//! The tests: on the complete graph (`uniform-pairs`, n = 5, c = 2) and on two sparse
//! connected shapes drawn per run (`barabasi-albert` with m = 2 and `ring`, n = 8, c = 3),
//! from genesis (every balance 0) over independent runs of fixed seeds,
//!
//! - the balance law: member 0's balance at the end of each run (one sample per run, so
//!   the samples are independent), a chi-square goodness of fit over the cells k − c,
//!   adjacent cells pooled until each expects at least 5 (the tails open-ended);
//! - the refusal share: each run's share of refused payments over a window after the
//!   burn-in, averaged over the runs, its standard error from the spread across runs (the
//!   runs are independent; the steps within a run are not), a two-sided z-test;
//!
//! each at α = 0.001 (the seeds are fixed: the outcome is reproducible). The same tests
//! reject two wrong enforcements, written here as a wrapper around the library's network:
//! refusing one unit early (at −c + 1) and allowing one unit too far (to −c − 1).
//!
//! The burn-in is measured (`the_burn_in_is_past_the_measured_relaxation`): the first step
//! at which member 0's mean |b| over the runs comes within one standard error of its exact
//! value; each case burns in at least ten times that.

mod common;

use std::convert::Infallible;

use currents::draws::RngKind;
use currents::model::{Behaviour, Cx, Draw, EachStep, Model, StepEvent, Streams};
use currents::network::{
    Alteration, Altered, BarabasiAlbert, Network, NetworkState, Ring, TradingGraph, Transfer,
    UniformPairs,
};
use currents::rules::Static;
use rand_core::Rng;

use common::exact_law::{
    ALPHA, Fit, Sample, Z_CRITICAL, balance_fit, balance_law, binomial, chi_square_p,
    refusal_share, refusal_z, relaxation_step,
};

// ---------------------------------------------------------------------------------------
// The exact laws, from the formulas.

#[test]
fn the_refusal_share_is_the_chance_that_the_payer_is_at_its_limit() {
    // The derivation's last step, in exact integers: P(x = 0) = C(nc + n − 2, n − 2) /
    // C(nc + n − 1, n − 1) = (n − 1)/(n(c + 1) − 1), and the law sums to 1.
    for n in 2..=12u64 {
        for c in 0..=6u64 {
            let (at_limit, total) = (
                binomial(n * c + n - 2, n - 2),
                binomial(n * c + n - 1, n - 1),
            );
            assert_eq!(
                at_limit * u128::from(n * (c + 1) - 1),
                total * u128::from(n - 1),
                "n = {n}, c = {c}"
            );
            let sum: u128 = (0..=n * c)
                .map(|k| binomial(n * c - k + n - 2, n - 2))
                .sum();
            assert_eq!(sum, total, "n = {n}, c = {c}");
        }
    }
    // By hand: two members, c = 2: x_0 ∈ {0, …, 4} uniform, so P(refused) = 1/5.
    assert_eq!(balance_law(2, 2), [0.2; 5]);
    assert_eq!(refusal_share(2, 2), 0.2);
    assert_eq!(binomial(31, 7), 2_629_575);
    // n = 5, c = 2: P(b = −2) = C(13, 3)/C(14, 4) = 286/1001, P(b = 8) = 1/1001.
    let law = balance_law(5, 2);
    assert_eq!((law[0], law[10]), (286.0 / 1001.0, 1.0 / 1001.0));
}

// ---------------------------------------------------------------------------------------
// The chi-square distribution: its upper tail Q(df/2, x/2), the regularized upper
// incomplete gamma function (series below a + 1, Lentz's continued fraction above; W. H.
// Press et al., Numerical Recipes, 3rd ed., §6.2), with ln Γ from Lanczos' approximation
// (g = 7, 9 terms; relative error below 1e-15), in tests/common/exact_law.rs: checked
// against a published table here.

#[test]
fn the_chi_square_tail_matches_the_published_critical_values() {
    // Upper 0.001 critical values of the chi-square distribution (NIST/SEMATECH
    // e-Handbook of Statistical Methods, table 1.3.6.7.4), given to 3 decimals: the tail
    // there is 0.001 to within the rounding of the table.
    for (df, x) in [
        (1, 10.828),
        (2, 13.816),
        (3, 16.266),
        (5, 20.515),
        (8, 26.125),
        (10, 29.588),
        (11, 31.264),
        (15, 37.697),
        (20, 45.315),
    ] {
        let p = chi_square_p(x, df);
        assert!((p - 0.001).abs() < 2e-6, "df {df}: P(> {x}) = {p}");
    }
    // Two degrees of freedom: the tail is exp(−x/2) exactly.
    for x in [0.5, 3.0, 12.0, 40.0] {
        let p = chi_square_p(x, 2);
        assert!((p / (-x / 2.0f64).exp() - 1.0).abs() < 1e-12, "{x}: {p}");
    }
}

// ---------------------------------------------------------------------------------------
// The wrong enforcements: the library's network, its refusal moved by one unit.

/// The network's step with its payer's floor moved: a transfer is refused when it would
/// take the payer below `floor` instead of `−c` (−c + 1 refuses one unit early, −c − 1
/// allows one unit too far). Everything else is the network's.
struct WrongFloor {
    floor: i64,
}

impl Alteration for WrongFloor {
    const NAME: &'static str = "wrong-floor";
    const SUMMARY: &'static str = "the payer's floor moved";
    fn alter(&self, _: &Network, prev: &NetworkState, t: Transfer, next: &mut NetworkState) {
        let refused =
            t.payer == t.payee || t.amount <= 0 || prev.balances[t.payer] - t.amount < self.floor;
        next.balances.clone_from(&prev.balances);
        if !refused {
            next.balances[t.payer] -= t.amount;
            next.balances[t.payee] += t.amount;
        }
        next.refused = refused;
    }
}

// ---------------------------------------------------------------------------------------
// The simulations.

/// `runs` runs (1 …, seed `seed`, ChaCha) of `model` under `static` and `user`, each
/// `burn_in + window` steps.
fn simulate<M, B>(model: &M, user: &B, seed: u64, runs: u64, burn_in: u64, window: u64) -> Sample
where
    M: Model<State = NetworkState, Payment = Transfer>,
    B: Behaviour<M>,
{
    let streams = Streams::new(RngKind::Chacha, seed);
    Sample::collect(runs, burn_in, window, |run, n_steps, see| {
        let mut observe = EachStep(|e: &StepEvent<'_, M>| -> Result<(), Infallible> {
            see(e);
            Ok(())
        });
        streams
            .run(run, model, &Static, user, n_steps, &mut observe)
            .unwrap();
    })
}

/// One shape of the tests.
struct Case {
    name: &'static str,
    n: u64,
    c: u64,
    seed: u64,
    runs: u64,
    burn_in: u64,
    window: u64,
}

const COMPLETE: Case = Case {
    name: "uniform-pairs (complete graph)",
    n: 5,
    c: 2,
    seed: 2301,
    runs: 1000,
    burn_in: 500,
    window: 1000,
};

const BARABASI_ALBERT: Case = Case {
    name: "barabasi-albert m = 2",
    n: 8,
    c: 3,
    seed: 2302,
    runs: 1000,
    burn_in: 1000,
    window: 1000,
};

const RING: Case = Case {
    name: "ring",
    n: 8,
    c: 3,
    seed: 2303,
    runs: 1000,
    burn_in: 5000,
    window: 1000,
};

/// The outcome of both tests on one case and one model.
struct Outcome {
    fit: Fit,
    refused: f64,
    z: f64,
}

impl Outcome {
    fn rejected(&self) -> (bool, bool) {
        (self.fit.p < ALPHA, self.z.abs() > Z_CRITICAL)
    }
}

fn outcome<M, B>(case: &Case, model: &M, user: &B, label: &str) -> Outcome
where
    M: Model<State = NetworkState, Payment = Transfer>,
    B: Behaviour<M>,
{
    let sample = simulate(model, user, case.seed, case.runs, case.burn_in, case.window);
    let fit = balance_fit(&sample.end_balances, case.n, case.c);
    let exact = refusal_share(case.n, case.c);
    let (refused, z) = refusal_z(&sample.refused_shares, exact);
    eprintln!(
        "{} n = {} c = {} {label}: chi-square {:.2} (df {}, p = {:.3e}); refused {:.5} \
         (exact {:.5}), z = {:.2}",
        case.name, case.n, case.c, fit.chi_square, fit.df, fit.p, refused, exact, z
    );
    Outcome { fit, refused, z }
}

/// Both tests on `case`: passed by the network, failed by both wrong enforcements.
fn check<B>(case: &Case, user: &B)
where
    B: Behaviour<Network> + Behaviour<Altered<WrongFloor>>,
{
    let network = currents::network::registry()
        .find_model("network")
        .unwrap()
        .build(&[case.n as f64, case.c as f64])
        .unwrap();
    let right = outcome(case, &network, user, "network");
    assert_eq!(right.rejected(), (false, false), "{}", case.name);
    let c = case.c as i64;
    for (floor, label) in [(-c + 1, "refusing at -c+1"), (-c - 1, "allowing -c-1")] {
        let wrong = Altered::new(network, WrongFloor { floor });
        let out = outcome(case, &wrong, user, label);
        assert_eq!(out.rejected(), (true, true), "{}: {label}", case.name);
        assert!(out.refused.is_finite());
    }
}

#[test]
fn the_complete_graph_meets_both_exact_laws_and_a_wrong_floor_does_not() {
    check(&COMPLETE, &UniformPairs::default());
}

#[test]
fn a_barabasi_albert_graph_meets_both_exact_laws_and_a_wrong_floor_does_not() {
    check(&BARABASI_ALBERT, &BarabasiAlbert { m: 2, amount: 1 });
}

#[test]
fn a_ring_meets_both_exact_laws_and_a_wrong_floor_does_not() {
    check(&RING, &Ring { amount: 1 });
}

#[test]
fn the_burn_in_is_past_the_measured_relaxation() {
    fn measured<B: Behaviour<Network>>(case: &Case, user: &B) -> u64 {
        let network = Network::new(case.n as usize, case.c as i64).unwrap();
        let sample = simulate(&network, user, case.seed + 100, 1000, 0, case.burn_in);
        let t = relaxation_step(
            &sample.abs_sum,
            &sample.sq_sum,
            sample.end_balances.len() as u64,
            case.n,
            case.c,
        )
        .expect("relaxes");
        eprintln!(
            "{}: mean |b_0| within one standard error at step {t}",
            case.name
        );
        t
    }
    for (case, t) in [
        (&COMPLETE, measured(&COMPLETE, &UniformPairs::default())),
        (
            &BARABASI_ALBERT,
            measured(&BARABASI_ALBERT, &BarabasiAlbert { m: 2, amount: 1 }),
        ),
        (&RING, measured(&RING, &Ring { amount: 1 })),
    ] {
        assert!(
            case.burn_in >= 10 * t,
            "{}: burn-in {} < 10 × {t}",
            case.name,
            case.burn_in
        );
    }
}

/// One fixed graph for every run: an arc of it per step, one unit.
struct FixedGraph(TradingGraph);

impl<M: Model<Payment = Transfer> + ?Sized> Behaviour<M> for FixedGraph {
    type Memory = ();
    fn draw<R: Rng + ?Sized>(&self, _: &Cx<'_, M>, rng: &mut R, _: &mut ()) -> Draw<Transfer> {
        let (payer, payee) = self.0.arc(rng).expect("the graph has edges");
        Draw::plain(Transfer {
            payer: payer as usize,
            payee: payee as usize,
            amount: 1,
        })
    }
}

#[test]
fn a_disconnected_graph_meets_the_laws_per_component() {
    // A triangle {0, 1, 2} and an edge {3, 4}, c = 2: member 0's balance has the law of
    // three members, and the refused share is the edge-weighted mean of the components'
    // shares, 3/4 · 2/8 + 1/4 · 1/5 = 0.2375 (five connected members: 4/14 = 0.2857).
    let graph = TradingGraph::from_edges(5, vec![(0, 1), (1, 2), (2, 0), (3, 4)]).unwrap();
    assert_eq!(graph.n_components(), 2);
    let user = FixedGraph(graph);
    let case = Case {
        name: "triangle + edge",
        n: 5,
        c: 2,
        seed: 2304,
        runs: 1000,
        burn_in: 500,
        window: 1000,
    };
    let network = Network::new(5, 2).unwrap();
    let sample = simulate(
        &network,
        &user,
        case.seed,
        case.runs,
        case.burn_in,
        case.window,
    );
    let fit = balance_fit(&sample.end_balances, 3, case.c);
    let exact = 0.75 * refusal_share(3, 2) + 0.25 * refusal_share(2, 2);
    assert_eq!(exact, 0.2375);
    let (refused, z) = refusal_z(&sample.refused_shares, exact);
    let relaxed = relaxation_step(
        &sample.abs_sum,
        &sample.sq_sum,
        sample.end_balances.len() as u64,
        3,
        case.c,
    )
    .expect("relaxes");
    eprintln!(
        "{}: chi-square {:.2} (df {}, p = {:.3e}); refused {refused:.5} (exact {exact}), \
         z = {z:.2}; mean |b_0| within one standard error at step {relaxed}",
        case.name, fit.chi_square, fit.df, fit.p
    );
    assert!(fit.p >= ALPHA && z.abs() <= Z_CRITICAL, "{}", case.name);
    assert!(case.burn_in >= 10 * relaxed);
    // Against the law of five connected members, the same samples fail.
    let (_, z_connected) = refusal_z(&sample.refused_shares, refusal_share(5, 2));
    let fit_connected = balance_fit(&sample.end_balances, 5, case.c);
    assert!(fit_connected.p < ALPHA && z_connected.abs() > Z_CRITICAL);
}
