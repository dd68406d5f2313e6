//! The value parsers flags share (each refusal states the range actually enforced) and the
//! lookup of the model a rule flag names.

use crate::draws::RngKind;
use crate::params::{ParamError, Written};
use crate::workbench::{AnyModel, Workbench};

/// A whole number in `[lo, hi]`, read by the one grammar of numbers (`2`, `2.0`, `1e3`).
/// clap shows the refusal as the one invalid-value message (`clap_error`).
pub(crate) fn whole(lo: u64, hi: u64) -> impl Fn(&str) -> Result<u64, String> + Clone {
    move |s: &str| {
        Written::text(s)
            .whole_in("", lo, hi)
            .map_err(|e| e.accepted)
    }
}

/// A generator family: `chacha` or `numpy`.
pub(crate) fn rng_kind(s: &str) -> Result<RngKind, String> {
    RngKind::parse(s).map_err(|_| "accepted: chacha or numpy".to_owned())
}

/// The model a check or replay of rule `policy` runs on: the one `--model` names, else the
/// first model whose registry has the rule (the first model when no rule is named). An
/// unknown model names `--model`; an unknown rule names `--policy` and the rules of every
/// model.
pub(crate) fn model_of<'a>(
    bench: &'a Workbench,
    model: Option<&str>,
    policy: Option<&str>,
) -> Result<&'a dyn AnyModel, ParamError> {
    if let Some(name) = model {
        return bench.find(Some(name)).map_err(|e| {
            ParamError::new(
                "--model",
                format!("{:?}", crate::params::short_text(&e.name)),
                e.known,
            )
        });
    }
    let Some(policy) = policy.map(str::trim) else {
        return bench
            .find(None)
            .map_err(|e| ParamError::new("--model", e.name, e.known));
    };
    let has = |m: &&dyn AnyModel| {
        m.entries()
            .iter()
            .any(|e| e.kind == "rule" && e.name == policy)
    };
    if let Some(m) = bench.models().find(has) {
        return Ok(m);
    }
    let mut known: Vec<&str> = Vec::new();
    for m in bench.models() {
        for e in m.entries() {
            if e.kind == "rule" && !known.contains(&e.name) {
                known.push(e.name);
            }
        }
    }
    Err(ParamError::new(
        "--policy",
        format!("{:?}", crate::params::short_text(policy)),
        known.join(", "),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Limits, Spec, SpecError};

    /// What a spec gives for one key: its value once resolved (bits of the double; a setting as
    /// a double), or the refusal's value as shown and what it accepts.
    fn outcome(spec: Result<Spec, SpecError>, key: &str) -> Result<u64, (String, String)> {
        let refused = |e: SpecError| match e {
            SpecError::Value(e) => (e.value, e.accepted),
            other => (other.to_string(), String::new()),
        };
        let spec = spec.map_err(refused)?;
        let r = Workbench::builtin()
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

    #[test]
    fn a_flag_of_its_own_reads_the_grammar_too() {
        // `--threads`, `check --runs`, `sweep --runs`: the same spellings as a spec's runs.
        let w = whole(1, 64);
        for text in ["2", "2.0", "+2", "2e0", "20e-1", "0x2", "2_0"] {
            assert_eq!(w(text).map(|n| n == 2 || n == 20), Ok(true), "{text}");
        }
        for text in ["2.5", "nan", "inf", "-2", "0", "65", "1e400", "", "two"] {
            assert_eq!(
                w(text),
                Err("a whole number in [1, 64]".to_owned()),
                "{text}"
            );
        }
    }
}
