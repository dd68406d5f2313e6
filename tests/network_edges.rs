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
//! meets the law. Tests as in `tests/network_exact.rs`, with its helpers
//! (`tests/common/exact_law.rs`): member 0's balance at the end of each of 1000
//! independent runs, a chi-square goodness of fit over cells pooled to expect ≥ 5; each
//! run's refused share over a window after the burn-in, a two-sided z-test on their mean;
//! both at α = 0.001, fixed seeds. The burn-in is at least ten times the measured
//! relaxation (the first step at which member 0's mean |b| over the runs comes within one
//! standard error of its exact value).

mod common;

use std::convert::Infallible;

use currents::draws::RngKind;
use currents::model::{EachStep, StepEvent, Streams};
use currents::network::{Network, TradingGraph};
use currents::spec::{Limits, Spec};

use common::exact_law::{
    ALPHA, Fit, Sample, Z_CRITICAL, balance_fit, refusal_share, refusal_z, relaxation_step,
};

/// The graph's file and shape: five members, limit c = 2.
const FILE: &str = "examples/network-edges.csv";
const N: u64 = 5;
const C: u64 = 2;

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

/// Member 0's balance at the end of each run, its refused share over the window, and per
/// step the sums of |b_0| and b_0² over the runs, on the file's graph.
fn simulate(seed: u64, runs: u64, burn_in: u64, window: u64) -> Sample {
    let plan = plan();
    let streams = Streams::new(RngKind::Chacha, seed);
    Sample::collect(runs, burn_in, window, |run, n_steps, see| {
        let mut observe = EachStep(|e: &StepEvent<'_, Network>| -> Result<(), Infallible> {
            see(e);
            Ok(())
        });
        plan.run(&streams, run, n_steps, &mut observe).unwrap();
    })
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
    let Fit {
        chi_square: chi,
        df,
        p,
    } = balance_fit(&sample.end_balances, N, C);
    let exact = refusal_share(N, C);
    let (mean, z) = refusal_z(&sample.refused_shares, exact);
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
    let t = relaxation_step(&sample.abs_sum, &sample.sq_sum, RUNS, N, C).expect("relaxes");
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
