//! Python's own numbers against ours: `round(x)`, `round(x, 2)` and `s**2`.
//!
//! The tables in `tests/data/python/` were produced by CPython 3.11 (see that folder's
//! README for the commands). Every comparison here is exact, on IEEE-754 bits, because the
//! notebook's output depends on the last bit of each of these operations.

use std::path::Path;

use currents::numeric::{py_round, py_square, round_half_even};

fn table(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/python")
            .join(name),
    )
    .expect("table exists")
}

fn bits(hex: &str) -> f64 {
    f64::from_bits(u64::from_str_radix(hex, 16).expect("hex bits"))
}

#[test]
fn round_half_even_matches_python_round() {
    let text = table("round_table.csv");
    let mut checked = 0;
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let x = bits(cols[1]);
        let expected = cols[2];
        let got = round_half_even(x);
        match expected.parse::<i64>() {
            Ok(e) => {
                assert_eq!(
                    got,
                    Some(e),
                    "round({}) : Python {e}, ours {got:?}",
                    cols[0]
                );
                checked += 1;
            }
            // Non-finite (empty) or beyond i64 (Python makes a big integer): we return None.
            Err(_) => assert_eq!(got, None, "round({}) should not fit an i64", cols[0]),
        }
    }
    assert!(checked > 5000, "only {checked} rows checked");
}

#[test]
fn py_round_two_places_matches_python_bit_for_bit() {
    let text = table("round_table.csv");
    let mut checked = 0;
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let x = bits(cols[1]);
        let expected = bits(cols[4]);
        let got = py_round(x, 2);
        let same = got.to_bits() == expected.to_bits() || (got.is_nan() && expected.is_nan());
        assert!(
            same,
            "round({}, 2): Python {} ({}), ours {got:?} ({:016x})",
            cols[0],
            cols[3],
            cols[4],
            got.to_bits()
        );
        checked += 1;
    }
    assert!(checked > 5000);
}

#[test]
fn py_square_is_the_c_library_pow_python_uses() {
    let text = table("pow2_cases.csv");
    let (mut differ, mut total) = (0, 0);
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let s = bits(cols[0]);
        let expected = bits(cols[1]);
        let got = py_square(s);
        assert_eq!(
            got.to_bits(),
            expected.to_bits(),
            "{s:?}**2: Python {expected:?}, ours {got:?}"
        );
        if cols[2] == "1" {
            differ += 1;
            assert_ne!(
                got.to_bits(),
                (s * s).to_bits(),
                "table says pow differs from s*s for {s:?}"
            );
        }
        total += 1;
    }
    assert!(
        differ >= 100 && total >= 400,
        "{differ} differing of {total}"
    );
}
