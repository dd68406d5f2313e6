//! The model API: what a model, a credit policy and a user behaviour are, and the one run
//! loop that drives them.
//!
//! Three things vary independently, each a trait:
//!
//! - a [`Model`] owns the state (and its named columns), the history summaries it keeps,
//!   how a payment is applied, how the limit is enforced and its rounding conventions. The
//!   V1 notebook is one model (`crate::v1::V1`); a later version of it, or a network of
//!   members, is another;
//! - a [`CreditPolicy`] sets the credit limit from the previous state, the model's history
//!   and its own memory, and names the branch it took;
//! - a [`Behaviour`] draws the payment of a step from a generator it is handed (a tape of
//!   payments is a behaviour too).
//!
//! [`run`] drives one run of a (model, policy, behaviour, generator) and hands every step's
//! [`StepEvent`] to an [`Observer`] — a CSV writer, a summary, metrics, invariants, a digest.
//! Every workflow of the toolkit is a plan of such runs plus observers, so a user's rule or
//! a user's model reaches all of them by implementing these traits.
//!
//! Generic invariants and metrics read a [`Ledger`], the small view every model gives of a
//! member's account (balance, limit, capacity, payment); a model adds its own checks beside
//! them.

use std::fmt;

use rand_core::Rng;

mod columns;
mod enforce;
mod groups;
mod ledger;
mod members;
mod plan;
mod run;

pub use columns::{LedgerColumn, LedgerColumns};
pub use enforce::{Against, Enforce, Enforcement};
pub use groups::{MemberGroup, MemberGroups};
pub(crate) use ledger::balance_below_limit;
pub use ledger::{Ledger, payment_breaks_limit};
pub use members::{MEMBERS_PER_PAYMENT_MAX, Members, StepLimits};
pub(crate) use members::{TOUCHED_MAX, step_changes_whole_state, touched_by};
pub use plan::{Plan, Streams};
pub(crate) use plan::{WithRng, numpy_run_seed};
pub(crate) use run::{Beside, enforced, set_limits};
pub use run::{EachState, EachStep, Flow, Observer, RunError, StepEvent, Stepper, run};

/// A credit limit and the named branch of the policy that set it.
///
/// `value` is the limit as a magnitude: a member's balance may go down to `-value`. A model
/// stores it in its own convention (V1 as the integer `userCredit`, a later version as a
/// signed negative `creditLimit`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    /// The limit (≥ 0; the run loop refuses a negative or non-finite one).
    pub value: f64,
    /// The branch of the policy that produced it (one of [`CreditPolicy::branches`]).
    pub branch: &'static str,
}

/// Why a policy could not produce a limit.
///
/// A policy has a defined answer on every input: a limit or one of these, never a panic.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum CreditError {
    /// An input is NaN or infinite.
    #[error("credit input `{field}` is not finite: {value}")]
    NonFinite {
        /// The input's name.
        field: &'static str,
        /// Its value.
        value: f64,
    },
    /// An input that must not be negative is (V1's previous credit, which no policy
    /// produces).
    #[error("credit input `{field}` is negative: {value}")]
    Negative {
        /// The input's name.
        field: &'static str,
        /// Its value.
        value: f64,
    },
    /// The computed limit does not fit a 64-bit integer.
    #[error("credit {0} does not fit a 64-bit integer")]
    OutOfRange(f64),
}

/// Why a step could not be taken. Never happens under validated parameters with a policy
/// that keeps its contract; exists so that any input gets an answer instead of a panic.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum StepError {
    /// The credit policy failed.
    #[error(transparent)]
    Credit(#[from] CreditError),
    /// The policy returned a negative or non-finite limit.
    #[error("the policy returned the limit {value} ({branch} branch); a limit is finite and >= 0")]
    BadLimit {
        /// The limit returned.
        value: f64,
        /// The branch that returned it.
        branch: &'static str,
    },
    /// A payment names a member the state does not hold.
    #[error("member {member} does not exist (the state holds {n_members} members)")]
    NoSuchMember {
        /// The member named.
        member: usize,
        /// How many members the state holds.
        n_members: usize,
    },
    /// A value that the model stores as an integer is NaN or does not fit an `i64`.
    #[error("`{field}` cannot be stored as an integer: {value}")]
    NotAnInteger {
        /// The column.
        field: &'static str,
        /// The unrounded value.
        value: f64,
    },
}

/// Rounds `value` half to even into an integer column named `field`, as V1 stores its
/// integer columns (Python's `int(round(x))`), or says why it cannot.
#[inline]
pub fn to_int(field: &'static str, value: f64) -> Result<i64, StepError> {
    crate::numeric::round_half_even(value).ok_or(StepError::NotAnInteger { field, value })
}

/// One cell of a state's row, in the model's own type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// An integer column.
    Int(i64),
    /// A count column (never negative).
    Count(u64),
    /// A float column.
    Float(f64),
}

/// A model: its state, the history it keeps, how a payment is applied and enforced.
///
/// The run loop calls, for each step t = 1…T, [`Behaviour::draw`], then
/// [`CreditPolicy::limit`] for each member the drawn payment involves
/// ([`Model::members`]), then [`Model::enforce`], then [`Model::step`], then
/// [`Model::record`]: every one of them reads the state at t − 1 and the history of the
/// states 0…t − 1, never the state being built (cadCAD's semantics: every policy sees the
/// previous state). A state holds [`Model::n_members`] members' ledgers; a step touches
/// only the members its payment involves ([`Model::members`]): every other member's
/// balance and limit, and what [`crate::metrics::Metered`] reads of it, stay as they were
/// (its ledger's `payment`, this step's, is 0). The per-run fold relies on this to fold a
/// step in O(1) whatever the number of members, and [`Model::step_into`] to take one.
pub trait Model: Sync {
    /// The state of one step (for V1, one user's eight columns).
    type State: Clone + fmt::Debug + Send;
    /// What the model keeps of the states so far: means, windows, series.
    type History: Clone + Send;
    /// What a behaviour draws and a step applies (for one user, a signed amount; for a
    /// network, a payer, a payee and an amount).
    type Payment: Copy + fmt::Debug + PartialEq + Send;

    /// The model's name (as a registry and output headers spell it).
    fn name(&self) -> &'static str;

    /// The names of the state's columns, in [`Model::row`] order (they may depend on the
    /// model's parameters: a member's columns for each member, say).
    fn columns(&self) -> Vec<String>;

    /// The state at timestep 0.
    fn genesis(&self) -> Self::State;

    /// A history holding `genesis` only, sized for a run of `n_steps` steps.
    fn history(&self, genesis: &Self::State, n_steps: u64) -> Self::History;

    /// Appends the newest state to the history.
    fn record(&self, history: &mut Self::History, next: &Self::State);

    /// The payment that happens when `payment` was drawn and `enforcement` holds the member
    /// to the limit. [`Enforcement::apply`] does this for a one-member ledger.
    fn enforce(
        &self,
        enforcement: &Enforcement,
        prev: &Self::State,
        history: &Self::History,
        payment: Self::Payment,
    ) -> Result<Self::Payment, StepError>;

    /// Applies `payment` under the new `limits` (one for each member the payment involves,
    /// [`Model::members`]) and returns the state at t.
    fn step(
        &self,
        prev: &Self::State,
        history: &Self::History,
        limits: &StepLimits,
        payment: Self::Payment,
    ) -> Result<Self::State, StepError>;

    /// [`Model::step`] written into `next`, a state the caller keeps from step to step: what
    /// the run loop calls, so that a model whose state is large (a network's members) need
    /// not build a whole new state every step.
    ///
    /// The contract: on entry `next` holds either a copy of `prev`, or the state `prev` was
    /// made from by one step of this model (the state at t − 2; [`Stepper`] keeps the two
    /// and swaps them). On `Ok`, `next` holds exactly what [`Model::step`] returns; on an
    /// error it may hold anything, and the caller copies `prev` into it before the next
    /// call. A model may then bring `next` up to `prev` by copying only the members `prev`'s
    /// own payment touched, and apply this step's payment to the members it involves: O(1)
    /// a step whatever the number of members. The default builds the state with
    /// [`Model::step`] and moves it into `next`.
    #[inline]
    fn step_into(
        &self,
        prev: &Self::State,
        history: &Self::History,
        limits: &StepLimits,
        payment: Self::Payment,
        next: &mut Self::State,
    ) -> Result<(), StepError> {
        *next = self.step(prev, history, limits, payment)?;
        Ok(())
    }

    /// How many members' ledgers a state holds (one for V1), fixed for a run.
    fn n_members(&self) -> usize {
        1
    }

    /// The members `payment` involves: whose limits the step sets and whose ledgers it
    /// changes (default: member 0, a one-member model's only member).
    #[inline]
    fn members(&self, _payment: &Self::Payment) -> Members {
        Members::one(0)
    }

    /// Member `member`'s ledger in `state`: what generic invariants and metrics read.
    fn ledger(&self, state: &Self::State, member: usize) -> Ledger;

    /// The state's row, one [`Value`] per column, appended to `out`.
    fn row(&self, state: &Self::State, out: &mut Vec<Value>);

    /// The columns the model writes at some values of its parameters and not at others,
    /// besides its members' ledger columns (the network's `lost`, written when members may
    /// leave): a trajectory is recognised as this model's with or without them (see
    /// [`Model::ledger_columns`]). Default: none.
    fn optional_columns(&self) -> &'static [&'static str] {
        &[]
    }

    /// The credit written off so far in `state`: held outside the members, as in a
    /// clearing account (the network's lost credit: the debts of members who left). The
    /// conservation law of models whose members pay each other reads it
    /// (`balances_sum_to_zero`: a step changes the members' balances by what it changes
    /// this by). Default: 0, nothing is ever written off. A model that wraps another
    /// returns the wrapped model's.
    #[inline]
    fn written_off(&self, _state: &Self::State) -> f64 {
        0.0
    }

    /// The cells of `state`'s row ([`Model::row`]) that a step touching `members` can have
    /// changed, appended to `out`: what the catalog's step laws and a run's digest read of
    /// each step of a model of several members, after reading the genesis state's whole
    /// row. Every other member is as it was (the contract of [`Model::step_into`]), so a
    /// model whose row grows with its members writes only the cells of `members` (in that
    /// order) and the cells that are no member's, and a step is checked in O(1) whatever
    /// the number of members.
    ///
    /// The default is the whole row, which is always right: a model that does not say
    /// which cells are whose is checked in full at every step.
    fn touched_row(&self, state: &Self::State, members: &[usize], out: &mut Vec<Value>) {
        let _ = members;
        self.row(state, out);
    }

    /// Which columns of this model's trajectories ([`Model::columns`]) hold member
    /// `member`'s ledger, by name: what `plot` and `report` chart of a trajectory CSV, and
    /// how a scenario report's summary names a member's balance, limit and means. `None`
    /// when the model declares none for that member: then `plot` and `report` do not chart
    /// its trajectories, and the summary says `balance` and `limit`.
    ///
    /// By default, a one-member model whose [`Model::columns`] hold `balance` and `limit`
    /// (the [`Ledger`]'s names) declares those for member 0, with `capacity` and `payment`
    /// when it has them; any other model declares none. A model whose columns are named
    /// otherwise, or that stores its limit negated, or keeps means, says so here.
    ///
    /// A trajectory is recognised as this model's when every column other than its members'
    /// ledger columns is one of the model's own, in order, and it is read by asking for
    /// member 0, 1, … until its header lacks the member's balance column. So a model whose
    /// columns grow with a parameter (the network's pair per member) answers for any member
    /// a trajectory of it may hold, not only this value's [`Model::n_members`].
    fn ledger_columns(&self, member: usize) -> Option<LedgerColumns> {
        if member != 0 || self.n_members() != 1 {
            return None;
        }
        LedgerColumns::by_ledger_names(&self.columns())
    }
}

/// What a policy and a behaviour read when computing step `t`.
pub struct Cx<'a, M: Model + ?Sized> {
    /// The model.
    pub model: &'a M,
    /// The step being computed (1-based).
    pub t: u64,
    /// The state at `t − 1`.
    pub prev: &'a M::State,
    /// The history of the states `0 … t − 1`.
    pub history: &'a M::History,
    /// The member whose view this is: the member a policy sets the limit of (0 when a
    /// behaviour draws the step's payment, which it does for the whole state).
    pub member: usize,
}

impl<M: Model + ?Sized> Clone for Cx<'_, M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M: Model + ?Sized> Copy for Cx<'_, M> {}

impl<M: Model + ?Sized> Cx<'_, M> {
    /// The previous state's ledger of [`Cx::member`]: what a policy reads of the member
    /// whose limit it sets (a one-member model's only ledger).
    #[inline]
    pub fn ledger(&self) -> Ledger {
        self.model.ledger(self.prev, self.member)
    }
}

/// A credit policy: the rule that sets the limit, for one model or generic over many.
///
/// A policy is an immutable value (`&self`), shared by every run and thread; what it
/// remembers from step to step lives in its [`CreditPolicy::Memory`], which the run loop
/// owns, one per member (each starts at `Default`). It never sees a generator, a clock or
/// the state being built. It sets one member's limit at a time — the member of
/// [`Cx::member`], whose ledger [`Cx::ledger`] reads — when a payment involves that
/// member, so a rule written against [`Cx::ledger`] sets each member's limit from that
/// member's own history.
pub trait CreditPolicy<M: Model + ?Sized>: Sync {
    /// What the policy carries between steps (`()` when nothing).
    type Memory: Default + fmt::Debug + Send;

    /// The limit of member `cx.member` for step `cx.t` and the branch that set it.
    fn limit(&self, cx: &Cx<'_, M>, memory: &mut Self::Memory) -> Result<Limit, CreditError>;

    /// How payments meet the limit (default: not at all, as in V1).
    fn enforcement(&self) -> Enforcement {
        Enforcement::NONE
    }

    /// Every branch [`CreditPolicy::limit`] can name; reachability goals expect each at
    /// least once across a suite.
    fn branches(&self) -> &'static [&'static str];

    /// Invariants (by name) whose violation is a known property of this policy rather than
    /// a bug: reported as findings, never failures. Default: none.
    fn observed_invariants(&self) -> &'static [&'static str] {
        &[]
    }
}

/// A drawn payment and the named paths the draw took (a bit set over
/// [`Behaviour::paths`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Draw<P> {
    /// The payment drawn.
    pub payment: P,
    /// Bit `i` set: the draw took path `i` of [`Behaviour::paths`].
    pub paths: u32,
}

impl<P> Draw<P> {
    /// A draw that took no special path.
    pub fn plain(payment: P) -> Self {
        Draw { payment, paths: 0 }
    }
}

/// A user behaviour: how a step's payment is drawn.
///
/// Like a policy, an immutable value with its memory owned by the run loop.
pub trait Behaviour<M: Model + ?Sized>: Sync {
    /// What the behaviour carries between steps (`()` when nothing).
    type Memory: Default + fmt::Debug + Send;

    /// Draws the payment of step `cx.t` from `rng`.
    fn draw<R: Rng + ?Sized>(
        &self,
        cx: &Cx<'_, M>,
        rng: &mut R,
        memory: &mut Self::Memory,
    ) -> Draw<M::Payment>;

    /// The names of the paths a draw can report in [`Draw::paths`] (bit `i` = name `i`).
    fn paths(&self) -> &'static [&'static str] {
        &[]
    }

    /// The groups the behaviour sorts `n_members` members into ([`MemberGroups`]), whose
    /// figures the per-run fold then tallies per group (the sweep summary's group
    /// columns); `None` (the default) for a behaviour whose members are all alike.
    fn member_groups(&self, _n_members: usize) -> Option<MemberGroups> {
        None
    }
}

impl<M: Model + ?Sized, P: CreditPolicy<M> + ?Sized> CreditPolicy<M> for &P {
    type Memory = P::Memory;
    fn limit(&self, cx: &Cx<'_, M>, memory: &mut Self::Memory) -> Result<Limit, CreditError> {
        (**self).limit(cx, memory)
    }
    fn enforcement(&self) -> Enforcement {
        (**self).enforcement()
    }
    fn branches(&self) -> &'static [&'static str] {
        (**self).branches()
    }
    fn observed_invariants(&self) -> &'static [&'static str] {
        (**self).observed_invariants()
    }
}

/// A policy with its enforcement replaced (a sweep's `restriction` override).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Enforced<P> {
    /// The policy.
    pub policy: P,
    /// The enforcement used instead of the policy's own.
    pub enforcement: Enforcement,
}

impl<M: Model + ?Sized, P: CreditPolicy<M>> CreditPolicy<M> for Enforced<P> {
    type Memory = P::Memory;
    fn limit(&self, cx: &Cx<'_, M>, memory: &mut Self::Memory) -> Result<Limit, CreditError> {
        self.policy.limit(cx, memory)
    }
    fn enforcement(&self) -> Enforcement {
        self.enforcement
    }
    fn branches(&self) -> &'static [&'static str] {
        self.policy.branches()
    }
    fn observed_invariants(&self) -> &'static [&'static str] {
        self.policy.observed_invariants()
    }
}
