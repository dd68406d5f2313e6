//! The spec's unit tests.

use super::*;

#[test]
fn a_key_twice_in_either_spelling_is_an_error() {
    assert!(Spec::from_shorthand("", "turnover:window=1,window=2").is_err());
    assert!(Spec::from_toml_str("[params]\navg-amount = 5\navg_amount = 6\n").is_err());
    assert!(
        Spec::from_toml_str("sum_volume = 1\n").is_err(),
        "unknown top-level key"
    );
    let e = Spec::from_toml_str("[rule]\nname = \"turnover\"\nwindow = 3\n[params]\nwindow = 4\n")
        .unwrap_err();
    // (TOML tables are read in key order: `params` before `rule`.)
    assert!(
        e.to_string().contains("is already set at `params.window`"),
        "{e}"
    );
}

#[test]
fn a_setting_in_a_rules_shorthand_and_at_the_top_level_is_an_error() {
    for text in [
        "seed = 1\nrule = \"turnover:seed=2\"\n",
        "rule = \"turnover:user=spender\"\nuser = \"balanced\"\n",
        "rule = \"turnover:rng=numpy\"\nrng = \"numpy\"\n",
    ] {
        let e = Spec::from_toml_str(text).unwrap_err().to_string();
        assert!(e.contains("each key once"), "{text:?}: {e}");
    }
}

#[test]
fn an_error_is_one_line_and_quotes_are_not_escaped() {
    let e = Spec::from_toml_str("[params]\n\"a_\\nb\" = 1\n\"a-\\nb\" = 2\n").unwrap_err();
    let msg = e.to_string();
    assert!(!msg.contains('\n') && msg.contains("a-\\nb"), "{msg}");
    let e = Spec::from_shorthand("--rule", "turnover:runs=x").unwrap_err();
    assert!(e.to_string().contains(": \"x\" (accepted"), "{e}");
}

#[test]
fn an_error_stays_one_line_and_keeps_quotes_as_written() {
    let e = SpecError::value("a\nb", "\"x\"", "y");
    assert_eq!(
        e.to_string(),
        "invalid value for `a\\nb`: \"x\" (accepted: y)"
    );
}
