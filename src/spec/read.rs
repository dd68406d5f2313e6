//! Reading a spec: the `NAME:key=value,…` shorthand, a flag's text, a TOML table or file.

use crate::params::Written;
use crate::toml_value::{Table, Value};

use super::values::{RESTRICTIONS, parse_restriction, parse_rng, setting, string_value};
use super::{EdgeFile, Extra, Limits, SPEC_KEYS, Spec, SpecError, canonical, parse_doc};

impl Spec {
    /// Sets one setting or parameter from its text form (a shorthand pair, a flag):
    /// `key` is a spec key or a parameter name. `field` names it in errors. A seed, runs or
    /// steps that is not a whole number is refused with [`Limits::default`]'s range
    /// (`simulate`'s); [`Spec::set_text_within`] names a workflow's own.
    pub(crate) fn set_text(
        &mut self,
        key: &str,
        value: &str,
        field: &str,
    ) -> Result<(), SpecError> {
        self.set_text_within(key, value, field, &Limits::default())
    }

    /// [`Spec::set_text`] with the settings' ranges of `limits`, so that a value that is no
    /// whole number is refused with the range the workflow enforces (compare's `--runs`);
    /// the range itself is checked on resolve, after the layers (a flag over a file).
    pub(crate) fn set_text_within(
        &mut self,
        key: &str,
        value: &str,
        field: &str,
        limits: &Limits,
    ) -> Result<(), SpecError> {
        let key = canonical(key);
        let twice = |f: &str| {
            SpecError::value(
                f,
                crate::params::shown_text(value),
                format!("each key once; `{key}` is already set"),
            )
        };
        match key.as_str() {
            "model" | "rule" | "user" => {
                let slot = match key.as_str() {
                    "model" => &mut self.model,
                    "rule" => &mut self.rule,
                    _ => &mut self.user,
                };
                if slot.is_some() {
                    return Err(twice(field));
                }
                *slot = Some(value.trim().to_owned());
            }
            "restriction" => {
                if self.restriction.is_some() {
                    return Err(twice(field));
                }
                self.restriction = Some(parse_restriction(field, value)?);
            }
            "rng" => {
                if self.rng.is_some() {
                    return Err(twice(field));
                }
                self.rng = Some(parse_rng(field, value)?);
            }
            "seed" | "runs" | "steps" => {
                let (lo, hi) = limits.range(&key);
                let v = setting(field, &Written::text(value), lo, hi)?;
                let slot = match key.as_str() {
                    "seed" => &mut self.seed,
                    "runs" => &mut self.runs,
                    _ => &mut self.steps,
                };
                if slot.is_some() {
                    return Err(twice(field));
                }
                *slot = Some(v);
            }
            "edges" => {
                if self.edges.is_some() {
                    return Err(twice(field));
                }
                self.edges = Some(edge_file(field, value)?);
            }
            "params" => {
                return Err(SpecError::value(
                    field,
                    format!("{value:?}"),
                    "parameters as their own key=value pairs",
                ));
            }
            _ => self.push_written(&key, Written::text(value), field, None)?,
        }
        Ok(())
    }

    /// Parses the shorthand `NAME[:key=value,…]`: NAME is the rule, each key a spec key
    /// (`model`, `user`, `restriction`, `rng`, `seed`, `runs`, `steps`) or a parameter of
    /// the model, rule or user. `field` (a flag or a compare side) prefixes error fields.
    /// Settings are checked against [`Limits::default`]; see `Spec::from_shorthand_within`.
    pub fn from_shorthand(field: &str, text: &str) -> Result<Spec, SpecError> {
        Spec::from_shorthand_within(field, text, &Limits::default())
    }

    /// [`Spec::from_shorthand`] with the settings checked against a workflow's `limits`.
    pub(crate) fn from_shorthand_within(
        field: &str,
        text: &str,
        limits: &Limits,
    ) -> Result<Spec, SpecError> {
        let (name, rest) = match text.split_once(':') {
            Some((n, r)) => (n.trim(), Some(r)),
            None => (text.trim(), None),
        };
        if name.is_empty() {
            return Err(SpecError::value(
                field,
                format!("{text:?}"),
                "NAME or NAME:key=value,… (NAME a rule; see `currents policies`)",
            ));
        }
        let mut spec = Spec::rule(name);
        for pair in rest.into_iter().flat_map(|r| r.split(',')) {
            let Some((key, value)) = pair.split_once('=') else {
                return Err(SpecError::value(
                    field,
                    format!("{:?}", pair.trim()),
                    "key=value pairs separated by commas",
                ));
            };
            let key = key.trim();
            let f = if field.is_empty() {
                key_field(key).to_owned()
            } else {
                format!("{field}.{}", key_field(key))
            };
            spec.set_text_within(key, value, &f, limits)?;
        }
        Ok(spec)
    }

    /// Reads a spec from a TOML document's table. Keys in `extra` belong to the caller (a
    /// scenario's `description`, a sweep's `grid`) and are returned with their values,
    /// canonical; any other unknown key is an error listing the accepted ones. A setting
    /// that is not a whole number is refused with [`Limits::default`]'s range; see
    /// `Spec::from_table_within`.
    pub(crate) fn from_doc<'a>(
        table: Table<'a>,
        extra: &[&'static str],
    ) -> Result<(Spec, Extra<'a>), SpecError> {
        Spec::from_table_within(table, extra, &Limits::default())
    }

    /// Reads a spec from a parsed TOML table ([`super::parse_toml`]'s), as `Spec::from_doc`
    /// reads a document: keys in `extra` belong to the caller and are returned with their
    /// values; any other unknown key is an error listing the accepted ones. (The table is
    /// written back as TOML and read with the text of each value, so a number is read by
    /// the one grammar of numbers, as everywhere.)
    pub fn from_table<'a>(
        table: &'a toml::Table,
        extra: &[&'static str],
    ) -> Result<(Spec, TableExtra<'a>), SpecError> {
        let text = toml::to_string(table).map_err(|e| SpecError::Syntax {
            line: 1,
            column: 1,
            message: e.to_string(),
        })?;
        let doc = parse_doc(&text)?;
        let (spec, own) = Spec::from_doc(doc.root(), extra)?;
        let rest = own
            .iter()
            .filter_map(|(k, _)| {
                let v = table.iter().find(|(key, _)| canonical(key) == *k)?.1;
                Some((*k, v))
            })
            .collect();
        Ok((spec, rest))
    }

    /// `Spec::from_doc` naming a workflow's `limits` when a setting is no whole number.
    pub(crate) fn from_table_within<'a>(
        table: Table<'a>,
        extra: &[&'static str],
        limits: &Limits,
    ) -> Result<(Spec, Extra<'a>), SpecError> {
        let mut spec = Spec::default();
        let mut rest = Vec::new();
        let mut seen: Vec<(String, &str)> = Vec::new();
        for (key, v) in table.iter() {
            let k = canonical(key);
            if let Some((_, first)) = seen.iter().find(|(c, _)| *c == k) {
                return Err(SpecError::value(
                    key_field(key),
                    v.describe(),
                    format!("each key once; `{first}` sets the same value"),
                ));
            }
            seen.push((k.clone(), key));
            if let Some(x) = extra.iter().find(|x| **x == k) {
                rest.push((*x, v));
                continue;
            }
            // A rule's shorthand (`rule = "turnover:seed=3"`) may have set this key already.
            if spec.is_set(&k) {
                return Err(SpecError::value(
                    key,
                    v.describe(),
                    format!("each key once; `{k}` is already set in `rule`"),
                ));
            }
            match k.as_str() {
                "model" | "rule" | "user" => spec.named_value(&k, &v, limits)?,
                "restriction" => {
                    let s = string_value(&k, &v, RESTRICTIONS)?;
                    spec.restriction = Some(parse_restriction(&k, s)?);
                }
                "rng" => spec.rng = Some(parse_rng(&k, string_value(&k, &v, "chacha or numpy")?)?),
                "edges" => spec.edges = Some(edge_file(&k, string_value(&k, &v, EDGES_ACCEPTED)?)?),
                "seed" | "runs" | "steps" => {
                    let (lo, hi) = limits.range(&k);
                    let x = Some(setting(key, &v.written(), lo, hi)?);
                    match k.as_str() {
                        "seed" => spec.seed = x,
                        "runs" => spec.runs = x,
                        _ => spec.steps = x,
                    }
                }
                "params" => {
                    let Some(t) = v.as_table() else {
                        return Err(SpecError::value(
                            "params",
                            v.describe(),
                            "a table of parameter = number",
                        ));
                    };
                    for (pk, pv) in t.iter() {
                        let f = format!("params.{}", key_field(pk));
                        spec.push_written(pk, pv.written(), &f, None)?;
                    }
                }
                _ => {
                    let accepted = SPEC_KEYS
                        .iter()
                        .chain(extra)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(SpecError::value(
                        key_field(key),
                        "(unknown key)",
                        format!("keys {accepted}"),
                    ));
                }
            }
        }
        Ok((spec, rest))
    }

    /// Parses a whole TOML text that holds a spec and nothing else.
    pub fn from_toml_str(text: &str) -> Result<Spec, SpecError> {
        let doc = parse_doc(text)?;
        Ok(Spec::from_doc(doc.root(), &[])?.0)
    }

    /// `model`, `rule` or `user` given as a name, a shorthand string or a table with `name`
    /// and that entry's parameters.
    fn named_value(&mut self, kind: &str, v: &Value<'_>, limits: &Limits) -> Result<(), SpecError> {
        let owner: &'static str = match kind {
            "model" => "model",
            "rule" => "rule",
            _ => "user",
        };
        let name = if let Some(s) = v.as_str() {
            if kind == "rule" && s.contains(':') {
                let short = Spec::from_shorthand_within(kind, s, limits)?;
                let name = short.rule.clone();
                self.absorb(short)?;
                name.unwrap_or_default()
            } else {
                s.trim().to_owned()
            }
        } else if let Some(t) = v.as_table() {
            let name = t.get("name").ok_or_else(|| {
                SpecError::value(
                    format!("{kind}.name"),
                    "(missing)",
                    format!("the {kind}'s name"),
                )
            })?;
            let name = string_value(&format!("{kind}.name"), &name, "a name")?.to_owned();
            for (pk, pv) in t.iter().filter(|(k, _)| *k != "name") {
                let f = format!("{kind}.{}", key_field(pk));
                self.push_written(pk, pv.written(), &f, Some(owner))?;
            }
            name
        } else {
            return Err(SpecError::value(
                kind,
                v.describe(),
                format!("a {kind} name, or a table with `name` and the {kind}'s parameters"),
            ));
        };
        let slot = match owner {
            "model" => &mut self.model,
            "rule" => &mut self.rule,
            _ => &mut self.user,
        };
        *slot = Some(name);
        Ok(())
    }

    /// Moves every setting and parameter of `other` into `self`, refusing any set in both.
    fn absorb(&mut self, other: Spec) -> Result<(), SpecError> {
        if let Some(k) = SPEC_KEYS.iter().find(|k| self.is_set(k) && other.is_set(k)) {
            return Err(SpecError::value(
                format!("rule.{k}"),
                "(set twice)",
                format!("each key once; `{k}` is already set"),
            ));
        }
        for p in other.params {
            self.push(p)?;
        }
        let merged = std::mem::take(self).overlay(Spec {
            params: Vec::new(),
            ..other
        });
        *self = merged;
        Ok(())
    }
}

/// What `edges` accepts.
const EDGES_ACCEPTED: &str = "a file path: a CSV of edges `from,to`";

/// The file `edges` names at `field`: a path, not empty.
fn edge_file(field: &str, path: &str) -> Result<EdgeFile, SpecError> {
    if path.trim().is_empty() {
        return Err(SpecError::value(field, format!("{path:?}"), EDGES_ACCEPTED));
    }
    Ok(EdgeFile::named(field, path.trim()))
}

/// The caller's own keys of a `toml::Table` (see [`Spec::from_table`]), canonical, with
/// their values.
pub type TableExtra<'a> = Vec<(&'static str, &'a toml::Value)>;

/// A key as an error names it: as written, or `""` when it is empty (so that a message
/// always names a field).
pub(crate) fn key_field(key: &str) -> &str {
    if key.is_empty() { "\"\"" } else { key }
}
