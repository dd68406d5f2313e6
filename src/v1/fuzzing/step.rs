//! The laws of V1's steps: a run from genesis on a tape of draws and given amounts, checked
//! against MODEL.md recomputed from scratch ([`check_step_tape`]), and one step from any
//! state with any amount ([`check_step_any`]).

use rand_core::Rng;

use crate::draws::chacha_rng;
use crate::fuzzing::{Violation, ensure, same_f64};
use crate::model::{
    Behaviour, CreditPolicy, Cx, Draw, Flow, Limit, Model, Observer, RunError, StepError, StepEvent,
};
use crate::numeric::{numpy_mean, round_half_even};
use crate::v1::{
    CreditInput, ExactHistory, History, HistoryView, NotebookUser, Params, State, V1, V1Rule,
    credit_v1,
};

use super::amount_bound;

/// One entry of a tape driving [`check_step_tape`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TapeEntry {
    /// Draw the amount as a simulation does, from the case's ChaCha stream.
    Draw,
    /// Apply this amount (the shaping keeps it within [`amount_bound`]).
    Amount(f64),
}

/// The most tape entries a step case uses; the reference below rescans the whole history
/// every step (O(t²) per case), so fuzz cases stay short. Far below `STEPS_MAX`.
pub const TAPE_LEN_MAX: usize = 512;

/// The history summary recomputed from scratch from the states `h` (0 … t − 1), by
/// MODEL.md's definitions: the positive transactions of `h`, the last `k` of them summed
/// (Python's `P[-k:]`, all of them when `k > len(P)`), numpy's means of the send volumes
/// and of the balances.
fn reference_view(h: &[State], k: u64) -> HistoryView {
    let positives: Vec<i64> = h.iter().map(|s| s.transaction).filter(|&t| t > 0).collect();
    let k = usize::try_from(k)
        .unwrap_or(usize::MAX)
        .min(positives.len());
    let window: i64 = positives[positives.len() - k..].iter().sum();
    let send_volumes: Vec<f64> = h.iter().map(|s| s.send_volume as f64).collect();
    let balances: Vec<f64> = h.iter().map(|s| s.balance).collect();
    HistoryView {
        balance_mean: numpy_mean(&balances),
        send_volume_mean: numpy_mean(&send_volumes),
        send_volume_window: window,
    }
}

/// A fuzz tape as a behaviour: a [`TapeEntry::Draw`] draws as the notebook's user does,
/// an amount is paid as given; past the end it pays 0.
pub(super) struct FuzzTape<'a> {
    pub(super) user: NotebookUser,
    pub(super) entries: &'a [TapeEntry],
}

impl<H: History> Behaviour<V1<H>> for FuzzTape<'_> {
    type Memory = ();

    fn draw<R: Rng + ?Sized>(&self, cx: &Cx<'_, V1<H>>, rng: &mut R, m: &mut ()) -> Draw<f64> {
        match self
            .entries
            .get(usize::try_from(cx.t - 1).unwrap_or(usize::MAX))
        {
            Some(TapeEntry::Draw) => Behaviour::<V1<H>>::draw(&self.user, cx, rng, m),
            Some(&TapeEntry::Amount(a)) => Draw::plain(a),
            None => Draw::plain(0.0),
        }
    }
}

/// The observer of [`check_step_tape`]: every step against MODEL.md, recomputed from
/// scratch from every state so far.
struct StepLaws<'a> {
    params: &'a Params,
    rule: V1Rule,
    bound: f64,
    states: Vec<State>,
}

impl<H: History> Observer<V1<H>> for StepLaws<'_> {
    type Error = Violation;

    fn genesis(&mut self, state: &State) -> Result<(), Violation> {
        self.states.push(*state);
        Ok(())
    }

    fn step(&mut self, e: &StepEvent<'_, V1<H>>) -> Result<Flow, Violation> {
        let (t, params, bound) = (e.t, self.params, self.bound);
        let (prev, next, amount) = (*e.prev, *e.next, e.applied);
        ensure(
            amount.is_finite() && amount.abs() <= bound,
            "drawn_amount_is_within_bound",
            || format!("step {t}: drew {amount:e}, bound {bound:e} ({params:?})"),
        )?;
        let reference = reference_view(&self.states, params.sum_volume());
        let credit = credit_v1(&self.rule, &CreditInput::from_prev(&prev, params))
            .map(|o| o.credit)
            .map_err(|e| Violation {
                law: crate::catalog::Invariant::STEP_IS_DEFINED.name(),
                detail: format!("step {t}: the credit rule failed: {e}"),
            })?;
        let expected = State {
            balance: prev.balance + amount,
            balance_mean: reference.balance_mean,
            n_transactions: prev.n_transactions + 1,
            credit,
            capacity: round_half_even(prev.balance + prev.credit as f64).unwrap_or(i64::MIN),
            send_volume: reference.send_volume_window,
            send_volume_mean: reference.send_volume_mean,
            transaction: round_half_even(amount).unwrap_or(i64::MIN),
        };
        let same = same_f64(next.balance, expected.balance)
            && same_f64(next.balance_mean, expected.balance_mean)
            && same_f64(next.send_volume_mean, expected.send_volume_mean)
            && (
                next.n_transactions,
                next.credit,
                next.capacity,
                next.send_volume,
                next.transaction,
            ) == (
                expected.n_transactions,
                expected.credit,
                expected.capacity,
                expected.send_volume,
                expected.transaction,
            );
        ensure(same, "step_follows_the_model_exactly", || {
            format!(
                "step {t}, amount {amount:e}, {params:?}:\n  got      {next:?}\n  expected {expected:?}"
            )
        })?;
        // The balance is a float sum of t amounts each within the bound; each addition
        // may round up by half an ulp, so allow a relative 1e-12 (t ≤ 512 gives < 6e-14).
        ensure(
            next.credit >= 0
                && next.is_finite()
                && next.balance.abs() <= t as f64 * bound * (1.0 + 1e-12),
            "state_stays_finite_and_bounded",
            || format!("step {t}: {next:?}"),
        )?;
        self.states.push(next);
        Ok(Flow::Continue)
    }
}

/// A run from genesis under validated `params`, driven by a tape of draws (from the ChaCha
/// stream `seed`) and given amounts within [`amount_bound`], on the one run loop
/// ([`crate::model::run`]) with the V1 model, the V1 rule and the notebook's user.
///
/// Laws, at every step: a draw stays within [`amount_bound`]; the step succeeds (the core
/// never fails on validated input: the catalog's `step_is_defined`, whether the rule or the
/// step failed); the state follows MODEL.md exactly — the
/// count goes up by one, capacity is the previous balance plus credit rounded, the credit
/// is the V1 rule on the previous state and ≥ 0, the balance is the previous balance plus
/// the unrounded amount, the transaction is the amount rounded, and the send volume and
/// both means equal a from-scratch recomputation over the whole history, bit for bit;
/// every float stays finite and the balance stays within `t · amount_bound` (up to float
/// rounding of the sum; so below 2^53).
pub fn check_step_tape(params: &Params, seed: u64, tape: &[TapeEntry]) -> Result<(), Violation> {
    let rule = V1Rule::default();
    let entries = &tape[..tape.len().min(TAPE_LEN_MAX)];
    let model = V1::<ExactHistory>::new(params);
    let behaviour = FuzzTape {
        user: NotebookUser::from_params(params),
        entries,
    };
    let mut laws = StepLaws {
        params,
        rule,
        bound: amount_bound(params),
        states: Vec::with_capacity(entries.len() + 1),
    };
    let mut rng = chacha_rng(seed, 0, 1);
    let n_steps = entries.len() as u64;
    match crate::model::run(&model, &rule, &behaviour, &mut rng, n_steps, &mut laws) {
        Ok(()) => Ok(()),
        Err(RunError::Observe(v)) => Err(v),
        Err(RunError::Step { timestep, source }) => Err(Violation {
            law: crate::catalog::law_of_failure(&source).name(),
            detail: format!("step {timestep}, {params:?}: {source}"),
        }),
    }
}

/// A history whose summary is a given [`HistoryView`], whatever is pushed: one step from an
/// arbitrary summary.
#[derive(Debug, Clone, Copy)]
struct GivenView(HistoryView);

impl History for GivenView {
    fn for_run(_: u64, _: u64) -> Self {
        GivenView(HistoryView {
            balance_mean: 0.0,
            send_volume_mean: 0.0,
            send_volume_window: 0,
        })
    }
    fn push(&mut self, _: &State) {}
    fn view(&self, _: u64) -> HistoryView {
        self.0
    }
    fn len(&self) -> usize {
        1
    }
}

/// One step of the V1 model from an arbitrary state and history summary, with any amount
/// (NaN, ±∞, huge): the V1 rule sets the limit from `prev`, then [`Model::step`] applies
/// the amount under it.
///
/// Laws: the step never panics; it fails exactly when the rule fails or a value it must
/// store as an integer cannot be, in the order the step computes them (the rule's error,
/// then the credit, then the capacity, then the transaction), and says which; when it
/// succeeds, the new state is the previous one moved by the model's formulas, with the
/// history summary copied in and the rule's credit stored as an integer.
pub fn check_step_any(
    prev: &State,
    view: &HistoryView,
    params: &Params,
    amount: f64,
) -> Result<(), Violation> {
    let rule = V1Rule::default();
    let model = V1::<GivenView>::new(params);
    let history = GivenView(*view);
    let cx = Cx {
        model: &model,
        t: prev.n_transactions.saturating_add(1),
        prev,
        history: &history,
        member: 0,
    };
    let got = CreditPolicy::<V1<GivenView>>::limit(&rule, &cx, &mut ())
        .map_err(StepError::from)
        .and_then(|limit: Limit| {
            model.step(
                prev,
                &history,
                &crate::model::StepLimits::one(0, limit),
                amount,
            )
        });
    let what = || format!("{prev:?}, {view:?}, amount {amount:e} gave {got:?}");
    let capacity = round_half_even(prev.balance + prev.credit as f64);
    let credit = credit_v1(&rule, &CreditInput::from_prev(prev, params));
    let stored = credit.map(|o| round_half_even(o.credit as f64));
    let transaction = round_half_even(amount);
    let expected_err = if credit.is_err() {
        Some("credit")
    } else if stored == Ok(None) {
        Some("userCredit")
    } else if capacity.is_none() {
        Some("userCapacity")
    } else if transaction.is_none() {
        Some("transaction")
    } else {
        None
    };
    match (&got, expected_err) {
        (Err(StepError::NotAnInteger { field, .. }), Some(f)) if *field == f => Ok(()),
        (Err(StepError::Credit(e)), Some("credit")) => {
            // Through Debug, so that NaN values in the two errors compare equal.
            let cause = format!("{:?}", credit.map(|o| o.credit));
            ensure(
                format!("{:?}", Err::<i64, _>(e)) == cause,
                "step_fails_with_the_cause",
                what,
            )
        }
        (Ok(next), None) => {
            let ok = same_f64(next.balance, prev.balance + amount)
                && same_f64(next.balance_mean, view.balance_mean)
                && same_f64(next.send_volume_mean, view.send_volume_mean)
                && next.n_transactions == prev.n_transactions.saturating_add(1)
                && Ok(Some(next.credit)) == stored
                && next.credit >= 0
                && Some(next.capacity) == capacity
                && next.send_volume == view.send_volume_window
                && Some(next.transaction) == transaction;
            ensure(ok, "step_applies_the_model_formulas", what)
        }
        _ => ensure(
            false,
            "step_fails_exactly_when_a_value_cannot_be_stored",
            what,
        ),
    }
}
