//! `currents policies`: the registry's models, credit rules and users, with their
//! parameters and defaults.

use std::io::{self, Write};

use crate::params::ParamSpec;
use crate::registry::{Declared as _, Registry};
use crate::v1::V1;
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

fn write_all(w: &mut dyn Write, registry: &Registry<V1>) -> io::Result<()> {
    writeln!(
        w,
        "Models (parameters go in a spec's [params], or --param KEY=VALUE)"
    )?;
    for m in registry.models() {
        writeln!(w)?;
        writeln!(w, "{}", m.name)?;
        writeln!(w, "  {}", m.summary)?;
        write_params(w, m.params)?;
    }
    writeln!(w)?;
    writeln!(
        w,
        "Credit rules (formulas of the built-ins: docs/policies.md)"
    )?;
    for r in registry.rules() {
        writeln!(w)?;
        writeln!(w, "{}  [restriction: {}]", r.name, r.enforcement().mode)?;
        writeln!(w, "  {}", r.summary)?;
        write_params(w, r.params)?;
    }
    writeln!(w)?;
    writeln!(
        w,
        "Restrictions (how an outgoing payment meets the capacity): none, clamp, reject"
    )?;
    writeln!(w)?;
    writeln!(
        w,
        "Users (a user's values are the defaults its parameters start from)"
    )?;
    for u in registry.users() {
        writeln!(w)?;
        let values = u
            .params
            .iter()
            .zip(u.defaults())
            .map(|(p, v)| format!("{}={v}", p.name))
            .collect::<Vec<_>>()
            .join(" ");
        writeln!(w, "{}  {values}", u.name)?;
        writeln!(w, "  {}", u.summary)?;
    }
    let mut shown: Vec<&[ParamSpec]> = Vec::new();
    for u in registry.users() {
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

/// Runs `currents policies`.
pub(crate) fn run(_: PoliciesArgs, tool: &super::Tool) -> i32 {
    match super::write_output("-", |w| write_all(w, &tool.registry)) {
        Ok(()) => 0,
        Err(e) => super::io_failure(&e),
    }
}
