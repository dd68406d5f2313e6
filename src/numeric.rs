//! Numeric helpers that reproduce Python's and numpy's arithmetic to the last bit.
//!
//! The notebook rounds with Python's `round` and averages with `numpy.mean`. Both differ
//! from the obvious Rust one-liners in the last bits (or, for rounding, in which way a tie
//! goes), and those bits decide whether our trajectories equal cadCAD's. Everything here is
//! a pure function of its arguments; none of it allocates except the rare exact fallback of
//! [`py_round`].

use std::fmt::Write as _;

/// Python's `s**2` for a float (or numpy float64) `s`: the C library's `pow(s, 2.0)`.
///
/// This is *not* always `s * s`: glibc's `pow` is not correctly rounded and differs from the
/// exact square's nearest double in about 0.09% of inputs (by one ulp). The notebook
/// squares with `pow`, so we return what `pow` returns — but call it only where its answer
/// can differ from `s * s` ([`square_is_pow`]); about one input in eight, instead of every
/// one. The exponent of the call goes through `black_box` so the compiler cannot rewrite
/// it into a multiplication.
#[inline]
pub fn py_square(s: f64) -> f64 {
    let p = s * s;
    if square_is_pow(s, p) {
        p
    } else {
        s.powf(std::hint::black_box(2.0))
    }
}

/// True when `p = s * s` is provably what glibc's `pow(s, 2.0)` returns, so the call can be
/// skipped.
///
/// `s * s` is the exact square `x` rounded to nearest. glibc's `pow` (since 2.28, the
/// version in `sysdeps/ieee754/dbl-64/e_pow.c`) is documented to be within 0.54 ulp of the
/// exact result; the Python-made table `tests/data/python/pow2_check.txt` saw at most
/// 0.508. If `pow` returned a neighbour of `p` instead, it would be at least
/// 0.5 ulp + d from `x`, where d is the distance from `x` to the rounding midpoint next to
/// it. So when d > 1/16 ulp, `pow` cannot return anything but `p`. d is computed exactly:
/// the rounding error `e = x − p` of the product is exact (Dekker's product with Veltkamp's
/// split, no fused multiply-add needed) and d = ulp/2 − |e|.
///
/// The characterised set where `pow` is still called: d ≤ 1/16 ulp (about 12.5% of
/// inputs), `p` a power of two (the ulp changes there), and `p` outside [2^-823, 2^877)
/// (zero, subnormal, huge, non-finite: where the split or the error term could round).
/// `tests/numeric_quickcheck.rs` checks [`py_square`] against `pow` on millions of inputs.
#[inline]
pub fn square_is_pow(s: f64, p: f64) -> bool {
    const MANTISSA: u64 = (1 << 52) - 1;
    let bits = p.to_bits();
    let biased = bits >> 52; // p ≥ 0 (or NaN, whose biased exponent is 2047)
    let in_range = (200..1900).contains(&biased) && bits & MANTISSA != 0;
    // Veltkamp: s = hi + lo exactly, hi and lo of at most 26 significant bits each.
    let c = 134_217_729.0 * s; // 2^27 + 1
    let hi = c - (c - s);
    let lo = s - hi;
    // Dekker: the exact error of the rounded product (every operation here is exact).
    let e = (((hi * hi - p) + hi * lo) + hi * lo) + lo * lo;
    // ulp(p)/2 = 2^(E − 53) for p = 1.m · 2^E: biased exponent (biased − 53).
    let half_ulp = f64::from_bits(biased.saturating_sub(53).min(2046) << 52);
    // d > ulp/16 ⟺ |e| < ulp/2 − ulp/16 = (7/8)·ulp/2 (exact: a power of two times 7/8).
    in_range & (e.abs() < 0.875 * half_ulp)
}

/// C's `rint` in the default rounding mode: `x` rounded to an integer, ties to even
/// (`f64::round_ties_even`), without a call.
///
/// Below 2^52 in magnitude, `|x| + 2^52` lies in [2^52, 2^53), where doubles are the
/// integers, so the addition rounds `|x|` to an integer, ties to even (2^52 is even), and
/// subtracting 2^52 back is exact; the sign is put back (so −0.4 gives −0.0, as `rint`
/// does). From 2^52 up every double is an integer, and NaN and ±∞ are their own `rint`:
/// `x` itself. Branch-free (a select), where `round_ties_even` is a library call on
/// processors without SSE4.1 (the x86-64 baseline).
#[inline]
pub fn rint(x: f64) -> f64 {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    let a = x.abs();
    let r = ((a + TWO_52) - TWO_52).copysign(x);
    if a < TWO_52 { r } else { x }
}

/// The largest number of decimal places [`py_round`] accepts.
///
/// `10^15` is still an exact double, which the fast path relies on; no rule needs more.
pub(crate) const ROUND_DIGITS_MAX: u32 = 15;

/// Python's `round(x)` followed by `int(...)`: round half to even, to an integer.
///
/// Returns `None` when `x` is NaN or the rounded value does not fit an `i64` (Python would
/// raise `ValueError` or produce a big integer there).
///
/// Below 2^52 in magnitude (every value a run produces) the integer is read off the bits
/// of `|x| + 2^52`, the sum [`rint`] makes: doubles in [2^52, 2^53] are the integers, one
/// bit pattern apart, so `bits(|x| + 2^52) − bits(2^52)` is `|x|` rounded half to even,
/// 2^52 included; the sign is put back with a mask. That spends an integer subtraction
/// where [`rint`] and a conversion to `i64` spend a floating subtraction, a select and a
/// saturating conversion, on the path from a mean to the next credit.
#[inline]
pub fn round_half_even(x: f64) -> Option<i64> {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    let a = x.abs();
    if a < TWO_52 {
        // Both bit patterns are below 2^63: the casts and the subtraction are exact.
        let k = (a + TWO_52).to_bits() as i64 - TWO_52.to_bits() as i64;
        let sign = (x.to_bits() as i64) >> 63; // 0 or −1
        return Some((k ^ sign) - sign);
    }
    // From 2^52 up (and NaN) `x` is its own rint. 2^63 is exactly representable; every
    // double below it (and >= -2^63) fits an i64.
    if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&x) {
        Some(x as i64)
    } else {
        None
    }
}

/// Python's `round(x, ndigits)` for a float `x` and `0 <= ndigits <= ROUND_DIGITS_MAX`.
///
/// Python rounds the *exact* binary value of `x` to `ndigits` decimal places, ties to
/// even, and returns the double nearest to that decimal. So `round(2.675, 2) == 2.67`
/// (2.675 is stored as 2.67499999…) and `round(0.125, 2) == 0.12` (an exact tie).
/// Non-finite `x` is returned unchanged, as Python does; the sign of a zero result
/// follows `x` (`round(-0.001, 2) == -0.0`).
///
/// Fast path: `p = x·10^d` carries an error of at most half an ulp of `p`, so when `p` is
/// more than one ulp away from a half-integer its nearest integer `k` is the one the exact
/// value rounds to, and `k / 10^d` (a correctly rounded division of two exact doubles) is
/// the double nearest to the decimal. Near ties and for large magnitudes we fall back to
/// Rust's exact decimal formatting, which rounds the exact binary value half to even, and
/// parse the digits back (correctly rounded), which is what CPython does with `dtoa`.
pub fn py_round(x: f64, ndigits: u32) -> f64 {
    debug_assert!(ndigits <= ROUND_DIGITS_MAX);
    if !x.is_finite() {
        return x;
    }
    let scale = POW10[ndigits.min(ROUND_DIGITS_MAX) as usize];
    let p = x * scale;
    // Below 2^40 the ulp of p is at most 2^-12, far below the 0.5 margin we test.
    if p.abs() < 1_099_511_627_776.0 {
        let k = p.round_ties_even();
        let margin = ((p - k).abs() - 0.5).abs();
        // ulp(p) <= |p| * 2^-52; use a slightly larger bound to stay on the safe side.
        let ulp_bound = p.abs().max(f64::MIN_POSITIVE) * 4.440_892_098_500_626e-16;
        if margin > ulp_bound {
            let r = k / scale;
            // Keep the sign of x on a zero result, as Python does.
            return if r == 0.0 { 0.0f64.copysign(x) } else { r };
        }
    }
    py_round_exact(x, ndigits)
}

/// numpy's `round(x, ndigits)` for a float64 (`numpy.float64.__round__`, `numpy.round`):
/// `rint(x · 10^d) / 10^d`, the product rounded half to even.
///
/// This is what the notebook's `round(t, 2)` computes: `t` is a `numpy.float64` there
/// (it is made from the means `np.mean` returns), so Python dispatches to numpy's rounding,
/// not to Python's. The two differ when `x · 10^d` lands on or next to a half-integer
/// although `x`'s exact value is not a tie: `round(np.float64(2.675), 2) == 2.68` while
/// `round(2.675, 2) == 2.67`. Non-finite `x` stays as it is; a product that overflows gives
/// ±∞, as in numpy; the sign of a zero result follows `x`.
#[inline]
pub(crate) fn numpy_round(x: f64, ndigits: u32) -> f64 {
    let scale = POW10[ndigits.min(ROUND_DIGITS_MAX) as usize];
    rint(x * scale) / scale
}

/// The exact (slow) form of [`py_round`]: decimal formatting, then parsing back.
fn py_round_exact(x: f64, ndigits: u32) -> f64 {
    let mut buf = String::with_capacity(48);
    // Rust's `{:.N}` renders the exact binary value rounded half to even.
    let _ = write!(buf, "{:.*}", ndigits as usize, x);
    // The digits we just wrote always parse; a failure would be a formatting bug.
    let r: f64 = buf.parse().unwrap_or(x);
    if r == 0.0 { 0.0f64.copysign(x) } else { r }
}

const POW10: [f64; ROUND_DIGITS_MAX as usize + 1] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// numpy's pairwise summation of a float64 slice (`np.add.reduce`, used by `np.mean`).
///
/// Fewer than 8 values are added left to right from `0.0`; up to 128 values use eight
/// interleaved accumulators combined as `((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))` plus the
/// leftovers left to right; longer slices split at `n/2 − (n/2) mod 8` and add the two
/// halves' sums. The result differs from a left-to-right sum in the last bits.
///
/// This is the plain transcription of numpy's `pairwise_sum` (`loops_utils.h.src`), the
/// reference [`crate::v1::ExactHistory`]'s incremental sum is tested against.
pub fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &v in a {
            res += v;
        }
        res
    } else if n <= 128 {
        let mut blocks = a.chunks_exact(8);
        let mut r = [0.0f64; 8];
        if let Some(first) = blocks.next() {
            r.copy_from_slice(first);
        }
        for block in blocks.by_ref() {
            for (acc, &v) in r.iter_mut().zip(block) {
                *acc += v;
            }
        }
        let mut res = combine_eight(&r);
        for &v in blocks.remainder() {
            res += v;
        }
        res
    } else {
        let half = n / 2;
        let split = half - half % 8;
        pairwise_sum(&a[..split]) + pairwise_sum(&a[split..])
    }
}

/// How numpy combines its eight accumulators: `((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))`.
#[inline]
fn combine_eight(r: &[f64; 8]) -> f64 {
    ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
}

/// numpy's pairwise sum of a block of at most 128 values (one leaf of its sum tree), kept
/// as values are appended: after every [`PairwiseLeaf::push`], [`PairwiseLeaf::sum`] is
/// bit for bit [`pairwise_sum`] of the values pushed so far, at O(1) work a push.
///
/// numpy adds the values of a leaf in a fixed order: below 8 values left to right from
/// `0.0`; from 8 on, every full block of 8 into eight accumulators, the accumulators
/// combined ([`combine_eight`]), then the leftovers (fewer than 8) left to right. So the
/// sum of `n` values is the sum of `n − 1` values plus the new one, except when the new
/// value completes a block: then the block is added to the accumulators and the sum
/// starts again from their combination. Every addition is the one numpy makes, in the
/// same order. Beyond 128 values numpy splits the block; the caller starts a new leaf.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct PairwiseLeaf {
    /// The accumulators after the complete blocks pushed so far.
    acc: [f64; 8],
    /// The values of the block being filled (the first `len % 8`).
    block: [f64; 8],
    /// How many values were pushed.
    len: usize,
    /// numpy's sum of the values pushed so far.
    sum: f64,
}

impl PairwiseLeaf {
    /// The leaf of `a` (at most 128 values), as if each had been pushed in order.
    pub(crate) fn of(a: &[f64]) -> Self {
        debug_assert!(a.len() <= 128, "a leaf of {} values", a.len());
        let mut leaf = PairwiseLeaf {
            len: a.len(),
            ..PairwiseLeaf::default()
        };
        let mut blocks = a.chunks_exact(8);
        if let Some(first) = blocks.next() {
            leaf.acc.copy_from_slice(first);
            for block in blocks.by_ref() {
                for (acc, &v) in leaf.acc.iter_mut().zip(block) {
                    *acc += v;
                }
            }
            leaf.sum = combine_eight(&leaf.acc);
        }
        let rest = blocks.remainder();
        for &v in rest {
            leaf.sum += v;
        }
        leaf.block[..rest.len()].copy_from_slice(rest);
        leaf
    }

    /// Appends `x`.
    #[inline]
    pub(crate) fn push(&mut self, x: f64) {
        let j = self.len % 8;
        self.block[j] = x;
        self.len += 1;
        if j < 7 {
            // A leftover: numpy adds it to the sum so far (from 0.0 below 8 values).
            self.sum += x;
        } else {
            if self.len == 8 {
                self.acc = self.block;
            } else {
                for (acc, &v) in self.acc.iter_mut().zip(&self.block) {
                    *acc += v;
                }
            }
            self.sum = combine_eight(&self.acc);
        }
    }

    /// numpy's pairwise sum of the values pushed so far (`0.0` for none).
    #[inline]
    pub(crate) fn sum(&self) -> f64 {
        self.sum
    }

    /// How many values were pushed.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

/// `numpy.mean` of a float64 slice: the pairwise sum divided once by the count.
///
/// An empty slice gives NaN, as numpy does (with a warning there).
pub fn numpy_mean(a: &[f64]) -> f64 {
    pairwise_sum(a) / a.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_go_to_even() {
        assert_eq!(round_half_even(0.5), Some(0));
        assert_eq!(round_half_even(1.5), Some(2));
        assert_eq!(round_half_even(2.5), Some(2));
        assert_eq!(round_half_even(-0.5), Some(0));
        assert_eq!(round_half_even(f64::NAN), None);
        assert_eq!(round_half_even(9.3e18), None);
    }

    #[test]
    fn round_half_even_reads_the_same_integer_as_rounding_and_converting() {
        // The reference: the library's ties-to-even rounding, then a checked conversion.
        fn reference(x: f64) -> Option<i64> {
            let r = x.round_ties_even();
            (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0)
                .contains(&r)
                .then_some(r as i64)
        }
        let two_52 = 4_503_599_627_370_496.0f64;
        let mut cases = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            0.49999999999999994,
            two_52 - 0.5,
            two_52 - 1.5,
            two_52 - 1.0,
            two_52,
            two_52 + 1.0,
            2.0 * two_52,
            9_223_372_036_854_775_808.0,
            9.3e18,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            f64::INFINITY,
            f64::NAN,
        ];
        // Every exponent from 2^-4 to 2^64, with neighbours of ties.
        let mut x: u64 = 0x1234_5678_9abc_def1;
        for e in -4..=64 {
            for _ in 0..200 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let v = f64::from_bits(((1023 + e) as u64) << 52 | (x >> 12));
                let tie = (v.floor() + 0.5).max(0.5);
                cases.extend([v, tie, tie.next_up(), tie.next_down()]);
            }
        }
        for &c in &cases {
            for v in [c, -c] {
                assert_eq!(round_half_even(v), reference(v), "x = {v:e}");
            }
        }
    }

    #[test]
    fn round_two_places_uses_the_exact_binary_value() {
        assert_eq!(py_round(0.125, 2), 0.12);
        assert_eq!(py_round(0.375, 2), 0.38);
        assert_eq!(py_round(2.675, 2), 2.67);
        assert!(py_round(-0.001, 2).is_sign_negative());
    }

    #[test]
    fn numpy_round_rounds_the_scaled_product() {
        // numpy 1.26: round(np.float64(2.675), 2) == 2.68 (2.675 * 100 rounds to 267.5).
        assert_eq!(numpy_round(2.675, 2), 2.68);
        assert_eq!(py_round(2.675, 2), 2.67);
        assert_eq!(numpy_round(0.125, 2), 0.12);
        assert!(numpy_round(-0.001, 2).is_sign_negative());
        assert_eq!(numpy_round(f64::NEG_INFINITY, 2), f64::NEG_INFINITY);
    }

    /// Values where the order of additions shows in the last bits: mixed signs, magnitudes
    /// from 1e-3 to 1e16, signed zeros (a leaf that starts with −0.0 sums to +0.0 below 8
    /// values, as numpy's `0.0 + −0.0` does).
    fn awkward(n: usize, seed: u64) -> Vec<f64> {
        let mut x = seed;
        (0..n)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let u = (x >> 11) as f64 / (1u64 << 53) as f64;
                match (x >> 3) % 7 {
                    0 => -0.0,
                    1 => 0.0,
                    2 => (u - 0.5) * 1e16,
                    3 => (u - 0.5) * 1e-3,
                    _ => (u - 0.45) * 1e4 / 3.0 + i as f64,
                }
            })
            .collect()
    }

    #[test]
    fn pairwise_leaf_is_numpys_sum_at_every_length() {
        // Every length a leaf can have (0 to 128, across each block of 8), on several
        // value sets, checked against the plain transcription after every push.
        for seed in [1, 0x2545_f491_4f6c_dd1d, 0x9e37_79b9_7f4a_7c15, 42] {
            let values = awkward(128, seed);
            let mut leaf = PairwiseLeaf::default();
            assert_eq!(leaf.sum().to_bits(), pairwise_sum(&[]).to_bits());
            for n in 1..=values.len() {
                leaf.push(values[n - 1]);
                let expected = pairwise_sum(&values[..n]);
                assert_eq!(
                    leaf.sum().to_bits(),
                    expected.to_bits(),
                    "seed {seed}, n = {n}"
                );
                assert_eq!(leaf.len(), n);
                // A leaf made at once from n values, then pushed to across the next block
                // boundary, gives the same sums as the one pushed to from the start.
                let mut made = PairwiseLeaf::of(&values[..n]);
                assert_eq!(
                    made.sum().to_bits(),
                    expected.to_bits(),
                    "seed {seed}, of {n}"
                );
                for k in n + 1..=(n + 9).min(values.len()) {
                    made.push(values[k - 1]);
                    let expected = pairwise_sum(&values[..k]);
                    assert_eq!(made.sum().to_bits(), expected.to_bits(), "of {n}, then {k}");
                }
            }
            assert_eq!(PairwiseLeaf::of(&[]).sum().to_bits(), 0.0f64.to_bits());
        }
        // A leading −0.0: numpy's sum of fewer than 8 values starts from +0.0.
        let mut leaf = PairwiseLeaf::default();
        leaf.push(-0.0);
        assert!(leaf.sum().is_sign_positive());
    }

    /// numpy's `pairwise_sum` as its C source writes it (`loops_utils.h.src`, numpy
    /// 1.26), index for index: the reference for [`pairwise_sum`]'s slice form.
    fn numpy_c_pairwise(a: &[f64]) -> f64 {
        let n = a.len();
        if n < 8 {
            let mut res = 0.0;
            for &v in a {
                res += v;
            }
            res
        } else if n <= 128 {
            let mut r = [0.0; 8];
            r[..8].copy_from_slice(&a[..8]);
            let mut i = 8;
            while i < n - (n % 8) {
                r[0] += a[i];
                r[1] += a[i + 1];
                r[2] += a[i + 2];
                r[3] += a[i + 3];
                r[4] += a[i + 4];
                r[5] += a[i + 5];
                r[6] += a[i + 6];
                r[7] += a[i + 7];
                i += 8;
            }
            let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            while i < n {
                res += a[i];
                i += 1;
            }
            res
        } else {
            let mut n2 = n / 2;
            n2 -= n2 % 8;
            numpy_c_pairwise(&a[..n2]) + numpy_c_pairwise(&a[n2..])
        }
    }

    #[test]
    fn pairwise_sum_is_numpys_c_loop() {
        for seed in [3, 0x2545_f491_4f6c_dd1d] {
            let values = awkward(1100, seed);
            for n in 0..=values.len() {
                assert_eq!(
                    pairwise_sum(&values[..n]).to_bits(),
                    numpy_c_pairwise(&values[..n]).to_bits(),
                    "seed {seed}, n = {n}"
                );
            }
        }
    }

    #[test]
    fn pairwise_matches_plain_sum_on_integers() {
        let v: Vec<f64> = (0..1000).map(f64::from).collect();
        assert_eq!(pairwise_sum(&v), 499_500.0);
    }
}
