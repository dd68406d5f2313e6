//! The graph users: the classic chain on a trading graph. Each step one edge of the graph
//! is drawn uniformly and its direction by a fair draw ([`TradingGraph::arc`]); the first
//! end pays the second a fixed amount. One user type per family of graphs — `ring`,
//! `erdos-renyi`, `watts-strogatz`, `barabasi-albert` — as a user's parameters are numbers;
//! the complete graph is `uniform-pairs` (which draws the same law, an ordered pair of
//! distinct members uniformly, without an edge list).
//!
//! # Same seed, same graph
//!
//! A run builds its graph at its first draw, from its own generator: the first two 32-bit
//! words of the run's stream make the graph's seed ([`graph_seed`], low word first), the
//! graph is generated from `chacha_rng(graph_seed, 0, 0)`, and the edge of step 1 is drawn
//! from the run's stream after those two words. So the graph is a pure function of
//! (members, the family's parameters, the run's generator, seed and run): every run of a
//! simulation trades on its own graph, drawn from the family, and a replay of run r trades
//! on the same graph. The graph lives in the behaviour's memory ([`GraphMemory`]) for the
//! run: a payment costs one word and O(1) work.
//!
//! The family's size parameters are capped by the members a run has (a ring lattice of k
//! neighbours needs k < n, a member joins at most n − 1 others): what each cap is, is said
//! by the type's documentation and its parameter's line in `currents policies`.

use rand_core::Rng;

use crate::draws::chacha_rng;
use crate::model::{Behaviour, Cx, Draw, Model};
use crate::params::ParamSpec;
use crate::registry::UserType;

use super::{TradingGraph, Transfer};

/// The declaration of every graph user's `amount` (as `uniform-pairs` declares it).
pub(super) const AMOUNT: ParamSpec = ParamSpec {
    name: "amount",
    default: 1.0,
    min: 1.0,
    max: 1e6,
    integer: true,
    doc: "the units each transfer moves",
};

/// The graph's seed from the run's generator: two 32-bit words, the first the low half.
///
/// ```
/// use currents::network::graph_seed;
/// use rand_core::Rng;
///
/// let mut rng = currents::draws::chacha_rng(7, 0, 1);
/// let (lo, hi) = (rng.next_u32(), rng.next_u32());
/// assert_eq!(graph_seed(&mut currents::draws::chacha_rng(7, 0, 1)), u64::from(hi) << 32 | u64::from(lo));
/// ```
pub fn graph_seed<R: Rng + ?Sized>(rng: &mut R) -> u64 {
    let lo = rng.next_u32();
    let hi = rng.next_u32();
    (u64::from(hi) << 32) | u64::from(lo)
}

/// A graph user's memory: the run's graph, built at the first draw.
#[derive(Debug, Clone, Default)]
pub struct GraphMemory {
    graph: Option<TradingGraph>,
}

impl GraphMemory {
    /// The run's graph, once the first payment has been drawn.
    pub fn graph(&self) -> Option<&TradingGraph> {
        self.graph.as_ref()
    }
}

/// The draw every graph user makes: the graph built at the first draw by `build` (from
/// the members and the graph's seed), then an arc of it; member 0 paying itself (refused)
/// when the graph has no edge.
pub(super) fn draw_on_graph<M, R>(
    cx: &Cx<'_, M>,
    rng: &mut R,
    memory: &mut GraphMemory,
    amount: i64,
    build: impl FnOnce(u32, u64) -> TradingGraph,
) -> Draw<Transfer>
where
    M: Model<Payment = Transfer> + ?Sized,
    R: Rng + ?Sized,
{
    let graph = memory.graph.get_or_insert_with(|| {
        // Members beyond u32::MAX are never drawn (the network holds far fewer).
        let n = u32::try_from(cx.model.n_members()).unwrap_or(u32::MAX);
        build(n, graph_seed(rng))
    });
    let (payer, payee) = graph.arc(rng).unwrap_or((0, 0));
    Draw::plain(Transfer {
        payer: payer as usize,
        payee: payee as usize,
        amount,
    })
}

/// Implements `Behaviour` for a graph user whose `graph(n, seed)` builds its graph.
macro_rules! graph_behaviour {
    ($user:ty) => {
        impl<M: Model<Payment = Transfer> + ?Sized> Behaviour<M> for $user {
            type Memory = GraphMemory;

            fn draw<R: Rng + ?Sized>(
                &self,
                cx: &Cx<'_, M>,
                rng: &mut R,
                memory: &mut GraphMemory,
            ) -> Draw<Transfer> {
                draw_on_graph(cx, rng, memory, self.amount, |n, seed| self.graph(n, seed))
            }
        }
    };
}

/// `ring`: the members on a cycle, each trading with its two neighbours
/// ([`TradingGraph::ring`]); nothing is drawn for the graph (its seed words are read all
/// the same, as every graph user's are).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ring {
    /// The units each transfer moves.
    pub amount: i64,
}

impl Ring {
    /// The ring of `n` members (`seed` unused).
    pub fn graph(&self, n: u32, _seed: u64) -> TradingGraph {
        TradingGraph::ring(n)
    }
}

impl UserType for Ring {
    const NAME: &'static str = "ring";
    const SUMMARY: &'static str = "each step a uniform edge of the ring of members, in a uniform direction: one pays the other";
    const PARAMS: &'static [ParamSpec] = &[AMOUNT];

    fn from_values(values: &[f64]) -> Self {
        Ring {
            amount: values[0] as i64,
        }
    }
}

graph_behaviour!(Ring);

/// `erdos-renyi`: the Erdős–Rényi graph G(n, M) with M = round(n · mean-degree / 2) edges
/// (at most the n(n − 1)/2 pairs), drawn per run ([`TradingGraph::erdos_renyi`]). It may
/// be disconnected (below a mean degree of about ln n it usually is): payments then stay
/// within each component.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErdosRenyi {
    /// The mean number of trading partners a member has (0 … 100).
    pub mean_degree: f64,
    /// The units each transfer moves.
    pub amount: i64,
}

impl ErdosRenyi {
    /// The graph of `n` members from `seed`: M = round(n · mean_degree / 2) edges
    /// (rounded half away from zero; exact in `f64` for every declared value).
    pub fn graph(&self, n: u32, seed: u64) -> TradingGraph {
        let n_edges = (f64::from(n) * self.mean_degree / 2.0).round() as u64;
        TradingGraph::erdos_renyi(n, n_edges, &mut chacha_rng(seed, 0, 0))
    }
}

impl UserType for ErdosRenyi {
    const NAME: &'static str = "erdos-renyi";
    const SUMMARY: &'static str = "each step a uniform edge of an Erdos-Renyi G(n, M) graph drawn per run, in a uniform direction";
    const PARAMS: &'static [ParamSpec] = &[
        ParamSpec {
            name: "mean-degree",
            default: 4.0,
            min: 0.0,
            max: 100.0,
            integer: false,
            doc: "mean trading partners per member: M = round(n * mean-degree / 2) edges, at most every pair",
        },
        AMOUNT,
    ];

    fn from_values(values: &[f64]) -> Self {
        ErdosRenyi {
            mean_degree: values[0],
            amount: values[1] as i64,
        }
    }
}

graph_behaviour!(ErdosRenyi);

/// `watts-strogatz`: the Watts–Strogatz small world drawn per run
/// ([`TradingGraph::watts_strogatz`]): the ring lattice of `k` nearest neighbours (k / 2 a
/// side, at most ⌊(n − 1)/2⌋), each edge rewired with probability `beta`. It may be
/// disconnected when `beta > 0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WattsStrogatz {
    /// The lattice's neighbours per member (2 … 100; an odd k counts as k − 1).
    pub k: u32,
    /// The probability that a lattice edge is rewired (0 … 1).
    pub beta: f64,
    /// The units each transfer moves.
    pub amount: i64,
}

impl WattsStrogatz {
    /// The graph of `n` members from `seed`.
    pub fn graph(&self, n: u32, seed: u64) -> TradingGraph {
        TradingGraph::watts_strogatz(n, self.k, self.beta, &mut chacha_rng(seed, 0, 0))
    }
}

impl UserType for WattsStrogatz {
    const NAME: &'static str = "watts-strogatz";
    const SUMMARY: &'static str = "each step a uniform edge of a Watts-Strogatz small world drawn per run, in a uniform direction";
    const PARAMS: &'static [ParamSpec] = &[
        ParamSpec {
            name: "k",
            default: 4.0,
            min: 2.0,
            max: 100.0,
            integer: true,
            doc: "lattice neighbours per member, k/2 a side (odd k rounded down; at most (n-1)/2 a side)",
        },
        ParamSpec {
            name: "beta",
            default: 0.1,
            min: 0.0,
            max: 1.0,
            integer: false,
            doc: "the probability that each lattice edge is rewired to a uniformly drawn member",
        },
        AMOUNT,
    ];

    fn from_values(values: &[f64]) -> Self {
        WattsStrogatz {
            k: values[0] as u32,
            beta: values[1],
            amount: values[2] as i64,
        }
    }
}

graph_behaviour!(WattsStrogatz);

/// `barabasi-albert`: the Barabási–Albert preferential-attachment graph drawn per run
/// ([`TradingGraph::barabasi_albert`]): a star of m + 1 members, then each new member
/// joins `m` earlier ones chosen by degree (m at most n − 1). Connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarabasiAlbert {
    /// The edges each new member brings (1 … 50).
    pub m: u32,
    /// The units each transfer moves.
    pub amount: i64,
}

impl BarabasiAlbert {
    /// The graph of `n` members from `seed`.
    pub fn graph(&self, n: u32, seed: u64) -> TradingGraph {
        TradingGraph::barabasi_albert(n, self.m, &mut chacha_rng(seed, 0, 0))
    }
}

impl UserType for BarabasiAlbert {
    const NAME: &'static str = "barabasi-albert";
    const SUMMARY: &'static str =
        "each step a uniform edge of a Barabasi-Albert graph drawn per run, in a uniform direction";
    const PARAMS: &'static [ParamSpec] = &[
        ParamSpec {
            name: "m",
            default: 2.0,
            min: 1.0,
            max: 50.0,
            integer: true,
            doc: "the edges each new member brings, to earlier members chosen by degree (at most n-1)",
        },
        AMOUNT,
    ];

    fn from_values(values: &[f64]) -> Self {
        BarabasiAlbert {
            m: values[0] as u32,
            amount: values[1] as i64,
        }
    }
}

graph_behaviour!(BarabasiAlbert);
