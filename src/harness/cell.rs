//! The cell a check runs: a model, a user and the parameters they take, as the command line
//! names them — what every counterexample carries so that its replay command runs as
//! printed.

use std::fmt;

use crate::spec::{Spec, SpecError};

/// The parameters that have a flag of their own on `simulate` and `replay` (`--integrity
/// X`); every other parameter is written `--param NAME=VALUE`.
pub(crate) const PARAM_FLAGS: [&str; 4] =
    ["integrity", "avg-amount", "sum-volume", "initial-credit"];

/// The key under which a cell's [`CellArgs::params`] name the file of the trading graph its
/// user reads (`--edges FILE`): the spec's `edges`, not a parameter. The caller reads the
/// file and hands its edges to the check ([`crate::harness::HarnessConfig::edge_files`]).
pub(crate) const EDGES: &str = "edges";

/// `text` as one word of a shell command line: as it is when it holds only characters no
/// shell reads specially, else in single quotes.
fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "._/-+:=@%,".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// One cell of a check: the model and the user it runs (`None`: the registry's first) and
/// the parameters it sets, each as written on the command line (a whole number as its
/// digits, any other number in its shortest round-trip form: `1.0`, `250`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CellArgs {
    /// The model's name, when not the registry's first.
    pub model: Option<String>,
    /// The user's name, when not the registry's first.
    pub user: Option<String>,
    /// The parameters set, in order: (declared name, value as written).
    pub params: Vec<(String, String)>,
}

impl CellArgs {
    /// A cell of the registry's first model and user with `params` set (each value as
    /// written: see `CellArgs::value`).
    pub fn of(params: Vec<(String, String)>) -> Self {
        CellArgs {
            params,
            ..CellArgs::default()
        }
    }

    /// `x` as a cell writes a parameter's value: a whole-number parameter (`integer`) as its
    /// digits, any other in Rust's shortest round-trip form with a decimal point (`1.0`).
    pub(crate) fn value(x: f64, integer: bool) -> String {
        if integer {
            format!("{}", x as i64)
        } else {
            format!("{x:?}")
        }
    }

    /// The cell's flags for `currents replay` (and `simulate`): `--model M`, `--user U`, then
    /// each parameter as its own flag when it has one (`PARAM_FLAGS`), else as
    /// `--param NAME=VALUE`.
    pub(crate) fn flags(&self) -> String {
        let mut words = Vec::new();
        if let Some(m) = &self.model {
            words.push(format!("--model {m}"));
        }
        if let Some(u) = &self.user {
            words.push(format!("--user {u}"));
        }
        for (name, value) in &self.params {
            if name == EDGES {
                words.push(format!("--edges {}", shell_word(value)));
            } else if PARAM_FLAGS.contains(&name.as_str()) {
                words.push(format!("--{name} {value}"));
            } else {
                words.push(format!("--param {name}={value}"));
            }
        }
        words.join(" ")
    }

    /// The cell as a spec (its model, user and parameters; nothing else set), each
    /// parameter named in errors as its flag (`--integrity`, `--param members`).
    pub(crate) fn to_spec(&self) -> Result<Spec, SpecError> {
        let mut spec = Spec {
            model: self.model.clone(),
            user: self.user.clone(),
            ..Spec::default()
        };
        for (name, value) in &self.params {
            let field = if name == EDGES || PARAM_FLAGS.contains(&name.as_str()) {
                format!("--{name}")
            } else {
                format!("--param {name}")
            };
            spec.set_text(name, value, &field)?;
        }
        Ok(spec)
    }

    /// The cell as JSON: `params` (snake_case names; a value that reads as a whole number
    /// is an integer, any other a float), and `model` and `user` when named.
    pub fn to_json(&self) -> serde_json::Value {
        let params: serde_json::Map<String, serde_json::Value> = self
            .params
            .iter()
            .map(|(name, value)| {
                let v = match value.parse::<i64>() {
                    Ok(i) => serde_json::json!(i),
                    Err(_) => value
                        .parse::<f64>()
                        .map_or_else(|_| serde_json::json!(value), |x| serde_json::json!(x)),
                };
                (name.replace('-', "_"), v)
            })
            .collect();
        let mut json = serde_json::json!({ "params": params });
        if let Some(m) = &self.model {
            json["model"] = serde_json::json!(m);
        }
        if let Some(u) = &self.user {
            json["user"] = serde_json::json!(u);
        }
        json
    }
}

/// The cell as its flags (`CellArgs::flags`): how reports name a cell.
impl fmt::Display for CellArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.flags())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_is_written_as_flags_and_as_json_with_whole_numbers_as_integers() {
        let cell = CellArgs {
            model: Some("network".into()),
            user: None,
            params: vec![
                ("integrity".into(), CellArgs::value(1.0, false)),
                ("members".into(), CellArgs::value(3.0, true)),
            ],
        };
        assert_eq!(
            cell.flags(),
            "--model network --integrity 1.0 --param members=3"
        );
        assert_eq!(
            cell.to_json().to_string(),
            r#"{"model":"network","params":{"integrity":1.0,"members":3}}"#
        );
    }
}
