//! quickcheck laws over the numeric helpers and the draw formulas.
//!
//! Rounding is checked against values produced by Python (`tests/data/python/`) and
//! against Rust's exact decimal formatting; the pairwise sum against an exact sum within
//! its error bound; the draw formulas by their ranges and relations (not by re-deriving
//! numpy). Cases per property: `CURRENTS_CASES` (default 256); seed: `CURRENTS_SEED`
//! (default fixed; `random` explores).

mod common;

use std::path::Path;
use std::sync::OnceLock;

use currents::draws::{chacha_rng, numpy_rng, randint01, uniform, uniform01};
use currents::numeric::{pairwise_sum, py_round, py_square, round_half_even};
use currents::v1::NotebookUser;
use currents::v1::Params;
use currents::v1::harness::amount_abs_max;
use quickcheck::{Arbitrary, Gen, QuickCheck, Testable};

/// The one helper every property goes through: `cases()` passing cases, fixed seed.
fn check<A: Testable>(property: A) {
    let cases = u64::from(common::cases());
    QuickCheck::new()
        .tests(cases)
        .max_tests(cases * 20)
        .min_tests_passed(cases)
        .rng(Gen::from_size_and_seed(100, common::seed()))
        .quickcheck(property);
}

fn data(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/python")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

fn hex_f64(s: &str) -> f64 {
    f64::from_bits(u64::from_str_radix(s, 16).unwrap())
}

/// (x, round(x) when it fits an i64, round(x, 2)) from Python's table.
fn round_table() -> &'static [(f64, Option<i64>, f64)] {
    static TABLE: OnceLock<Vec<(f64, Option<i64>, f64)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        data("round_table.csv")
            .lines()
            .skip(1)
            .map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                (hex_f64(f[1]), f[2].parse().ok(), hex_f64(f[4]))
            })
            .collect()
    })
}

/// (s, Python's s**2) from Python's table.
fn pow2_table() -> &'static [(f64, f64)] {
    static TABLE: OnceLock<Vec<(f64, f64)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        data("pow2_cases.csv")
            .lines()
            .skip(1)
            .map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                (hex_f64(f[0]), hex_f64(f[1]))
            })
            .collect()
    })
}

/// A double near a two-decimal tie `(k + 0.5) / 100`, a few ulps either side.
#[derive(Debug, Clone, Copy)]
struct NearTie(f64);

impl Arbitrary for NearTie {
    fn arbitrary(g: &mut Gen) -> Self {
        let k = i64::from(i32::arbitrary(g) % 1_000_000);
        let base = (k as f64 + 0.5) / 100.0;
        let ulps = i64::from(i8::arbitrary(g) % 4);
        let bits = base.to_bits() as i64 + ulps;
        NearTie(f64::from_bits(bits as u64))
    }
}

/// Python's `round(x, 2)` by definition: the exact binary value rounded half to even to
/// two places (Rust's `{:.2}` does exactly that), read back as the nearest double.
fn exact_round2(x: f64) -> f64 {
    let r: f64 = format!("{x:.2}").parse().unwrap();
    if r == 0.0 { 0.0f64.copysign(x) } else { r }
}

#[test]
fn py_round_matches_python_on_its_table() {
    fn prop(i: usize) -> bool {
        let t = round_table();
        let (x, _, want) = t[i % t.len()];
        let got = py_round(x, 2);
        got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan())
    }
    check(prop as fn(usize) -> bool);
}

#[test]
fn round_half_even_matches_python_on_its_table() {
    fn prop(i: usize) -> bool {
        let t = round_table();
        let (x, want, _) = t[i % t.len()];
        match want {
            // Python's integer fits an i64: ours must be the same integer.
            Some(w) => round_half_even(x) == Some(w),
            // Python raised (inf, nan) or made a big integer: ours declines.
            None => round_half_even(x).is_none(),
        }
    }
    check(prop as fn(usize) -> bool);
}

#[test]
fn py_round_is_exact_decimal_rounding_near_ties() {
    fn prop(x: NearTie) -> bool {
        py_round(x.0, 2).to_bits() == exact_round2(x.0).to_bits()
    }
    check(prop as fn(NearTie) -> bool);
}

#[test]
fn py_round_is_exact_decimal_rounding_on_any_double() {
    fn prop(x: f64) -> bool {
        !x.is_finite() || py_round(x, 2).to_bits() == exact_round2(x).to_bits()
    }
    check(prop as fn(f64) -> bool);
}

#[test]
fn round_half_even_is_nearest_integer_with_ties_to_even() {
    fn prop(x: f64) -> bool {
        if !(x.is_finite() && x.abs() < 4.0e18) {
            return true;
        }
        let Some(r) = round_half_even(x) else {
            return false;
        };
        let d = (x - r as f64).abs();
        d < 0.5 || (d == 0.5 && r % 2 == 0)
    }
    check(prop as fn(f64) -> bool);
}

/// Values `k · 2^-20` with |k| < 2^40, whose exact sum fits an i128.
#[derive(Debug, Clone)]
struct Grid(Vec<i64>);

impl Arbitrary for Grid {
    fn arbitrary(g: &mut Gen) -> Self {
        let n = usize::arbitrary(g) % 600;
        Grid((0..n).map(|_| i64::arbitrary(g) % (1i64 << 40)).collect())
    }
    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        Box::new(self.0.shrink().map(Grid))
    }
}

#[test]
fn pairwise_sum_within_its_error_bound_of_the_exact_sum() {
    fn prop(v: Grid) -> bool {
        let scale = (1u64 << 20) as f64;
        let xs: Vec<f64> = v.0.iter().map(|&k| k as f64 / scale).collect();
        let exact: i128 = v.0.iter().map(|&k| i128::from(k)).sum();
        let abs: f64 = xs.iter().map(|x| x.abs()).sum();
        // numpy's pairwise sum: at most 16 additions in a block's accumulator, 3 to combine
        // the eight, 7 leftovers and one per halving level; each adds at most one unit
        // roundoff (2^-53) of the running |sum| ≤ Σ|x|. Bound: (26 + log2 n) · 2^-53 · Σ|x|.
        let depth = 26.0 + (xs.len().max(1) as f64).log2().ceil();
        let bound = depth * f64::EPSILON / 2.0 * abs;
        let err = (pairwise_sum(&xs) - exact as f64 / scale).abs();
        err <= bound
    }
    check(prop as fn(Grid) -> bool);
}

#[test]
fn pairwise_sum_is_left_to_right_below_eight_values() {
    fn prop(v: Vec<f64>) -> bool {
        let v = &v[..v.len().min(7)];
        let plain = v.iter().fold(0.0, |a, b| a + b);
        let p = pairwise_sum(v);
        p.to_bits() == plain.to_bits() || (p.is_nan() && plain.is_nan())
    }
    check(prop as fn(Vec<f64>) -> bool);
}

#[test]
fn py_square_matches_python_on_its_table() {
    fn prop(i: usize) -> bool {
        let t = pow2_table();
        let (s, want) = t[i % t.len()];
        py_square(s).to_bits() == want.to_bits()
    }
    check(prop as fn(usize) -> bool);
}

#[test]
fn py_square_is_within_one_ulp_of_the_product() {
    fn prop(s: f64) -> bool {
        let p = s * s;
        if !p.is_finite() || p < f64::MIN_POSITIVE {
            return true;
        }
        let q = py_square(s);
        let ulp = f64::from_bits(p.to_bits() + 1) - p;
        (q - p).abs() <= ulp
    }
    check(prop as fn(s: f64) -> bool);
}

#[test]
fn uniform01_is_a_53_bit_fraction_in_the_unit_interval() {
    fn prop(seed: u64, numpy: bool) -> bool {
        let draws: Vec<f64> = if numpy {
            let mut r = numpy_rng(seed as u32);
            (0..64).map(|_| uniform01(&mut r)).collect()
        } else {
            let mut r = chacha_rng(seed, 0, 1);
            (0..64).map(|_| uniform01(&mut r)).collect()
        };
        draws.iter().all(|&u| {
            let k = u * 9_007_199_254_740_992.0;
            (0.0..1.0).contains(&u) && k == k.trunc()
        })
    }
    check(prop as fn(u64, bool) -> bool);
}

#[test]
fn uniform_stays_between_its_bounds() {
    fn prop(seed: u64, a: i32, b: i32) -> bool {
        let (lo, hi) = (f64::from(a) / 7.0, f64::from(b) / 3.0);
        let mut r = chacha_rng(seed, 1, 2);
        (0..32).all(|_| {
            let x = uniform(&mut r, lo, hi);
            lo.min(hi) <= x && x <= lo.max(hi)
        })
    }
    check(prop as fn(u64, i32, i32) -> bool);
}

#[test]
fn randint01_is_zero_or_one_and_takes_one_output() {
    fn prop(seed: u32) -> bool {
        let (mut a, mut b) = (numpy_rng(seed), numpy_rng(seed));
        let bit = randint01(&mut a);
        bit <= 1 && bit == b.next_u32() & 1 && a.next_u32() == b.next_u32()
    }
    check(prop as fn(u32) -> bool);
}

/// Parameters within the validated ranges, from arbitrary integers.
fn params_from(i: i16, a: u32, k: u16, c: u16) -> Params {
    let integrity = f64::from(i) / 32768.0 * 100.0; // within ±100, exactly
    let avg = f64::from(a % 1_000_000 + 1);
    Params::new(integrity, avg, u64::from(k) + 1, i64::from(c)).unwrap()
}

#[test]
fn notebook_draw_is_bounded_and_ordinary_draws_lie_in_half_to_one_and_a_half_avg() {
    fn prop(seed: u64, i: i16, a: u32, k: u16, c: u16, capacity: i32) -> bool {
        let params = params_from(i, a, k, c);
        let bound = amount_abs_max(&params);
        let avg = params.avg_amount();
        let mut r = chacha_rng(seed, 0, 1);
        let user = NotebookUser::from_params(&params);
        (0..32).all(|_| {
            let d = user.draw_at(&mut r, 1, i64::from(capacity));
            let (large, integrity) = (d.paths & 3 != 0, d.paths & 4 != 0);
            let amount = d.payment;
            let plain = !large && !integrity;
            amount.abs() <= bound
                && (!plain || (0.5 * avg <= amount.abs() && amount.abs() <= 1.5 * avg))
                && (!large || integrity || amount < capacity as f64)
        })
    }
    check(prop as fn(u64, i16, u32, u16, u16, i32) -> bool);
}

/// `pow(s, 2.0)` from the C library, the call [`py_square`] skips where it can.
fn libm_square(s: f64) -> f64 {
    s.powf(std::hint::black_box(2.0))
}

/// A xorshift stream for the exhaustive-style sweeps below (fixed, so they are the same
/// every run; the quickcheck properties explore with `CURRENTS_SEED`).
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn py_square_is_libm_pow_on_any_double() {
    fn prop(s: f64) -> bool {
        py_square(s).to_bits() == libm_square(s).to_bits()
            || (py_square(s).is_nan() && libm_square(s).is_nan())
    }
    check(prop as fn(f64) -> bool);
}

#[test]
fn py_square_is_libm_pow_on_millions_of_inputs() {
    // The draws of pow2_check.py's shape: uniform(−1, 1), scaled by 10^k, and random
    // significands over a wide range of exponents, plus the model's own range of s.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let (mut n, mut called) = (0u64, 0u64);
    for i in 0..3_000_000u64 {
        let r = xorshift(&mut state);
        let u = (r >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
        let s = match i % 3 {
            0 => u,
            1 => u * 10f64.powi((r % 13) as i32 - 6),
            _ => {
                let exponent = xorshift(&mut state) % 1000 + 523; // 2^-500 … 2^500
                f64::from_bits((exponent << 52) | (r >> 12) | (r & (1 << 63)))
            }
        };
        assert_eq!(
            py_square(s).to_bits(),
            libm_square(s).to_bits(),
            "s = {s:?} ({:016x})",
            s.to_bits()
        );
        n += 1;
        called += u64::from(!currents::numeric::square_is_pow(s, s * s));
    }
    // The characterised set is about an eighth of the inputs (d ≤ ulp/16 of ulp/2), plus
    // the squares outside [2^-823, 2^877) (a sixth of the third class: about 5.5%).
    let share = called as f64 / n as f64;
    assert!((0.15..0.20).contains(&share), "pow called on {share}");
}

#[test]
fn pow_is_called_wherever_python_saw_it_differ_from_the_product() {
    // Every row of the table where Python's s**2 is not s*s must fall in the set where
    // py_square calls pow: otherwise the proof behind square_is_pow would be wrong.
    let text = data("pow2_cases.csv");
    let mut differing = 0;
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[2] == "1" {
            let s = hex_f64(f[0]);
            assert!(
                !currents::numeric::square_is_pow(s, s * s),
                "{s:?}: pow differs from s*s outside the characterised set"
            );
            differing += 1;
        }
    }
    assert!(differing >= 100, "{differing}");
}

#[test]
fn rint_is_round_ties_even_on_any_double() {
    fn prop(x: f64) -> bool {
        let (a, b) = (currents::numeric::rint(x), x.round_ties_even());
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }
    check(prop as fn(f64) -> bool);
    // Ties, their neighbours, signed zeros, the edges of 2^52 and the non-finite values.
    let mut edges: Vec<f64> = vec![0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 0.49999999999999994];
    for k in [
        1.0f64,
        2.0,
        3.0,
        1e6,
        4_503_599_627_370_495.0,
        4_503_599_627_370_496.0,
    ] {
        for x in [k - 0.5, k + 0.5, -(k - 0.5), -(k + 0.5)] {
            edges.extend([
                x,
                f64::from_bits(x.to_bits() + 1),
                f64::from_bits(x.to_bits() - 1),
            ]);
        }
    }
    edges.extend([
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        f64::MAX,
        f64::MIN_POSITIVE,
    ]);
    for x in edges {
        assert!(prop(x), "rint({x:?})");
    }
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..1_000_000 {
        let x = f64::from_bits(xorshift(&mut state));
        assert!(prop(x), "rint({x:?})");
        let y = (xorshift(&mut state) >> 11) as f64 / 8.0 - 5e14; // halves and quarters
        assert!(prop(y), "rint({y:?})");
    }
}
