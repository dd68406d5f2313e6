//! The catalog of laws: every law a run is checked for, by one name and one definition,
//! read alike by the invariant harness, `compare`, scenario reports and the fuzz targets.
//!
//! An [`Invariant`] is a declaration — a stable snake_case name, the law in one sentence
//! and a default kind — and the catalog is open: the generic laws here read only what every
//! [`Model`] gives (its ledgers, its rows, the step's errors, whole runs), and a model
//! declares its own beside them (the harness's `Laws`). Which laws a credit policy only
//! observes is its own declaration, by name
//! ([`crate::model::CreditPolicy::observed_invariants`]).
//!
//! "Over the limit" is two laws, not one:
//!
//! - [`Invariant::PAYMENT_WITHIN_LIMIT`], the **payment law**: no payment takes a member's
//!   balance down to below the limit that held when it was made
//!   ([`crate::model::payment_breaks_limit`]). It is what enforcement promises; a model
//!   that does not hold members to their limit (V1) breaks it.
//! - [`Invariant::BALANCE_WITHIN_LIMIT`], the **state law**: no member's balance is below
//!   its own state's limit (`crate::model::balance_below_limit`). A rule that lowers a
//!   limit under an existing debt breaks it with no payment involved; that is a property of
//!   the rule, so the law is observed by default: a finding, never a failure.

use std::fmt;
use std::hash::{Hash, Hasher};

use crate::model::{
    Model, StepError, StepEvent, TOUCHED_MAX, Value, balance_below_limit, payment_breaks_limit,
    step_changes_whole_state, touched_by,
};
use crate::params::ParamError;

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
/// use currents::catalog::{Invariant, InvariantKind};
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
    /// failing the suite (a law no policy can make hold, or a property of a rule rather
    /// than a bug, kept to show what breaks it).
    pub const fn observed(name: &'static str, description: &'static str) -> Self {
        Invariant {
            name,
            description,
            kind: InvariantKind::Observed,
        }
    }

    /// The rule and the step return a value for every reachable input (no error): every
    /// run takes all its steps.
    pub const STEP_IS_DEFINED: Invariant = Invariant::required(
        "step_is_defined",
        "the credit rule and the step return a value for every reachable input",
    );
    /// credit(t) ≥ 0: every member's limit.
    pub const CREDIT_NON_NEGATIVE: Invariant =
        Invariant::required("credit_non_negative", "credit(t) >= 0");
    /// Every float of every state's row is finite (read as [`StepCells`] reads a run: the
    /// genesis row whole, then what each step can have changed).
    pub const ALL_VALUES_FINITE: Invariant =
        Invariant::required("all_values_finite", "every float of every state is finite");
    /// The payment law: no payment takes a balance below the limit that held when it was
    /// made ([`crate::model::payment_breaks_limit`]).
    pub const PAYMENT_WITHIN_LIMIT: Invariant = Invariant::required(
        "payment_within_limit",
        "no payment takes a balance down to below -credit(t-1), the limit that held when it was made",
    );
    /// The state law: no balance is below its own state's limit
    /// (`crate::model::balance_below_limit`); observed by default (a rule that lowers a
    /// limit under a debt breaks it with no payment).
    pub const BALANCE_WITHIN_LIMIT: Invariant = Invariant::observed(
        "balance_within_limit",
        "balance(t) >= -credit(t): no balance is below its own state's limit",
    );
    /// Balances sum to zero after every step: every unit one member owes, another holds —
    /// or, once credit is written off ([`Model::written_off`]: a network's members who left
    /// in debt), the balances sum to the credit written off (a law of models whose members
    /// pay each other; `transfer_conserves`).
    pub const BALANCES_SUM_TO_ZERO: Invariant = Invariant::required(
        "balances_sum_to_zero",
        "after every step the members' balances sum to the credit written off: zero while no member has left in debt",
    );
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
    pub(crate) const GENERIC: [Invariant; 7] = [
        Invariant::STEP_IS_DEFINED,
        Invariant::CREDIT_NON_NEGATIVE,
        Invariant::ALL_VALUES_FINITE,
        Invariant::PAYMENT_WITHIN_LIMIT,
        Invariant::BALANCE_WITHIN_LIMIT,
        Invariant::SAME_SEED_SAME_TRAJECTORY,
        Invariant::THREAD_COUNT_DOES_NOT_CHANGE_OUTPUT,
    ];

    /// The invariant's stable snake_case name (used in reports and `--invariant`).
    pub fn name(self) -> &'static str {
        self.name
    }

    /// The law, in one sentence.
    pub fn description(self) -> &'static str {
        self.description
    }

    /// The kind under a policy that observes the invariants named in `observed`
    /// ([`crate::model::CreditPolicy::observed_invariants`]): observed when named there,
    /// else the kind it is declared with ([`Invariant::required`] or [`Invariant::observed`]).
    pub fn kind_under(self, observed: &[&str]) -> InvariantKind {
        if observed.contains(&self.name) {
            InvariantKind::Observed
        } else {
            self.kind
        }
    }

    /// True when `name` is stable snake_case: `[a-z][a-z0-9_]*`.
    pub fn is_snake_case(name: &str) -> bool {
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
/// (`own`, as the model declares them), the generic ledger laws (`all_values_finite`,
/// `payment_within_limit`, `balance_within_limit`), the laws of the rule on its own
/// (`rule`: V1's probes), and the run laws (`same_seed_same_trajectory`,
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
pub fn ordered(own: &[Invariant], rule: &[Invariant]) -> Vec<Invariant> {
    let [
        defined,
        non_negative,
        finite,
        payment,
        balance,
        same_seed,
        threads,
    ] = Invariant::GENERIC;
    [defined, non_negative]
        .iter()
        .chain(own)
        .chain(&[finite, payment, balance])
        .chain(rule)
        .chain(&[same_seed, threads])
        .copied()
        .collect()
}

/// The law a failed step breaks: a negative or non-finite limit (which the run loop
/// refuses) breaks [`Invariant::CREDIT_NON_NEGATIVE`], any other error
/// [`Invariant::STEP_IS_DEFINED`].
pub(crate) fn law_of_failure(error: &StepError) -> Invariant {
    match error {
        StepError::BadLimit { .. } => Invariant::CREDIT_NON_NEGATIVE,
        _ => Invariant::STEP_IS_DEFINED,
    }
}

/// What the generic step laws and a run's digest read of a run's states: the one reader.
///
/// It reads the genesis state's whole row ([`Model::row`]), then at each step the cells the
/// step can have changed: the whole row of a model whose step may change its whole state
/// (a one-member model), else the cells of the members the step touched and the model's
/// cells that are no member's ([`Model::touched_row`]) — every other member is as it was,
/// the [`Model`] contract the per-run fold reads by too — so that a step is read in O(1)
/// whatever the number of members. From a state with a non-finite float on — the genesis
/// state, or the first step whose cells hold one — every step's whole row is read, so that
/// [`Invariant::ALL_VALUES_FINITE`] breaks at exactly the steps it breaks at when every
/// row is read: before that state every cell the reader skips is finite.
///
/// Opaque: a workflow keeps one for a run, hands it the genesis state
/// ([`crate::workbench::StateView::read_genesis`]) and then each step
/// ([`crate::workbench::StepView::check_laws`]). One that never saw a genesis state reads
/// every step's whole row.
#[derive(Debug, Clone)]
pub struct StepCells {
    /// The cells read last.
    cells: Vec<Value>,
    /// The members the last step touched, when only theirs were read (`n_ids` of them).
    ids: [usize; TOUCHED_MAX],
    n_ids: usize,
    /// True when every step's whole row is read.
    whole: bool,
}

impl Default for StepCells {
    /// A reader that has seen no genesis state: it reads every step's whole row.
    fn default() -> Self {
        StepCells {
            cells: Vec::new(),
            ids: [0; TOUCHED_MAX],
            n_ids: 0,
            whole: true,
        }
    }
}

/// True when some float of `cells` is not finite.
fn has_non_finite(cells: &[Value]) -> bool {
    cells
        .iter()
        .any(|v| matches!(v, Value::Float(x) if !x.is_finite()))
}

impl StepCells {
    /// Reads the genesis state's whole row (O(members), once a run).
    pub(crate) fn read_genesis<M: Model + ?Sized>(&mut self, model: &M, state: &M::State) {
        self.cells.clear();
        model.row(state, &mut self.cells);
        self.n_ids = 0;
        self.whole = step_changes_whole_state(model) || has_non_finite(&self.cells);
    }

    /// Reads the cells step `e` can have changed (see [`StepCells`]).
    #[inline]
    pub(crate) fn read_step<M: Model + ?Sized>(&mut self, model: &M, e: &StepEvent<'_, M>) {
        self.cells.clear();
        if self.whole {
            self.n_ids = 0;
            model.row(e.next, &mut self.cells);
        } else {
            self.n_ids = touched_by(model, &e.limits, &e.applied, &mut self.ids);
            model.touched_row(e.next, &self.ids[..self.n_ids], &mut self.cells);
            // A non-finite value may stay in a member the next steps do not touch.
            self.whole = has_non_finite(&self.cells);
        }
    }

    /// The cells read last: a whole row, or the cells of [`StepCells::touched`] and those
    /// no member owns.
    pub(crate) fn cells(&self) -> &[Value] {
        &self.cells
    }

    /// The members whose cells the last step's read holds, in order; empty when it read a
    /// whole row (what a run's digest reads: the harness's).
    #[cfg_attr(not(feature = "harness"), allow(dead_code))]
    pub(crate) fn touched(&self) -> &[usize] {
        &self.ids[..self.n_ids]
    }
}

/// Checks the generic step laws ([`Invariant::CREDIT_NON_NEGATIVE`],
/// [`Invariant::ALL_VALUES_FINITE`], [`Invariant::PAYMENT_WITHIN_LIMIT`],
/// [`Invariant::BALANCE_WITHIN_LIMIT`]) on one step of any model,
/// calling `violate(law, detail)` with a one-line description for each law it breaks.
/// `cells` (which read the run's genesis state) reads the step first ([`StepCells`]: the
/// cells it can have changed, O(1) a step for a model of several members). The ledger laws
/// read the members the step's payment involves (the members whose limits it set): every
/// other member's ledger is as it was.
///
/// - [`Invariant::CREDIT_NON_NEGATIVE`]: every such member's stored limit at `t` is ≥ 0
///   (the run loop also refuses a negative limit before the step: see
///   `law_of_failure`);
/// - [`Invariant::ALL_VALUES_FINITE`]: every float of the state's row is finite (of the
///   cells the step can have changed, the rest read finite at genesis);
/// - [`Invariant::PAYMENT_WITHIN_LIMIT`]: no such member's balance went down to below
///   −limit(t−1);
/// - [`Invariant::BALANCE_WITHIN_LIMIT`]: no such member's balance(t) is below −limit(t).
///
/// Every comparison is exact: both sides are values the model stores.
pub(crate) fn check_step<M: Model + ?Sized>(
    model: &M,
    e: &StepEvent<'_, M>,
    cells: &mut StepCells,
    violate: &mut dyn FnMut(Invariant, String),
) {
    cells.read_step(model, e);
    let t = e.t;
    let who = |m: usize| {
        if model.n_members() == 1 {
            String::new()
        } else {
            format!(" of member {m}")
        }
    };
    let members = e.limits.members();
    let members = members.as_slice();
    if let Some(&m) = members.iter().find(|&&m| {
        let limit = model.ledger(e.next, m).limit;
        // A NaN limit is a violation too.
        limit < 0.0 || limit.is_nan()
    }) {
        let limit = model.ledger(e.next, m).limit;
        violate(
            Invariant::CREDIT_NON_NEGATIVE,
            format!("credit({t}){} = {limit} < 0", who(m)),
        );
    }
    if has_non_finite(cells.cells()) {
        violate(
            Invariant::ALL_VALUES_FINITE,
            format!("state {t} has a non-finite value: {:?}", e.next),
        );
    }
    let ledgers = |m: usize| (m, model.ledger(e.prev, m), model.ledger(e.next, m));
    if let Some((m, before, now)) = members
        .iter()
        .map(|&m| ledgers(m))
        .find(|(_, before, now)| payment_breaks_limit(before, now))
    {
        violate(
            Invariant::PAYMENT_WITHIN_LIMIT,
            format!(
                "balance({t}){} = {:?} < -credit({}) = -{} (from {:?})",
                who(m),
                now.balance,
                t - 1,
                before.limit,
                before.balance
            ),
        );
    }
    if let Some((m, _, now)) = members
        .iter()
        .map(|&m| ledgers(m))
        .find(|(_, _, now)| balance_below_limit(now))
    {
        violate(
            Invariant::BALANCE_WITHIN_LIMIT,
            format!(
                "balance({t}){} = {:?} < -credit({t}) = -{}",
                who(m),
                now.balance,
                now.limit
            ),
        );
    }
}

/// [`Invariant::BALANCES_SUM_TO_ZERO`] on one step: the step changed the members'
/// balances by amounts that sum to the change of the credit written off
/// ([`Model::written_off`]) exactly — to zero when nothing is written off: what one member
/// pays, the other receives; the members a payment does not involve keep their balances;
/// a debt written off leaves its member's balance and enters the written-off credit. With
/// balances summing to the written-off credit at genesis ([`balances_sum`]), they do after
/// every step. Exact: balances and written-off credit are whole units (below 2^53).
pub(crate) fn transfer_conserves<M: Model + ?Sized>(
    model: &M,
    e: &StepEvent<'_, M>,
) -> Result<(), String> {
    let change: f64 = e
        .limits
        .members()
        .as_slice()
        .iter()
        .map(|&m| model.ledger(e.next, m).balance - model.ledger(e.prev, m).balance)
        .sum();
    let written_off = model.written_off(e.next) - model.written_off(e.prev);
    if change - written_off == 0.0 {
        Ok(())
    } else if written_off == 0.0 {
        Err(format!(
            "step {}: the balances changed by {change} in all (payment {:?})",
            e.t, e.applied
        ))
    } else {
        Err(format!(
            "step {}: the balances changed by {change} in all, the credit written off by {written_off} (payment {:?})",
            e.t, e.applied
        ))
    }
}

/// The sum of every member's balance in `state` (O(members): for the genesis state and
/// reports, not per step).
pub fn balances_sum<M: Model + ?Sized>(model: &M, state: &M::State) -> f64 {
    (0..model.n_members())
        .map(|m| model.ledger(state, m).balance)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Draw, Enforcement, Ledger, Limit, Members, StepLimits};

    /// Three members with float balances (one may be NaN): a member pays another `amount`
    /// (the payer gives at most 1: the conservation of units is not what is tested here).
    /// Its row is the three balances, then the step's amount; `touched_row` writes the
    /// members given, then the amount.
    struct Floats;

    #[derive(Debug, Clone, PartialEq)]
    struct S {
        balances: [f64; 3],
        amount: f64,
    }

    impl Model for Floats {
        type State = S;
        type History = ();
        type Payment = (usize, usize, f64);
        fn name(&self) -> &'static str {
            "floats"
        }
        fn columns(&self) -> Vec<String> {
            ["b0", "b1", "b2", "amount"].map(String::from).to_vec()
        }
        fn genesis(&self) -> S {
            S {
                balances: [0.0, 0.0, f64::NAN],
                amount: 0.0,
            }
        }
        fn history(&self, _: &S, _: u64) {}
        fn record(&self, _: &mut (), _: &S) {}
        fn enforce(
            &self,
            _: &Enforcement,
            _: &S,
            _: &(),
            p: Self::Payment,
        ) -> Result<Self::Payment, StepError> {
            Ok(p)
        }
        fn step(&self, prev: &S, _: &(), _: &StepLimits, p: Self::Payment) -> Result<S, StepError> {
            let mut next = prev.clone();
            // A NaN amount reaches the payee only (`f64::min` ignores a NaN).
            next.balances[p.0] -= p.2.abs().min(1.0);
            next.balances[p.1] += p.2;
            next.amount = p.2;
            Ok(next)
        }
        fn n_members(&self) -> usize {
            3
        }
        fn members(&self, p: &Self::Payment) -> Members {
            Members::pair(p.0, p.1)
        }
        fn ledger(&self, s: &S, m: usize) -> Ledger {
            Ledger {
                balance: s.balances[m],
                limit: 1.0,
                capacity: s.balances[m] + 1.0,
                payment: 0.0,
            }
        }
        fn row(&self, s: &S, out: &mut Vec<Value>) {
            out.extend(s.balances.map(Value::Float));
            out.push(Value::Float(s.amount));
        }
        fn touched_row(&self, s: &S, members: &[usize], out: &mut Vec<Value>) {
            out.extend(members.iter().map(|&m| Value::Float(s.balances[m])));
            out.push(Value::Float(s.amount));
        }
    }

    /// The steps of `payments` from `genesis`, each with `all_values_finite`'s verdict as
    /// `StepCells` reads the run and as a whole row reads it.
    fn verdicts(genesis: S, payments: &[(usize, usize, f64)]) -> Vec<(bool, bool)> {
        let model = Floats;
        let mut cells = StepCells::default();
        cells.read_genesis(&model, &genesis);
        let mut prev = genesis;
        let mut out = Vec::new();
        for (k, &p) in payments.iter().enumerate() {
            let limit = Limit {
                value: 1.0,
                branch: "b",
            };
            let limits =
                StepLimits::try_from_fn(model.members(&p), |_| Ok::<_, ()>(limit)).expect("limits");
            let next = model.step(&prev, &(), &limits, p).expect("step");
            let e = StepEvent {
                t: k as u64 + 1,
                prev: &prev,
                next: &next,
                limits,
                drawn: Draw::plain(p),
                applied: p,
            };
            let mut read = false;
            check_step(&model, &e, &mut cells, &mut |law, _| {
                read |= law == Invariant::ALL_VALUES_FINITE
            });
            let mut row = Vec::new();
            model.row(&next, &mut row);
            out.push((read, has_non_finite(&row)));
            prev = next;
        }
        out
    }

    /// `all_values_finite` read through `StepCells` (the genesis row whole, then the cells
    /// a step can have changed) gives every step the verdict a whole row gives: with a NaN
    /// in an untouched member since genesis, and with a NaN a step writes into a member
    /// the next step does not touch.
    #[test]
    fn the_finiteness_law_read_by_touched_cells_agrees_with_whole_rows() {
        let pays = [(0, 1, 1.0), (1, 0, 2.0), (2, 0, 1.0), (0, 1, 1.0)];
        let nan_at_genesis = verdicts(Floats.genesis(), &pays);
        assert!(nan_at_genesis.iter().all(|&(read, whole)| read == whole));
        assert!(
            nan_at_genesis.iter().all(|&(read, _)| read),
            "{nan_at_genesis:?}"
        );
        let finite = S {
            balances: [0.0; 3],
            amount: 0.0,
        };
        let nan_paid = verdicts(finite, &[(0, 1, 1.0), (1, 2, f64::NAN), (0, 1, 1.0)]);
        assert_eq!(nan_paid, [(false, false), (true, true), (true, true)]);
    }
}
