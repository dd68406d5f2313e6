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
