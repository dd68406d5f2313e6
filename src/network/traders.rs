//! `traders`: a population of member types mixed by share — high- and low-volume members
//! paying each other on the complete graph.
//!
//! A member type ([`MemberType`]) is a name, a share of the members, an activity (how many
//! times more often than a member of activity 1 one of its members is the payer) and a
//! mean amount (the units one of its payments moves, on average). [`Traders`] holds a list
//! of them; its declaration, `traders`, exposes two, `high` and `low`
//! (`high-share`, `high-activity`, `high-amount`, `low-activity`, `low-amount`).
//!
//! # Who is which type
//!
//! Types take contiguous blocks of members, in the list's order: with N members and
//! shares s_0, s_1, …, type j holds members `b_j .. b_{j+1}` where
//! `b_j = round(N · (s_0 + … + s_{j−1}))` (rounded half away from zero, at most N) and the
//! last type holds every member up to N (its share is the rest). With the declaration's two
//! types: members `0 .. round(N · high-share)` are `high`, the others `low`. So a member's
//! type is a pure function of (N, the types), found in O(types) ([`Traders::type_of`]).
//!
//! # One step's draw (exact, from the run's 32-bit words, [`uniform_below`])
//!
//! 1. The payer: each member has the weight of its type's activity, and the payer is
//!    drawn with probability proportional to it. One word gives an index x uniform below
//!    the total weight W = Σ_j activity_j · |block j| (W ≤ 10^6 · 1000 < 2^32 on the
//!    network); the type is the j whose cumulative weights hold x, and the payer is
//!    `b_j + (x − W_{<j}) / activity_j` — each of the type's members is the image of
//!    exactly `activity_j` values of x, so the law is exact: member m is the payer with
//!    probability activity(m) / W.
//! 2. The payee: uniform among the N − 1 others (as `uniform-pairs` draws it).
//! 3. The amount: by the payer's type, uniform in the whole numbers 1 … 2·mean − 1, whose
//!    mean is exactly `mean` (a mean of 1: always 1).
//!
//! Three words or more per step, in that order. On fewer than two members nothing is drawn
//! and member 0 pays itself its type's mean amount, which the network refuses.

use rand_core::Rng;

use crate::model::{Behaviour, Cx, Draw, MemberGroup, MemberGroups, Model};
use crate::params::ParamSpec;
use crate::registry::UserType;

use super::{Transfer, uniform_below};

/// The most members the payer's draw reads (so the total weight stays below 2^32 with
/// activities up to [`ACTIVITY_MAX`]); members beyond it are never drawn as payers.
const MEMBERS_DRAWN_MAX: u32 = u32::MAX / ACTIVITY_MAX;

/// The largest activity a member type may have.
pub const ACTIVITY_MAX: u32 = 1000;

/// The largest mean amount a member type may have (its amounts go up to 2·mean − 1).
pub const AMOUNT_MAX: u32 = 1_000_000;

/// The most member types a [`Traders`] mixes.
pub const TYPES_MAX: usize = 16;

/// One member type of a [`Traders`] population.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemberType {
    /// Its name (`high`, `low`): the per-type answers are labelled by it.
    pub name: &'static str,
    /// The share of the members it holds, 0 … 1 (the last type's is the rest, whatever
    /// is written here).
    pub share: f64,
    /// Its weight in the payer's draw, 1 … [`ACTIVITY_MAX`].
    pub activity: u32,
    /// The mean units of one of its payments, 1 … [`AMOUNT_MAX`]: amounts are uniform in
    /// 1 … 2·amount − 1.
    pub amount: u32,
}

/// The declared defaults of `traders`: a fifth of the members high-volume, paying five
/// times as often, five units on average; the rest one unit at a time.
const DEFAULTS: (f64, u32, u32, u32, u32) = (0.2, 5, 5, 1, 1);

/// `traders`: member types mixed by share (see the module documentation for the blocks and
/// the exact draw).
#[derive(Debug, Clone, PartialEq)]
pub struct Traders {
    types: Vec<MemberType>,
}

impl Traders {
    /// A population of `types` (1 … [`TYPES_MAX`] of them, in block order). `None` when the
    /// list is empty or too long, a share is not in 0 … 1 (or the shares before the last
    /// add up to more than 1), an activity is not in 1 … [`ACTIVITY_MAX`] or an amount not
    /// in 1 … [`AMOUNT_MAX`].
    ///
    /// ```
    /// use currents::network::{MemberType, Traders};
    ///
    /// let t = |name, share, activity, amount| MemberType { name, share, activity, amount };
    /// let three = Traders::new(vec![t("a", 0.25, 3, 10), t("b", 0.25, 2, 5), t("c", 0.5, 1, 1)]).unwrap();
    /// assert_eq!(three.blocks(8), vec![0, 2, 4, 8]);
    /// assert_eq!(three.type_of(8, 3), 1);
    /// assert!(Traders::new(vec![t("a", 0.5, 0, 1)]).is_none());
    /// ```
    pub fn new(types: Vec<MemberType>) -> Option<Self> {
        let ok = |t: &MemberType| {
            (0.0..=1.0).contains(&t.share)
                && (1..=ACTIVITY_MAX).contains(&t.activity)
                && (1..=AMOUNT_MAX).contains(&t.amount)
        };
        let before_last: f64 = types.iter().rev().skip(1).map(|t| t.share).sum();
        (!types.is_empty()
            && types.len() <= TYPES_MAX
            && types.iter().all(ok)
            && before_last <= 1.0)
            .then_some(Traders { types })
    }

    /// The declaration's two types: `high` (the first `round(n · high_share)` members)
    /// and `low` (the rest).
    ///
    /// ```
    /// let t = currents::network::Traders::two(0.1, 10, 20, 1, 1).unwrap();
    /// assert_eq!(t.types()[0].name, "high");
    /// assert_eq!(t.blocks(25), vec![0, 3, 25]); // round(2.5) = 3: half away from zero
    /// ```
    pub fn two(
        high_share: f64,
        high_activity: u32,
        high_amount: u32,
        low_activity: u32,
        low_amount: u32,
    ) -> Option<Self> {
        Traders::new(vec![
            MemberType {
                name: "high",
                share: high_share,
                activity: high_activity,
                amount: high_amount,
            },
            MemberType {
                name: "low",
                share: 1.0 - high_share,
                activity: low_activity,
                amount: low_amount,
            },
        ])
    }

    /// The member types, in block order.
    pub fn types(&self) -> &[MemberType] {
        &self.types
    }

    /// The block boundaries for `n` members: `b_0 = 0, b_1, …, b_k = n`, type j holding
    /// members `b_j .. b_{j+1}`; `b_j = round(n · (s_0 + … + s_{j−1}))`, half away from
    /// zero, kept between the previous boundary and n.
    pub fn blocks(&self, n: usize) -> Vec<usize> {
        let mut bounds = Vec::with_capacity(self.types.len() + 1);
        bounds.push(0);
        let mut cumulative = 0.0;
        for t in &self.types[..self.types.len() - 1] {
            cumulative += t.share;
            let b = (n as f64 * cumulative).round() as usize;
            let last = bounds[bounds.len() - 1];
            bounds.push(b.clamp(last, n));
        }
        bounds.push(n);
        bounds
    }

    /// The type (its index in [`Traders::types`]) of member `member` among `n` members:
    /// the block holding it, in O(types) (the last type for a member beyond `n`).
    pub fn type_of(&self, n: usize, member: usize) -> usize {
        let bounds = self.blocks(n);
        (0..self.types.len())
            .find(|&j| member < bounds[j + 1])
            .unwrap_or(self.types.len() - 1)
    }

    /// The run's table for `n` members (what the draw reads, built once a run).
    fn table(&self, n: u32) -> Table {
        let bounds = self.blocks(n as usize);
        let mut weight = 0u32;
        let blocks = self
            .types
            .iter()
            .enumerate()
            .map(|(j, t)| {
                let size = (bounds[j + 1] - bounds[j]) as u32;
                let block = Block {
                    start: bounds[j] as u32,
                    weight_start: weight,
                    weight: size * t.activity,
                    activity: t.activity,
                    amounts: 2 * t.amount - 1,
                };
                weight += block.weight;
                block
            })
            .collect();
        Table { n, blocks, weight }
    }
}

/// One type's block in a run's [`Table`].
#[derive(Debug, Clone, Copy)]
struct Block {
    /// Its first member.
    start: u32,
    /// The total weight of the blocks before it, and its own (activity × members).
    weight_start: u32,
    weight: u32,
    activity: u32,
    /// How many amounts its payments draw from: 2·mean − 1 (amounts 1 … 2·mean − 1).
    amounts: u32,
}

/// What `traders` draws from in a run: its blocks for the run's number of members.
#[derive(Debug, Clone)]
struct Table {
    n: u32,
    blocks: Vec<Block>,
    /// The total weight (below 2^32: at most `MEMBERS_DRAWN_MAX · ACTIVITY_MAX`).
    weight: u32,
}

/// `traders`' memory: the run's table, built at the first draw.
#[derive(Debug, Clone, Default)]
pub struct TradersMemory {
    table: Option<Table>,
}

impl UserType for Traders {
    const NAME: &'static str = "traders";
    const SUMMARY: &'static str = "high- and low-volume members mixed by share: the payer drawn by activity, the amount by its type, the payee uniform";
    const PARAMS: &'static [ParamSpec] = &[
        ParamSpec {
            name: "high-share",
            default: DEFAULTS.0,
            min: 0.0,
            max: 1.0,
            integer: false,
            doc: "the share of members that are high-volume: members 0 .. round(members * high-share)",
        },
        ParamSpec {
            name: "high-activity",
            default: DEFAULTS.1 as f64,
            min: 1.0,
            max: ACTIVITY_MAX as f64,
            integer: true,
            doc: "a high-volume member's weight in the payer's draw (a low-volume member's is low-activity)",
        },
        ParamSpec {
            name: "high-amount",
            default: DEFAULTS.2 as f64,
            min: 1.0,
            max: AMOUNT_MAX as f64,
            integer: true,
            doc: "the mean units of a high-volume member's payment: uniform in 1 .. 2*high-amount-1",
        },
        ParamSpec {
            name: "low-activity",
            default: DEFAULTS.3 as f64,
            min: 1.0,
            max: ACTIVITY_MAX as f64,
            integer: true,
            doc: "a low-volume member's weight in the payer's draw",
        },
        ParamSpec {
            name: "low-amount",
            default: DEFAULTS.4 as f64,
            min: 1.0,
            max: AMOUNT_MAX as f64,
            integer: true,
            doc: "the mean units of a low-volume member's payment: uniform in 1 .. 2*low-amount-1",
        },
    ];

    fn from_values(values: &[f64]) -> Self {
        let whole = |v: f64| v as u32;
        Traders::two(
            values[0],
            whole(values[1]),
            whole(values[2]),
            whole(values[3]),
            whole(values[4]),
        )
        .expect("checked values are in the declared ranges")
    }
}

impl Default for Traders {
    /// The declared defaults.
    fn default() -> Self {
        let (s, ha, hm, la, lm) = DEFAULTS;
        Traders::two(s, ha, hm, la, lm).expect("the defaults are in range")
    }
}

impl<M: Model<Payment = Transfer> + ?Sized> Behaviour<M> for Traders {
    type Memory = TradersMemory;

    /// Its member types, each a group of its block of members, whose typical payment is
    /// the type's mean amount: the per-type answers of the sweep summary.
    fn member_groups(&self, n_members: usize) -> Option<MemberGroups> {
        let groups = self
            .types
            .iter()
            .map(|t| MemberGroup {
                name: t.name,
                typical_payment: f64::from(t.amount),
            })
            .collect();
        MemberGroups::new(groups, self.blocks(n_members))
    }

    fn draw<R: Rng + ?Sized>(
        &self,
        cx: &Cx<'_, M>,
        rng: &mut R,
        memory: &mut TradersMemory,
    ) -> Draw<Transfer> {
        let n = u32::try_from(cx.model.n_members())
            .unwrap_or(u32::MAX)
            .min(MEMBERS_DRAWN_MAX);
        if n < 2 {
            return Draw::plain(Transfer {
                payer: 0,
                payee: 0,
                amount: i64::from(self.types[0].amount),
            });
        }
        let table = match &mut memory.table {
            Some(t) if t.n == n => t,
            slot => slot.insert(self.table(n)),
        };
        let x = uniform_below(rng, table.weight);
        // The last block whose weights start at or before x and that has any weight.
        let block = table
            .blocks
            .iter()
            .rev()
            .find(|b| b.weight > 0 && b.weight_start <= x)
            .copied()
            .unwrap_or(table.blocks[0]);
        let payer = block.start + (x - block.weight_start) / block.activity;
        let k = uniform_below(rng, n - 1);
        let payee = if k >= payer { k + 1 } else { k };
        let amount = 1 + uniform_below(rng, block.amounts);
        Draw::plain(Transfer {
            payer: payer as usize,
            payee: payee as usize,
            amount: i64::from(amount),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draws::RngKind;
    use crate::metrics::Fold;
    use crate::model::{Beside, EachStep, StepEvent, Streams};
    use crate::network::{Network, NetworkState};
    use crate::rules::{FixedBand, Static};

    /// The law: the per-group figures the one fold tallies in O(1) a step equal the same
    /// figures computed here by their definitions (docs/metrics.md) from every state of the
    /// run, O(members) a step — exactly for the counts and whole-unit sums, to 1e-12
    /// relative for the ratios (the same divisions, in another order of sums).
    #[test]
    fn group_figures_are_their_definitions_over_every_state() {
        let user = Traders::two(0.3, 4, 3, 1, 1).unwrap();
        // Static at limit 2; fixed-band at 5; static at 2 with members leaving after 1
        // refusal in a row (defaults, their debt written off).
        for (k, limit, leave_after) in [(0u64, 2i64, 0u32), (1, 5, 0), (0, 2, 1)] {
            let model = Network::new(7, limit)
                .unwrap()
                .leaving(leave_after)
                .unwrap();
            let groups = Behaviour::<Network>::member_groups(&user, 7).unwrap();
            let mut states = vec![model.genesis()];
            let mut payers = Vec::new();
            let keep = EachStep(
                |e: &StepEvent<'_, Network>| -> Result<(), std::convert::Infallible> {
                    states.push(e.next.clone());
                    payers.push(e.applied.payer);
                    Ok(())
                },
            );
            let fold = Fold::with_metrics(&model, Some(600)).grouped(Some(groups.clone()));
            let mut both = Beside(fold, keep);
            let run = |o: &mut _| {
                if k == 0 {
                    Streams::new(RngKind::Chacha, 3).run(1, &model, &Static, &user, 600, o)
                } else {
                    let band = FixedBand {
                        lower: 2,
                        upper: None,
                    };
                    Streams::new(RngKind::Chacha, 4).run(2, &model, &band, &user, 600, o)
                }
            };
            run(&mut both).unwrap();
            let got = both.0.into_fold().unwrap().group_figures();
            let t = (states.len() - 1) as f64;
            let cap =
                |s: &NetworkState, m: usize| (s.balances[m] + s.limits.get(m).unwrap()) as f64;
            let mut want: Vec<(String, f64)> = Vec::new();
            for (g, group) in groups.groups().iter().enumerate() {
                let members: Vec<usize> = (0..7).filter(|&m| groups.group_of(m) == g).collect();
                let steps = &states[1..];
                let mut payments = 0.0;
                let mut refused = 0.0;
                let mut units = 0.0;
                let (mut defaults, mut lost) = (0.0, 0.0);
                for (i, &p) in payers.iter().enumerate() {
                    if members.contains(&p) {
                        payments += 1.0;
                        // A payer who left had its debt written off: not a payment.
                        let written = (states[i + 1].lost() - states[i].lost()) as f64;
                        if states[i + 1].left() == Some(p) {
                            defaults += 1.0;
                            lost += written;
                        }
                        let paid =
                            (states[i].balances[p] - states[i + 1].balances[p]) as f64 + written;
                        if paid == 0.0 {
                            refused += 1.0
                        } else {
                            units += paid
                        }
                    }
                }
                let at_limit: f64 = steps
                    .iter()
                    .map(|s| {
                        members
                            .iter()
                            .filter(|&&m| cap(s, m) < group.typical_payment)
                            .count() as f64
                    })
                    .sum();
                // Σ over the members of |their balance averaged over steps 1 … T|.
                let abs_means: f64 = members
                    .iter()
                    .map(|&m| (steps.iter().map(|s| s.balances[m] as f64).sum::<f64>() / t).abs())
                    .sum();
                let ms = members.len() as f64 * t;
                let last = &states[states.len() - 1];
                let caps: Vec<f64> = members.iter().map(|&m| cap(last, m).max(0.0)).collect();
                // Gini by its pairwise definition: Σ_i Σ_j |x_i − x_j| / (2 n² mean).
                let n = caps.len() as f64;
                let pairs: f64 = caps
                    .iter()
                    .flat_map(|a| caps.iter().map(move |b| (a - b).abs()))
                    .sum();
                let gini = pairs / (2.0 * n * caps.iter().sum::<f64>());
                want.extend([
                    (format!("{}_refused_share", group.name), refused / payments),
                    (format!("{}_limit_share", group.name), at_limit / ms),
                    (format!("{}_turnover", group.name), units / ms),
                    (format!("{}_lost_per_default", group.name), lost / defaults),
                    (format!("{}_gini", group.name), gini),
                    (
                        format!("{}_equilibrium", group.name),
                        abs_means / members.len() as f64 / (units / (payments - refused)),
                    ),
                ]);
            }
            let outstanding: f64 = states[1..]
                .iter()
                .map(|s| s.balances.iter().map(|&b| (-b).max(0) as f64).sum::<f64>())
                .sum();
            let units: f64 = (0..payers.len())
                .map(|i| {
                    let written = states[i + 1].lost() - states[i].lost();
                    (states[i].balances[payers[i]] - states[i + 1].balances[payers[i]] + written)
                        .max(0) as f64
                })
                .sum();
            let cannot: f64 = states[1..]
                .iter()
                .map(|s| (0..7).filter(|&m| cap(s, m) < 1.0).count() as f64)
                .sum();
            want.extend([
                ("network_credit_outstanding".to_owned(), outstanding / t),
                ("network_velocity".to_owned(), units / outstanding),
                ("network_cannot_spend_share".to_owned(), cannot / (7.0 * t)),
            ]);
            assert_eq!(got.len(), want.len());
            for ((gn, gv), (wn, wv)) in got.iter().zip(&want) {
                assert_eq!(gn, wn);
                // NaN where it is undefined (no default: no lost credit per default).
                assert!(
                    (gv - wv).abs() <= 1e-12 * wv.abs().max(1.0) || (gv.is_nan() && wv.is_nan()),
                    "{gn}: {gv} != {wv}"
                );
            }
            // The leaving case has defaults to count (the test compares something).
            let lost = got
                .iter()
                .filter(|(n, v)| n.ends_with("_lost_per_default") && *v > 0.0);
            assert_eq!(lost.count() > 0, leave_after > 0, "{got:?}");
        }
    }

    #[test]
    fn blocks_round_half_away_from_zero_and_end_at_n() {
        let t = Traders::two(0.5, 1, 1, 1, 1).unwrap();
        assert_eq!(t.blocks(3), vec![0, 2, 3]);
        assert_eq!(
            Traders::two(0.0, 1, 1, 1, 1).unwrap().blocks(4),
            vec![0, 0, 4]
        );
        assert_eq!(
            Traders::two(1.0, 1, 1, 1, 1).unwrap().blocks(4),
            vec![0, 4, 4]
        );
        assert_eq!(t.type_of(3, 1), 0);
        assert_eq!(t.type_of(3, 2), 1);
        let table = t.table(3);
        assert_eq!(table.weight, 3);
        assert!(Traders::two(0.5, 1001, 1, 1, 1).is_none());
    }
}
