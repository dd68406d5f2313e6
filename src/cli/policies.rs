//! `currents policies`: the built-in credit rules and user types, with parameters and
//! defaults.

use std::io::{self, Write};

use crate::registry::builtin_v1;
use crate::rules::ParamSpec;
use crate::users::{NotebookUser, PRESETS, UserType};
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

fn write_all(w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "Credit rules (formulas: docs/policies.md)")?;
    for r in builtin_v1().rules() {
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
    writeln!(w, "User types (parameters, set under [grid.user-params]):")?;
    write_params(w, NotebookUser::PARAMS)?;
    writeln!(w)?;
    writeln!(w, "User presets (integrity, avg-amount, growth, bias):")?;
    for p in PRESETS {
        let b = p.behaviour;
        writeln!(
            w,
            "  {:<12} {}, {}, {}, {}  {}",
            p.name, b.integrity, b.avg_amount, b.growth, b.bias, p.doc
        )?;
    }
    Ok(())
}

/// Runs `currents policies`.
pub(crate) fn run(_: PoliciesArgs) -> i32 {
    let stdout = io::stdout();
    let mut w = stdout.lock();
    match write_all(&mut w).and_then(|()| w.flush()) {
        Ok(()) => 0,
        Err(e) => super::io_failure(&e),
    }
}
