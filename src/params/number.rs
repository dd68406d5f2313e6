//! The one grammar of numbers. Every number a user writes — a flag's value (`--runs 2`,
//! `--integrity -0.5`), a `key=value` pair of the shorthand or of `--param`, a TOML value —
//! is read here, by one of two kinds ([`Kind`]):
//!
//! - a **real** number: an optional sign, decimal digits with an optional fraction and
//!   exponent (`2`, `+3`, `-0.5`, `.5`, `5.`, `1e3`, `1.5E-3`), `inf`, `infinity` or `nan`
//!   (any case, with a sign), or a whole number in hexadecimal, octal or binary (`0x1F`,
//!   `0o17`, `0b11`); an underscore may stand between two digits (`1_000`, as TOML
//!   allows). Its value is the double nearest the decimal (Rust's `f64::from_str`, which
//!   rounds correctly);
//! - a **whole** number: any spelling of a real number whose value is exactly an integer
//!   (`2`, `2.0`, `1e1`, `25e-1` refused, `-0` is 0). It is read exactly from its digits,
//!   never through a double, so `18446744073709551615` is that integer and is echoed so.
//!
//! The text is read with surrounding whitespace trimmed. A TOML number's text is its source
//! text (TOML's own syntax is a subset of this one), so `runs = 2.0`, `--runs 2.0` and
//! `runs=2.0` are accepted or refused alike. Every refusal echoes the value as written
//! ([`Written`]).

use super::{ParamError, short_number};

/// The two kinds of number a key or flag takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Any finite real number (a double) in the key's range.
    Real,
    /// A whole number in the key's range.
    Whole,
}

/// A number's text, lexed: digits without their underscores.
#[derive(Debug, Clone, PartialEq)]
enum Lexed {
    /// `[+-] int [. frac] [e exp]`.
    Decimal {
        negative: bool,
        int: String,
        frac: String,
        /// The exponent, saturated at ±`EXP_CAP`.
        exp: i64,
    },
    /// `[+-] inf`, `infinity` or `nan`.
    Special,
    /// `0x…`, `0o…`, `0b…`: digits in `radix`.
    Radix { radix: u32, digits: String },
}

/// The largest exponent magnitude kept (larger ones are saturated: the value is then 0 or
/// beyond every range whatever the digits, up to this many of them).
const EXP_CAP: i64 = 1 << 40;

/// Consumes `digit ( '_'? digit )*` in `radix` from the front of `s`: the digits without
/// their underscores and the rest. `None` when an underscore is not between two digits.
fn digits(s: &str, radix: u32) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut end = 0;
    let mut after_underscore = false;
    for (i, c) in s.char_indices() {
        if c.is_digit(radix) {
            out.push(c);
            after_underscore = false;
            end = i + 1;
        } else if c == '_' && !out.is_empty() && !after_underscore {
            after_underscore = true;
        } else {
            break;
        }
    }
    if after_underscore && !s[end..].starts_with(|c: char| c.is_digit(radix)) {
        // A trailing underscore, or one before a non-digit.
        return None;
    }
    Some((out, &s[end..]))
}

/// The lexed form of `text` (trimmed), or `None` when it is not a number.
fn lex(text: &str) -> Option<Lexed> {
    let s = text.trim();
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = rest.to_ascii_lowercase();
    if ["inf", "infinity", "nan"].contains(&lower.as_str()) {
        return Some(Lexed::Special);
    }
    if rest.len() == s.len() {
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
            if let Some(body) = rest.strip_prefix(prefix) {
                let (d, tail) = digits(body, radix)?;
                return (!d.is_empty() && tail.is_empty())
                    .then_some(Lexed::Radix { radix, digits: d });
            }
        }
    }
    let (int, rest) = digits(rest, 10)?;
    let (frac, rest) = match rest.strip_prefix('.') {
        Some(r) => digits(r, 10)?,
        None => (String::new(), rest),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let exp = match rest.strip_prefix(['e', 'E']) {
        None if rest.is_empty() => 0,
        None => return None,
        Some(r) => {
            let (neg, r) = match r.as_bytes().first() {
                Some(b'-') => (true, &r[1..]),
                Some(b'+') => (false, &r[1..]),
                _ => (false, r),
            };
            let (d, tail) = digits(r, 10)?;
            if d.is_empty() || !tail.is_empty() {
                return None;
            }
            let magnitude = d.bytes().fold(0i64, |a, b| {
                a.saturating_mul(10)
                    .saturating_add(i64::from(b - b'0'))
                    .min(EXP_CAP)
            });
            if neg { -magnitude } else { magnitude }
        }
    };
    Some(Lexed::Decimal {
        negative,
        int,
        frac,
        exp,
    })
}

/// True when `text` is a number in the grammar (of either kind).
fn is_number(text: &str) -> bool {
    lex(text).is_some()
}

/// The real number `text` writes (the double nearest it; ±∞ beyond the doubles, NaN for
/// `nan`), or `None` when it is not a number.
pub(crate) fn real(text: &str) -> Option<f64> {
    match lex(text)? {
        Lexed::Radix { radix, digits } => Some(match u128::from_str_radix(&digits, radix) {
            Ok(n) => n as f64,
            Err(_) => digits.chars().fold(0.0, |a, c| {
                a * f64::from(radix) + f64::from(c.to_digit(radix).unwrap_or(0))
            }),
        }),
        // The lexer's decimal syntax, underscores removed, is `f64::from_str`'s (which
        // also reads `inf`, `infinity` and `nan` in any case, and rounds correctly).
        _ => text.trim().replace('_', "").parse::<f64>().ok(),
    }
}

/// What a text is as a whole number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Whole {
    /// Exactly this integer.
    Int(i128),
    /// A number with no integer value (`2.5`, `1e-3`, `inf`, `nan`).
    Fraction,
    /// An integer beyond ±(2^127 − 1).
    TooLarge,
    /// Not a number at all.
    NotANumber,
}

/// `text` read as a whole number, exactly from its digits.
pub(crate) fn whole(text: &str) -> Whole {
    match lex(text) {
        None => Whole::NotANumber,
        Some(Lexed::Special) => Whole::Fraction,
        Some(Lexed::Radix { radix, digits }) => u128::from_str_radix(&digits, radix)
            .ok()
            .and_then(|n| i128::try_from(n).ok())
            .map_or(Whole::TooLarge, Whole::Int),
        Some(Lexed::Decimal {
            negative,
            int,
            frac,
            exp,
        }) => {
            // value = digits × 10^scale
            let all = format!("{int}{frac}");
            let all = all.trim_start_matches('0');
            if all.is_empty() {
                return Whole::Int(0);
            }
            let kept = all.trim_end_matches('0');
            let scale = exp - frac.len() as i64 + (all.len() - kept.len()) as i64;
            if scale < 0 {
                // The last digit kept is not 0 and stands after the point.
                return Whole::Fraction;
            }
            // i128 holds every integer of at most 38 digits.
            if kept.len() as i64 + scale > 38 {
                return Whole::TooLarge;
            }
            let mut n: i128 = kept.parse().unwrap_or(0);
            for _ in 0..scale {
                n *= 10;
            }
            Whole::Int(if negative { -n } else { n })
        }
    }
}

/// A value as it was written — a flag's text, a `key=value` pair's, a TOML value's source
/// text, or a number a program gave — which the grammar reads and an error echoes.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The text the grammar reads; `None` for a TOML value that is not a number (a
    /// string, a boolean, a table), which every numeric key refuses.
    text: Option<String>,
    /// The value as an error shows it: as written.
    shown: String,
}

impl Written {
    /// A text from the command line (a flag's value, a `key=value` pair's): shown as
    /// written when it is a number, quoted otherwise (so that `""` and `"ten"` are seen).
    pub fn text(s: &str) -> Self {
        Written {
            text: Some(s.to_owned()),
            shown: shown_text(s),
        }
    }

    /// A TOML value written as `source` in its file: read by the grammar when it is a
    /// TOML integer or float (`number`), and shown as written either way.
    pub(crate) fn toml(source: &str, number: bool) -> Self {
        Written {
            text: number.then(|| source.to_owned()),
            shown: source.to_owned(),
        }
    }

    /// A number a program gave (a resolved spec's value, written back): read as itself.
    pub fn value(x: f64) -> Self {
        Written {
            text: Some(format!("{x:?}")),
            shown: short_number(x),
        }
    }

    /// The value as an error shows it.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// The real number it writes: NaN when it is not a number.
    pub fn real(&self) -> f64 {
        self.text.as_deref().and_then(real).unwrap_or(f64::NAN)
    }

    /// What it is as a whole number.
    pub(crate) fn whole(&self) -> Whole {
        self.text.as_deref().map_or(Whole::NotANumber, whole)
    }

    /// Reads a whole number in `[lo, hi]`; the error names `field`, the value as written
    /// and the range.
    pub(crate) fn whole_in(&self, field: &str, lo: u64, hi: u64) -> Result<u64, ParamError> {
        match self.whole() {
            Whole::Int(n) if (i128::from(lo)..=i128::from(hi)).contains(&n) => Ok(n as u64),
            _ => Err(ParamError::new(
                field,
                &self.shown,
                format!("a whole number in [{lo}, {hi}]"),
            )),
        }
    }

    /// Reads a whole number that fits a `u64` (any range's type); `None` otherwise.
    pub(crate) fn to_u64(&self) -> Option<u64> {
        match self.whole() {
            Whole::Int(n) => u64::try_from(n).ok(),
            _ => None,
        }
    }
}

/// A command-line text as an error shows it: as written when it is a number (with no
/// whitespace around it), else quoted.
pub(crate) fn shown_text(s: &str) -> String {
    if s.trim() == s && is_number(s) {
        s.to_owned()
    } else {
        format!("{s:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values written by hand from the grammar's definition (the module docs), and
    // for reals checked against Rust's own `f64::from_str` on the same decimal.

    #[test]
    fn whole_numbers_are_read_exactly_in_any_spelling_of_their_value() {
        for (text, n) in [
            ("2", 2),
            ("+3", 3),
            ("-0", 0),
            ("0", 0),
            ("2.0", 2),
            ("2.", 2),
            ("1e1", 10),
            ("1E3", 1000),
            ("25e-1", -1),
            ("250e-1", 25),
            ("0.0e999999999999999999999", 0),
            ("1_000", 1000),
            (" 7 ", 7),
            ("0x1F", 31),
            ("0o17", 15),
            ("0b101", 5),
            ("-12", -12),
            ("18446744073709551615", 18_446_744_073_709_551_615),
            ("9223372036854775807.000", 9_223_372_036_854_775_807),
            ("1.8446744073709551615e19", 18_446_744_073_709_551_615),
        ] {
            let want = if n == -1 {
                Whole::Fraction
            } else {
                Whole::Int(n)
            };
            assert_eq!(whole(text), want, "{text:?}");
        }
        for text in ["2.5", "1e-3", "inf", "-inf", "nan", "NaN", "0.1e-1000000"] {
            assert_eq!(whole(text), Whole::Fraction, "{text:?}");
        }
        for text in [
            "1e39",
            "0.1e1000000",
            "99999999999999999999999999999999999999999",
            "1e99999999999",
        ] {
            assert_eq!(whole(text), Whole::TooLarge, "{text:?}");
        }
        for text in [
            "", " ", "ten", "1,5", "0x", "1e", "e1", ".", "1__0", "_1", "1_", "--1", "+-1",
            "-0x10", "1.2.3", "0x1G", "1e1.5", "true",
        ] {
            assert_eq!(whole(text), Whole::NotANumber, "{text:?}");
        }
    }

    #[test]
    fn reals_are_the_nearest_double_of_the_decimal() {
        for (text, plain) in [
            ("0.1", "0.1"),
            ("-0.5", "-0.5"),
            (".5", ".5"),
            ("5.", "5."),
            ("1_000.000_1", "1000.0001"),
            ("1e999", "1e999"),
            ("-1e999", "-1e999"),
            ("5e-324", "5e-324"),
            ("2.4703282292062328e-324", "2.4703282292062328e-324"),
            ("18446744073709551615", "18446744073709551615"),
            ("inf", "inf"),
            ("+Infinity", "+Infinity"),
            ("-0", "-0"),
        ] {
            let want: f64 = plain.parse().unwrap();
            let got = real(text).unwrap();
            assert_eq!(got.to_bits(), want.to_bits(), "{text:?}");
        }
        assert!(real("nan").unwrap().is_nan());
        assert_eq!(real("0x10"), Some(16.0));
        assert_eq!(real("0b11"), Some(3.0));
        for text in ["", "x", "1,5", "0x", "1e", "--1", "1 2", "infinite"] {
            assert_eq!(real(text), None, "{text:?}");
        }
    }

    quickcheck::quickcheck! {
        /// Law: every spelling of an integer's value reads as that integer, exactly —
        /// plain, signed, with a zero fraction, scaled by a power of ten and its inverse
        /// exponent, with underscores between digits.
        fn any_spelling_of_an_integer_reads_exactly(n: i64, k: u8) -> bool {
            let k = u32::from(k % 20);
            let digits = n.unsigned_abs().to_string();
            let sign = if n < 0 { "-" } else { "+" };
            let grouped: String = digits
                .chars()
                .enumerate()
                .flat_map(|(i, c)| (i > 0).then_some('_').into_iter().chain([c]))
                .collect();
            let scaled = format!("{sign}{digits}{}e-{k}", "0".repeat(k as usize));
            let shifted = if k as usize <= digits.len() && k > 0 {
                let (a, b) = digits.split_at(digits.len() - k as usize);
                format!("{sign}{a}.{b}e{k}")
            } else {
                format!("{sign}{digits}")
            };
            [
                n.to_string(),
                format!("{n}.0"),
                format!("{sign}{digits}"),
                format!("{sign}{grouped}"),
                scaled,
                shifted,
            ]
            .iter()
            .all(|t| whole(t) == Whole::Int(i128::from(n)))
        }

        /// Law: a decimal a double prints reads back as that double (the grammar's reals are
        /// `f64::from_str`'s, rounded correctly), in Rust's plain and exponent forms.
        fn a_printed_double_reads_back(x: f64) -> bool {
            [format!("{x}"), format!("{x:e}"), format!("{x:?}")]
                .iter()
                .all(|t| real(t).is_some_and(|y| y.to_bits() == x.to_bits() || (x.is_nan() && y.is_nan())))
        }
    }

    #[test]
    fn a_value_is_echoed_as_written() {
        assert_eq!(Written::text("2.0").shown(), "2.0");
        assert_eq!(
            Written::text("18446744073709551615").shown(),
            "18446744073709551615"
        );
        assert_eq!(Written::text("ten").shown(), "\"ten\"");
        assert_eq!(Written::text("").shown(), "\"\"");
        assert_eq!(Written::text(" 2").shown(), "\" 2\"");
        assert_eq!(Written::toml("\"2\"", false).shown(), "\"2\"");
        assert_eq!(Written::toml("1_0", true).shown(), "1_0");
        assert_eq!(Written::value(1e308).shown(), "1e308");
        let e = Written::text("2.5").whole_in("--runs", 1, 10).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid value for `--runs`: 2.5 (accepted: a whole number in [1, 10])"
        );
        assert_eq!(Written::text("1e1").whole_in("--runs", 1, 10), Ok(10));
        assert_eq!(
            Written::toml("\"3\"", false)
                .whole_in("runs", 1, 10)
                .map_err(|e| e.value),
            Err("\"3\"".to_owned())
        );
        assert_eq!(Written::value(250.0).to_u64(), Some(250));
        assert_eq!(Written::text("-1").to_u64(), None);
    }
}
