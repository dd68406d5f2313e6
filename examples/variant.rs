//! A later version of the CURRENTS model, written as a user would: a second [`Model`] with
//! its own credit rule and user, run by the library's one run loop.
//!
//! `cargo run --release --example variant` prints a short summary of seeded runs;
//! `cargo test --release --example variant` checks the variant's laws (directly and
//! through the invariant harness, with its own invariants and tapes) and a snapshot.
//!
//! # The variant's semantics
//!
//! State (one user; columns `balance, avgBalance, creditLimit, capacity, sendVolumeOut,
//! avgSendVolumeOut, payment, nTransactions`), genesis all 0 but `creditLimit = −500`,
//! `capacity = 500`. Step t = 1…T, `prev` the state at t − 1:
//!
//! 1. Draw (from the run's generator, in this order): received = `randint(0, 2) == 1`;
//!    `a = avg_amount · (U + 0.5)`; `y = U`, if `y < 0.1` (path `large`):
//!    `a *= uniform(2, 5)`; for a sent payment only, `y = U`, if `y > integrity` (path
//!    `integrity`): `a *= uniform(1, 1/integrity)`; for a sent payment with `clamp` on,
//!    `a = min(a, max(prev.capacity, 0))` (path `clamped`: nothing is sent past the
//!    capacity stored in the previous state, which may be negative). The payment is `±a`.
//! 2. Limit: the rule returns a magnitude `L`; `creditLimit = −round_half_even(L)` (signed,
//!    ≤ 0).
//! 3. `balance = round_half_even(prev.balance + payment)` (an integer every step);
//!    `payment` (column) `= balance − prev.balance`, the amount booked.
//! 4. `capacity = balance − creditLimit`.
//! 5. `sendVolumeOut` = the sum of the last K booked *outgoing* payments up to and
//!    including this one, as a positive number (K = `window`, default 10).
//! 6. `avgBalance`, `avgSendVolumeOut` = the means of `balance`, `sendVolumeOut` over the
//!    states 0…t (this one included). They are O(1) running sums of integers divided by
//!    the count: exact below 2^53, hence bit-identical to `numpy.mean` of the series.
//!
//! The rule ([`VariantRule`]) reads the one-step slope of the average balance kept in the
//! model's history, `slope(t) = avgBalance(t−1) − avgBalance(t−2)` (0 before two states),
//! smooths it, `ŝ(t) = ŝ(t−1) + α·(slope(t) − ŝ(t−1))` with `ŝ(0) = 0`, and moves its
//! own last limit by it: `L(t) = clamp(L(t−1) + gain·ŝ(t), limit_min, limit_max)`. For the
//! first `warmup` transactions the limit stays at the initial magnitude (`ŝ` is still
//! updated, so it is warm when the warm-up ends). A rising average balance earns credit; a
//! falling one costs it.

use std::collections::VecDeque;
use std::convert::Infallible;

use currents::catalog::Invariant;
use currents::draws;
use currents::draws::RngKind;
use currents::harness::{CellArgs, Laws, ReplayInput, Tapes};
use currents::metrics::Metered;
use currents::model::{
    Behaviour, CreditError, CreditPolicy, Cx, Draw, Enforcement, Flow, Ledger, Limit, Model,
    Observer, Plan, StepError, StepEvent, StepLimits, Streams, Value, payment_breaks_limit, to_int,
};
use currents::numeric::round_half_even;
use currents::params::ParamSpec;
use currents::rules::Rule;
use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use rand_core::Rng;

/// The variant's model: the outgoing-volume window K and the genesis `creditLimit` (≤ 0).
#[derive(Debug, Clone, Copy)]
pub struct VariantModel {
    window: usize,
    credit_limit: i64,
}

/// The model with window `window` (≥ 1) and genesis limit `credit_limit` (≤ 0).
pub fn variant_model(window: usize, credit_limit: i64) -> VariantModel {
    assert!(
        window >= 1 && credit_limit <= 0,
        "window >= 1, credit_limit <= 0"
    );
    VariantModel {
        window,
        credit_limit,
    }
}

/// One state of the variant, in column order.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct VariantState {
    pub balance: i64,
    pub avg_balance: f64,
    pub credit_limit: i64,
    pub capacity: i64,
    pub send_volume_out: i64,
    pub avg_send_volume_out: f64,
    pub payment: i64,
    pub n_transactions: u64,
}

/// What the variant keeps of the states so far: running sums, the last K outgoing
/// payments and the series of `avgBalance` (which the rule reads).
#[derive(Debug, Clone, Default)]
pub struct VariantHistory {
    n_states: i64,
    balance_sum: i64,
    volume_sum: i64,
    outgoing: VecDeque<i64>,
    avg_balance: Vec<f64>,
}

impl VariantHistory {
    /// `avgBalance(t−1) − avgBalance(t−2)` for a history of the states 0…t−1.
    pub fn avg_balance_slope(&self) -> f64 {
        match self.avg_balance[..] {
            [.., a, b] => b - a,
            _ => 0.0,
        }
    }
}

impl Model for VariantModel {
    type State = VariantState;
    type History = VariantHistory;
    type Payment = f64;

    fn name(&self) -> &'static str {
        "variant"
    }

    fn columns(&self) -> Vec<String> {
        [
            "balance",
            "avgBalance",
            "creditLimit",
            "capacity",
            "sendVolumeOut",
            "avgSendVolumeOut",
            "payment",
            "nTransactions",
        ]
        .map(String::from)
        .to_vec()
    }

    fn genesis(&self) -> VariantState {
        VariantState {
            credit_limit: self.credit_limit,
            capacity: -self.credit_limit,
            ..VariantState::default()
        }
    }

    fn history(&self, genesis: &VariantState, _n_steps: u64) -> VariantHistory {
        let mut h = VariantHistory::default();
        self.record(&mut h, genesis);
        h
    }

    fn record(&self, h: &mut VariantHistory, next: &VariantState) {
        h.n_states += 1;
        h.balance_sum += next.balance;
        h.volume_sum += next.send_volume_out;
        h.avg_balance.push(next.avg_balance);
        if next.payment < 0 {
            if h.outgoing.len() == self.window {
                h.outgoing.pop_front();
            }
            h.outgoing.push_back(-next.payment);
        }
    }

    /// Both capacities are the stored one: `balance(t−1) − creditLimit(t−1)`.
    fn enforce(
        &self,
        enforcement: &Enforcement,
        prev: &VariantState,
        _: &VariantHistory,
        amount: f64,
    ) -> Result<f64, StepError> {
        Ok(enforcement.apply(amount, prev.capacity as f64, prev.balance as f64))
    }

    fn step(
        &self,
        prev: &VariantState,
        h: &VariantHistory,
        limits: &StepLimits,
        amount: f64,
    ) -> Result<VariantState, StepError> {
        let balance = to_int("balance", prev.balance as f64 + amount)?;
        let credit_limit = -to_int("creditLimit", limits.first().value)?;
        let payment = balance - prev.balance;
        let out = (-payment).max(0);
        // This payment, if outgoing, pushes the oldest of the last K out of the window.
        let kept = self.window - usize::from(out > 0);
        let send_volume_out = out + h.outgoing.iter().rev().take(kept).sum::<i64>();
        let n = (h.n_states + 1) as f64;
        Ok(VariantState {
            balance,
            avg_balance: (h.balance_sum + balance) as f64 / n,
            credit_limit,
            capacity: balance - credit_limit,
            send_volume_out,
            avg_send_volume_out: (h.volume_sum + send_volume_out) as f64 / n,
            payment,
            n_transactions: prev.n_transactions + 1,
        })
    }

    fn ledger(&self, s: &VariantState, _member: usize) -> Ledger {
        Ledger {
            balance: s.balance as f64,
            limit: -s.credit_limit as f64,
            capacity: s.capacity as f64,
            payment: s.payment as f64,
        }
    }

    fn row(&self, s: &VariantState, out: &mut Vec<Value>) {
        out.extend([
            Value::Int(s.balance),
            Value::Float(s.avg_balance),
            Value::Int(s.credit_limit),
            Value::Int(s.capacity),
            Value::Int(s.send_volume_out),
            Value::Float(s.avg_send_volume_out),
            Value::Int(s.payment),
            Value::Count(s.n_transactions),
        ]);
    }
}

/// The variant's rule: the last limit moved by the smoothed slope of the average balance,
/// clamped to `[limit_min, limit_max]`, after a warm-up (see the top of this file).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VariantRule {
    pub warmup: u64,
    pub alpha: f64,
    pub gain: f64,
    pub limit_min: f64,
    pub limit_max: f64,
}

/// [`VariantRule`]'s memory: the smoothed slope and the last (unrounded) limit.
#[derive(Debug, Default)]
pub struct SlopeMemory {
    slope: f64,
    limit: Option<f64>,
}

const fn spec(
    name: &'static str,
    default: f64,
    max: f64,
    integer: bool,
    doc: &'static str,
) -> ParamSpec {
    ParamSpec {
        name,
        default,
        min: 0.0,
        max,
        integer,
        doc,
    }
}

impl Rule for VariantRule {
    const NAME: &'static str = "variant-slope";
    const SUMMARY: &'static str =
        "last limit moved by the smoothed slope of the average balance, clamped, after a warm-up";
    const PARAMS: &'static [ParamSpec] = &[
        spec(
            "warmup",
            10.0,
            1e6,
            true,
            "transactions before the limit moves",
        ),
        spec("alpha", 0.2, 1.0, false, "smoothing of the slope per step"),
        spec(
            "gain",
            2.0,
            1e3,
            false,
            "limit change per unit of smoothed slope",
        ),
        // Whole bounds, so that the model's rounding keeps the stored limit within them.
        spec(
            "limit-min",
            100.0,
            1e9,
            true,
            "the lowest limit magnitude after warm-up",
        ),
        spec(
            "limit-max",
            1000.0,
            1e9,
            true,
            "the highest limit magnitude after warm-up",
        ),
    ];

    fn from_values(v: &[f64]) -> Self {
        VariantRule {
            warmup: v[0] as u64,
            alpha: v[1],
            gain: v[2],
            limit_min: v[3],
            // A maximum below the minimum means the minimum (`f64::clamp` would panic).
            limit_max: v[4].max(v[3]),
        }
    }
}

impl Default for VariantRule {
    fn default() -> Self {
        VariantRule::from_values(&currents::params::defaults(Self::PARAMS))
    }
}

impl CreditPolicy<VariantModel> for VariantRule {
    type Memory = SlopeMemory;

    fn limit(&self, cx: &Cx<'_, VariantModel>, m: &mut SlopeMemory) -> Result<Limit, CreditError> {
        let slope = cx.history.avg_balance_slope();
        if !slope.is_finite() {
            return Err(CreditError::NonFinite {
                field: "avgBalance slope",
                value: slope,
            });
        }
        m.slope += self.alpha * (slope - m.slope);
        let last = *m.limit.get_or_insert(cx.ledger().limit);
        if cx.prev.n_transactions < self.warmup {
            return Ok(Limit {
                value: last,
                branch: "warm-up",
            });
        }
        let target = last + self.gain * m.slope;
        let value = target.clamp(self.limit_min, self.limit_max);
        m.limit = Some(value);
        let branch = match value {
            v if v > target => "limit-min",
            v if v < target => "limit-max",
            _ => "slope",
        };
        Ok(Limit { value, branch })
    }

    fn branches(&self) -> &'static [&'static str] {
        &["warm-up", "slope", "limit-min", "limit-max"]
    }
}

/// The variant's user (see the draw at the top of this file). `integrity` is in (0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VariantUser {
    pub avg_amount: f64,
    pub integrity: f64,
    pub clamp: bool,
}

/// A user drawing amounts around `avg_amount` with `integrity`, clamped or not.
pub fn variant_user(avg_amount: f64, integrity: f64, clamp: bool) -> VariantUser {
    assert!(integrity > 0.0 && integrity <= 1.0, "integrity in (0, 1]");
    VariantUser {
        avg_amount,
        integrity,
        clamp,
    }
}

impl Behaviour<VariantModel> for VariantUser {
    type Memory = ();

    fn draw<R: Rng + ?Sized>(
        &self,
        cx: &Cx<'_, VariantModel>,
        rng: &mut R,
        _: &mut (),
    ) -> Draw<f64> {
        let received = draws::randint01(rng) == 1;
        let mut a = self.avg_amount * (draws::uniform01(rng) + 0.5);
        let mut paths = 0;
        if draws::uniform01(rng) < 0.1 {
            a *= draws::uniform(rng, 2.0, 5.0);
            paths |= 1;
        }
        if !received && draws::uniform01(rng) > self.integrity {
            a *= draws::uniform(rng, 1.0, 1.0 / self.integrity);
            paths |= 2;
        }
        let capacity = cx.prev.capacity.max(0) as f64;
        if !received && self.clamp && a > capacity {
            a = capacity;
            paths |= 4;
        }
        let payment = if received { a } else { -a };
        Draw { payment, paths }
    }

    fn paths(&self) -> &'static [&'static str] {
        &["large", "integrity", "clamped"]
    }
}

/// Collects every state with the payment applied to reach it (0 for genesis).
#[derive(Default)]
pub struct Collect(pub Vec<(VariantState, f64)>);

impl Observer<VariantModel> for Collect {
    type Error = Infallible;
    fn genesis(&mut self, s: &VariantState) -> Result<(), Infallible> {
        self.0.push((*s, 0.0));
        Ok(())
    }
    fn step(&mut self, e: &StepEvent<'_, VariantModel>) -> Result<Flow, Infallible> {
        self.0.push((*e.next, e.applied));
        Ok(Flow::Continue)
    }
}

/// Run `run` of seed `seed` (ChaCha) with `policy` and `user` on the default model.
pub fn trajectory<P: CreditPolicy<VariantModel>>(
    policy: &P,
    user: &VariantUser,
    seed: u64,
    run: u64,
    n_steps: u64,
) -> Vec<(VariantState, f64)> {
    let mut out = Collect::default();
    let model = variant_model(10, -500);
    match Streams::new(RngKind::Chacha, seed).run(run, &model, policy, user, n_steps, &mut out) {
        Ok(()) => out.0,
        Err(e) => panic!("seed {seed} run {run}: {e}"),
    }
}

// -- the variant through the generic workflows: its own laws and tapes for the invariant
// harness, metrics for sweeps and compare (the tests below run each)

/// The variant's own invariants (steps 3–5 at the top of this file).
const VARIANT_LAWS: [Invariant; 4] = [
    Invariant::required(
        "balance_is_rounded_sum",
        "balance(t) = round_half_even(balance(t-1) + payment(t))",
    ),
    Invariant::required("credit_limit_is_non_positive", "creditLimit(t) <= 0"),
    Invariant::required(
        "capacity_is_balance_minus_credit_limit",
        "capacity(t) = balance(t) - creditLimit(t)",
    ),
    Invariant::required(
        "send_volume_out_is_window_sum",
        "sendVolumeOut(t) = the sum of the last K booked outgoing payments of steps 1..t",
    ),
];

/// The variant's laws, checked beside the generic ones against a record of every
/// outgoing payment booked so far.
pub struct VariantLaws;

impl Laws<VariantModel> for VariantLaws {
    type Record = Vec<i64>;

    fn invariants(&self) -> &[Invariant] {
        &VARIANT_LAWS
    }

    fn record(&self, _: &VariantModel, _: &VariantState) -> Vec<i64> {
        Vec::new()
    }

    fn check(
        &self,
        model: &VariantModel,
        outgoing: &mut Vec<i64>,
        e: &StepEvent<'_, VariantModel>,
        violate: &mut dyn FnMut(Invariant, String),
    ) {
        let (p, n) = (e.prev, e.next);
        if n.payment < 0 {
            outgoing.push(-n.payment);
        }
        let window: i64 = outgoing.iter().rev().take(model.window).sum();
        // In the order of VARIANT_LAWS.
        let holds = [
            round_half_even(p.balance as f64 + e.applied) == Some(n.balance),
            n.credit_limit <= 0,
            n.capacity == n.balance - n.credit_limit,
            n.send_volume_out == window,
        ];
        for (law, _) in VARIANT_LAWS.into_iter().zip(holds).filter(|(_, ok)| !ok) {
            violate(
                law,
                format!("step {}: {p:?} + {:?} -> {n:?}", e.t, e.applied),
            );
        }
    }
}

/// A tape of payments is a behaviour (nothing clamped): step t pays entry t − 1, then 0.
impl Behaviour<VariantModel> for Vec<f64> {
    type Memory = ();
    fn draw<R: Rng + ?Sized>(&self, cx: &Cx<'_, VariantModel>, _: &mut R, _: &mut ()) -> Draw<f64> {
        Draw::plain(self.get(cx.t as usize - 1).copied().unwrap_or(0.0))
    }
}

/// Tapes on the default model (window 10, limit −500): payments in half units (whole
/// amounts and rounding ties), shrunk by proptest toward fewer and smaller ones.
pub struct VariantTapes;

impl Tapes<VariantModel> for VariantTapes {
    type Case = Vec<f64>;
    type Tape = Vec<f64>;

    fn strategy(&self, len_max: usize) -> BoxedStrategy<Vec<f64>> {
        let half_units = (-4000i32..=4000).prop_map(|h| f64::from(h) / 2.0);
        proptest::collection::vec(half_units, 0..=len_max).boxed()
    }
    fn model(&self, _: &Vec<f64>) -> VariantModel {
        variant_model(10, -500)
    }
    fn tape(&self, case: &Vec<f64>) -> Vec<f64> {
        case.clone()
    }
    fn len(&self, case: &Vec<f64>) -> u64 {
        case.len() as u64
    }
    fn counterexample(&self, _: &Vec<f64>, payments: Vec<f64>) -> ReplayInput {
        let payments = payments.iter().map(|p| format!("{p:?}")).collect();
        let cell = CellArgs {
            model: Some("variant".to_owned()),
            user: None,
            params: vec![
                ("window".to_owned(), "10".to_owned()),
                ("credit-limit".to_owned(), "-500".to_owned()),
            ],
        };
        ReplayInput::Tape { cell, payments }
    }
}

/// What per-run metrics read beyond the ledger: the booked amount and the send volume.
impl Metered for VariantModel {
    fn amount(&self, payment: &f64) -> f64 {
        *payment
    }
    fn send_volume(&self, s: &VariantState, _member: usize) -> Option<f64> {
        Some(s.send_volume_out as f64)
    }
}

/// A plan of the variant: its model (window 10, limit −500), `rule` and `user`.
pub fn variant_plan(
    rule: VariantRule,
    user: VariantUser,
) -> Plan<VariantModel, VariantRule, VariantUser> {
    Plan {
        model: variant_model(10, -500),
        policy: rule,
        behaviour: user,
    }
}

fn main() {
    for clamp in [false, true] {
        let user = variant_user(100.0, 0.8, clamp);
        let (mut balance, mut over, mut steps) = (0.0, 0, 0);
        for run in 1..=10 {
            let states = trajectory(&VariantRule::default(), &user, 42, run, 365);
            let model = variant_model(10, -500);
            let ledgers: Vec<_> = states.iter().map(|(s, _)| model.ledger(s, 0)).collect();
            balance += ledgers[ledgers.len() - 1].balance / 10.0;
            over += ledgers
                .windows(2)
                .filter(|w| payment_breaks_limit(&w[0], &w[1]))
                .count();
            steps += ledgers.len() - 1;
        }
        let share = over as f64 / steps as f64;
        println!(
            "clamp {clamp:5}: 10 runs x 365 steps, seed 42: final balance mean {balance:.1}, \
             payments past the previous limit {:.1}%",
            100.0 * share
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use currents::compare::{CompareConfig, SideLabel, compare_plans};
    use currents::harness::{
        HarnessConfig, ModelCell, ReplayFinding, check_model, check_model_tape, check_model_tapes,
        replay_cell,
    };
    use currents::metrics::NAMES;
    use currents::registry::{Registry, generic_rules};
    use currents::sweep::sweep_plans;
    use currents::v1::NotebookUser;
    use currents::v1::V1;

    fn user(clamp: bool) -> VariantUser {
        variant_user(100.0, 0.5, clamp)
    }

    /// Consecutive (prev, next, applied payment) triples of runs 1…5, 365 steps.
    fn steps(clamp: bool) -> Vec<(VariantState, VariantState, f64)> {
        (1..=5)
            .flat_map(|run| {
                let states = trajectory(&VariantRule::default(), &user(clamp), 7, run, 365);
                let pairs = states.windows(2).map(|w| (w[0].0, w[1].0, w[1].1));
                pairs.collect::<Vec<_>>()
            })
            .collect()
    }

    fn compare_config() -> CompareConfig {
        CompareConfig {
            seed: 3,
            min_change: 0.05,
            ..CompareConfig::default()
        }
    }

    fn cells(clamp: bool) -> Vec<ModelCell<VariantModel, VariantUser>> {
        let cell = |avg: f64, integrity: f64| ModelCell {
            cell: CellArgs {
                model: Some("variant".to_owned()),
                user: Some("variant-user".to_owned()),
                params: vec![
                    ("avg-amount".to_owned(), format!("{avg:?}")),
                    ("integrity".to_owned(), format!("{integrity:?}")),
                    ("clamp".to_owned(), u8::from(clamp).to_string()),
                ],
            },
            model: variant_model(10, -500),
            behaviour: variant_user(avg, integrity, clamp),
        };
        vec![cell(100.0, 0.5), cell(250.0, 0.9)]
    }

    #[test]
    fn the_harness_checks_the_variants_laws_and_shrinks_an_overdraft() {
        let config = HarnessConfig {
            policy: VariantRule::NAME.to_owned(),
            n_runs: 3,
            tape_cases: 128,
            ..HarnessConfig::default()
        };
        let (rule, laws) = (VariantRule::default(), VariantLaws);
        let clamped = check_model(&cells(true), &rule, &laws, &config).unwrap();
        let free = check_model_tapes(&cells(false), &rule, &laws, &VariantTapes, &config).unwrap();
        // The report lists the variant's laws under their names, after the first two
        // generic ones; clamped or not, they hold.
        for report in [&clamped, &free] {
            let listed: Vec<Invariant> = report.invariants.iter().map(|r| r.invariant).collect();
            assert_eq!(listed[2..6], VARIANT_LAWS);
            for law in VARIANT_LAWS {
                assert!(!report.invariant(law).violated(), "{}", report.to_table());
            }
        }
        // Without the clamp, payments cross the previous limit; the tape search shrinks
        // that to a tape ending one unit past the genesis limit (500), and it replays.
        let within = free.invariant(Invariant::PAYMENT_WITHIN_LIMIT);
        let violated_at = |found: Vec<ReplayFinding>, step| {
            let within = |f: &ReplayFinding| f.invariant == Invariant::PAYMENT_WITHIN_LIMIT;
            assert!(
                found.iter().any(|f| within(f) && f.step == step),
                "{found:?}"
            );
        };
        let shrunk = within.counterexample.as_ref().unwrap();
        let ReplayInput::Tape { payments, .. } = &shrunk.input else {
            panic!("expected a tape, got {shrunk:?}");
        };
        let tape: Vec<f64> = payments.iter().map(|p| p.parse().unwrap()).collect();
        assert_eq!(shrunk.step, Some(tape.len() as u64));
        assert_eq!(tape.iter().sum::<f64>(), -501.0, "{shrunk:?}");
        let found = check_model_tape(&VariantTapes, &tape, &rule, &laws);
        violated_at(found, shrunk.step);
        // The first violation of the seeded runs replays on its cell, at the same step.
        let run = within.first_in_runs.as_ref().unwrap();
        let ReplayInput::Seeded { cell, .. } = &run.input else {
            panic!("expected a cell's run, got {run:?}");
        };
        let cells = cells(false);
        let cell = cells.iter().find(|c| &c.cell == cell).unwrap();
        violated_at(replay_cell(cell, &rule, &laws, &run.input), run.step);
    }

    #[test]
    fn sweep_with_zero_gain_keeps_the_limit_and_is_the_same_on_any_thread_count() {
        let rules = [0.0, 2.0].map(|gain| VariantRule {
            gain,
            ..VariantRule::default()
        });
        let plans = rules.map(|r| variant_plan(r, user(true)));
        let sweep = |threads| sweep_plans(&plans, 9, 8, 365, threads, None, &|| {}).unwrap();
        let one = sweep(1);
        assert_eq!(one, sweep(2));
        let credit_final = NAMES.iter().position(|n| *n == "credit_final").unwrap();
        // gain 0: the limit never moves from its magnitude 500 (inside [100, 1000]).
        assert_eq!(one[0].spreads[credit_final].mean, 500.0);
        assert_ne!(one[1].spreads[credit_final].mean, 500.0);
    }

    #[test]
    fn compare_finds_no_change_against_itself_and_a_change_against_v1() {
        let cfg = compare_config();
        let plan = variant_plan(VariantRule::default(), user(true));
        let label = SideLabel::of_policy("variant", VariantRule::NAME, &plan.policy);
        let same = compare_plans(&label, &plan, &label, &plan, &cfg);
        assert!(!same.changed(), "{}", same.verdict());
        // V1 with the notebook's rule and user on the same streams (common random numbers).
        let params = currents::v1::Params::default();
        let v1 = Plan {
            model: V1::<currents::v1::ExactHistory>::new(&params),
            policy: currents::v1::V1Rule::default(),
            behaviour: NotebookUser::from_params(&params),
        };
        let v1_label = SideLabel::of_policy::<V1, _>("v1", "currents-v1", &v1.policy);
        let report = compare_plans(&v1_label, &v1, &label, &plan, &cfg);
        assert!(report.changed(), "{}", report.verdict());
    }

    #[test]
    fn first_steps_are_stable() {
        use currents::trajectory_csv::{CsvRows, write_model_header};
        let model = variant_model(10, -500);
        let mut csv = Vec::new();
        write_model_header(&mut csv, &model).unwrap();
        let mut rows = CsvRows::new(&model, &mut csv, 0, 1);
        let rule = VariantRule::default();
        Streams::new(RngKind::Chacha, 42)
            .run(1, &model, &rule, &user(true), 24, &mut rows)
            .unwrap();
        let table = String::from_utf8(csv).unwrap();
        insta::with_settings!({
            snapshot_path => "snapshots",
            prepend_module_to_snapshot => false,
            description => "examples/variant.rs: ChaCha seed 42, run 1, integrity 0.5, clamp on",
            omit_expression => true,
        }, {
            insta::assert_snapshot!("variant_first_steps", table);
        });
    }

    #[test]
    fn balance_is_previous_balance_plus_payment_rounded() {
        use currents::numeric::round_half_even;
        for (prev, next, paid) in steps(false) {
            assert_eq!(
                Some(next.balance),
                round_half_even(prev.balance as f64 + paid)
            );
            assert_eq!(next.payment, next.balance - prev.balance);
        }
    }

    #[test]
    fn credit_limit_is_never_positive_and_capacity_is_balance_minus_it() {
        for (_, s, _) in steps(false) {
            assert!(s.credit_limit <= 0, "{s:?}");
            assert_eq!(s.capacity, s.balance - s.credit_limit);
        }
    }

    #[test]
    fn limit_is_initial_during_warm_up_and_within_bounds_after() {
        let rule = VariantRule::default();
        for (prev, next, _) in steps(false) {
            let magnitude = -next.credit_limit as f64;
            if prev.n_transactions < rule.warmup {
                assert_eq!(magnitude, 500.0);
            } else {
                assert!(
                    (rule.limit_min..=rule.limit_max).contains(&magnitude),
                    "{next:?}"
                );
            }
        }
    }

    #[test]
    fn clamp_never_sends_past_the_previous_limit() {
        for (prev, next, _) in &steps(true) {
            assert!(
                next.balance >= prev.credit_limit.min(prev.balance),
                "{next:?}"
            );
        }
    }

    /// The limit can shrink under a balance (capacity < 0), so a clamped user can still be
    /// below the previous limit at the end of a step, having sent nothing.
    #[test]
    fn clamped_balance_can_stay_below_a_shrunk_limit() {
        assert!(
            steps(true)
                .iter()
                .any(|(p, n, _)| n.balance < p.credit_limit)
        );
    }

    #[test]
    fn without_clamp_payments_cross_the_previous_limit() {
        let crossed = steps(false)
            .iter()
            .filter(|(p, n, _)| n.payment < 0 && n.balance < p.credit_limit.min(p.balance))
            .count();
        assert!(crossed > 0);
    }

    #[test]
    fn send_volume_out_sums_the_last_k_outgoing_payments() {
        let states = trajectory(&VariantRule::default(), &user(false), 7, 1, 365);
        let mut outgoing = Vec::new();
        for (s, _) in &states {
            if s.payment < 0 {
                outgoing.push(-s.payment);
            }
            let last_k = &outgoing[outgoing.len().saturating_sub(10)..];
            assert_eq!(s.send_volume_out, last_k.iter().sum::<i64>());
        }
    }

    #[test]
    fn means_are_numpy_means_of_the_series() {
        let states = trajectory(&VariantRule::default(), &user(false), 7, 1, 365);
        for t in 0..states.len() {
            let series = |f: fn(&VariantState) -> i64| -> Vec<f64> {
                states[..=t].iter().map(|(s, _)| f(s) as f64).collect()
            };
            let (s, _) = states[t];
            assert_eq!(
                s.avg_balance,
                currents::numeric::numpy_mean(&series(|s| s.balance))
            );
            let volume = series(|s| s.send_volume_out);
            assert_eq!(
                s.avg_send_volume_out,
                currents::numeric::numpy_mean(&volume)
            );
        }
    }

    #[test]
    fn same_seed_same_trajectory() {
        let rule = VariantRule::default();
        let a = trajectory(&rule, &user(true), 3, 2, 200);
        assert_eq!(a, trajectory(&rule, &user(true), 3, 2, 200));
        assert_ne!(a, trajectory(&rule, &user(true), 4, 2, 200));
    }

    #[test]
    fn every_registered_rule_runs_on_the_variant_and_its_clamp_holds() {
        let registry = generic_rules(Registry::<VariantModel>::new().rule::<VariantRule>());
        assert_eq!(registry.rules().len(), 5);
        for entry in registry.rules() {
            // A rule's clamp reaches the user through `Model::enforce`, not the behaviour.
            let clamps = entry.enforcement().mode == currents::model::Enforce::Clamp;
            let states = trajectory(&entry.build_default(), &user(false), 1, 1, 365);
            for w in states.windows(2) {
                let ((p, _), (n, _)) = (w[0], w[1]);
                assert!(n.credit_limit <= 0, "{}: {n:?}", entry.name);
                let sent_past = n.balance < p.credit_limit.min(p.balance);
                assert!(!(clamps && sent_past), "{}: {p:?} -> {n:?}", entry.name);
            }
        }
    }
}
