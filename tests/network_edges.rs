//! A trading graph read from a CSV file (the spec's `edges`, the user `edge-list`) against
//! the exact law of the classic chain (derived in `docs/network-exact.md`): on any connected
//! graph, a uniform edge in a uniform direction paying one unit, refused at −c, has the
//! stationary law uniform over the balance vectors summing to 0 with every balance ≥ −c
//! (Lanchier & Reed, arXiv 1812.10359), so one member's balance b has
//!
//!   P(b = k − c) = C(nc − k + n − 2, n − 2) / C(nc + n − 1, n − 1),  k = 0 … nc,
//!
//! and, every member's law being the same, the share of refused payments (a payer at −c)
//! is P(k = 0) = (n − 1)/(n(c + 1) − 1) (Dandekar, Goel, Govindan, Post, arXiv 1007.0515).
//! Both are computed here from the formulas in exact integers, never from a simulation.
//!
//! The graph is `examples/network-edges.csv`, written by hand: a cycle of five members
//! with one chord (0–2), not a member of any generated family. The file is read as the
//! command line reads it (`Edges::parse` through `EdgeFile::attach`), the spec resolved
//! against the network's registry and its plan run, so the whole edge-list path is what
//! meets the law. Tests as in `tests/network_exact.rs` (whose helpers this file repeats: a
//! test file cannot share another's): member 0's balance at the end of each of 1000
//! independent runs, a chi-square goodness of fit over cells pooled to expect ≥ 5; each
//! run's refused share over a window after the burn-in, a two-sided z-test on their mean;
//! both at α = 0.001, fixed seeds. The burn-in is at least ten times the measured
//! relaxation (the first step at which member 0's mean |b| over the runs comes within one
//! standard error of its exact value).

use std::convert::Infallible;

use currents::draws::RngKind;
use currents::model::{EachStep, StepEvent, Streams};
use currents::network::{Network, TradingGraph};
use currents::spec::{Limits, Spec};

/// The level of both tests.
const ALPHA: f64 = 0.001;
/// The two-sided normal quantile of `ALPHA`: Φ⁻¹(1 − 0.001/2) = 3.2905 (NIST/SEMATECH
/// e-Handbook of Statistical Methods, table of the normal distribution).
const Z_CRITICAL: f64 = 3.2905;

/// The graph's file and shape: five members, limit c = 2.
const FILE: &str = "examples/network-edges.csv";
const N: u64 = 5;
const C: u64 = 2;

/// C(n, k) in exact integers.
fn binomial(n: u64, k: u64) -> u128 {
    if k > n {
        return 0;
    }
    let k = k.min(n - k);
    // Each partial product C(n − k + i, i) is an integer, so the division is exact.
    (1..=u128::from(k)).fold(1, |acc, i| acc * (u128::from(n - k) + i) / i)
}

/// P(x = k), k = 0 … nc, for one member's shifted balance x = b + c (stars and bars).
fn balance_law(n: u64, c: u64) -> Vec<f64> {
    let total = binomial(n * c + n - 1, n - 1);
    (0..=n * c)
        .map(|k| binomial(n * c - k + n - 2, n - 2) as f64 / total as f64)
        .collect()
}

/// ln Γ(x), Lanczos (g = 7, 9 terms; relative error below 1e-15).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    let x = x - 1.0;
    let t = x + 7.5;
    let sum = G[0] + (1..9).map(|i| G[i] / (x + i as f64)).sum::<f64>();
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// Q(a, x) = Γ(a, x)/Γ(a): the series below a + 1, Lentz's continued fraction above (W. H.
/// Press et al., Numerical Recipes, 3rd ed., §6.2).
fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let front = (a * x.ln() - x - ln_gamma(a)).exp();
    if x < a + 1.0 {
        let (mut term, mut sum, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..10_000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        1.0 - sum * front
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let (mut c, mut d) = (1.0 / tiny, 1.0 / b);
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            d = if d.abs() < tiny { tiny } else { d };
            c = b + an / c;
            c = if c.abs() < tiny { tiny } else { c };
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        front * h
    }
}

/// P(χ²_df > x).
fn chi_square_p(x: f64, df: usize) -> f64 {
    gamma_q(df as f64 / 2.0, x / 2.0)
}

#[test]
fn the_chi_square_tail_matches_the_published_critical_values() {
    // Upper 0.001 critical values (NIST/SEMATECH e-Handbook, table 1.3.6.7.4, 3 decimals).
    for (df, x) in [
        (1, 10.828),
        (3, 16.266),
        (5, 20.515),
        (8, 26.125),
        (10, 29.588),
    ] {
        let p = chi_square_p(x, df);
        assert!((p - 0.001).abs() < 2e-6, "df {df}: P(> {x}) = {p}");
    }
}

/// The network's plan for the spec `static`, `edge-list` on the file's graph, `members`
/// N and `limit` C: the file read as the command line reads it, the spec resolved.
fn plan() -> currents::registry::SpecPlan<Network> {
    let text = std::fs::read_to_string(FILE).expect("the example graph");
    let mut spec = Spec::from_toml_str(&format!(
        "model = \"network\"\nrule = \"static\"\nuser = \"edge-list\"\nedges = \"{FILE}\"\n\
         [params]\nmembers = {N}\nlimit = {C}\n"
    ))
    .expect("a spec");
    spec.edges_mut()
        .expect("the spec names the file")
        .attach(&text)
        .expect("a valid edge list");
    let registry = currents::network::with_edge_list(currents::network::registry());
    spec.resolve(&registry, &Limits::summary())
        .expect("resolves")
        .plan()
}

/// Member 0's balance at the end of each run, each run's refused share over the last
/// `window` steps, and per step the sums over the runs of |b_0| and b_0².
struct Sample {
    end_balances: Vec<i64>,
    refused_shares: Vec<f64>,
    abs_sum: Vec<f64>,
    sq_sum: Vec<f64>,
}

fn simulate(seed: u64, runs: u64, burn_in: u64, window: u64) -> Sample {
    let plan = plan();
    let n_steps = burn_in + window;
    let streams = Streams::new(RngKind::Chacha, seed);
    let mut sample = Sample {
        end_balances: Vec::new(),
        refused_shares: Vec::new(),
        abs_sum: vec![0.0; n_steps as usize + 1],
        sq_sum: vec![0.0; n_steps as usize + 1],
    };
    for run in 1..=runs {
        let (mut refused, mut last) = (0u64, 0i64);
        let mut observe = EachStep(|e: &StepEvent<'_, Network>| -> Result<(), Infallible> {
            let b = e.next.balances[0];
            sample.abs_sum[e.t as usize] += b.abs() as f64;
            sample.sq_sum[e.t as usize] += (b * b) as f64;
            refused += u64::from(e.t > burn_in && e.next.refused);
            last = b;
            Ok(())
        });
        plan.run(&streams, run, n_steps, &mut observe).unwrap();
        sample.end_balances.push(last);
        sample.refused_shares.push(refused as f64 / window as f64);
    }
    sample
}

/// The chi-square fit of one balance per run to the exact law: (statistic, df, p), over
/// cells of adjacent k = b + c pooled until each expects ≥ 5 (the first open below, the
/// last open above).
fn balance_fit(balances: &[i64]) -> (f64, usize, f64) {
    let law = balance_law(N, C);
    let runs = balances.len() as f64;
    let mut cells: Vec<(i64, f64)> = Vec::new();
    let mut open: Option<(i64, f64)> = None;
    for (k, p) in law.iter().enumerate() {
        let (start, e) = open.unwrap_or((k as i64, 0.0));
        let e = e + p * runs;
        if e >= 5.0 {
            cells.push((start, e));
            open = None;
        } else {
            open = Some((start, e));
        }
    }
    if let Some((_, e)) = open {
        cells.last_mut().expect("some cell expects 5").1 += e;
    }
    let mut observed = vec![0u64; cells.len()];
    for &b in balances {
        let k = b + C as i64;
        observed[cells.iter().rposition(|&(s, _)| s <= k).unwrap_or(0)] += 1;
    }
    let chi: f64 = cells
        .iter()
        .zip(&observed)
        .map(|(&(_, e), &o)| (o as f64 - e).powi(2) / e)
        .sum();
    let df = cells.len() - 1;
    (chi, df, chi_square_p(chi, df))
}

const SEED: u64 = 2311;
const RUNS: u64 = 1000;
const BURN_IN: u64 = 2000;
const WINDOW: u64 = 1000;

#[test]
fn the_example_file_is_a_connected_cycle_with_a_chord() {
    let text = std::fs::read_to_string(FILE).unwrap();
    let edges = currents::spec::Edges::parse(FILE, &text).unwrap();
    let graph = TradingGraph::from_edges(N as u32, edges.pairs().to_vec()).unwrap();
    assert!(graph.is_connected());
    assert_eq!(graph.degrees(), [3, 2, 3, 2, 2]);
}

#[test]
fn a_graph_read_from_a_csv_meets_the_uniform_law_and_the_refusal_share() {
    let sample = simulate(SEED, RUNS, BURN_IN, WINDOW);
    let (chi, df, p) = balance_fit(&sample.end_balances);
    let exact = (N - 1) as f64 / (N * (C + 1) - 1) as f64;
    let shares = &sample.refused_shares;
    let runs = shares.len() as f64;
    let mean = shares.iter().sum::<f64>() / runs;
    let var = shares.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (runs - 1.0);
    let z = (mean - exact) / (var / runs).sqrt();
    eprintln!(
        "{FILE}, n = {N}, c = {C}: chi-square {chi:.2} (df {df}, p = {p:.3e}); refused \
         {mean:.5} (exact {exact:.5}), z = {z:.2}"
    );
    assert!(p >= ALPHA, "the balance law is rejected: p = {p}");
    assert!(
        z.abs() <= Z_CRITICAL,
        "the refusal share is rejected: z = {z}"
    );
}

#[test]
fn the_burn_in_is_past_the_measured_relaxation() {
    let sample = simulate(SEED + 100, RUNS, 0, BURN_IN);
    let law = balance_law(N, C);
    let exact: f64 = law
        .iter()
        .enumerate()
        .map(|(k, p)| (k as f64 - C as f64).abs() * p)
        .sum();
    let runs = RUNS as f64;
    let t = (1..sample.abs_sum.len())
        .find(|&t| {
            let mean = sample.abs_sum[t] / runs;
            let var = (sample.sq_sum[t] / runs - mean * mean) * runs / (runs - 1.0);
            (mean - exact).abs() <= (var / runs).sqrt()
        })
        .expect("relaxes") as u64;
    eprintln!("{FILE}: mean |b_0| within one standard error at step {t}");
    assert!(BURN_IN >= 10 * t, "burn-in {BURN_IN} < 10 × {t}");
}

/// The ring's edges written as a file, in `ring`'s order, draw what `ring` draws: the
/// same two seed words, then the same arc a step (as the module of `edge-list` says), so
/// the trajectories are the same, bit for bit — the file's graph is the one traded on.
#[test]
fn the_rings_edges_read_from_a_file_give_the_rings_trajectories() {
    use currents::network::{Ring, Transfer};
    use currents::rules::Static;
    type Trajectory = Vec<(Transfer, bool, Vec<i64>)>;
    let n = 7u32;
    let csv: String = std::iter::once("from,to\n".to_owned())
        .chain(
            TradingGraph::ring(n)
                .edges()
                .iter()
                .map(|(a, b)| format!("{a},{b}\n")),
        )
        .collect();
    let spec_of = |text: &str| {
        let mut spec = Spec::from_toml_str(&format!(
            "model = \"network\"\nrule = \"static\"\nuser = \"edge-list\"\n\
             edges = \"ring.csv\"\n[params]\nmembers = {n}\nlimit = 2\n"
        ))
        .unwrap();
        spec.edges_mut().unwrap().attach(text).unwrap();
        let registry = currents::network::with_edge_list(currents::network::registry());
        spec.resolve(&registry, &Limits::summary()).unwrap().plan()
    };
    let streams = Streams::new(RngKind::Chacha, 5);
    /// Every step's applied transfer, whether it was refused, and the balances after it.
    #[derive(Default)]
    struct Record(Trajectory);
    impl currents::model::Observer<Network> for Record {
        type Error = Infallible;
        fn step(
            &mut self,
            e: &StepEvent<'_, Network>,
        ) -> Result<currents::model::Flow, Infallible> {
            self.0
                .push((e.applied, e.next.refused, e.next.balances.clone()));
            Ok(currents::model::Flow::Continue)
        }
    }
    let run_of = |run: &mut dyn FnMut(&mut Record)| -> Trajectory {
        let mut record = Record::default();
        run(&mut record);
        record.0
    };
    let (file, chord) = (spec_of(&csv), spec_of(&format!("{csv}0,3\n")));
    let network = Network::new(n as usize, 2).unwrap();
    for r in 1..=3 {
        let from_file = run_of(&mut |o| file.run(&streams, r, 300, o).unwrap());
        let ring = run_of(&mut |o| {
            streams
                .run(r, &network, &Static, &Ring { amount: 1 }, 300, o)
                .unwrap()
        });
        assert_eq!(from_file, ring, "run {r}");
        // Another graph of the same members: another trajectory.
        let other = run_of(&mut |o| chord.run(&streams, r, 300, o).unwrap());
        assert_ne!(other, ring, "run {r}");
    }
}
