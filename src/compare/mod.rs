//! A regression gate for policy changes: two sides on the same seeded streams.
//!
//! Snapshots catch *any* change to the numbers; a team editing its credit rule also needs to
//! know whether a change *matters*. [`compare`] runs a baseline and a candidate side by side
//! on common random numbers — run r of both sides draws from the same generator stream, the
//! one `currents simulate` uses for run r — and reports, per metric of [`crate::metrics`],
//! both means and the paired difference with a bootstrap 95% interval across runs; per
//! law of the catalog, its status on each side; per run, the first step where the two
//! trajectories diverge and the first step where they stop sharing draws; and a verdict.
//!
//! Pairing matters because most of a metric's spread across runs comes from the draws, which
//! both sides share: the paired difference cancels it. For `credit_mean` under a 2.6% change
//! of V1's quadratic coefficient its standard deviation drops from 670 (one side) to 41
//! (the pair), so 10 runs do what independent samples would need thousands for
//! (docs/compare.md, "Power").
//!
//! # Sides
//!
//! Each side is the one run spec ([`crate::spec`]): the shorthand `NAME:key=value,…`
//! ([`SideInput::shorthand`]: the rule, its parameters, `model=`, `user=`, the user's and the
//! model's parameters, `restriction=`, and the settings `rng`, `seed`, `runs`, `steps`) or a
//! spec or scenario `.toml` file ([`SideInput::file`]). [`resolve_sides`] looks both up in a
//! [`crate::workbench::Workbench`] — each side on the model it names, the workbench's first
//! by default — layered so that only what a side says differs:
//!
//! - **Settings** (runs, steps, seed, generator): a flag, over what a side's spec sets, over
//!   the defaults ([`CompareConfig::default`]). Both sides always run the same settings —
//!   common random numbers need them — so when the two sides set one setting to different
//!   values and no flag settles it, the comparison is refused.
//! - **Model and user**: a side written as shorthand is laid over a *file* on the other
//!   side: it runs on the file's model and user with their parameter values, except what it
//!   names itself (another user starts from that entry's own values, and its own parameters
//!   replace the file's; another model starts from its own defaults and its own users, none
//!   of the file's carried). So `--baseline scenario.toml --candidate turnover` compares two
//!   rules on the scenario's user and window. Two shorthand sides, or two files, each run
//!   on their own spec over the defaults: `turnover` against `turnover:integrity=0.8`
//!   compares two users under one rule.
//! - **Rule and restriction** are each side's own: never carried from the other side.
//!
//! The two sides may run different models (`static:model=network,members=3` against
//! `static`): the metrics and the catalog's laws read each model's ledgers, and the
//! divergence and the draw alignment compare what both sides have — which member a step's
//! payment involved and that member's balance, limit and payment, and the generator words
//! each step consumed. Two models that draw differently part at their first step.
//!
//! The draws stay aligned as long as both sides consume the same number of generator
//! outputs per step. V1's user (the notebook's draw) takes a fixed seven 32-bit outputs
//! per step, plus two more on the integrity path, which is only taken when a uniform draw
//! exceeds the integrity coefficient *and* ten times the amount is below the previous
//! capacity. With integrity ≥ 1 the path is never taken and the alignment is exact for any
//! pair of rules; below 1 the capacity (which the rule sets) decides, and the report names,
//! per run, the first step where the draw counts differ ([`RunDivergence::crn_lost_step`]).
//!
//! A side runs as the runs of its resolved spec on the `exact` engine
//! ([`crate::workbench::AnySpec::runs`]: the numbers a comparison pins), observed without
//! its type ([`crate::workbench::AnyObserver`]); [`compare_plans`] compares the typed
//! runs of two plans — a user's model variant against V1 — through the same core. When
//! both sides run their model's own rule (the type of its registry's first rule: V1's
//! `currents-v1`) under the rule's own restriction, on the same model, the comparison
//! also runs that model's harness checks on each side's cell (`harness_diff`).
//!
//! A run whose step fails (the run loop refuses a negative limit, as `v1-no-fallback`
//! returns) is a finding: the side breaks `step_is_defined` (or `credit_non_negative`), the
//! run is left out of the metrics, and the gate fails, the verdict naming the side, how
//! many runs failed and the first run and step — even when the other side fails alike.
//!
//! Everything is deterministic: the runs use the seeded streams above and the bootstrap
//! draws from its own ChaCha stream ([`crate::draws::chacha_rng`]`(seed, BOOTSTRAP_SUBSET,
//! metric + 1)`), so the same inputs give the same report and verdict on any machine.

mod config;
mod driver;
mod harness;
mod record;
mod render;
mod report;
mod side;
mod stats;

pub use config::CompareConfig;
pub(crate) use config::{parse_change, parse_fail_on, parse_metric};
pub use driver::{compare, compare_plans};
pub use harness::HarnessDiff;
pub(crate) use harness::harness_diff;
pub use record::InvariantStatus;
pub use render::Format;
pub use report::{CompareReport, FailedRuns, InvariantDiff, MetricDiff, RunDivergence};
pub use side::{Side, SideInput, SideLabel, parse_spec, resolve_sides};

use crate::params::ParamError;
use crate::spec::SpecError;

/// The ChaCha subset the bootstrap draws from (runs use subset 0, as `simulate` does).
pub(crate) const BOOTSTRAP_SUBSET: u64 = 0xB007;
/// Bootstrap resamples per metric.
pub(crate) const N_BOOT: usize = 2000;
/// The default smallest relative change of a metric's mean that fails the gate (1%).
pub const MIN_CHANGE_DEFAULT: f64 = 0.01;
/// The most runs a comparison may hold (both sides' trajectories of one run are kept).
pub(crate) const COMPARE_RUNS_MAX: u64 = 100_000;
/// The most states (runs × steps) per side: keeps a gate run in CI short.
pub(crate) const COMPARE_STATES_MAX: u64 = 100_000_000;
/// The program name [`CompareReport::command`] starts with unless the caller sets another
/// ([`CompareReport::program`]).
pub(crate) const PROGRAM_DEFAULT: &str = "currents";

/// A bad comparison input: the one "invalid value" error ([`ParamError`]), naming the field
/// (`baseline.quad-coef`, `--runs`), the value and what is accepted; its message is one
/// line whatever a side holds (a side is free text).
pub type CompareError = ParamError;

/// The error naming `field`, `value` and `accepted`.
fn bad(
    field: impl Into<String>,
    value: impl Into<String>,
    accepted: impl Into<String>,
) -> CompareError {
    ParamError {
        field: field.into(),
        value: value.into(),
        accepted: accepted.into(),
    }
}

/// A spec's error as a comparison's (a syntax error names the field `spec`).
pub(crate) fn from_spec(e: SpecError) -> CompareError {
    match e {
        SpecError::Value(e) => e,
        syntax @ SpecError::Syntax { .. } => bad("spec", "(not valid TOML)", syntax.to_string()),
    }
}

/// An error in side `field`'s file `source`: a bad value is named as in a shorthand
/// (`baseline.params.integrity`, with the range the declaration enforces); a file that is
/// not TOML names the file.
fn in_side_file(field: &str, source: &str, e: SpecError) -> CompareError {
    match e {
        SpecError::Value { .. } => in_side(field, e),
        SpecError::Syntax { .. } => bad(field, source, e.to_string()),
    }
}

/// A spec error of side `side`, its field prefixed with the side unless it names it already
/// (a shorthand's own pairs are written `side.key` when parsed).
fn in_side(side: &str, e: SpecError) -> CompareError {
    match e {
        SpecError::Value(e) => {
            let named = e.field == side || e.field.starts_with(&format!("{side}."));
            if named { e } else { e.within(side) }
        }
        syntax @ SpecError::Syntax { .. } => bad(side, "(not valid TOML)", syntax.to_string()),
    }
}
