//! The notebook's plan in structure-of-arrays lanes: V1 on the streaming history, its rule
//! ([`V1Rule`]) and its user ([`NotebookUser`]), [`ARRAY_LANES`] runs per block, each field of
//! the state one array with a slot per lane, so that the arithmetic of a step is a loop
//! over the lanes the compiler turns into vector instructions.
//!
//! Every lane computes exactly what the scalar loop computes for its run, in the same
//! order, from the same pieces: the word-to-draw formulas ([`uniform01_of`],
//! [`uniform_of`]), the rule's formula ([`V1Rule::quadratic_credit`], [`py_square`]'s test
//! [`square_is_pow`]), the roundings ([`rint`]), the compensated sum ([`neumaier_add`]),
//! the window of positives ([`PositiveWindow`]), and every step's [`StepEvent`] goes to the
//! lane's [`Observer`]. What is written here a second time is the order in which the step
//! applies them; `tests/batch.rs` holds it to the scalar loop event by event.
//!
//! The lanes take the usual path only. A lane whose step leaves it — a value the scalar
//! step refuses (a non-finite mean, a negative previous credit, a credit, capacity or
//! transaction beyond `i64`), or one where the lanes' arithmetic would no longer be the
//! scalar's (an integer column at 2^51 or beyond, where the lanes' doubles stop being exact
//! integers) — is handed to a [`Stepper`], which replays its run from the start of its
//! stream (seen by no observer) and takes that step and the rest itself. Under validated
//! parameters no run reaches such a value; the hand-over exists so that every input still
//! gets the scalar loop's answer.
//!
//! Draws come from ChaCha8 generated a block of every lane at a time
//! ([`ChaChaLanes`], the words [`chacha_rng`] gives), buffered a row of every lane per slot,
//! so a step reads its words at an offset instead of calling a generator for each, and
//! lanes that use their words alike read and receive them a row at a time.

// Lane loops index several arrays by the lane `i` at once: that is the structure of arrays.
#![allow(clippy::needless_range_loop)]

use super::chacha::{BLOCK_WORDS, ChaChaLanes};

use crate::draws::{chacha_rng, uniform_of, uniform01_of};
use crate::model::{Draw, Flow, Limit, Observer, RunError, StepEvent, StepLimits, Stepper};
use crate::numeric::{py_square, rint, square_is_pow};
use crate::v1::NotebookUser;
use crate::v1::State;
use crate::v1::StreamingHistory;
use crate::v1::history::{PositiveWindow, neumaier_add};
use crate::v1::{CreditBranch, V1Rule};
use crate::v1::{V1, large_paths};
use std::ops::RangeInclusive;

type Model = V1<StreamingHistory>;

/// Runs stepped side by side in structure-of-arrays lanes: four AVX2 vectors of doubles per
/// field. Measured against 8 and 32 (BENCHMARKS.md, "Batched engine"): 8 leaves the
/// processor waiting on the chains, and at 32 the lanes' buffers no longer fit the
/// first-level cache.
pub const ARRAY_LANES: usize = 16;

/// Words buffered per lane: room for the words of a few steps and a block.
const WORDS: usize = 64;
/// The most words one step takes: a biased sign (2), the amount, the two tests and the
/// integrity draw (2 each).
const STEP_WORDS_MAX: usize = 10;
/// 2^51: the lanes keep every integer column below it in magnitude, where integer
/// arithmetic on doubles is exact and [`exact_int`] converts; a value beyond it leaves the
/// usual path (the scalar step refuses only values beyond 2^63, and compares a capacity
/// beyond 2^53 as an integer).
const INT_MAX: f64 = 2_251_799_813_685_248.0;

/// The integer `x` (an integer-valued double below [`INT_MAX`] in magnitude) as an `i64`:
/// `x + 1.5·2^52` lies in [2^52, 2^53), where the low bits of a double's mantissa are its
/// integer part, in two's complement around 1.5·2^52. Exact, and unlike `as` no saturating
/// compare.
#[inline]
fn exact_int(x: f64) -> i64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52
    debug_assert!(x.abs() < INT_MAX && x.fract() == 0.0, "{x}");
    (x + MAGIC).to_bits() as i64 - MAGIC.to_bits() as i64
}

/// The lanes' generators and the words taken from them but not yet used: lane `i`'s
/// unused words are `buf[pos[i]..end[i]]` at `[i]`, in stream order, a row of every lane's
/// words per slot. Lanes that use their words alike (every lane, unless the integrity path
/// is taken) stay at the same slots, and then words move a row at a time.
struct LaneWords {
    chacha: ChaChaLanes<ARRAY_LANES>,
    buf: [[u32; ARRAY_LANES]; WORDS],
    pos: [usize; ARRAY_LANES],
    end: [usize; ARRAY_LANES],
}

impl LaneWords {
    fn new(seed: u64, subset: u64, runs: &[u64]) -> Self {
        LaneWords {
            chacha: ChaChaLanes::new(seed, subset, runs),
            buf: [[0; ARRAY_LANES]; WORDS],
            pos: [0; ARRAY_LANES],
            end: [0; ARRAY_LANES],
        }
    }

    /// True when every lane's unused words are at the same slots.
    #[inline(always)]
    fn aligned(&self) -> bool {
        let (pos, end) = (self.pos[0], self.end[0]);
        self.pos.iter().all(|&p| p == pos) & self.end.iter().all(|&e| e == end)
    }

    /// Makes sure every lane has at least [`STEP_WORDS_MAX`] unused words: when one has
    /// fewer, the next block of every lane with room is appended (so lanes that use their
    /// words alike stay alike, and none holds more than [`WORDS`]).
    #[inline(always)]
    fn ensure(&mut self) {
        let mut short = false;
        for i in 0..ARRAY_LANES {
            short |= self.end[i] - self.pos[i] < STEP_WORDS_MAX;
        }
        if !short {
            return;
        }
        let mut block = [[0u32; ARRAY_LANES]; BLOCK_WORDS];
        if self.aligned() {
            let (pos, end) = (self.pos[0], self.end[0]);
            let kept = if end + BLOCK_WORDS > WORDS {
                self.buf.copy_within(pos..end, 0);
                0..end - pos
            } else {
                pos..end
            };
            self.chacha.blocks(&[true; ARRAY_LANES], &mut block);
            self.buf[kept.end..kept.end + BLOCK_WORDS].copy_from_slice(&block);
            self.pos = [kept.start; ARRAY_LANES];
            self.end = [kept.end + BLOCK_WORDS; ARRAY_LANES];
            return;
        }
        let mut advance = [false; ARRAY_LANES];
        for i in 0..ARRAY_LANES {
            let (pos, end) = (self.pos[i], self.end[i]);
            if end + BLOCK_WORDS > WORDS {
                for k in 0..end - pos {
                    self.buf[k][i] = self.buf[pos + k][i];
                }
                (self.pos[i], self.end[i]) = (0, end - pos);
            }
            advance[i] = self.end[i] + BLOCK_WORDS <= WORDS;
        }
        self.chacha.blocks(&advance, &mut block);
        for i in 0..ARRAY_LANES {
            if advance[i] {
                let end = self.end[i];
                for (w, words) in block.iter().enumerate() {
                    self.buf[end + w][i] = words[i];
                }
                self.end[i] = end + BLOCK_WORDS;
            }
        }
    }

    /// The next [`STEP_WORDS_MAX`] words of every lane, word k of lane i at `[k][i]`
    /// (after [`LaneWords::ensure`]), without using them up.
    #[inline(always)]
    fn step_words(&self) -> [[u32; ARRAY_LANES]; STEP_WORDS_MAX] {
        if self.aligned() {
            let pos = self.pos[0];
            return self.buf[pos..pos + STEP_WORDS_MAX]
                .try_into()
                .expect("STEP_WORDS_MAX words");
        }
        let mut words = [[0u32; ARRAY_LANES]; STEP_WORDS_MAX];
        for i in 0..ARRAY_LANES {
            for (k, word) in words.iter_mut().enumerate() {
                word[i] = self.buf[self.pos[i] + k][i];
            }
        }
        words
    }

    /// Uses up the words of a step in every lane: `taken[i]` in lane `i`.
    #[inline(always)]
    fn take(&mut self, taken: &[usize; ARRAY_LANES]) {
        for i in 0..ARRAY_LANES {
            self.pos[i] += taken[i];
        }
    }
}

/// One block's runs: the state at t − 1 and the history, field by field, a slot per lane.
#[derive(Clone, Copy)]
struct Soa {
    balance: [f64; ARRAY_LANES],
    balance_mean: [f64; ARRAY_LANES],
    /// `userCredit`, an integer below 2^51 in magnitude (as a double: exact).
    credit: [f64; ARRAY_LANES],
    /// `userCapacity`, likewise.
    capacity: [f64; ARRAY_LANES],
    send_volume: [f64; ARRAY_LANES],
    send_volume_mean: [f64; ARRAY_LANES],
    transaction: [f64; ARRAY_LANES],
    /// The history's compensated balance sum, its compensation and the send-volume sum.
    sum: [f64; ARRAY_LANES],
    comp: [f64; ARRAY_LANES],
    send_volume_sum: [f64; ARRAY_LANES],
}

impl Soa {
    /// Lane `i`'s state at timestep `t`, as the model stores it.
    #[inline]
    fn state(&self, i: usize, t: u64) -> State {
        State {
            balance: self.balance[i],
            balance_mean: self.balance_mean[i],
            n_transactions: t,
            credit: exact_int(self.credit[i]),
            capacity: exact_int(self.capacity[i]),
            send_volume: exact_int(self.send_volume[i]),
            send_volume_mean: self.send_volume_mean[i],
            transaction: exact_int(self.transaction[i]),
        }
    }
}

/// A step of the block, computed for every lane: the limit and its branch, the draw, the
/// next state, and which lanes left the usual path.
struct StepOut {
    limit: [f64; ARRAY_LANES],
    branch: [u64; ARRAY_LANES],
    payment: [f64; ARRAY_LANES],
    paths: [u32; ARRAY_LANES],
    unusual: [u64; ARRAY_LANES],
}

/// What [`super::run_lanes`] does, for the notebook's plan, in structure-of-arrays lanes,
/// on ChaCha streams: the runs `runs` of (seed, subset) = `streams`, run r drawing from
/// [`chacha_rng`]`(seed, subset, r)` (generated here a block of every lane at a time), each
/// run `n_steps` steps; the observer of the `k`th run, `observers[k]`, sees exactly the
/// events the scalar loop would show it, and its result is the scalar run's.
///
/// # Panics
///
/// When `runs` and `observers` differ in length (a caller's bug).
pub fn run_notebook_lanes<O: Observer<Model>>(
    model: &Model,
    rule: &V1Rule,
    user: &NotebookUser,
    streams: (u64, u64),
    runs: RangeInclusive<u64>,
    n_steps: u64,
    observers: &mut [O],
) -> Vec<Result<(), RunError<O::Error>>> {
    let runs: Vec<u64> = runs.collect();
    assert_eq!(
        runs.len(),
        observers.len(),
        "run_notebook_lanes: one run per observer"
    );
    let plan = Plan { model, rule, user };
    let mut results = Vec::with_capacity(runs.len());
    for (runs, observers) in runs
        .chunks(ARRAY_LANES)
        .zip(observers.chunks_mut(ARRAY_LANES))
    {
        results.extend(plan.run_block(streams, runs, n_steps, observers));
    }
    results
}

/// The model, rule and user every lane runs.
struct Plan<'a> {
    model: &'a Model,
    rule: &'a V1Rule,
    user: &'a NotebookUser,
}

impl Plan<'_> {
    /// Runs one block of up to [`ARRAY_LANES`] runs.
    fn run_block<O: Observer<Model>>(
        &self,
        streams: (u64, u64),
        runs: &[u64],
        n_steps: u64,
        observers: &mut [O],
    ) -> Vec<Result<(), RunError<O::Error>>> {
        let n = runs.len();
        let mut words = LaneWords::new(streams.0, streams.1, runs);
        let genesis = crate::model::Model::genesis(self.model);
        let mut outcomes: Vec<Option<Result<(), RunError<O::Error>>>> = (0..n)
            .map(|i| {
                observers[i]
                    .genesis(&genesis)
                    .err()
                    .map(RunError::Observe)
                    .map(Err)
            })
            .collect();
        let k = usize::try_from(self.model.sum_volume()).unwrap_or(usize::MAX);
        let mut windows: Vec<PositiveWindow> = (0..n).map(|_| PositiveWindow::new(k)).collect();
        let at = |x: f64| [x; ARRAY_LANES];
        // The genesis state, which the history holds already.
        let mut soa = Soa {
            balance: at(genesis.balance),
            balance_mean: at(genesis.balance_mean),
            credit: at(genesis.credit as f64),
            capacity: at(genesis.capacity as f64),
            send_volume: at(genesis.send_volume as f64),
            send_volume_mean: at(genesis.send_volume_mean),
            transaction: at(genesis.transaction as f64),
            sum: at(0.0),
            comp: at(0.0),
            send_volume_sum: at(genesis.send_volume as f64),
        };
        for i in 0..ARRAY_LANES {
            (soa.sum[i], soa.comp[i]) = neumaier_add(0.0, 0.0, genesis.balance);
        }
        for w in &mut windows {
            w.push_if_positive(genesis.transaction);
        }
        let mut states = [soa; 2];
        let mut cur = 0;
        let mut out = StepOut {
            limit: [0.0; ARRAY_LANES],
            branch: [0; ARRAY_LANES],
            payment: [0.0; ARRAY_LANES],
            paths: [0; ARRAY_LANES],
            unusual: [0; ARRAY_LANES],
        };
        // Each lane's state at t − 1 as the model stores it (what its observer saw last).
        let mut prev_states = vec![genesis; n];
        // A genesis beyond the lanes' integers (a vast initial credit) needs no check of its
        // own: the first step's capacity is the initial credit, so that step leaves the
        // usual path.
        let mut live = outcomes.iter().filter(|o| o.is_none()).count();
        let mut t = 0u64;
        while t < n_steps && live > 0 {
            t += 1;
            words.ensure();
            let step_words = words.step_words();
            // The state at t − 1 is `states[cur]`; step t writes the other.
            let (first, second) = states.split_at_mut(1);
            let (soa, next) = if cur == 0 {
                (&first[0], &mut second[0])
            } else {
                (&second[0], &mut first[0])
            };
            self.step(t, soa, next, &windows, &step_words, &mut out);
            // Every lane uses up its words, those over too, so that lanes stay aligned.
            let sign_taken = if self.user.bias == 0.0 { 1 } else { 2 };
            let taken: [usize; ARRAY_LANES] = std::array::from_fn(|i| {
                let integrity = out.paths[i] & 4 != 0;
                sign_taken + 6 + 2 * usize::from(integrity)
            });
            words.take(&taken);
            // Usually every lane is live and on the usual path: no lane needs a look of its
            // own before its event goes out.
            let any_unusual = out.unusual[..n].iter().any(|&u| u != 0);
            let all_usual = live == n && !any_unusual;
            for i in 0..n {
                if !all_usual && outcomes[i].is_some() {
                    continue;
                }
                if !all_usual && out.unusual[i] != 0 {
                    let rng = chacha_rng(streams.0, streams.1, runs[i]);
                    outcomes[i] = Some(self.hand_over(rng, t, n_steps, &mut observers[i]));
                    live -= 1;
                    continue;
                }
                let next = next.state(i, t);
                let event = StepEvent {
                    t,
                    prev: &prev_states[i],
                    next: &next,
                    limits: StepLimits::one(
                        0,
                        Limit {
                            value: out.limit[i],
                            branch: CreditBranch::ALL[out.branch[i] as usize].name(),
                        },
                    ),
                    drawn: Draw {
                        payment: out.payment[i],
                        paths: out.paths[i],
                    },
                    applied: out.payment[i],
                };
                let flow = observers[i].step(&event);
                prev_states[i] = next;
                match flow {
                    Ok(Flow::Continue) => {}
                    Ok(Flow::Stop) => {
                        outcomes[i] = Some(Ok(()));
                        live -= 1;
                    }
                    Err(e) => {
                        outcomes[i] = Some(Err(RunError::Observe(e)));
                        live -= 1;
                    }
                }
            }
            // Recorded: the history takes the new state, which becomes the previous one.
            for i in 0..n {
                // A lane that is over (stopped, failed or handed over) keeps no history.
                if outcomes[i].is_none() {
                    windows[i].push_if_positive(exact_int(next.transaction[i]));
                }
            }
            cur = 1 - cur;
        }
        outcomes.into_iter().map(|o| o.unwrap_or(Ok(()))).collect()
    }

    /// The lane whose step `t` left the usual path, run by the scalar loop: replayed from
    /// its generator's start to t − 1 with no observer, then stepped with its observer to
    /// the end. Its outcome is the scalar run's.
    #[cold]
    fn hand_over<R: rand_core::Rng, O: Observer<Model>>(
        &self,
        mut rng: R,
        t: u64,
        n_steps: u64,
        observer: &mut O,
    ) -> Result<(), RunError<O::Error>> {
        let mut stepper = Stepper::new(self.model, self.rule, self.user, n_steps);
        for _ in 1..t {
            // The lanes took these steps without a failure, so the scalar loop does too.
            stepper.step(&mut rng, &mut ()).map_err(|e| match e {
                RunError::Step { timestep, source } => RunError::Step { timestep, source },
                RunError::Observe(never) => match never {},
            })?;
        }
        for _ in t..=n_steps {
            if stepper.step(&mut rng, observer)? == Flow::Stop {
                break;
            }
        }
        Ok(())
    }

    /// Step `t` of every lane from the states `prev` and their histories, with the
    /// processor's vector instructions where it has them (the same operations on the same
    /// values, so the same bits: no fused multiply-add is ever formed).
    #[inline]
    fn step(
        &self,
        t: u64,
        prev: &Soa,
        next: &mut Soa,
        windows: &[PositiveWindow],
        words: &[[u32; ARRAY_LANES]; STEP_WORDS_MAX],
        out: &mut StepOut,
    ) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2 (checked on the line above), the one
            // requirement of `step_avx2`.
            return unsafe { self.step_avx2(t, prev, next, windows, words, out) };
        }
        self.step_lanes(t, prev, next, windows, words, out)
    }

    /// [`Plan::step_lanes`] compiled for AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn step_avx2(
        &self,
        t: u64,
        prev: &Soa,
        next: &mut Soa,
        windows: &[PositiveWindow],
        words: &[[u32; ARRAY_LANES]; STEP_WORDS_MAX],
        out: &mut StepOut,
    ) {
        self.step_lanes(t, prev, next, windows, words, out)
    }

    /// The body of [`Plan::step`].
    #[inline(always)]
    fn step_lanes(
        &self,
        t: u64,
        prev: &Soa,
        next: &mut Soa,
        windows: &[PositiveWindow],
        words: &[[u32; ARRAY_LANES]; STEP_WORDS_MAX],
        out: &mut StepOut,
    ) {
        let (rule, user) = (self.rule, self.user);
        // Masks are kept as one u64 a lane (0 or 1), the width of a lane's double, so that
        // the loops stay vector code.
        let mut unusual = [0u64; ARRAY_LANES];

        // The limit (V1Rule): reads the previous means and credit; `n` is t − 1 in every lane.
        let n_prev = t - 1;
        let mut limit = prev.credit;
        let mut branch = [0u64; ARRAY_LANES];
        for i in 0..ARRAY_LANES {
            // The rule refuses non-finite means and a negative previous credit (which
            // only a model made with a negative initial credit has).
            let finite = prev.balance_mean[i].is_finite() & prev.send_volume_mean[i].is_finite();
            let negative_credit = prev.credit[i] < 0.0;
            unusual[i] = u64::from(!finite | negative_credit);
        }
        if n_prev < rule.warmup {
            branch = [CreditBranch::WarmUp as u64; ARRAY_LANES];
        } else if n_prev < self.model.sum_volume() {
            branch = [CreditBranch::Window as u64; ARRAY_LANES];
        } else {
            let mut s = [0.0; ARRAY_LANES];
            let mut square = [0.0; ARRAY_LANES];
            let mut needs_pow = 0u32;
            for i in 0..ARRAY_LANES {
                let avg = prev.send_volume_mean[i];
                s[i] = prev.balance_mean[i] / avg;
                square[i] = s[i] * s[i];
                // With no send volume the square is not used.
                let is_pow = square_is_pow(s[i], square[i]) | (avg == 0.0);
                needs_pow |= u32::from(!is_pow) << i;
            }
            // About one lane in eight: the C library's `pow`, as py_square takes it.
            while needs_pow != 0 {
                let i = needs_pow.trailing_zeros() as usize;
                square[i] = py_square(s[i]);
                needs_pow &= needs_pow - 1;
            }
            // A copy, so that the loop reads the constants from registers.
            let rule = *rule;
            for i in 0..ARRAY_LANES {
                let avg = prev.send_volume_mean[i];
                let zero = avg == 0.0;
                // Computed in every lane and then selected: no branch in the loop.
                let quadratic = rule.quadratic_credit(square[i], avg);
                let x = if zero { 0.0 } else { quadratic };
                let negative = x < 0.0;
                let r = rint(x);
                // NaN, or beyond the lanes' integers (and perhaps the scalar rule's error).
                let fits = r < INT_MAX;
                unusual[i] |= u64::from(!negative & !fits);
                // + 0.0: a credit of −0.0 is the integer 0, stored as +0.0.
                limit[i] = if negative { prev.credit[i] } else { r + 0.0 };
                let kept = if zero {
                    CreditBranch::ZeroSendVolume as u64
                } else {
                    CreditBranch::Quadratic as u64
                };
                branch[i] = if negative {
                    CreditBranch::NegativeFallback as u64
                } else {
                    kept
                };
            }
        }

        // The draw (NotebookUser::draw_at), against the stored capacity of t − 1.
        let avg_amount = user.avg_amount_at(t);
        let mut sign = [0.0; ARRAY_LANES];
        // Unbiased, the sign is one word and the draws start at the second.
        let d: &[[u32; ARRAY_LANES]] = if user.bias == 0.0 {
            for i in 0..ARRAY_LANES {
                sign[i] = if words[0][i] & 1 == 1 { 1.0 } else { -1.0 };
            }
            &words[1..]
        } else {
            for i in 0..ARRAY_LANES {
                let received = uniform01_of(words[0][i], words[1][i]) < 0.5 + user.bias;
                sign[i] = if received { 1.0 } else { -1.0 };
            }
            &words[2..]
        };
        let mut payment = [0.0; ARRAY_LANES];
        let mut large = [0u64; ARRAY_LANES];
        let mut integrity = [0u64; ARRAY_LANES];
        for i in 0..ARRAY_LANES {
            let capacity = prev.capacity[i];
            let mut amount = avg_amount * (uniform01_of(d[0][i], d[1][i]) + 0.5);
            amount *= sign[i];
            let y = uniform01_of(d[2][i], d[3][i]);
            let big = amount * 2.0 * y;
            let is_large = (y > 0.9) & (big < capacity);
            amount = if is_large { big } else { amount };
            let y = uniform01_of(d[4][i], d[5][i]);
            let big = amount * 10.0;
            let is_integrity = (y > user.integrity) & (big < capacity);
            let u = uniform01_of(d[6][i], d[7][i]);
            let scaled = big * uniform_of(-1.0, user.integrity, u);
            payment[i] = if is_integrity { scaled } else { amount };
            large[i] = u64::from(is_large);
            integrity[i] = u64::from(is_integrity);
        }
        let mut paths = [0u32; ARRAY_LANES];
        for i in 0..ARRAY_LANES {
            paths[i] = ((integrity[i] as u32) << 2) | large_paths(large[i] != 0, payment[i]);
        }

        // The step (V1::step): the means of the history (which ends with the state at
        // t − 1), the window, the new balance, credit, capacity and transaction.
        let count = t as f64;
        for i in 0..ARRAY_LANES {
            next.balance_mean[i] = (prev.sum[i] + prev.comp[i]) / count;
            next.send_volume_mean[i] = prev.send_volume_sum[i] / count;
            next.balance[i] = prev.balance[i] + payment[i];
            next.credit[i] = limit[i];
            let capacity = rint(prev.balance[i] + prev.credit[i]);
            let transaction = rint(payment[i]);
            // NaN, or beyond the lanes' integers (and perhaps the scalar step's error).
            unusual[i] |= u64::from(!((capacity.abs() < INT_MAX) & (transaction.abs() < INT_MAX)));
            next.capacity[i] = capacity + 0.0;
            next.transaction[i] = transaction + 0.0;
        }
        for (i, window) in windows.iter().enumerate() {
            next.send_volume[i] = window.newest_sum(usize::MAX) as f64;
        }
        // Recorded in the history.
        for i in 0..ARRAY_LANES {
            (next.sum[i], next.comp[i]) = neumaier_add(prev.sum[i], prev.comp[i], next.balance[i]);
            next.send_volume_sum[i] = prev.send_volume_sum[i] + next.send_volume[i];
            // Beyond the lanes' integers (the scalar's sum is an i128).
            let fits = next.send_volume_sum[i] < INT_MAX;
            unusual[i] |= u64::from(!fits);
        }
        *out = StepOut {
            limit,
            branch,
            payment,
            paths,
            unusual,
        };
    }
}
