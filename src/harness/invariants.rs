//! The invariant catalog: named laws over a step, a credit rule, or whole runs.
//!
//! An [`Invariant`] is a declaration — a stable snake_case name, a one-sentence statement
//! and a default kind — and the catalog is open: the harness declares the generic ones
//! ([`Invariant::GENERIC`], checked by [`check_generic`] and the run comparisons), which
//! read only a model's ledgers and rows and so hold for any [`Model`]; a model declares its
//! own beside them through its [`super::Laws`] (V1's are [`super::V1Laws`], checked by
//! [`check_step`] against an independent [`Record`]). A report lists the invariants in
//! [`report_order`]. Which invariants a policy only observes is its own declaration, by
//! name ([`crate::model::CreditPolicy::observed_invariants`]).

use std::fmt;
use std::hash::{Hash, Hasher};

use crate::model::{Model, Value, balance_below_previous_limit};
use crate::numeric::{numpy_mean, round_half_even};
use crate::params::ParamError;
use crate::v1::State;

use super::laws::V1Laws;

/// Whether a violation of an invariant fails the suite or is reported as a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvariantKind {
    /// A violation fails the suite (`currents check` exits 1).
    Required,
    /// A violation is a finding: reported with its counterexample, but the suite passes.
    Observed,
}

impl InvariantKind {
    /// `required` or `observed`.
    pub fn name(self) -> &'static str {
        match self {
            InvariantKind::Required => "required",
            InvariantKind::Observed => "observed",
        }
    }
}

/// A named law: what a report lists and what a violation names.
///
/// Two invariants are the same invariant when their names are equal: the name is the key
/// reports, `--invariant` and [`crate::model::CreditPolicy::observed_invariants`] use.
/// Declare a model's own with [`Invariant::required`] or [`Invariant::observed`]:
///
/// ```
/// use currents::harness::{Invariant, InvariantKind};
///
/// const BALANCE_IS_ROUNDED_SUM: Invariant = Invariant::required(
///     "balance_is_rounded_sum",
///     "balance(t) = round_half_even(balance(t-1) + payment(t))",
/// );
/// assert_eq!(BALANCE_IS_ROUNDED_SUM.name(), "balance_is_rounded_sum");
/// assert_eq!(BALANCE_IS_ROUNDED_SUM.kind_under(&[]), InvariantKind::Required);
/// assert_eq!(
///     BALANCE_IS_ROUNDED_SUM.kind_under(&["balance_is_rounded_sum"]),
///     InvariantKind::Observed
/// );
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Invariant {
    name: &'static str,
    description: &'static str,
    kind: InvariantKind,
}

impl Invariant {
    /// An invariant a policy must keep unless it declares it observed. `name` is stable
    /// snake_case (`[a-z][a-z0-9_]*`), `description` the law in one sentence.
    pub const fn required(name: &'static str, description: &'static str) -> Self {
        Invariant {
            name,
            description,
            kind: InvariantKind::Required,
        }
    }

    /// An invariant that is a finding by default: reported with its counterexample, never
    /// failing the suite (a law no policy can make hold, kept to show what breaks it).
    pub const fn observed(name: &'static str, description: &'static str) -> Self {
        Invariant {
            name,
            description,
            kind: InvariantKind::Observed,
        }
    }

    /// The rule and the step return a value for every reachable input (no error).
    pub const STEP_IS_DEFINED: Invariant = Invariant::required(
        "step_is_defined",
        "the credit rule and the step return a value for every reachable input",
    );
    /// credit(t) ≥ 0: every member's limit.
    pub const CREDIT_NON_NEGATIVE: Invariant =
        Invariant::required("credit_non_negative", "credit(t) >= 0");
    /// Every float of every state's row is finite.
    pub const ALL_VALUES_FINITE: Invariant =
        Invariant::required("all_values_finite", "every float of every state is finite");
    /// balance(t) ≥ −credit(t−1): no member ends a step below the previous limit.
    pub const WITHIN_CREDIT_LIMIT: Invariant =
        Invariant::required("within_credit_limit", "balance(t) >= -credit(t-1)");
    /// Running the same (seed, run) twice gives the same trajectory, bit for bit.
    pub const SAME_SEED_SAME_TRAJECTORY: Invariant = Invariant::required(
        "same_seed_same_trajectory",
        "the same (seed, run) gives the same trajectory, bit for bit",
    );
    /// Running the runs on several threads gives the same trajectories as on one.
    pub const THREAD_COUNT_DOES_NOT_CHANGE_OUTPUT: Invariant = Invariant::required(
        "thread_count_does_not_change_output",
        "running the runs on N threads gives the same trajectories as on one",
    );

    /// The invariants every model is checked for, in report order: they read only the
    /// ledgers and rows a [`Model`] gives, the step's errors, and whole runs.
    pub const GENERIC: [Invariant; 6] = [
        Invariant::STEP_IS_DEFINED,
        Invariant::CREDIT_NON_NEGATIVE,
        Invariant::ALL_VALUES_FINITE,
        Invariant::WITHIN_CREDIT_LIMIT,
        Invariant::SAME_SEED_SAME_TRAJECTORY,
        Invariant::THREAD_COUNT_DOES_NOT_CHANGE_OUTPUT,
    ];

    /// The generic invariants [`check_generic`] checks on every step.
    pub const GENERIC_STEP: [Invariant; 3] = [
        Invariant::CREDIT_NON_NEGATIVE,
        Invariant::ALL_VALUES_FINITE,
        Invariant::WITHIN_CREDIT_LIMIT,
    ];

    /// The invariant's stable snake_case name (used in reports and `--invariant`).
    pub fn name(self) -> &'static str {
        self.name
    }

    /// The law, in one sentence.
    pub fn description(self) -> &'static str {
        self.description
    }

    /// The kind a policy gets unless it declares otherwise (as declared:
    /// [`Invariant::required`] or [`Invariant::observed`]).
    pub fn default_kind(self) -> InvariantKind {
        self.kind
    }

    /// The kind under a policy that observes the invariants named in `observed`
    /// ([`crate::model::CreditPolicy::observed_invariants`]): observed when named there,
    /// else [`Invariant::default_kind`].
    pub fn kind_under(self, observed: &[&str]) -> InvariantKind {
        if observed.contains(&self.name) {
            InvariantKind::Observed
        } else {
            self.kind
        }
    }

    /// True when `name` is stable snake_case: `[a-z][a-z0-9_]*`.
    fn is_snake_case(name: &str) -> bool {
        name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    }
}

impl PartialEq for Invariant {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Invariant {}

impl Hash for Invariant {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl AsRef<str> for Invariant {
    fn as_ref(&self) -> &str {
        self.name
    }
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// The list a report gives, in its order: the definedness laws (`step_is_defined`,
/// `credit_non_negative`: every other law assumes them), then the model's own laws
/// (`own`, as its [`super::Laws`] declare them), the generic ledger laws
/// (`all_values_finite`, `within_credit_limit`), the laws of the rule on its own (`rule`:
/// V1's probes), and the run laws (`same_seed_same_trajectory`,
/// `thread_count_does_not_change_output`).
///
/// An error names a declared name that is not snake_case or is declared twice.
pub fn report_order(own: &[Invariant], rule: &[Invariant]) -> Result<Vec<Invariant>, ParamError> {
    let list = ordered(own, rule);
    for (k, inv) in list.iter().enumerate() {
        if !Invariant::is_snake_case(inv.name) {
            return Err(ParamError::new(
                "invariant",
                inv.name,
                "a snake_case name: [a-z][a-z0-9_]*",
            ));
        }
        if list[..k].contains(inv) {
            return Err(ParamError::new(
                "invariant",
                inv.name,
                "a name no other invariant of the report has",
            ));
        }
    }
    Ok(list)
}

/// [`report_order`] without the checks of the names.
pub(crate) fn ordered(own: &[Invariant], rule: &[Invariant]) -> Vec<Invariant> {
    let [defined, non_negative, finite, within, same_seed, threads] = Invariant::GENERIC;
    [defined, non_negative]
        .iter()
        .chain(own)
        .chain(&[finite, within])
        .chain(rule)
        .chain(&[same_seed, threads])
        .copied()
        .collect()
}

/// Values per invariant, keyed by name, in the order of the list they were made from
/// (then any other invariant in the order first seen).
#[derive(Debug, Clone)]
pub(crate) struct ByInvariant<T> {
    entries: Vec<(Invariant, T)>,
}

impl<T: Default> ByInvariant<T> {
    /// A default value for each of `list`.
    pub fn new(list: &[Invariant]) -> Self {
        ByInvariant {
            entries: list.iter().map(|&i| (i, T::default())).collect(),
        }
    }

    /// The value of `invariant`, added (default) at the end when it is not listed.
    pub fn entry(&mut self, invariant: Invariant) -> &mut T {
        let k = match self.entries.iter().position(|(i, _)| *i == invariant) {
            Some(k) => k,
            None => {
                self.entries.push((invariant, T::default()));
                self.entries.len() - 1
            }
        };
        &mut self.entries[k].1
    }
}

impl<T> ByInvariant<T> {
    /// The value of the invariant named `name`, when listed.
    pub fn get(&self, name: &str) -> Option<&T> {
        self.entries
            .iter()
            .find(|(i, _)| i.name == name)
            .map(|(_, v)| v)
    }

    /// Every invariant and its value, in order.
    pub fn iter(&self) -> impl Iterator<Item = (Invariant, &T)> {
        self.entries.iter().map(|(i, v)| (*i, v))
    }

    /// Every value, in order.
    pub fn into_values(self) -> impl Iterator<Item = (Invariant, T)> {
        self.entries.into_iter()
    }
}

/// What an independent record of the history says step t should have produced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expected {
    /// The left-to-right sum of the amounts of steps 1…t.
    pub balance_sum: f64,
    /// The sum of the last K positive transactions of states 0…t−1.
    pub send_volume_window: i64,
    /// numpy's mean of the balances of states 0…t−1.
    pub balance_mean: f64,
    /// numpy's mean of the send volumes of states 0…t−1.
    pub send_volume_mean: f64,
    /// The mean of |balance| over states 0…t−1: the scale of the balance mean's rounding error.
    pub balance_abs_mean: f64,
    /// The mean of |sendVolume| over states 0…t−1.
    pub send_volume_abs_mean: f64,
}

/// Everything a step invariant reads.
#[derive(Debug, Clone, Copy)]
pub struct StepContext<'a> {
    /// The step's timestep (1-based).
    pub t: u64,
    /// The state at t − 1.
    pub prev: &'a State,
    /// The state at t.
    pub next: &'a State,
    /// The unrounded amount applied at t.
    pub amount: f64,
    /// The send-volume window `sumVolume`.
    pub sum_volume: u64,
    /// The independent record's expectations.
    pub expected: &'a Expected,
    /// Relative tolerance of [`V1Laws::AVERAGES_ARE_HISTORY_MEANS`]: a mean may differ
    /// from numpy's by `tolerance · mean(|values|)`. 0 demands bit-exact means.
    pub mean_tolerance: f64,
}

/// Checks one of V1's step invariants; `Err` carries a one-line description of the
/// violation. The generic invariants ([`check_generic`]), rule and run invariants always
/// pass here.
///
/// Comparisons are exact (integers, or doubles computed by the same operations in the same
/// order) except the averages, which use `ctx.mean_tolerance`.
pub fn check_step(invariant: Invariant, ctx: &StepContext<'_>) -> Result<(), String> {
    let (prev, next, e, t) = (ctx.prev, ctx.next, ctx.expected, ctx.t);
    let capacity = |balance: f64, credit: i64, at: u64| {
        let want = round_half_even(balance + credit as f64);
        if want == Some(next.capacity) {
            return Ok(());
        }
        Err(format!(
            "capacity({t}) = {} but round(balance({at}) + credit({at})) = round({balance:?} + {credit}) = {}",
            next.capacity,
            want.map_or("undefined".to_owned(), |w| w.to_string()),
        ))
    };
    if invariant == V1Laws::CAPACITY_IS_PREVIOUS_BALANCE_PLUS_CREDIT {
        capacity(prev.balance, prev.credit, t - 1)
    } else if invariant == V1Laws::CAPACITY_IS_BALANCE_PLUS_CREDIT {
        capacity(next.balance, next.credit, t)
    } else if invariant == V1Laws::TRANSACTION_COUNT_IS_STEP && next.n_transactions != t {
        Err(format!(
            "totalNumTransactions({t}) = {}",
            next.n_transactions
        ))
    } else if invariant == V1Laws::BALANCE_IS_SUM_OF_AMOUNTS && next.balance != e.balance_sum {
        Err(format!(
            "balance({t}) = {:?} but the amounts sum to {:?}",
            next.balance, e.balance_sum
        ))
    } else if invariant == V1Laws::SEND_VOLUME_IS_WINDOW_SUM
        && next.send_volume != e.send_volume_window
    {
        Err(format!(
            "sendVolume({t}) = {} but the last {} positive transactions sum to {}",
            next.send_volume, ctx.sum_volume, e.send_volume_window
        ))
    } else if invariant == V1Laws::AVERAGES_ARE_HISTORY_MEANS {
        let tol = ctx.mean_tolerance;
        let pairs = [
            (
                "avgUserBalance",
                next.balance_mean,
                e.balance_mean,
                e.balance_abs_mean,
            ),
            (
                "avgSendVolume",
                next.send_volume_mean,
                e.send_volume_mean,
                e.send_volume_abs_mean,
            ),
        ];
        for (name, got, want, scale) in pairs {
            // NaN fails both comparisons, so a NaN mean is a violation.
            let ok = if tol == 0.0 {
                got == want
            } else {
                (got - want).abs() <= tol * scale
            };
            if !ok {
                return Err(format!(
                    "{name}({t}) = {got:?} but the mean over states 0..{} is {want:?} (tolerance {tol:e} x {scale:?})",
                    t - 1
                ));
            }
        }
        Ok(())
    } else {
        Ok(())
    }
}

/// Checks one generic invariant on step `t` of any model, from `prev` to `next`; `Err`
/// carries a one-line description of the violation. Other invariants pass here.
///
/// - [`Invariant::CREDIT_NON_NEGATIVE`]: every member's limit at `t` is ≥ 0 (the run loop
///   also refuses a negative limit before the step: the walk reports that as this law);
/// - [`Invariant::ALL_VALUES_FINITE`]: every float of the state's row is finite;
/// - [`Invariant::WITHIN_CREDIT_LIMIT`]: no member's balance(t) is below −limit(t−1)
///   ([`balance_below_previous_limit`]).
pub fn check_generic<M: Model + ?Sized>(
    invariant: Invariant,
    model: &M,
    t: u64,
    prev: &M::State,
    next: &M::State,
) -> Result<(), String> {
    let members = 0..model.n_members();
    let who = |m: usize| {
        if model.n_members() == 1 {
            String::new()
        } else {
            format!(" of member {m}")
        }
    };
    if invariant == Invariant::CREDIT_NON_NEGATIVE {
        for m in members {
            let now = model.ledger(next, m);
            // A NaN limit is a violation too.
            if now.limit < 0.0 || now.limit.is_nan() {
                return Err(format!("credit({t}){} = {} < 0", who(m), now.limit));
            }
        }
    } else if invariant == Invariant::ALL_VALUES_FINITE {
        let mut row = Vec::new();
        model.row(next, &mut row);
        row_is_finite(&row, t, next)?;
    } else if invariant == Invariant::WITHIN_CREDIT_LIMIT {
        for m in members {
            let (before, now) = (model.ledger(prev, m), model.ledger(next, m));
            if balance_below_previous_limit(&before, &now) {
                return Err(format!(
                    "balance({t}){} = {:?} < -credit({}) = -{}",
                    who(m),
                    now.balance,
                    t - 1,
                    before.limit
                ));
            }
        }
    }
    Ok(())
}

/// [`Invariant::ALL_VALUES_FINITE`] on the row `row` of state `t`, `next`.
pub(crate) fn row_is_finite(
    row: &[Value],
    t: u64,
    next: &impl std::fmt::Debug,
) -> Result<(), String> {
    if row
        .iter()
        .any(|v| matches!(v, Value::Float(x) if !x.is_finite()))
    {
        return Err(format!("state {t} has a non-finite value: {next:?}"));
    }
    Ok(())
}

/// An independent record of a trajectory's history, kept from the states themselves (not
/// from the engine's [`crate::v1::History`]), from which [`Expected`] values are computed.
///
/// It stores every state's balance and send volume and recomputes the means with numpy's
/// pairwise summation, O(t) per step: meant for checking, not for speed.
#[derive(Debug, Clone)]
pub struct Record {
    balances: Vec<f64>,
    send_volumes: Vec<f64>,
    positives: Vec<i64>,
    amount_sum: f64,
    sum_volume: usize,
}

impl Record {
    /// A record holding the genesis state, for the send-volume window `sum_volume`.
    pub fn new(genesis: &State, sum_volume: u64) -> Self {
        let mut r = Record {
            balances: Vec::new(),
            send_volumes: Vec::new(),
            positives: Vec::new(),
            amount_sum: 0.0,
            sum_volume: usize::try_from(sum_volume).unwrap_or(usize::MAX),
        };
        r.push_state(genesis);
        r
    }

    fn push_state(&mut self, s: &State) {
        self.balances.push(s.balance);
        self.send_volumes.push(s.send_volume as f64);
        if s.transaction > 0 {
            self.positives.push(s.transaction);
        }
    }

    /// What the next step should produce when `amount` is applied.
    pub fn expected(&self, amount: f64) -> Expected {
        let k = self.sum_volume.min(self.positives.len());
        let window = self.positives[self.positives.len() - k..]
            .iter()
            .fold(0i64, |a, &b| a.saturating_add(b));
        let abs_mean = |v: &[f64]| v.iter().map(|x| x.abs()).sum::<f64>() / v.len() as f64;
        Expected {
            balance_sum: self.amount_sum + amount,
            send_volume_window: window,
            balance_mean: numpy_mean(&self.balances),
            send_volume_mean: numpy_mean(&self.send_volumes),
            balance_abs_mean: abs_mean(&self.balances),
            send_volume_abs_mean: abs_mean(&self.send_volumes),
        }
    }

    /// Records the step that applied `amount` and produced `next`.
    pub fn push(&mut self, next: &State, amount: f64) {
        self.amount_sum += amount;
        self.push_state(next);
    }
}
