//! `simulate --summary`'s CSV: one row per run instead of the trajectory, read off the
//! run's [`RunFold`], for any model.
//!
//! Header: `run,seed,rng,engine`, then the run's parameters (the user's, then the model's,
//! as they declare them, in snake_case), then `FIGURES`. The figures cover timesteps
//! 1 … T and every member ([`RunFold`]'s definitions): `steps_over_limit` counts balance <
//! −credit (the state law), `abs_balance_mean_per_send_volume` is
//! `RunFold::equilibrium` (empty when the model keeps no such means, NaN when the send
//! volume stayed 0). Seeds: with numpy, run r replays as `--seed (seed + r − 1) --runs 1`;
//! with ChaCha, run r is stream r of `--seed seed`.

use std::io::{self, Write};

use crate::draws::RngKind;

use super::RunFold;

/// The figures of a summary row, after the run's parameters.
pub(crate) const FIGURES: [&str; 8] = [
    "steps",
    "final_balance",
    "final_credit",
    "min_credit",
    "max_credit",
    "steps_over_limit",
    "steps_zero_credit",
    "abs_balance_mean_per_send_volume",
];

/// The header line of a summary whose runs have the parameters `params` (their declared
/// names, kebab-case; written in snake_case).
pub fn header(params: &[&str]) -> String {
    let mut h = String::from("run,seed,rng,engine");
    for p in params {
        h.push(',');
        h.push_str(&p.replace('-', "_"));
    }
    for f in FIGURES {
        h.push(',');
        h.push_str(f);
    }
    h
}

/// Writes the header line.
pub fn write_header<W: Write + ?Sized>(w: &mut W, params: &[&str]) -> io::Result<()> {
    writeln!(w, "{}", header(params))
}

/// Writes the summary row of run `run` (1-based) of a simulation with `(seed, generator,
/// engine)` whose parameters have the values `params` (the header's order), folded into
/// `fold`.
pub(crate) fn write_row<W: Write + ?Sized>(
    w: &mut W,
    (seed, rng, engine): (u64, RngKind, &str),
    params: &[f64],
    run: u64,
    fold: &RunFold,
) -> io::Result<()> {
    write!(w, "{run},{seed},{rng},{engine}")?;
    // A whole number below 2^53 prints the same digits as a double and as an integer.
    for p in params {
        write!(w, ",{p}")?;
    }
    let t = fold.tally();
    writeln!(
        w,
        ",{},{},{},{},{},{},{},{}",
        t.n_steps,
        t.final_balance,
        t.final_limit,
        number_or_empty(t.min()),
        number_or_empty(t.max()),
        t.steps_over_limit,
        t.steps_zero_limit,
        fold.equilibrium(),
    )
}

/// A number as the CSV writes it (`Display` of the double: a credit, an integer below 2^53,
/// prints the integer's digits); empty for none (a run of no steps).
fn number_or_empty(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_names_the_parameters_in_snake_case_before_the_figures() {
        assert_eq!(
            header(&["integrity", "sum-volume"]),
            "run,seed,rng,engine,integrity,sum_volume,steps,final_balance,final_credit,min_credit,max_credit,steps_over_limit,steps_zero_credit,abs_balance_mean_per_send_volume"
        );
    }
}
