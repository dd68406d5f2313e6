//! The network: the second built-in model, N members paying each other.
//!
//! V1 (`crate::v1`) is one member against an endless market: nothing it pays is received by
//! anyone the model holds. A mutual-credit currency is a network of members whose debts
//! are each other's credits, and whose liquidity — how many payments can be made — depends
//! on the limits of all of them. This model is the simplest such network, the "classic
//! chain" of Dandekar, Goel, Govindan and Post ("Liquidity in credit networks: a little
//! trust goes a long way", EC 2011): every member may pay every other, one unit at a time,
//! as long as its own balance stays within its limit. It is small on purpose: a rule that
//! sets each member's limit from that member's own ledger runs on it unchanged, and its
//! stationary refusal share is known in closed form, which tests the whole run loop.
//!
//! # The semantics
//!
//! State ([`NetworkState`]): every member's balance and limit, in whole units, the
//! transfer of the last step (payer, payee, amount, refused), and the lost credit (`lost`,
//! whole units) with the member who left at the last step, if any. Columns `balance_0,
//! limit_0, balance_1, limit_1, …, payer, payee, amount, refused`, then `lost` when
//! members may leave (`leave-after` > 0). Genesis: every balance 0, every limit the model's
//! `limit`, no transfer, nothing lost. Step t = 1…T, `prev` the state at t − 1:
//!
//! 1. Draw: the user ([`UniformPairs`]) draws the payer uniformly among the N members,
//!    then the payee uniformly among the N − 1 others (every ordered pair of distinct
//!    members with probability 1 / (N(N − 1))), exactly, from 32-bit words of the run's
//!    generator ([`uniform_below`]); the amount is the user's `amount` (1 by default).
//!    The graph users (`ring`, `erdos-renyi`, `watts-strogatz`, `barabasi-albert`:
//!    [`Ring`], [`ErdosRenyi`], [`WattsStrogatz`], [`BarabasiAlbert`]) instead draw one
//!    edge of the run's [`TradingGraph`] uniformly and its direction by a fair draw; the
//!    graph is built at the run's first draw from the run's own stream (trading.rs).
//!    [`Traders`] (`traders`) mixes member types by share on the complete graph: members
//!    in contiguous blocks by type, the payer drawn with probability proportional to its
//!    type's activity, the payee uniformly among the others, the amount by the payer's
//!    type (traders.rs).
//! 2. Limits: the policy sets the payer's limit, then the payee's, each from that member's
//!    own view (`Cx::member`, its ledger in `prev` and its own memory); they are stored
//!    rounded half to even. No other member's limit changes.
//! 3. Enforcement: none by the policy. Whatever enforcement the policy declares, the
//!    network holds every payer to its limit itself, in the step.
//! 4. The transfer is refused when the payer pays itself, when the amount is not
//!    positive, or when `balance(t−1) − amount < −limit(t−1)` for the payer: the limit that
//!    held when the payment was made, not the one step 2 just set. A refused transfer
//!    changes no balance. Otherwise the payer's balance goes down by the amount and the
//!    payee's up by it (a balance that would not fit an `i64` is an error).
//! 5. Leaving (default), only with `leave-after` = k > 0 (the default 0: nobody ever
//!    leaves, and steps 1–4 are the whole step): the payer's count of payments refused in a
//!    row goes up by one when the transfer was refused (any refusal, to itself included)
//!    and back to 0 when it passed; the payee's is not touched. A payer refused k times in
//!    a row whose balance is below 0 leaves at this step: its debt |b| is added to the
//!    lost credit `lost` (exact, whole units), and a newcomer takes its seat — balance 0,
//!    the genesis `limit` (in place of the limit step 2 set), a count of 0 — so the
//!    number of members stays N. The debt is attributed to the members holding credit at
//!    that moment (positive balances; the step was refused, so every balance is as at
//!    t − 1), pro rata to those balances, in O(1): one loss index (debt over credit held,
//!    summed over the defaults) and, per member, the index it was last settled at, settled
//!    when a step touches it ([`NetworkState::attributed_loss`] reads any member's, settled
//!    to now). The lost credit is exact; the attribution is a float, every member's
//!    summing to `lost` up to rounding (leaving.rs). What the model keeps for a seat (its
//!    count and attribution) is the seat's: the attribution so far stays with the seat, and
//!    **the rule's memory of that member** (kept by the run loop, outside the model: a
//!    turnover window, say) **is not reset**: the newcomer holds the genesis limit until
//!    the next step that involves it, where the rule sets its limit from that memory and
//!    its ledger, as for every member.
//!
//! So no payment ever takes its payer below the limit it was made under (the catalog's
//! `payment_within_limit` holds under every rule), and the balances sum to zero after
//! every step — to the lost credit once members have left, exactly
//! (`balances_sum_to_zero`, which counts the credit written off by
//! [`crate::model::Model::written_off`]; `lost_credit_equals_leavers_balances`). A rule that lowers a limit under an
//! existing debt still leaves that balance below its new limit
//! (`balance_within_limit`, observed by default).
//!
//! On the complete graph with a common limit c, the chain of balances is symmetric, so its
//! stationary distribution is uniform over the balance vectors that sum to zero with every
//! balance ≥ −c, and the share of refused transfers is (n − 1) / (n(c + 1) − 1) — 1/(2c + 1)
//! for two members ([`Network`] with `static` and [`UniformPairs`]; `tests/network.rs`
//! checks it). The same holds on every connected trading graph under the graph users;
//! `docs/network-exact.md` derives both laws and `tests/network_exact.rs` tests them
//! (with `leave-after` 0 only: members leaving change the chain).
//!
//! ```
//! use currents::model::{EachStep, StepEvent, Streams};
//! use currents::draws::RngKind;
//! use currents::network::{Network, UniformPairs};
//! use currents::rules::Static;
//!
//! let model = Network::new(4, 2).unwrap();
//! let mut refused = 0;
//! let mut count = EachStep(|e: &StepEvent<'_, Network>| -> Result<(), ()> {
//!     assert_eq!(e.next.balances.iter().sum::<i64>(), 0);
//!     refused += u32::from(e.next.refused);
//!     Ok(())
//! });
//! Streams::new(RngKind::Chacha, 7)
//!     .run(1, &model, &Static, &UniformPairs::default(), 1000, &mut count)
//!     .unwrap();
//! assert!(refused > 0 && refused < 1000);
//! ```
//!
//! `traders`' member types are its member groups (`Behaviour::member_groups`): a sweep of
//! it tallies per type the share of payments refused, the time at the limit, turnover, the
//! Gini coefficient of spending power and the equilibrium ratio, and for the network the
//! credit outstanding, velocity and the share of members who cannot spend
//! (docs/metrics.md); the network's report of a sweep (findings.rs, registered with the
//! built-in workbench) writes them as docs/findings.md's answers to the notebook's
//! questions 2 and 3 between high- and low-volume members.
//!
//! The registry ([`registry`]) holds the model under the name `network`, the generic rules
//! (which read each member's ledger only), the user `uniform-pairs`, the graph users and
//! `traders`.
//! With the `harness` feature, `NetworkLaws` and `NetworkTapes` check the network's own
//! laws and shrink what breaks them (`LeavingTapes`: with members leaving, what `currents
//! check --model network` searches). [`Altered`] is the network with its step altered by
//! an [`Alteration`] — every other method the network's —, the one way to write a
//! deliberately broken network; [`OneSided`] (`network-one-sided`, in
//! [`one_sided_registry`]) is the one registered: the payee credited, the payer never
//! debited, for `currents check` to catch and shrink to one payment.

mod altered;
mod edge_list;
mod engines;
#[cfg(feature = "cli")]
pub(crate) mod findings;
mod graph;
#[cfg(feature = "harness")]
mod laws;
mod leaving;
mod limits;
mod model;
mod one_sided;
#[cfg(feature = "harness")]
mod shrink;
mod traders;
mod trading;
mod transfer;
mod user;

pub use altered::{Alteration, Altered};
pub use edge_list::EdgeList;
pub use graph::TradingGraph;
#[cfg(feature = "harness")]
pub use laws::{
    LeavingTapes, NETWORK_LAWS, NetworkCase, NetworkLaws, NetworkTapes, TransferTape, network_cell,
};
pub use model::{NETWORK_PARAMS, NETWORK_TRAJECTORY_PARAMS, Network, NetworkState};
pub use one_sided::{OneSided, PayerNotDebited};
pub use traders::{ACTIVITY_MAX, AMOUNT_MAX, MemberType, TYPES_MAX, Traders, TradersMemory};
pub use trading::{BarabasiAlbert, ErdosRenyi, GraphMemory, Ring, WattsStrogatz, graph_seed};
pub use transfer::Transfer;
pub use user::{UniformPairs, uniform_below};

use crate::model::Model;
use crate::registry::{Registry, generic_rules};

/// The network's registry: the model (`network`), the generic rules (`static` first, the
/// default), the user `uniform-pairs` (the default: the complete graph), the graph users
/// `ring`, `erdos-renyi`, `watts-strogatz`, `barabasi-albert`, and `traders` (member types
/// mixed by share). The built-in workbench adds [`EdgeList`] (`edge-list`, the graph of a
/// file a spec names: [`with_edge_list`]), which no spec runs without a file.
///
/// ```
/// let registry = currents::network::registry();
/// assert!(registry.find_model("network").is_ok());
/// assert!(registry.find("static").is_ok());
/// assert_eq!(registry.users()[0].name, "uniform-pairs");
/// assert_eq!(registry.users().len(), 6);
/// ```
pub fn registry() -> Registry<Network> {
    network_users(generic_rules(Registry::new().model())).engines(engines::NetworkEngines)
}

/// The registry of the deliberately broken network, `network-one-sided` ([`OneSided`]):
/// the network's rules and users on a model whose transfers credit the payee only, for
/// `currents check` to catch.
///
/// ```
/// let registry = currents::network::one_sided_registry();
/// assert!(registry.find_model("network-one-sided").is_ok());
/// assert_eq!(registry.users().len(), currents::network::registry().users().len());
/// ```
pub fn one_sided_registry() -> Registry<OneSided> {
    network_users(generic_rules(Registry::new().model()))
}

/// `registry` with the network's users: `uniform-pairs` first, then the graph users, then
/// `traders`.
fn network_users<M: Model<Payment = Transfer>>(registry: Registry<M>) -> Registry<M> {
    registry
        .user::<UniformPairs>()
        .user::<Ring>()
        .user::<ErdosRenyi>()
        .user::<WattsStrogatz>()
        .user::<BarabasiAlbert>()
        .user::<Traders>()
}

/// `registry` with the user `edge-list` ([`EdgeList`]) last: the classic chain on the
/// graph of a file a spec names (`edges`), which the caller reads. Kept apart from
/// [`registry`], whose every user runs on the model's parameters alone.
///
/// ```
/// let registry = currents::network::with_edge_list(currents::network::registry());
/// assert_eq!(registry.users().last().map(|u| u.name), Some("edge-list"));
/// ```
pub fn with_edge_list<M: Model<Payment = Transfer>>(registry: Registry<M>) -> Registry<M> {
    registry.user::<EdgeList>()
}
