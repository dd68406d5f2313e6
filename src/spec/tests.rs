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

/// What a spec gives for one key: its value once resolved (bits of the double; a setting as
/// a double), or the refusal's value as shown and what it accepts.
fn outcome(spec: Result<Spec, SpecError>, key: &str) -> Result<u64, (String, String)> {
    let refused = |e: SpecError| match e {
        SpecError::Value(e) => (e.value, e.accepted),
        other => (other.to_string(), String::new()),
    };
    let spec = spec.map_err(refused)?;
    let r = crate::workbench::Workbench::builtin()
        .resolve(&spec, &Limits::default())
        .map_err(refused)?;
    let s = r.settings();
    let x = match key {
        "runs" => s.runs as f64,
        "steps" => s.steps as f64,
        "seed" => s.seed as f64,
        _ => [r.model(), r.rule(), r.user()]
            .iter()
            .find_map(|c| {
                let i = c.params.iter().position(|p| p.name == key)?;
                Some(c.values[i])
            })
            .unwrap_or(f64::NAN),
    };
    Ok(x.to_bits())
}

#[test]
fn a_spelling_is_accepted_or_refused_alike_by_a_flag_a_toml_key_and_a_pair() {
    // The law of the one grammar of numbers: whatever the key's kind (a whole-number
    // setting or parameter, a real parameter), a flag's text, the same text as a TOML
    // value and as a `key=value` pair give the same value, or the same refusal (the value
    // as written, what is accepted); only the field differs.
    let spellings = [
        "2",
        "2.0",
        "+2",
        "2e0",
        "20e-1",
        "0.2e1",
        "0x2",
        "0o2",
        "0b10",
        "2_0",
        "-0",
        "0",
        "-2",
        "2.5",
        "nan",
        "inf",
        "-inf",
        "1e400",
        "1e-400",
        "18446744073709551615",
        "9223372036854775807",
        "4294967295.0",
    ];
    for key in [
        "runs",
        "steps",
        "seed",
        "sum-volume",
        "initial-credit",
        "window",
        "integrity",
    ] {
        let setting = ["runs", "steps", "seed"].contains(&key);
        for text in spellings {
            let mut flag = Spec::rule("turnover");
            let by_flag = flag.set_text(key, text, "--flag").map(|()| flag);
            let toml = if setting {
                format!("rule = \"turnover\"\n{key} = {text}\n")
            } else {
                format!("rule = \"turnover\"\n[params]\n{key} = {text}\n")
            };
            let by_toml = Spec::from_toml_str(&toml);
            let by_pair = Spec::from_shorthand("", &format!("turnover:{key}={text}"));
            let want = outcome(by_flag, key);
            assert_eq!(outcome(by_toml, key), want, "{key} = {text} in TOML");
            assert_eq!(outcome(by_pair, key), want, "{key}={text} as a pair");
        }
    }
    // And what they give: a whole number in any spelling of its value, read exactly.
    let runs = |text: &str| {
        outcome(
            Spec::from_shorthand("", &format!("static:runs={text}")),
            "runs",
        )
    };
    for text in ["2", "2.0", "+2", "2e0", "20e-1", "0x2", "0b10"] {
        assert_eq!(runs(text), Ok(2f64.to_bits()), "{text}");
    }
    for text in ["2.5", "nan", "inf", "-2", "1e400"] {
        let (shown, accepted) = runs(text).unwrap_err();
        assert_eq!(
            (shown.as_str(), accepted.as_str()),
            (text, "a whole number in [1, 10000000]")
        );
    }
    let seed = outcome(Spec::from_toml_str("seed = 18446744073709551615\n"), "seed");
    assert_eq!(
        seed,
        Err((
            "18446744073709551615".to_owned(),
            "a whole number in [0, 9223372036854775807]".to_owned()
        ))
    );
}
