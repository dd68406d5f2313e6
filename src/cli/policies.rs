//! `currents policies`: the registry's models, credit rules and users, with their
//! parameters and defaults.

use std::io::{self, Write};

use crate::params::ParamSpec;
use crate::workbench::{EntryInfo, Workbench};
use clap::Args;

#[derive(Args, Debug)]
pub(crate) struct PoliciesArgs {}

fn write_params(w: &mut dyn Write, params: &[ParamSpec]) -> io::Result<()> {
    if params.is_empty() {
        writeln!(w, "    (no parameters)")?;
    }
    for p in params {
        let kind = if p.integer { "whole" } else { "number" };
        writeln!(
            w,
            "    {:<14} default {:<8} {kind} in [{}, {}]  {}",
            p.name, p.default, p.min, p.max, p.doc
        )?;
    }
    Ok(())
}

/// The entries of one model of kind `kind`.
fn of_kind<'a>(
    entries: &'a [EntryInfo],
    kind: &'static str,
) -> impl Iterator<Item = &'a EntryInfo> {
    entries.iter().filter(move |e| e.kind == kind)
}

/// One model's section: its declaration, its rules, its users and their parameters.
fn write_model(w: &mut dyn Write, entries: &[EntryInfo], first: bool) -> io::Result<()> {
    for m in of_kind(entries, "model") {
        writeln!(w)?;
        writeln!(w, "{}", m.name)?;
        writeln!(w, "  {}", m.summary)?;
        write_params(w, m.params)?;
    }
    writeln!(w)?;
    if first {
        writeln!(
            w,
            "Credit rules (formulas of the built-ins: docs/policies.md)"
        )?;
    } else {
        writeln!(w, "Credit rules")?;
    }
    for r in of_kind(entries, "rule") {
        writeln!(w)?;
        let restriction = r.restriction.map_or(String::new(), |e| e.to_string());
        writeln!(w, "{}  [restriction: {restriction}]", r.name)?;
        writeln!(w, "  {}", r.summary)?;
        write_params(w, r.params)?;
    }
    if first {
        writeln!(w)?;
        writeln!(
            w,
            "Restrictions (how an outgoing payment meets the capacity): none, clamp, reject"
        )?;
    }
    writeln!(w)?;
    writeln!(
        w,
        "Users (a user's values are the defaults its parameters start from)"
    )?;
    for u in of_kind(entries, "user") {
        writeln!(w)?;
        let values = u
            .params
            .iter()
            .zip(&u.defaults)
            .map(|(p, v)| format!("{}={v}", p.name))
            .collect::<Vec<_>>()
            .join(" ");
        writeln!(w, "{}  {values}", u.name)?;
        writeln!(w, "  {}", u.summary)?;
    }
    let mut shown: Vec<&[ParamSpec]> = Vec::new();
    for u in of_kind(entries, "user") {
        if shown.iter().any(|p| std::ptr::eq(*p, u.params)) {
            continue;
        }
        shown.push(u.params);
        writeln!(w)?;
        writeln!(
            w,
            "Parameters of {} (and the users that share them):",
            u.name
        )?;
        write_params(w, u.params)?;
    }
    Ok(())
}

fn write_all(w: &mut dyn Write, bench: &Workbench) -> io::Result<()> {
    for (i, model) in bench.models().enumerate() {
        if i == 0 {
            writeln!(
                w,
                "Models (parameters go in a spec's [params], or --param KEY=VALUE)"
            )?;
        } else {
            writeln!(w)?;
            writeln!(
                w,
                "Model {} (`model = \"{}\"` in a spec, --model {} on the command line)",
                model.name(),
                model.name(),
                model.name()
            )?;
        }
        write_model(w, &model.entries(), i == 0)?;
    }
    Ok(())
}

/// Runs `currents policies`.
pub(crate) fn run(_: PoliciesArgs, tool: &super::Tool) -> i32 {
    match super::write_output("-", |w| write_all(w, &tool.bench)) {
        Ok(()) => 0,
        Err(e) => super::io_failure(&e),
    }
}
