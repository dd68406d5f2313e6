//! Trading graphs: which members may pay each other. A graph is a flat list of undirected
//! edges between members `0 … n − 1`, so that a uniformly chosen edge is one index draw.
//!
//! The generators are written here, against the crate's own exact draws, not taken from a
//! graph crate. The graph crates that have them (rustworkx-core's `generators`, graphrs,
//! petgraph-gen) seed a generator of their own from a `u64` (`Pcg64::seed_from_u64` in
//! rustworkx-core, `ChaCha20Rng` in graphrs) and sample through `rand`'s distributions
//! (`Uniform`, `random::<f64>`, rustworkx-core's fast G(n, p) through `f64::ln`), whose
//! algorithms `rand` may change in a minor version and whose logarithm is the platform's:
//! the same seed would then give another graph after a dependency update or on another
//! platform. None of them has all four families (rustworkx-core has no Watts–Strogatz), and
//! each brings a graph type and dependencies the network does not need. Here every draw is
//! a 32-bit word mapped by [`uniform_below`] (an exact integer) or by numpy's 53-bit
//! [`uniform01`](crate::draws::uniform01) (exact arithmetic), so a graph is a pure function
//! of the member count, the family's parameters and the generator's words, on every
//! platform and for every version of every dependency but `rand_chacha`'s ChaCha8 stream
//! (a specified cipher).
//!
//! | family | what is drawn | connected |
//! |---|---|---|
//! | [`TradingGraph::ring`] | nothing: member i trades with i ± 1 | always |
//! | [`TradingGraph::erdos_renyi`] | G(n, M): M distinct pairs, uniformly | not always |
//! | [`TradingGraph::watts_strogatz`] | each lattice edge rewired with probability β | not always |
//! | [`TradingGraph::barabasi_albert`] | m distinct targets per new member, by degree | always |
//!
//! A disconnected graph is kept as drawn: payments never leave a component, so each
//! component's balances sum to zero on their own and the exact law of the classic chain
//! holds per component (`docs/network-exact.md`); [`TradingGraph::n_components`] tells.

use std::collections::HashSet;

use rand_core::Rng;

use crate::draws::uniform01;

use super::uniform_below;

/// A trading graph: `n_members` members and the undirected edges between them, each a
/// pair `(a, b)` with `a ≠ b`, no pair twice.
///
/// ```
/// use currents::network::TradingGraph;
///
/// let ring = TradingGraph::ring(5);
/// assert_eq!(ring.edges().len(), 5);
/// assert_eq!(ring.degrees(), [2; 5]);
/// assert!(ring.is_connected());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct TradingGraph {
    n_members: u32,
    edges: Vec<(u32, u32)>,
}

/// A summary, not the edges (a graph of 10^6 members has millions).
impl std::fmt::Debug for TradingGraph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TradingGraph")
            .field("n_members", &self.n_members)
            .field("n_edges", &self.edges.len())
            .finish()
    }
}

/// An unordered pair as one number: `min · 2^32 + max`.
fn key(a: u32, b: u32) -> u64 {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    (u64::from(lo) << 32) | u64::from(hi)
}

/// Two distinct members drawn uniformly: the first among `n`, the second among the `n − 1`
/// others (as `uniform-pairs` draws its payer and payee). `n ≥ 2`.
fn distinct_pair<R: Rng + ?Sized>(rng: &mut R, n: u32) -> (u32, u32) {
    let a = uniform_below(rng, n);
    let k = uniform_below(rng, n - 1);
    (a, if k >= a { k + 1 } else { k })
}

impl TradingGraph {
    /// The members and edges as given. Every edge must join two distinct members below
    /// `n_members`, no pair twice; `None` otherwise.
    pub fn from_edges(n_members: u32, edges: Vec<(u32, u32)>) -> Option<Self> {
        let mut seen = HashSet::with_capacity(edges.len());
        let valid = edges
            .iter()
            .all(|&(a, b)| a != b && a < n_members && b < n_members && seen.insert(key(a, b)));
        valid.then_some(TradingGraph { n_members, edges })
    }

    /// How many members the graph holds (some may have no edge).
    pub fn n_members(&self) -> u32 {
        self.n_members
    }

    /// The edges, in the order the generator made them.
    pub fn edges(&self) -> &[(u32, u32)] {
        &self.edges
    }

    /// Each member's number of edges.
    pub fn degrees(&self) -> Vec<u32> {
        let mut degrees = vec![0; self.n_members as usize];
        for &(a, b) in &self.edges {
            degrees[a as usize] += 1;
            degrees[b as usize] += 1;
        }
        degrees
    }

    /// How many connected components the graph has, a member without an edge counting as
    /// one of its own (union–find with path halving).
    pub fn n_components(&self) -> usize {
        let mut parent: Vec<u32> = (0..self.n_members).collect();
        fn root(parent: &mut [u32], mut x: u32) -> u32 {
            while parent[x as usize] != x {
                let up = parent[parent[x as usize] as usize];
                parent[x as usize] = up;
                x = up;
            }
            x
        }
        let mut components = self.n_members as usize;
        for &(a, b) in &self.edges {
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
            if ra != rb {
                parent[ra as usize] = rb;
                components -= 1;
            }
        }
        components
    }

    /// True when every member can reach every other along edges (and there is at least one
    /// member).
    pub fn is_connected(&self) -> bool {
        self.n_components() == 1
    }

    /// The ring (cycle) of `n` members: member i trades with i − 1 and i + 1 (mod n); `n`
    /// edges, `(i, i + 1 mod n)` in order of i. Two members share one edge; fewer, none.
    pub fn ring(n: u32) -> Self {
        let edges = match n {
            0 | 1 => Vec::new(),
            2 => vec![(0, 1)],
            _ => (0..n).map(|i| (i, (i + 1) % n)).collect(),
        };
        TradingGraph {
            n_members: n,
            edges,
        }
    }

    /// The Erdős–Rényi graph G(n, M) (P. Erdős, A. Rényi, "On random graphs I", 1959):
    /// `n_edges` distinct pairs, every set of that many pairs equally likely (`n_edges` is
    /// capped at the n(n − 1)/2 pairs there are).
    ///
    /// Sparse (at most half the pairs): pairs are drawn as [`uniform_below`] pairs of
    /// distinct members and a pair already drawn is drawn again; every new pair is then
    /// uniform among the pairs not yet chosen, so the set is uniform. Dense: the pairs left
    /// out are drawn that way and the others listed in order. At most about twice as many
    /// draws as edges either way.
    pub fn erdos_renyi<R: Rng + ?Sized>(n: u32, n_edges: u64, rng: &mut R) -> Self {
        let pairs = u64::from(n) * u64::from(n.saturating_sub(1)) / 2;
        let n_edges = n_edges.min(pairs);
        let drawn = |count: u64, rng: &mut R| {
            let mut set = HashSet::with_capacity(count as usize);
            let mut edges = Vec::with_capacity(count as usize);
            while (edges.len() as u64) < count {
                let (a, b) = distinct_pair(rng, n);
                if set.insert(key(a, b)) {
                    edges.push((a.min(b), a.max(b)));
                }
            }
            (set, edges)
        };
        let edges = if n_edges <= pairs / 2 {
            drawn(n_edges, rng).1
        } else {
            let (left_out, _) = drawn(pairs - n_edges, rng);
            (0..n)
                .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
                .filter(|&(a, b)| !left_out.contains(&key(a, b)))
                .collect()
        };
        TradingGraph {
            n_members: n,
            edges,
        }
    }

    /// The Watts–Strogatz small world (D. J. Watts, S. H. Strogatz, "Collective dynamics of
    /// 'small-world' networks", Nature 393, 1998), as networkx's `watts_strogatz_graph`
    /// builds it: the ring lattice where each member trades with its `k` nearest (k / 2 on
    /// each side, an odd `k` rounded down, at most ⌊(n − 1)/2⌋ a side so that no pair
    /// repeats), then, lattice distance by distance and member by member, the edge from u
    /// to u + j is rewired with probability `beta` ([`uniform01`](crate::draws::uniform01)
    /// `< beta`) to u and a member w drawn uniformly among those that are neither u nor
    /// already u's neighbours (skipped when u already trades with everyone). n·(k/2)
    /// edges; `beta = 0` is the lattice.
    pub fn watts_strogatz<R: Rng + ?Sized>(n: u32, k: u32, beta: f64, rng: &mut R) -> Self {
        if n < 3 {
            return Self::ring(n);
        }
        let side = (k / 2).min((n - 1) / 2);
        let mut edges: Vec<(u32, u32)> = (1..=side)
            .flat_map(|j| (0..n).map(move |u| (u, (u + j) % n)))
            .collect();
        let mut set: HashSet<u64> = edges.iter().map(|&(a, b)| key(a, b)).collect();
        let mut degrees = vec![2 * side; n as usize];
        for edge in &mut edges {
            if uniform01(rng) >= beta {
                continue;
            }
            let (u, v) = *edge;
            if degrees[u as usize] >= n - 1 {
                continue;
            }
            let w = loop {
                let w = uniform_below(rng, n);
                if w != u && !set.contains(&key(u, w)) {
                    break w;
                }
            };
            set.remove(&key(u, v));
            set.insert(key(u, w));
            *edge = (u, w);
            degrees[v as usize] -= 1;
            degrees[w as usize] += 1;
        }
        TradingGraph {
            n_members: n,
            edges,
        }
    }

    /// The Barabási–Albert graph (A.-L. Barabási, R. Albert, "Emergence of scaling in
    /// random networks", Science 286, 1999), as networkx's `barabasi_albert_graph` builds
    /// it: a star of `m + 1` members (0 the centre), then each new member s = m + 1 … n − 1
    /// joins `m` distinct earlier members, each drawn with probability proportional to its
    /// degree (uniformly from the list where every member appears once per edge end),
    /// drawn again when already chosen. `m` is capped at n − 1 (then the graph is the
    /// star). m + m(n − m − 1) edges; connected by construction.
    pub fn barabasi_albert<R: Rng + ?Sized>(n: u32, m: u32, rng: &mut R) -> Self {
        if n < 2 || m == 0 {
            return TradingGraph {
                n_members: n,
                edges: Vec::new(),
            };
        }
        let m = m.min(n - 1);
        let n_edges = m as usize * (n - m) as usize;
        let mut edges = Vec::with_capacity(n_edges);
        let mut ends: Vec<u32> = Vec::with_capacity(2 * n_edges);
        for leaf in 1..=m {
            edges.push((0, leaf));
            ends.extend([0, leaf]);
        }
        let mut targets = Vec::with_capacity(m as usize);
        for source in m + 1..n {
            targets.clear();
            // `ends` holds at most 2 · 50 · 10^6 entries (m ≤ 50 by declaration, 10^6
            // members): below 2^32.
            let len = u32::try_from(ends.len()).expect("edge ends fit in u32");
            while targets.len() < m as usize {
                let t = ends[uniform_below(rng, len) as usize];
                if !targets.contains(&t) {
                    targets.push(t);
                }
            }
            for &t in &targets {
                edges.push((source, t));
                ends.extend([t, source]);
            }
        }
        TradingGraph {
            n_members: n,
            edges,
        }
    }

    /// An edge drawn uniformly and a direction by a fair draw, as (payer, payee): one
    /// [`uniform_below`] over the 2E directed arcs (arc 2e + d is edge e, its first end
    /// paying when d = 0), so every ordered pair joined by an edge has probability 1/(2E).
    /// `None`, reading nothing, when there is no edge.
    #[inline]
    pub fn arc<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<(u32, u32)> {
        if self.edges.is_empty() {
            return None;
        }
        // The declared maxima keep 2E below 2^32 (at most 50 edges a member, 10^6 members).
        let arcs = u32::try_from(2 * self.edges.len()).expect("arcs fit in u32");
        let arc = uniform_below(rng, arcs);
        let (a, b) = self.edges[(arc >> 1) as usize];
        Some(if arc & 1 == 0 { (a, b) } else { (b, a) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draws::chacha_rng;

    fn simple(g: &TradingGraph) -> bool {
        TradingGraph::from_edges(g.n_members(), g.edges().to_vec()).as_ref() == Some(g)
    }

    #[test]
    fn every_family_makes_a_simple_graph_of_its_declared_size() {
        let mut rng = chacha_rng(3, 0, 1);
        for n in [2u32, 3, 5, 8, 40] {
            let pairs = u64::from(n * (n - 1) / 2);
            for m_edges in [0, 1, pairs / 2, pairs / 2 + 1, pairs, pairs + 3] {
                let g = TradingGraph::erdos_renyi(n, m_edges, &mut rng);
                assert!(simple(&g), "{n} {m_edges}");
                assert_eq!(g.edges().len() as u64, m_edges.min(pairs));
            }
            for (k, beta) in [(2, 0.0), (4, 0.3), (6, 1.0), (100, 0.5)] {
                let g = TradingGraph::watts_strogatz(n, k, beta, &mut rng);
                let side = if n < 3 { 1 } else { (k / 2).min((n - 1) / 2) };
                assert!(simple(&g), "{n} {k} {beta}");
                assert_eq!(g.edges().len() as u32, if n < 3 { n - 1 } else { n * side });
            }
            for m in [1, 2, 3, 60] {
                let g = TradingGraph::barabasi_albert(n, m, &mut rng);
                let m = m.min(n - 1);
                assert!(simple(&g) && g.is_connected(), "{n} {m}");
                assert_eq!(g.edges().len() as u32, m + m * (n - m - 1));
            }
            let ring = TradingGraph::ring(n);
            assert!(simple(&ring) && ring.is_connected());
        }
        assert_eq!(TradingGraph::ring(1).n_components(), 1);
        assert!(TradingGraph::from_edges(3, vec![(0, 1), (1, 0)]).is_none());
        assert!(TradingGraph::from_edges(3, vec![(2, 2)]).is_none());
        assert!(TradingGraph::from_edges(3, vec![(0, 3)]).is_none());
    }

    #[test]
    fn watts_strogatz_without_rewiring_is_the_ring_lattice() {
        let g = TradingGraph::watts_strogatz(7, 4, 0.0, &mut chacha_rng(1, 0, 1));
        assert_eq!(g.degrees(), [4; 7]);
        assert_eq!(g.edges()[..2], [(0, 1), (1, 2)]);
        assert_eq!(g.edges()[7..9], [(0, 2), (1, 3)]);
    }

    #[test]
    fn components_are_counted_with_isolated_members() {
        let g = TradingGraph::from_edges(6, vec![(0, 1), (2, 3), (3, 4)]).unwrap();
        assert_eq!(g.n_components(), 3);
        assert!(!g.is_connected());
        assert!(
            TradingGraph::erdos_renyi(4, 0, &mut chacha_rng(1, 0, 1))
                .arc(&mut chacha_rng(1, 0, 1))
                .is_none()
        );
    }
}
