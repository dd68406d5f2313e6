//! The seam between the step and the history it summarises.
//!
//! The notebook rescans the whole history every step: the send volume, and two means over
//! every state so far. [`History`] hides how that summary is kept. [`ExactHistory`] keeps
//! the history and computes the means exactly as numpy does (pairwise summation, with the
//! sums of the immutable past kept along the tree's right edge), so it is bit-exact with
//! cadCAD at O(t) memory: at most 25 bytes a step. [`StreamingHistory`] keeps running sums and a ring of the last K
//! positive transactions: O(1) work and O(K) memory per step, integer columns identical,
//! the balance mean equal to within a stated tolerance.

use crate::numeric::{PairwiseLeaf, pairwise_sum};
use crate::v1::State;

/// What a step needs of the history `H` (the states at times 0 … t − 1, genesis included).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryView {
    /// The mean of `userBalance` over `H`.
    pub balance_mean: f64,
    /// The mean of `sendVolume` over `H`.
    pub send_volume_mean: f64,
    /// The sum of the last `sumVolume` positive `transaction` values of `H`.
    pub send_volume_window: i64,
}

/// `x as f64`, through an i64 when it fits (the usual case): the i128 conversion is a
/// software routine several times slower, and both give the same double.
///
/// The wide case is a separate function kept out of line: inlined, the compiler saw that
/// both arms give `x as f64` and merged them into the software routine for every value.
#[inline]
fn i128_to_f64(x: i128) -> f64 {
    match i64::try_from(x) {
        Ok(v) => v as f64,
        Err(_) => wide_to_f64(x),
    }
}

/// `x as f64` for an `x` beyond `i64` (see [`i128_to_f64`]).
#[cold]
#[inline(never)]
fn wide_to_f64(x: i128) -> f64 {
    x as f64
}

/// A record of the states so far that can summarise itself for the next step.
pub trait History: Clone + Send {
    /// An empty history for the send-volume window `sum_volume`, with room for a run of
    /// `n_steps` steps.
    fn for_run(sum_volume: u64, n_steps: u64) -> Self
    where
        Self: Sized;
    /// Appends the newest state (genesis first).
    fn push(&mut self, state: &State);
    /// The summary of every state pushed so far, for a window of `sum_volume`.
    fn view(&self, sum_volume: u64) -> HistoryView;
    /// How many states have been pushed.
    fn len(&self) -> usize;
    /// True when nothing has been pushed.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The history kept in full, summarised as numpy would: bit-exact.
///
/// The balance mean is numpy's pairwise sum divided by the count. The send-volume mean is
/// the exact integer sum divided by the count: numpy sums those (integer-valued) doubles
/// pairwise too, but every partial sum is an integer below 2^53 under validated parameters,
/// so any order gives the exact sum and the same double.
///
/// numpy's pairwise sum of `n > 128` values splits at `m = n/2 − (n/2) mod 8` and recurses
/// into both halves; as `n` grows, only the rightmost path of that tree (the *spine*)
/// changes. The sum is kept with exactly numpy's additions in numpy's order, so it is
/// bit-identical to [`pairwise_sum`] over the whole history, from four things:
/// - the left half of the root, `[0, m)`, is a prefix whose sum was this history's own sum
///   when it held `m` states: kept for every multiple of 8 (`prefix_sums`);
/// - the left child of every deeper spine node is cached, one per level (`spine`), and
///   summed afresh only when its start or length changes (about every 16 pushes);
/// - the rightmost leaf (at most 128 values) is kept as values arrive (`leaf`, a
///   `PairwiseLeaf`: numpy's eight accumulators and the leftovers' running sum, O(1) a
///   push), and summed afresh only when the spine moves its start;
/// - the spine's sums are added up from the leaf upwards, as numpy's recursion returns.
///
/// Memory is what a run holds, and nothing else: 8 bytes per state (the balances), 1 byte
/// per state (a prefix sum every 8), 16 bytes per positive transaction (their prefix sums)
/// and O(log t) for the spine — at most 25 bytes a step, 25 MB for a run of
/// `crate::params::STEPS_MAX` steps. Work is O(log t) a push plus the fresh left
/// children and leaves: about t/16 additions a push on average, whose total over a run of
/// T steps, about T²/32, dominates only for runs of hundreds of thousands of steps.
#[derive(Debug, Clone, Default)]
pub struct ExactHistory {
    balances: Vec<f64>,
    balance_sum: f64,
    /// `prefix_sums[j]` is the pairwise sum of the first `8·j` balances.
    prefix_sums: Vec<f64>,
    /// The left child of spine node `d + 1` (the root is node 0): (start, length, sum).
    spine: Vec<(usize, usize, f64)>,
    /// How many spine levels the tree of the current count has (`spine[..levels]`).
    levels: usize,
    /// The sum of the root's left half (`prefix_sums[m / 8]`) for the current count.
    root_left: f64,
    /// Where the rightmost leaf of the sum tree starts; it ends at the newest balance.
    leaf_start: usize,
    /// numpy's sum of the rightmost leaf, `balances[leaf_start..]`.
    leaf: PairwiseLeaf,
    send_volume_sum: i128,
    /// Prefix sums of the positive transactions, oldest first (`[0]` is the empty sum
    /// once anything was pushed), so any window's sum is one subtraction.
    positive_prefix: Vec<i128>,
}

/// Where numpy's pairwise sum splits a block of `len > 128` values.
#[inline]
fn pairwise_split(len: usize) -> usize {
    let half = len / 2;
    half - half % 8
}

impl ExactHistory {
    /// An empty history with room for `capacity` states.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        ExactHistory {
            balances: Vec::with_capacity(capacity),
            prefix_sums: Vec::with_capacity(capacity / 8 + 1),
            // At most one positive transaction a state, and the empty sum.
            positive_prefix: Vec::with_capacity(capacity.saturating_add(1)),
            ..ExactHistory::default()
        }
    }

    /// Forgets every state, keeping the allocations.
    pub fn clear(&mut self) {
        self.balances.clear();
        self.balance_sum = 0.0;
        self.prefix_sums.clear();
        self.spine.clear();
        self.levels = 0;
        self.root_left = 0.0;
        self.leaf_start = 0;
        self.leaf = PairwiseLeaf::default();
        self.send_volume_sum = 0;
        self.positive_prefix.clear();
    }

    /// numpy's pairwise sum of every balance, from the kept prefix sums, spine and leaf,
    /// once `newest` has been appended to the balances.
    ///
    /// The tree's shape (every split point, so the spine and the leaf's start) changes only
    /// when the count `n` reaches a multiple of 8 (split points are multiples of 8 and move
    /// when a length crosses a multiple of 16) or one past it (a leaf of 128 values becomes
    /// a split node at 129). Between those, `newest` only extends the leaf.
    #[inline]
    fn pairwise_of_all(&mut self, newest: f64) -> f64 {
        let n = self.balances.len();
        if n <= 128 {
            // One leaf, the whole history.
            debug_assert_eq!((self.leaf_start, self.leaf.len()), (0, n - 1));
            self.leaf.push(newest);
            return self.leaf.sum();
        }
        if n % 8 >= 2 {
            debug_assert_eq!(self.leaf.len(), n - 1 - self.leaf_start);
            self.leaf.push(newest);
        } else {
            self.reshape(n);
        }
        // numpy adds each left child to the sum of its right sibling, deepest first.
        let mut right = self.leaf.sum();
        for &(_, _, sum) in self.spine[..self.levels].iter().rev() {
            right += sum; // IEEE addition commutes: sum + right, bit for bit
        }
        self.root_left + right
    }

    /// Walks the tree of `n > 128` values down its spine, summing afresh the left children
    /// and the leaf whose place changed, and extending the leaf by the newest value when
    /// its start stayed.
    #[cold]
    #[inline(never)]
    fn reshape(&mut self, n: usize) {
        let a = &self.balances;
        let m = pairwise_split(n);
        self.root_left = self.prefix_sums[m / 8];
        // Down the spine: node d + 1 starts at `start` and holds `len` values.
        let (mut start, mut len, mut level) = (m, n - m, 0);
        while len > 128 {
            let split = pairwise_split(len);
            match self.spine.get(level) {
                Some(&(s, l, _)) if s == start && l == split => {}
                _ => {
                    let sum = pairwise_sum(&a[start..start + split]);
                    self.spine.truncate(level);
                    self.spine.push((start, split, sum));
                }
            }
            start += split;
            len -= split;
            level += 1;
        }
        self.levels = level;
        // The leaf [start, n): the previous leaf plus the newest value when the spine kept
        // its start.
        if start == self.leaf_start {
            debug_assert_eq!(self.leaf.len(), len - 1);
            self.leaf.push(a[n - 1]);
        } else {
            self.leaf_start = start;
            self.leaf = PairwiseLeaf::of(&a[start..]);
        }
    }
}

impl History for ExactHistory {
    fn for_run(_sum_volume: u64, n_steps: u64) -> Self {
        // One slot per state; STEPS_MAX bounds this at 8 MB.
        let n_states = n_steps.min(crate::params::STEPS_MAX) + 1;
        ExactHistory::with_capacity(usize::try_from(n_states).unwrap_or(0))
    }

    #[inline]
    fn push(&mut self, state: &State) {
        self.balances.push(state.balance);
        self.balance_sum = self.pairwise_of_all(state.balance);
        if self.balances.len().is_multiple_of(8) {
            if self.prefix_sums.is_empty() {
                self.prefix_sums.push(0.0);
            }
            self.prefix_sums.push(self.balance_sum);
        }
        self.send_volume_sum += i128::from(state.send_volume);
        if self.positive_prefix.is_empty() {
            self.positive_prefix.push(0);
        }
        if state.transaction > 0 {
            let last = self.positive_prefix[self.positive_prefix.len() - 1];
            self.positive_prefix
                .push(last + i128::from(state.transaction));
        }
    }

    fn view(&self, sum_volume: u64) -> HistoryView {
        let n = self.balances.len() as f64;
        let n_positives = self.positive_prefix.len().saturating_sub(1);
        let k = usize::try_from(sum_volume)
            .unwrap_or(usize::MAX)
            .min(n_positives);
        let window = match self.positive_prefix.last() {
            Some(&last) => last - self.positive_prefix[n_positives - k],
            None => 0,
        };
        // Validated parameters keep a window below 2^53; saturate beyond, as before.
        let window = i64::try_from(window).unwrap_or(if window < 0 { i64::MIN } else { i64::MAX });
        HistoryView {
            balance_mean: self.balance_sum / n,
            send_volume_mean: i128_to_f64(self.send_volume_sum) / n,
            send_volume_window: window,
        }
    }

    fn len(&self) -> usize {
        self.balances.len()
    }
}

/// The history summarised by running sums: O(1) work and O(min(K, t)) memory per step.
///
/// Keeps, instead of the states, what the next step reads of them:
/// - the balance sum as a Neumaier (compensated) sum, so the balance mean is the correctly
///   rounded sum to within about one ulp, divided by the count. numpy's pairwise sum carries
///   an error of up to about `log2(t/8)` ulps of the sum of `|balance|`, so the two means
///   differ in the last bits; they agree within a relative tolerance (see the differential
///   tests in `tests/streaming.rs`), not bit for bit;
/// - the send-volume sum as an exact integer, so `avgSendVolume` is bit-identical to the
///   exact engine's;
/// - a ring buffer of the last K positive transactions (K = `sumVolume`, fixed at
///   construction) and their running sum, so `sendVolume` is exact and identical too.
///
/// Nothing here grows with the number of steps: the ring holds at most K values.
#[derive(Debug, Clone)]
pub struct StreamingHistory {
    n_states: usize,
    balance_sum: f64,
    balance_comp: f64,
    send_volume_sum: i128,
    window: PositiveWindow,
}

/// `sum + x` as a Neumaier (compensated) sum: the new sum and compensation from the old.
///
/// Neumaier's variant of Kahan summation: the exact error term whichever addend is larger.
/// The larger and smaller addend are selected, not branched on: which is larger changes at
/// random as balances cross zero. The one definition [`StreamingHistory`] and the batched
/// engine ([`crate::batch`]) both use.
#[inline]
pub(crate) fn neumaier_add(sum: f64, comp: f64, x: f64) -> (f64, f64) {
    let t = sum + x;
    let (big, small) = if sum.abs() >= x.abs() {
        (sum, x)
    } else {
        (x, sum)
    };
    (t, comp + ((big - t) + small))
}

/// The last `capacity` positive transactions in a ring, with their sum.
#[derive(Debug, Clone)]
pub(crate) struct PositiveWindow {
    capacity: usize,
    ring: Vec<i64>,
    head: usize,
    sum: i64,
}

impl PositiveWindow {
    pub(crate) fn new(capacity: usize) -> Self {
        PositiveWindow {
            capacity,
            // Grows as positives arrive, up to `capacity`; never reallocates past it.
            ring: Vec::with_capacity(capacity.min(64)),
            head: 0,
            sum: 0,
        }
    }

    #[inline]
    fn push(&mut self, value: i64) {
        if self.capacity == 0 {
            return;
        }
        if self.ring.len() < self.capacity {
            self.ring.push(value);
            self.sum += value;
        } else {
            // The ring is full: `head` is the oldest value; replace it.
            let old = std::mem::replace(&mut self.ring[self.head], value);
            self.sum += value - old;
            self.head += 1;
            if self.head == self.capacity {
                self.head = 0;
            }
        }
    }

    /// Pushes `value` when it is positive. Once the ring is full (a run's steady state) this
    /// is branch-free: whether a step's transaction is positive is a coin flip, which as a
    /// branch would be mispredicted every other step.
    #[inline]
    pub(crate) fn push_if_positive(&mut self, value: i64) {
        let positive = value > 0;
        if self.ring.len() < self.capacity || self.capacity == 0 {
            if positive {
                self.push(value);
            }
            return;
        }
        let old = self.ring[self.head];
        let new = if positive { value } else { old };
        self.ring[self.head] = new;
        self.sum += new - old;
        let next = if self.head + 1 == self.capacity {
            0
        } else {
            self.head + 1
        };
        self.head = if positive { next } else { self.head };
    }

    /// The sum of the newest `k` values (all of them when `k` is at least the count).
    #[inline]
    pub(crate) fn newest_sum(&self, k: usize) -> i64 {
        if k >= self.ring.len() {
            return self.sum;
        }
        // Walk back from the newest value; only used for a window narrower than the ring.
        let len = self.ring.len();
        let newest = (self.head + len - 1) % len;
        (0..k).map(|i| self.ring[(newest + len - i) % len]).sum()
    }
}

impl StreamingHistory {
    /// An empty history for the send-volume window `sum_volume` (the parameter `sumVolume`).
    ///
    /// [`History::view`] is O(1) for this window; a narrower window costs O(window), and a
    /// wider one sees at most `sum_volume` positives (a debug assertion catches that misuse).
    pub fn new(sum_volume: u64) -> Self {
        StreamingHistory {
            n_states: 0,
            balance_sum: 0.0,
            balance_comp: 0.0,
            send_volume_sum: 0,
            window: PositiveWindow::new(usize::try_from(sum_volume).unwrap_or(usize::MAX)),
        }
    }

    /// Forgets every state, keeping the window size and the allocation.
    pub fn clear(&mut self) {
        let capacity = self.window.capacity;
        let mut ring = std::mem::take(&mut self.window.ring);
        ring.clear();
        *self = StreamingHistory::new(capacity as u64);
        self.window.ring = ring;
    }
}

impl Default for StreamingHistory {
    /// A history for the notebook's window (`sumVolume = 30`, `Params::default()`).
    fn default() -> Self {
        StreamingHistory::new(crate::v1::Params::default().sum_volume())
    }
}

impl History for StreamingHistory {
    fn for_run(sum_volume: u64, _n_steps: u64) -> Self {
        StreamingHistory::new(sum_volume)
    }

    #[inline]
    fn push(&mut self, state: &State) {
        self.n_states += 1;
        (self.balance_sum, self.balance_comp) =
            neumaier_add(self.balance_sum, self.balance_comp, state.balance);
        self.send_volume_sum += i128::from(state.send_volume);
        self.window.push_if_positive(state.transaction);
    }

    #[inline]
    fn view(&self, sum_volume: u64) -> HistoryView {
        debug_assert!(
            usize::try_from(sum_volume).is_ok_and(|k| k <= self.window.capacity),
            "a streaming history built for window {} was asked for window {sum_volume}",
            self.window.capacity
        );
        let n = self.n_states as f64;
        let k = usize::try_from(sum_volume).unwrap_or(usize::MAX);
        HistoryView {
            balance_mean: (self.balance_sum + self.balance_comp) / n,
            send_volume_mean: i128_to_f64(self.send_volume_sum) / n,
            send_volume_window: self.window.newest_sum(k),
        }
    }

    fn len(&self) -> usize {
        self.n_states
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(balance: f64, send_volume: i64, transaction: i64) -> State {
        State {
            balance,
            balance_mean: 0.0,
            n_transactions: 0,
            credit: 0,
            capacity: 0,
            send_volume,
            send_volume_mean: 0.0,
            transaction,
        }
    }

    #[test]
    fn window_sums_the_newest_positives_only() {
        let mut h = StreamingHistory::new(3);
        let mut e = ExactHistory::default();
        for (i, tx) in [5, -2, 7, 0, 1, 9, -4, 11, 2].into_iter().enumerate() {
            let s = state(i as f64, i as i64, tx);
            h.push(&s);
            e.push(&s);
            assert_eq!(h.view(3).send_volume_window, e.view(3).send_volume_window);
            assert_eq!(h.view(2).send_volume_window, e.view(2).send_volume_window);
            assert_eq!(h.view(3).send_volume_mean, e.view(3).send_volume_mean);
        }
        // The newest three positives are 9, 11 and 2.
        assert_eq!(h.view(3).send_volume_window, 22);
    }

    #[test]
    fn window_is_the_sum_of_the_newest_positives_at_every_step() {
        // Transactions of random sign (zeros included), against a direct sum over the
        // list, for windows narrower and wider than the positives seen; again after
        // `clear`.
        let mut e = ExactHistory::with_capacity(4);
        let mut x: u64 = 0x0123_4567_89ab_cdef;
        for _ in 0..2 {
            let mut txs: Vec<i64> = Vec::new();
            for _ in 0..600 {
                let tx =
                    (unit(&mut x) * 2000.0) as i64 - 1000 + i64::from(txs.len().is_multiple_of(5));
                let tx = if txs.len() % 7 == 3 { 0 } else { tx };
                txs.push(tx);
                e.push(&state(0.0, 0, tx));
                for k in [1u64, 2, 7, 30, 1000] {
                    let expected: i64 = txs.iter().rev().filter(|&&t| t > 0).take(k as usize).sum();
                    assert_eq!(
                        e.view(k).send_volume_window,
                        expected,
                        "k = {k}, t = {}",
                        txs.len()
                    );
                }
            }
            e.clear();
            assert_eq!(e.view(30).send_volume_window, 0);
        }
    }

    /// The next of xorshift64's numbers from `x`, as a double in [0, 1).
    /// Pushes the balance `b` to `e` and to `all`, and checks that `e`'s mean is numpy's
    /// over `all`, bit for bit.
    #[track_caller]
    fn push_and_check(e: &mut ExactHistory, all: &mut Vec<f64>, b: f64, what: &str) {
        all.push(b);
        e.push(&state(b, 0, 0));
        let expected = pairwise_sum(all) / all.len() as f64;
        assert_eq!(
            e.view(30).balance_mean.to_bits(),
            expected.to_bits(),
            "{what} n = {}",
            all.len()
        );
    }

    fn unit(x: &mut u64) -> f64 {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        (*x >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn memoised_pairwise_sum_is_numpys_bit_for_bit() {
        // Values of mixed sign and magnitude, where summation order shows in the last bits.
        let mut e = ExactHistory::default();
        let mut all = Vec::new();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..3000 {
            let b = (unit(&mut x) - 0.45) * 1e4 / 3.0;
            push_and_check(&mut e, &mut all, b, "");
        }
    }

    #[test]
    fn incremental_leaf_and_spine_are_numpys_sum_at_every_length() {
        // Every length up to 2,100 (the 128/129 step from one leaf to a split, every split
        // boundary, spines of up to four levels) on values where the order of additions
        // shows: signed zeros, magnitudes from 1e-3 to 1e16. Run twice on one history, the
        // second time after `clear`, which must forget the leaf and the spine.
        let mut e = ExactHistory::with_capacity(16);
        for pass in 0..2 {
            let mut all = Vec::new();
            let mut x: u64 = 0xdead_beef_cafe_f00d + pass;
            for _ in 0..2100 {
                let u = unit(&mut x);
                let b = match x % 7 {
                    0 => -0.0,
                    1 => 0.0,
                    2 => (u - 0.5) * 1e16,
                    3 => (u - 0.5) * 1e-3,
                    _ => (u - 0.45) * 1e4 / 3.0,
                };
                push_and_check(&mut e, &mut all, b, &format!("pass {pass}"));
            }
            e.clear();
            assert!(e.is_empty());
        }
    }

    #[test]
    fn long_histories_keep_numpys_pairwise_sum_and_a_bounded_spine() {
        // Past every spine depth a run of STEPS_MAX steps reaches (13 levels below the
        // root), checked against the plain recursion at steps spread over the run.
        let mut e = ExactHistory::default();
        let mut all = Vec::new();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 1..=300_000usize {
            let b = (unit(&mut x) - 0.5) * 1e9 / 7.0;
            all.push(b);
            e.push(&state(b, 0, 0));
            if i % 4099 == 0 || i % 65_536 < 3 || i == 300_000 {
                let expected = pairwise_sum(&all) / all.len() as f64;
                assert_eq!(
                    e.view(30).balance_mean.to_bits(),
                    expected.to_bits(),
                    "n = {i}"
                );
            }
        }
        assert!(e.spine.len() <= 12, "spine of {} levels", e.spine.len());
        assert_eq!(e.prefix_sums.len(), 300_000 / 8 + 1);
    }

    #[test]
    fn compensated_sum_recovers_what_a_plain_sum_loses() {
        // 1e16 + 1 + 1 − 1e16: a plain left-to-right sum gives 0 (each 1 is lost), the
        // compensated sum gives the exact 2.
        let mut h = StreamingHistory::new(1);
        for b in [1e16, 1.0, 1.0, -1e16] {
            h.push(&state(b, 0, 0));
        }
        assert_eq!(h.view(1).balance_mean, 2.0 / 4.0);
    }
}
