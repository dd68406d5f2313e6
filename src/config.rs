//! The `simulate` config file: one spec ([`crate::spec`]) plus `simulate`'s own key `out`.
//!
//! There is no parser here: the file is read by [`Spec::from_table`], which owns every key
//! but `out` (model, rule, user, restriction, rng, seed, runs, steps and `[params]`), so a
//! value is accepted or refused in a config file exactly as in a scenario, a compare side,
//! a sweep cell or the flags of `currents simulate` (which overlay the file's spec). Every
//! error names the key, the value and what is accepted.

use crate::spec::{Limits, Spec, SpecError, parse_doc};

/// The key a `simulate` config adds to the spec's: where the CSV goes (`-` for stdout).
pub(crate) const OUT_KEY: &str = "out";

/// A `simulate` config file, read: the spec it holds and its `out`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SimulateFile {
    /// The run: every key but `out`, unresolved (flags overlay it, then it is resolved
    /// once against the registry).
    pub(crate) spec: Spec,
    /// Output path (`-` for stdout).
    pub(crate) out: Option<String>,
}

impl SimulateFile {
    /// Parses a config file. Malformed TOML, unknown keys, a key given twice (in either
    /// spelling) and values of the wrong type are errors here; names and parameter ranges
    /// are checked when the spec is resolved ([`Spec::resolve`]).
    pub fn from_toml_str(text: &str) -> Result<Self, SpecError> {
        Self::from_toml_str_within(text, &Limits::default())
    }

    /// [`SimulateFile::from_toml_str`], its settings checked against `limits` (the
    /// command's: `--summary` accepts more steps than a trajectory CSV).
    pub(crate) fn from_toml_str_within(text: &str, limits: &Limits) -> Result<Self, SpecError> {
        let doc = parse_doc(text)?;
        let (spec, extra) = Spec::from_table_within(doc.root(), &[OUT_KEY], limits)?;
        let mut out = None;
        for (key, v) in extra {
            debug_assert_eq!(key, OUT_KEY);
            match v.as_str() {
                Some(s) => out = Some(s.to_owned()),
                None => return Err(SpecError::value(key, v.describe(), "a file path")),
            }
        }
        Ok(SimulateFile { spec, out })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_is_a_spec_plus_out() {
        let file = SimulateFile::from_toml_str(
            "rule = \"turnover:window=10\"\nuser = \"spender\"\nout = \"runs.csv\"\n[params]\nintegrity = 0.8\n",
        )
        .unwrap();
        assert_eq!(file.spec.rule.as_deref(), Some("turnover"));
        assert_eq!(file.out.as_deref(), Some("runs.csv"));
    }
    use crate::draws::RngKind;

    #[test]
    fn out_is_simulates_own_key_and_the_rest_is_the_spec() {
        let f = SimulateFile::from_toml_str(
            "rng = \"numpy\"\nout = \"a.csv\"\n[params]\navg_amount = 50\nsum-volume = 7\n",
        )
        .unwrap();
        assert_eq!(f.out.as_deref(), Some("a.csv"));
        assert_eq!(f.spec.rng, Some(RngKind::Numpy));
        let keys: Vec<_> = f.spec.params.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["avg-amount", "sum-volume"]);
    }

    #[test]
    fn out_must_be_a_path() {
        let e = SimulateFile::from_toml_str("out = 3\n").unwrap_err();
        assert_eq!(e, SpecError::value("out", "3", "a file path"));
    }

    #[test]
    fn a_key_in_both_spellings_and_an_unknown_key_are_errors() {
        let twice = SimulateFile::from_toml_str("[params]\navg-amount = 50\navg_amount = 60\n");
        assert!(twice.unwrap_err().to_string().contains("each key once"));
        let e = SimulateFile::from_toml_str("runz = 3\n").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("`runz`") && msg.contains("runs") && msg.contains("out"));
    }
}
