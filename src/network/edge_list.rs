//! `edge-list`: the classic chain on a trading graph read from a file.
//!
//! A spec names the file (`edges = "graph.csv"`, `--edges FILE`; the format is
//! [`crate::spec::Edges`]'), the caller reads it, and the spec resolves only when every
//! index is below the model's `members`. Each step one edge is drawn uniformly and its
//! direction by a fair draw ([`TradingGraph::arc`]), as every graph user draws: the run's
//! first two words are read as the graph's seed (unused: the graph is the file's), so an
//! edge list that holds a family's graph in its order draws what that family's user draws
//! (the ring's edges in `ring`'s order give `ring`'s trajectories, bit for bit).

use rand_core::Rng;

use crate::model::{Behaviour, Cx, Draw, Model};
use crate::params::ParamSpec;
use crate::registry::UserType;
use crate::spec::Edges;

use super::trading::{AMOUNT, draw_on_graph};
use super::{GraphMemory, TradingGraph, Transfer};

/// `edge-list`: each step a uniform edge of the graph a spec's file holds, in a uniform
/// direction; the first end pays the second `amount` units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeList {
    /// The units each transfer moves.
    pub amount: i64,
    /// The file's edges (none when built without a spec's file: member 0 then pays itself,
    /// which the network refuses).
    edges: Option<Edges>,
}

impl EdgeList {
    /// The graph of `n` members the edges make; an empty one if an edge names a member
    /// `n` does not hold or two edges are one pair (which a resolved spec's never do).
    pub fn graph(&self, n: u32) -> TradingGraph {
        let pairs = self.edges.as_ref().map_or(&[][..], Edges::pairs);
        TradingGraph::from_edges(n, pairs.to_vec())
            .or_else(|| TradingGraph::from_edges(n, Vec::new()))
            .unwrap_or_else(|| TradingGraph::ring(0))
    }
}

impl UserType for EdgeList {
    const NAME: &'static str = "edge-list";
    const SUMMARY: &'static str = "each step a uniform edge of the graph in the file `edges` names (--edges FILE), in a uniform direction";
    const PARAMS: &'static [ParamSpec] = &[AMOUNT];
    const READS_EDGES: bool = true;

    fn from_values(values: &[f64]) -> Self {
        EdgeList {
            amount: values[0] as i64,
            edges: None,
        }
    }

    fn from_edges(values: &[f64], edges: &Edges) -> Self {
        EdgeList {
            edges: Some(edges.clone()),
            ..EdgeList::from_values(values)
        }
    }
}

impl<M: Model<Payment = Transfer> + ?Sized> Behaviour<M> for EdgeList {
    type Memory = GraphMemory;

    fn draw<R: Rng + ?Sized>(
        &self,
        cx: &Cx<'_, M>,
        rng: &mut R,
        memory: &mut GraphMemory,
    ) -> Draw<Transfer> {
        draw_on_graph(cx, rng, memory, self.amount, |n, _seed| self.graph(n))
    }
}
