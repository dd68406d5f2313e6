//! The harness on a model that is not V1: a one-member account written here, checked with
//! the generic laws, its own law, a generic built-in rule from a registry and a tape search.
//! This is the API a user's model variant calls.

use currents::catalog::{Invariant, InvariantKind};
use currents::draws::uniform01;
use currents::harness::{
    CellArgs, Goal, HarnessConfig, Laws, ModelCell, NoLaws, ReplayInput, Tapes, check_model,
    check_model_tape, check_model_tapes, replay_cell,
};
use currents::model::{
    Behaviour, CreditError, CreditPolicy, Cx, Draw, Enforcement, Ledger, LedgerColumns, Limit,
    Model, StepError, StepEvent, StepLimits, Value,
};
use currents::registry::{Registry, generic_rules};
use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use rand_core::Rng;

/// One member's account: the balance moves by the payment, the limit is the policy's.
#[derive(Debug, Clone, Copy)]
struct Account {
    start_limit: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct AccountState {
    balance: f64,
    limit: f64,
    payment: f64,
}

impl Model for Account {
    type State = AccountState;
    type History = ();
    type Payment = f64;

    fn name(&self) -> &'static str {
        "account"
    }
    fn columns(&self) -> Vec<String> {
        ["balance", "limit", "payment"].map(String::from).to_vec()
    }
    fn genesis(&self) -> AccountState {
        AccountState {
            balance: 0.0,
            limit: self.start_limit,
            payment: 0.0,
        }
    }
    fn history(&self, _: &AccountState, _: u64) {}
    fn record(&self, _: &mut (), _: &AccountState) {}
    fn enforce(
        &self,
        e: &Enforcement,
        prev: &AccountState,
        _: &(),
        payment: f64,
    ) -> Result<f64, StepError> {
        Ok(e.apply(payment, prev.balance + prev.limit, prev.balance))
    }
    fn step(
        &self,
        prev: &AccountState,
        _: &(),
        limits: &StepLimits,
        payment: f64,
    ) -> Result<AccountState, StepError> {
        Ok(AccountState {
            balance: prev.balance + payment,
            limit: limits.first().value,
            payment,
        })
    }
    fn ledger(&self, s: &AccountState, _: usize) -> Ledger {
        Ledger {
            balance: s.balance,
            limit: s.limit,
            capacity: s.balance + s.limit,
            payment: s.payment,
        }
    }
    fn row(&self, s: &AccountState, out: &mut Vec<Value>) {
        out.extend([
            Value::Float(s.balance),
            Value::Float(s.limit),
            Value::Float(s.payment),
        ]);
    }
}

/// Pays or receives `amount` with equal odds; path 0 is "out".
struct Coin {
    amount: f64,
}

impl Behaviour<Account> for Coin {
    type Memory = ();
    fn draw<R: Rng + ?Sized>(&self, _: &Cx<'_, Account>, rng: &mut R, _: &mut ()) -> Draw<f64> {
        let out = uniform01(rng) < 0.5;
        Draw {
            payment: if out { -self.amount } else { self.amount },
            paths: u32::from(out),
        }
    }
    fn paths(&self) -> &'static [&'static str] {
        &["out"]
    }
}

/// The account's own law: the balance is the sum of the payments.
struct SumLaw;

/// Its one invariant, under its own name.
const BALANCE_IS_SUM_OF_AMOUNTS: Invariant = Invariant::required(
    "balance_is_sum_of_amounts",
    "balance(t) = the sum of the payments of steps 1..t",
);

impl Laws<Account> for SumLaw {
    type Record = f64;
    fn invariants(&self) -> &[Invariant] {
        &[BALANCE_IS_SUM_OF_AMOUNTS]
    }
    fn record(&self, _: &Account, genesis: &AccountState) -> f64 {
        genesis.balance
    }
    fn check(
        &self,
        _: &Account,
        sum: &mut f64,
        e: &StepEvent<'_, Account>,
        violate: &mut dyn FnMut(Invariant, String),
    ) {
        *sum += e.applied;
        if e.next.balance != *sum {
            violate(
                BALANCE_IS_SUM_OF_AMOUNTS,
                format!("{} != {sum}", e.next.balance),
            );
        }
    }
}

/// A broken policy: from step 4 on, the limit is −1.
struct GoesNegative;

impl CreditPolicy<Account> for GoesNegative {
    type Memory = ();
    fn limit(&self, cx: &Cx<'_, Account>, _: &mut ()) -> Result<Limit, CreditError> {
        Ok(if cx.t < 4 {
            Limit {
                value: cx.ledger().limit,
                branch: "kept",
            }
        } else {
            Limit {
                value: -1.0,
                branch: "broken",
            }
        })
    }
    fn branches(&self) -> &'static [&'static str] {
        &["kept", "broken"]
    }
}

/// Tapes of whole payments.
struct PaymentTapes;

struct PaymentTape(Vec<f64>);

impl Behaviour<Account> for PaymentTape {
    type Memory = ();
    fn draw<R: Rng + ?Sized>(&self, cx: &Cx<'_, Account>, _: &mut R, _: &mut ()) -> Draw<f64> {
        Draw::plain(self.0.get((cx.t - 1) as usize).copied().unwrap_or(0.0))
    }
}

impl Tapes<Account> for PaymentTapes {
    type Case = Vec<i32>;
    type Tape = PaymentTape;
    fn strategy(&self, len_max: usize) -> BoxedStrategy<Vec<i32>> {
        proptest::collection::vec(-300i32..=300, 0..=len_max).boxed()
    }
    fn model(&self, _: &Vec<i32>) -> Account {
        Account { start_limit: 100.0 }
    }
    fn tape(&self, case: &Vec<i32>) -> PaymentTape {
        PaymentTape(case.iter().map(|&x| f64::from(x)).collect())
    }
    fn len(&self, case: &Vec<i32>) -> u64 {
        case.len() as u64
    }
    fn counterexample(&self, _: &Vec<i32>, payments: Vec<f64>) -> ReplayInput {
        ReplayInput::Tape {
            cell: account_cell(100.0, None),
            payments: payments.iter().map(|p| format!("{p:?}")).collect(),
        }
    }
}

/// The account model's cell as the command line would name it.
fn account_cell(start_limit: f64, amount: Option<f64>) -> CellArgs {
    let mut params = vec![("start-limit".to_owned(), format!("{start_limit:?}"))];
    if let Some(amount) = amount {
        params.push(("amount".to_owned(), format!("{amount:?}")));
    }
    CellArgs {
        model: Some("account".to_owned()),
        user: Some("coin".to_owned()),
        params,
    }
}

fn cells() -> Vec<ModelCell<Account, Coin>> {
    [(100.0, 30.0), (50.0, 80.0)]
        .into_iter()
        .map(|(start_limit, amount)| ModelCell {
            cell: account_cell(start_limit, Some(amount)),
            model: Account { start_limit },
            behaviour: Coin { amount },
        })
        .collect()
}

fn config() -> HarnessConfig {
    HarnessConfig {
        policy: "static on account".to_owned(),
        n_runs: 3,
        n_steps: 200,
        tape_cases: 64,
        threads: vec![2, 3],
        ..HarnessConfig::default()
    }
}

#[test]
fn a_generic_rule_from_a_registry_on_a_users_model() {
    let registry = generic_rules(Registry::<Account>::new());
    let rule = registry.find("static").unwrap().build_default();
    let report = check_model(&cells(), &rule, &SumLaw, &config()).unwrap();
    let names: Vec<&str> = report
        .invariants
        .iter()
        .map(|r| r.invariant.name())
        .collect();
    assert_eq!(
        names,
        [
            "step_is_defined",
            "credit_non_negative",
            "balance_is_sum_of_amounts",
            "all_values_finite",
            "payment_within_limit",
            "balance_within_limit",
            "same_seed_same_trajectory",
            "thread_count_does_not_change_output",
        ]
    );
    // Nothing holds the member to the limit: a random walk of ±30 leaves −100 soon. `static`
    // declares that law observed (it enforces nothing), so it is a finding, not a failure.
    let within = report.invariant(Invariant::PAYMENT_WITHIN_LIMIT);
    assert_eq!(within.kind, InvariantKind::Observed);
    assert!(within.violated());
    let cx = within.counterexample.as_ref().unwrap();
    let ReplayInput::Seeded { cell, n_steps, .. } = &cx.input else {
        panic!("expected a cell's run, got {cx:?}");
    };
    // The counterexample replays on its cell: the violation is at its last step.
    let cells = cells();
    let cell = cells.iter().find(|c| &c.cell == cell).unwrap();
    let again = replay_cell(cell, &rule, &SumLaw, &cx.input);
    assert!(
        again
            .iter()
            .any(|f| f.invariant == Invariant::PAYMENT_WITHIN_LIMIT && f.step == Some(*n_steps)),
        "{again:?}"
    );
    assert_eq!(cx.step, Some(*n_steps));
    for inv in [
        Invariant::STEP_IS_DEFINED,
        Invariant::CREDIT_NON_NEGATIVE,
        BALANCE_IS_SUM_OF_AMOUNTS,
        Invariant::ALL_VALUES_FINITE,
        Invariant::SAME_SEED_SAME_TRAJECTORY,
        Invariant::THREAD_COUNT_DOES_NOT_CHANGE_OUTPUT,
    ] {
        assert!(!report.invariant(inv).violated(), "{}", report.to_table());
    }
    let goals: Vec<(Goal, bool)> = report.goals.iter().map(|g| (g.goal, g.reached())).collect();
    assert_eq!(
        goals,
        [(Goal::Branch("kept"), true), (Goal::Path("out"), true)]
    );
    assert_eq!(report.cells.len(), 4);
    assert_eq!(report.cells[0].steps, 600);
    assert!(report.passed(), "{}", report.to_table());
}

#[test]
fn a_negative_limit_shrinks_to_the_shortest_tape() {
    let report =
        check_model_tapes(&cells(), &GoesNegative, &NoLaws, &PaymentTapes, &config()).unwrap();
    let r = report.invariant(Invariant::CREDIT_NON_NEGATIVE);
    assert!(r.violated() && r.tape_cases > 0);
    let cx = r.counterexample.as_ref().unwrap();
    assert_eq!(cx.step, Some(4));
    assert!(
        cx.detail.starts_with("credit(4) = -1 < 0 (broken branch"),
        "{cx:?}"
    );
    match &cx.input {
        ReplayInput::Tape { payments, .. } => assert_eq!(payments, &["0.0"; 4]),
        other => panic!("expected payments, got {other:?}"),
    }
    assert!(!report.passed());
    // One case replays through the same walk.
    let found = check_model_tape(&PaymentTapes, &vec![0, 0, 0, 0], &GoesNegative, &NoLaws);
    assert!(
        found
            .iter()
            .any(|f| f.invariant == Invariant::CREDIT_NON_NEGATIVE && f.step == Some(4))
    );
    assert!(check_model_tape(&PaymentTapes, &vec![0, 0, 0], &GoesNegative, &NoLaws).is_empty());
}

#[test]
fn an_empty_grid_is_refused() {
    let err = check_model::<Account, _, Coin, _>(&[], &GoesNegative, &NoLaws, &config());
    assert_eq!(err.unwrap_err().field, "cells");
}

/// Laws declaring `declared` and reporting `reported` on every step.
struct Declares {
    declared: Vec<Invariant>,
    reported: Invariant,
}

impl Laws<Account> for Declares {
    type Record = ();
    fn invariants(&self) -> &[Invariant] {
        &self.declared
    }
    fn record(&self, _: &Account, _: &AccountState) {}
    fn check(
        &self,
        _: &Account,
        _: &mut (),
        e: &StepEvent<'_, Account>,
        violate: &mut dyn FnMut(Invariant, String),
    ) {
        violate(self.reported, format!("step {}", e.t));
    }
}

#[test]
fn a_models_invariants_need_snake_case_names_of_their_own() {
    let law = Invariant::observed("always_broken", "never holds");
    let rule = generic_rules(Registry::<Account>::new())
        .find("static")
        .unwrap()
        .build_default();
    for (declared, refused) in [
        (Invariant::required("Not-Snake", "x"), "Not-Snake"),
        (
            Invariant::required("payment_within_limit", "x"),
            "payment_within_limit",
        ),
    ] {
        let laws = Declares {
            declared: vec![law, declared],
            reported: law,
        };
        let err = check_model(&cells(), &rule, &laws, &config()).unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.value.as_str()),
            ("invariant", refused)
        );
    }
    // Declared observed: violated on every step (2 cells x 2 generators x 3 runs x 200
    // steps), a finding, listed after the first two generic ones.
    let laws = Declares {
        declared: vec![law],
        reported: law,
    };
    let report = check_model(&cells(), &rule, &laws, &config()).unwrap();
    assert_eq!(report.invariants[2].invariant.name(), "always_broken");
    let r = report.invariant("always_broken");
    assert_eq!((r.kind, r.violations), (InvariantKind::Observed, 2400));
    assert_eq!(report.cells[0].violations_of(law), 600);
    // A law reporting an invariant it did not declare: listed last, never dropped.
    let laws = Declares {
        declared: vec![],
        reported: law,
    };
    let report = check_model(&cells(), &rule, &laws, &config()).unwrap();
    let last = report.invariants.last().unwrap();
    assert_eq!((last.invariant, last.violations), (law, 2400));
}

/// A model that declares no ledger columns, but whose columns are the ledger's names, has
/// them as its member's ledger columns by default (what `plot`, `report` and the scenario
/// summary read).
#[test]
fn a_model_named_like_the_ledger_declares_its_columns_by_default() {
    let account = Account { start_limit: 10.0 };
    assert_eq!(
        account.ledger_columns(0),
        Some(LedgerColumns::new("balance", "limit").payment("payment"))
    );
    assert_eq!(account.ledger_columns(1), None);
}
