//! The trading graphs and their users, one test per law: a run's graph is a pure function
//! of its stream (same seed, same graph), every arc of the graph is equally likely, G(n, M)
//! picks its edge set uniformly, Barabási–Albert attaches by degree, and the generators'
//! output for fixed seeds is pinned (value stability).

use currents::draws::chacha_rng;
use currents::model::{Behaviour, Cx, Model};
use currents::network::{
    BarabasiAlbert, ErdosRenyi, GraphMemory, Network, Ring, TradingGraph, WattsStrogatz,
    graph_seed, registry,
};
use currents::registry::UserType;

/// P(χ²_df > x) < 0.001 for these (df, x): the upper 0.001 critical values (NIST/SEMATECH
/// e-Handbook of Statistical Methods, table 1.3.6.7.4).
fn chi_square_critical(df: usize) -> f64 {
    match df {
        1 => 10.828,
        2 => 13.816,
        9 => 27.877,
        14 => 36.123,
        _ => panic!("no critical value for df {df}"),
    }
}

/// The first draw of `user` in run `run` of seed `seed` on `members` members: the graph
/// the run built and the transfer.
fn first_draw<B: Behaviour<Network, Memory = GraphMemory>>(
    user: &B,
    members: usize,
    seed: u64,
    run: u64,
) -> (TradingGraph, (usize, usize)) {
    let model = Network::new(members, 2).unwrap();
    let genesis = model.genesis();
    let cx = Cx {
        model: &model,
        t: 1,
        prev: &genesis,
        history: &(),
        member: 0,
    };
    let mut memory = GraphMemory::default();
    let t = user
        .draw(&cx, &mut chacha_rng(seed, 0, run), &mut memory)
        .payment;
    (memory.graph().unwrap().clone(), (t.payer, t.payee))
}

#[test]
fn same_seed_same_graph_from_the_runs_first_two_words() {
    let ba = BarabasiAlbert { m: 2, amount: 1 };
    let er = ErdosRenyi {
        mean_degree: 3.0,
        amount: 1,
    };
    let ws = WattsStrogatz {
        k: 4,
        beta: 0.3,
        amount: 1,
    };
    for (seed, run) in [(0, 1), (7, 3)] {
        let mut rng = chacha_rng(seed, 0, run);
        let graph_seed = graph_seed(&mut rng);
        let (graph, (payer, payee)) = first_draw(&ba, 30, seed, run);
        assert_eq!(graph, ba.graph(30, graph_seed));
        // The first payment is the arc drawn after the two seed words.
        let arc = graph.arc(&mut rng).unwrap();
        assert_eq!((payer, payee), (arc.0 as usize, arc.1 as usize));
        assert_eq!(first_draw(&er, 30, seed, run).0, er.graph(30, graph_seed));
        assert_eq!(first_draw(&ws, 30, seed, run).0, ws.graph(30, graph_seed));
    }
    // Another run, another graph.
    assert_ne!(first_draw(&ba, 30, 0, 1).0, first_draw(&ba, 30, 0, 2).0);
    assert_ne!(first_draw(&er, 30, 0, 1).0, first_draw(&er, 30, 1, 1).0);
}

#[test]
fn the_graph_users_are_registered_with_their_declared_defaults() {
    let registry = registry();
    let names: Vec<&str> = registry.users().iter().map(|u| u.name).collect();
    assert_eq!(
        names,
        [
            "uniform-pairs",
            "ring",
            "erdos-renyi",
            "watts-strogatz",
            "barabasi-albert",
            "traders"
        ]
    );
    assert_eq!(
        WattsStrogatz::from_values(&[4.0, 0.1, 1.0]),
        WattsStrogatz {
            k: 4,
            beta: 0.1,
            amount: 1
        }
    );
    let defaults: [&[f64]; 5] = [&[1.0], &[1.0], &[4.0, 1.0], &[4.0, 0.1, 1.0], &[2.0, 1.0]];
    for (user, values) in registry.users().iter().zip(defaults) {
        assert!(user.build(values).is_ok(), "{}", user.name);
    }
    // A parameter out of its declared range is refused, naming it.
    let ba = &registry.users()[4];
    assert_eq!(ba.build(&[51.0, 1.0]).err().unwrap().field, "m");
}

#[test]
fn every_arc_of_the_graph_is_equally_likely() {
    // The ring of 5: 5 edges, 10 arcs, each with probability 1/10.
    const DRAWS: u32 = 50_000;
    let ring = TradingGraph::ring(5);
    let mut rng = chacha_rng(11, 0, 1);
    let mut counts = [0u32; 25];
    for _ in 0..DRAWS {
        let (payer, payee) = ring.arc(&mut rng).unwrap();
        let d = (payer + 5 - payee) % 5;
        assert!(d == 1 || d == 4, "{payer} -> {payee} is no arc of the ring");
        counts[(payer * 5 + payee) as usize] += 1;
    }
    let expected = f64::from(DRAWS) / 10.0;
    let chi2: f64 = counts
        .iter()
        .filter(|&&o| o > 0)
        .map(|&o| (f64::from(o) - expected).powi(2) / expected)
        .sum();
    assert!(
        chi2 < chi_square_critical(9),
        "chi-square {chi2:.2}: {counts:?}"
    );
}

#[test]
fn erdos_renyi_picks_every_pair_with_probability_m_over_the_pairs() {
    // G(n, M) is uniform over the M-subsets of the T pairs, so each pair is in it with
    // probability p = M/T, two pairs together with M(M − 1)/(T(T − 1)): the counts over G
    // graphs have covariance G p(1 − p) T/(T − 1) (I − J/T), and Σ(O − E)² (T − 1) /
    // (G p(1 − p) T) is chi-square with T − 1 degrees of freedom for large G.
    // Both regimes: sparse (M ≤ T/2, pairs drawn) and dense (the left-out pairs drawn).
    const GRAPHS: u32 = 20_000;
    let (n, pairs) = (6u32, 15u64);
    for m_edges in [4u64, 11] {
        let mut rng = chacha_rng(5, m_edges, 1);
        let mut counts = [0u32; 36];
        for _ in 0..GRAPHS {
            for &(a, b) in TradingGraph::erdos_renyi(n, m_edges, &mut rng).edges() {
                counts[(a.min(b) * n + a.max(b)) as usize] += 1;
            }
        }
        let p = m_edges as f64 / pairs as f64;
        let expected = f64::from(GRAPHS) * p;
        let t = pairs as f64;
        let x: f64 = (0..n)
            .flat_map(|a| (a + 1..n).map(move |b| (a * n + b) as usize))
            .map(|k| (f64::from(counts[k]) - expected).powi(2))
            .sum::<f64>()
            * (t - 1.0)
            / (f64::from(GRAPHS) * p * (1.0 - p) * t);
        assert!(
            x < chi_square_critical(14),
            "M = {m_edges}: {x:.2} {counts:?}"
        );
    }
}

#[test]
fn barabasi_albert_attaches_in_proportion_to_degree() {
    // m = 1, n = 4: the star 0–1; member 2 joins 0 or 1 (degrees 1, 1): ½ each; member 3
    // joins x with probability degree(x)/4: P(0) = ½·2/4 + ½·1/4 = 3/8, P(1) = 3/8,
    // P(2) = 1/4.
    const GRAPHS: u32 = 40_000;
    let mut rng = chacha_rng(13, 0, 1);
    let (mut second, mut third) = ([0u32; 2], [0u32; 3]);
    for _ in 0..GRAPHS {
        let g = TradingGraph::barabasi_albert(4, 1, &mut rng);
        assert_eq!(g.edges()[0], (0, 1));
        let ((s2, t2), (s3, t3)) = (g.edges()[1], g.edges()[2]);
        assert_eq!((s2, s3), (2, 3));
        second[t2 as usize] += 1;
        third[t3 as usize] += 1;
    }
    let chi2 = |counts: &[u32], law: &[f64]| -> f64 {
        counts
            .iter()
            .zip(law)
            .map(|(&o, &p)| {
                (f64::from(o) - p * f64::from(GRAPHS)).powi(2) / (p * f64::from(GRAPHS))
            })
            .sum()
    };
    let x2 = chi2(&second, &[0.5, 0.5]);
    let x3 = chi2(&third, &[3.0 / 8.0, 3.0 / 8.0, 0.25]);
    assert!(x2 < chi_square_critical(1), "{x2:.2} {second:?}");
    assert!(x3 < chi_square_critical(2), "{x3:.2} {third:?}");
}

#[test]
fn the_generators_output_for_fixed_seeds_is_pinned() {
    // Value stability: these edge lists are what the generators make today for these
    // seeds. A change to a generator, to `uniform_below` or to the ChaCha stream changes
    // every trajectory of the graph users; it must show here, be reviewed and go in the
    // CHANGELOG. (Pinned from the generators themselves: this checks stability, not law.)
    let edges = |g: TradingGraph| format!("{:?}", g.edges());
    assert_eq!(
        edges(TradingGraph::erdos_renyi(6, 5, &mut chacha_rng(1, 0, 0))),
        "[(1, 3), (1, 5), (2, 4), (4, 5), (0, 1)]"
    );
    assert_eq!(
        edges(TradingGraph::watts_strogatz(
            6,
            4,
            0.5,
            &mut chacha_rng(1, 0, 0)
        )),
        "[(0, 1), (1, 2), (2, 5), (3, 4), (4, 5), (5, 0), (0, 2), (1, 3), (2, 3), (3, 5), (4, 0), (5, 1)]"
    );
    assert_eq!(
        edges(TradingGraph::barabasi_albert(
            7,
            2,
            &mut chacha_rng(1, 0, 0)
        )),
        "[(0, 1), (0, 2), (3, 0), (3, 1), (4, 3), (4, 0), (5, 0), (5, 4), (6, 4), (6, 5)]"
    );
    assert_eq!(
        edges(Ring { amount: 1 }.graph(4, 0)),
        "[(0, 1), (1, 2), (2, 3), (3, 0)]"
    );
}
