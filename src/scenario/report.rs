//! A scenario's report: the reviewable text its snapshot holds, for any model.
//!
//! A report has three parts:
//! - a **header** of `key: value` lines with everything needed to reproduce the numbers
//!   (scenario file, crate version, rule and its parameters, the user's and the model's
//!   parameters, generator, seed, runs, steps, and a `currents simulate` command that
//!   reproduces them). The model, the user and the spending restriction get a line of their
//!   own only when they are not what a spec that names none runs (the workbench's first
//!   model, its registry's first user, the rule's own restriction), and a user parameter
//!   that is 0 in the run and in the user's entry (V1's growth, bias) is left out of
//!   `params:`: so a notebook scenario's header reads as it always did;
//! - one **trajectory table** per run (`## run r`), laid out as the model declares
//!   ([`crate::registry::ModelType::report_layout`]: which columns, how wide): every step
//!   for scenarios of at most [`TABLE_FULL_STEPS_MAX`] steps; for longer ones every k-th
//!   step (k = [`TABLE_EVERY_DEFAULT`] or the scenario's `table-every`), the last step and
//!   every step where a member's limit (V1: `userCredit`) changes;
//! - a **summary** (`## summary`) from the one per-run fold ([`RunFold`]): per run and over
//!   all runs, the final balance, the mean of |mean balance| / mean send volume (for a model
//!   that keeps them), the steps over the limit and with a zero limit, the smallest and
//!   largest limit; and a digest of every value of every state, so that a change in a step
//!   the table leaves out still changes the report.
//!
//! Floats are written in the shortest decimal form that parses back to the same double
//! (Rust's `Display`), for every generator: two reports are equal exactly when every
//! double in them is bit-identical. Columns have fixed widths so that a changed value
//! changes its own line only, which keeps snapshot diffs small.

use std::fmt::{self, Write as _};

use crate::draws::RngKind;
use crate::metrics::RunFold;
use crate::model::LedgerColumns;
use crate::workbench::AnySpec;

use super::summary::summary;
use super::table::{Fnv1a64, KEY_WIDTH, Layout, Table, row};
use super::{Scenario, ScenarioRunError};

/// Scenarios with at most this many steps show every step in their tables.
pub const TABLE_FULL_STEPS_MAX: u64 = 400;
/// The table stride of longer scenarios, unless the scenario sets `table-every`.
pub const TABLE_EVERY_DEFAULT: u64 = 50;

/// The width of the table's first column, the step: the digits of
/// [`crate::params::STEPS_MAX`] (10^6).
const STEP_WIDTH: usize = 7;

/// The parameters `currents simulate` takes as flags of their own (`--integrity 1`; every
/// parameter is also `--param KEY=VALUE`): a report whose parameters are all among these
/// prints the short command ([`Scenario::is_simulate_default`]).
pub(super) const SIMULATE_PARAM_FLAGS: [&str; 4] =
    ["integrity", "avg-amount", "sum-volume", "initial-credit"];

/// Renders the report of `scenario`; `source` is how the header names the scenario file
/// (a path relative to the crate root).
///
/// Fails only when a run fails, which validated parameters and the built-in rules rule
/// out except for extreme rule coefficients (a credit that does not fit an integer).
pub fn render(scenario: &Scenario, source: &str) -> Result<String, ScenarioRunError> {
    let runs = scenario.runs()?;
    let layout = scenario.spec().report_layout();
    let ledger = scenario.spec().ledger_columns();
    let n_members = runs.n_members();
    let mut out = String::new();
    header(&mut out, scenario, source, &ledger, n_members);
    let settings = scenario.spec().settings();
    let streams = scenario.streams();
    // Where each tabled column is in the model's row (`None`: a name the model lacks).
    let model_columns = runs.columns();
    let at: Vec<Option<usize>> = layout
        .columns
        .iter()
        .map(|(name, _)| model_columns.iter().position(|c| c == name))
        .collect();
    debug_assert!(
        at.iter().all(Option::is_some),
        "the report layout names a column the model lacks: {layout:?} vs {model_columns:?}"
    );
    let widths: Vec<usize> = std::iter::once(STEP_WIDTH)
        .chain(layout.columns.iter().map(|(_, w)| *w))
        .collect();

    let table = Layout {
        at: &at,
        widths: &widths,
        every: table_every(scenario),
        n_steps: settings.steps,
    };
    let mut folds: Vec<RunFold> = Vec::new();
    let mut digest = Fnv1a64::new();
    for run in 1..=settings.runs {
        out.push('\n');
        let _ = writeln!(out, "## run {run}: {}", scenario.generator_of_run(run));
        row(
            &mut out,
            &widths,
            std::iter::once("step").chain(layout.columns.iter().map(|(n, _)| n.as_str())),
        );
        let (fold, ran) = runs.metered(
            &streams,
            run,
            settings.steps,
            Some(settings.steps),
            &mut Table::new(&mut out, &mut digest, run, &table),
            None,
        );
        ran.map_err(|source| ScenarioRunError::Run { run, source })?;
        folds.extend(fold);
    }

    summary(&mut out, &folds, digest.finish(), &ledger, n_members);
    Ok(out)
}

/// The table stride: the scenario's `table-every` (at least 1), else every step for short
/// scenarios and [`TABLE_EVERY_DEFAULT`] for long ones.
fn table_every(scenario: &Scenario) -> u64 {
    let default = if scenario.spec().settings().steps <= TABLE_FULL_STEPS_MAX {
        1
    } else {
        TABLE_EVERY_DEFAULT
    };
    scenario.table_every().unwrap_or(default).max(1)
}

/// `name = value` for each parameter of the user, then of the model, as the header's
/// `params:` line lists them: a parameter that is 0 both in the run and in its entry is
/// left out (the notebook's user's growth and bias: the notebook has neither; the
/// network's `leave-after`: nobody leaves, as before members could).
pub(super) fn world_params(spec: &dyn AnySpec) -> Vec<(&'static str, f64)> {
    let (user, model) = (spec.user(), spec.model());
    let nonzero = |view: &crate::workbench::ChosenView| {
        view.pairs()
            .into_iter()
            .zip(view.defaults.clone())
            .filter(|((_, v), d)| !(*v == 0.0 && *d == 0.0))
            .map(|(pair, _)| pair)
            .collect::<Vec<_>>()
    };
    let mut pairs = nonzero(&user);
    pairs.extend(nonzero(&model));
    pairs
}

fn header(
    out: &mut String,
    scenario: &Scenario,
    source: &str,
    ledger: &LedgerColumns,
    n_members: usize,
) {
    let spec = scenario.spec();
    let mut kv = |key: &str, value: &dyn fmt::Display| {
        let _ = writeln!(out, "{:<KEY_WIDTH$}{value}", format!("{key}:"));
    };
    kv("scenario", &source);
    kv("description", &scenario.description());
    kv("crate", &concat!("currents ", env!("CARGO_PKG_VERSION")));
    // The model, the user and the restriction are named only when they are not what a
    // spec that names none runs (so the header of a notebook scenario stays as it was).
    if let Some(model) = scenario.model_if_named() {
        kv("model", &model);
    }
    let rule = spec.rule();
    let rule_pairs: Vec<String> = rule
        .pairs()
        .iter()
        .map(|(name, v)| format!("{name} = {v}"))
        .collect();
    if rule_pairs.is_empty() {
        kv("rule", &rule.name);
    } else {
        kv(
            "rule",
            &format!("{} ({})", rule.name, rule_pairs.join(", ")),
        );
    }
    if spec.restriction() != spec.rule_restriction() {
        kv("restriction", &spec.restriction());
    }
    if let Some(user) = scenario.user_if_named() {
        kv("user", &user);
    }
    let params = world_params(spec);
    kv(
        "params",
        &params
            .iter()
            .map(|(name, v)| format!("{name} = {v}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    let settings = spec.settings();
    let generator = match settings.rng {
        RngKind::Numpy => "numpy: run r draws from numpy's RandomState(seed + r - 1) (MT19937)",
        RngKind::Chacha => "chacha: run r draws from ChaCha8 keyed by (seed, subset 0), stream r",
    };
    kv("generator", &generator);
    kv("seed", &settings.seed);
    kv("runs", &settings.runs);
    kv("steps", &settings.steps);
    kv("reproduce", &reproduce(scenario, &params));
    if let Some(reference) = scenario.reference() {
        kv(
            "checked",
            &format!(
                "every tabled value equals cadCAD 0.5.3's in {reference}, bit for bit (tests/scenarios.rs); the whole runs are checked by tests/golden.rs"
            ),
        );
    }
    kv(
        "floats",
        &"shortest decimal that parses back to the same double: every value is exact",
    );
    let every = table_every(scenario);
    if every == 1 {
        kv("table", &"every step (step 0 is the genesis state)");
    } else {
        let limit = if n_members == 1 {
            ledger.limit.name.clone()
        } else {
            format!("a member's {}", ledger.limit.name)
        };
        kv(
            "table",
            &format!(
                "step 0, every {every}th step, the last step and every step where {limit} changes"
            ),
        );
    }
}

/// The header's `reproduce:` line, `params` the `params:` line's pairs.
///
/// - What `simulate` runs with flags for its settings and parameters only
///   ([`Scenario::is_simulate_default`]): the short command, `--integrity 1 …`.
/// - Another scenario of the workbench's first model: the pointer to the scenario tests
///   its reports have always printed (issue 21 keeps V1's reports byte for byte).
/// - A scenario of any other model: the whole command, every name and every parameter
///   given (`--model network --rule static --param members=3 …`).
fn reproduce(scenario: &Scenario, params: &[(&str, f64)]) -> String {
    let spec = scenario.spec();
    let s = spec.settings();
    let settings = format!(
        "--rng {} --seed {} --runs {} --steps {}",
        s.rng, s.seed, s.runs, s.steps
    );
    if scenario.is_simulate_default() {
        let mut command = format!("currents simulate --engine exact {settings}");
        for (name, v) in params {
            let _ = write!(command, " --{name} {v}");
        }
        return command;
    }
    let Some(model) = scenario.model_if_named() else {
        return "cargo test --release --test scenarios (the rule's coefficients are not simulate flags)"
            .to_owned();
    };
    let mut command = format!(
        "currents simulate --engine exact --model {model} --rule {}",
        spec.rule().shorthand
    );
    if let Some(user) = scenario.user_if_named() {
        let _ = write!(command, " --user {user}");
    }
    if spec.restriction() != spec.rule_restriction() {
        let _ = write!(command, " --restriction {}", spec.restriction());
    }
    let _ = write!(command, " {settings}");
    for (name, v) in params {
        let _ = write!(command, " --param {name}={v}");
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workbench::Workbench;

    fn parse(text: &str) -> Scenario {
        Scenario::from_toml_str(text, &Workbench::builtin()).unwrap()
    }

    fn scenario(steps: u64, extra: &str) -> Scenario {
        parse(&format!(
            "description = \"t\"\nrule = \"currents-v1\"\nrng = \"chacha\"\nseed = 1\nruns = 2\nsteps = {steps}\n{extra}"
        ))
    }

    fn header(s: &Scenario) -> String {
        let r = render(s, "x.toml").unwrap();
        r[..r.find("\n## ").unwrap()].to_owned()
    }

    #[test]
    fn the_header_names_a_user_and_restriction_only_when_not_the_defaults() {
        let plain = header(&scenario(5, ""));
        assert!(
            !plain.contains("\nuser:") && !plain.contains("\nrestriction:"),
            "{plain}"
        );
        assert!(plain.contains(
            "\nparams:      integrity = 1, avg-amount = 100, sum-volume = 30, initial-credit = 250\n"
        ));
        assert!(plain.contains("\nreproduce:   currents simulate --engine exact --rng chacha --seed 1 --runs 2 --steps 5 --integrity 1 --avg-amount 100 --sum-volume 30 --initial-credit 250\n"), "{plain}");
        let s = parse(
            "description = \"t\"\nrule = \"static\"\nuser = \"spender\"\nrestriction = \"clamp\"\nrng = \"numpy\"\nseed = 1\nruns = 2\nsteps = 5\n[params]\ngrowth = 0.5\n",
        );
        let h = header(&s);
        for line in [
            "\nrule:        static\n",
            "\nrestriction: clamp\n",
            "\nuser:        spender\n",
            "\nparams:      integrity = 1, avg-amount = 100, growth = 0.5, bias = -0.05, sum-volume = 30, initial-credit = 250\n",
            "\nreproduce:   cargo test",
        ] {
            assert!(h.contains(line), "{line:?} in\n{h}");
        }
    }

    #[test]
    fn a_network_report_names_its_model_and_the_whole_command() {
        let s = parse(
            "description = \"t\"\nmodel = \"network\"\nrule = \"fixed-band\"\nrestriction = \"reject\"\nrng = \"chacha\"\nseed = 4\nruns = 2\nsteps = 500\ntable-every = 100\n[params]\nmembers = 3\nlimit = 2\n",
        );
        let r = render(&s, "x.toml").unwrap();
        let h = header(&s);
        let rule = s.spec().rule().shorthand;
        for line in [
            "\nmodel:       network\n".to_owned(),
            "\nparams:      amount = 1, members = 3, limit = 2\n".to_owned(),
            format!(
                "\nreproduce:   currents simulate --engine exact --model network --rule {rule} --restriction reject --rng chacha --seed 4 --runs 2 --steps 500 --param amount=1 --param members=3 --param limit=2\n"
            ),
            "\ntable:       step 0, every 100th step, the last step and every step where a member's limit_m changes".to_owned(),
        ] {
            assert!(h.contains(&line), "{line:?} in\n{h}");
        }
        assert!(
            !h.contains("\nuser:"),
            "uniform-pairs is the first user: {h}"
        );
        let table_header: Vec<&str> = r
            .lines()
            .skip_while(|l| !l.starts_with("## run 1"))
            .nth(1)
            .unwrap()
            .split_whitespace()
            .collect();
        let mut expected = vec!["step".to_owned()];
        for m in 0..3 {
            expected.extend([format!("balance_{m}"), format!("limit_{m}")]);
        }
        expected.extend(["payer", "payee", "amount", "refused"].map(String::from));
        assert_eq!(table_header, expected);
        for line in [
            "finalBalance: the members' mean balance_m after the last step; on the `all` row, the mean over runs\n",
            "meanAbsS:     `-`: the model keeps no mean balance and send volume\n",
            "overLimit:    member-steps with balance_m < -limit_m; zeroCredit: member-steps with limit_m = 0\n",
            "minCredit, maxCredit: the smallest and largest limit_m of any member; all figures cover steps 1..T\n",
        ] {
            assert!(r.contains(line), "{line:?} in the summary");
        }
    }

    #[test]
    fn a_model_parameter_is_listed_unless_it_is_zero_in_the_run_and_its_entry() {
        let text = |extra: &str| {
            format!(
                "description = \"t\"\nmodel = \"network\"\nrule = \"static\"\nrng = \"chacha\"\nseed = 4\nruns = 1\nsteps = 30\n[params]\nmembers = 3\n{extra}"
            )
        };
        // leave-after 0 (its default): left out, as before the network declared it, and
        // the table has no `lost` column.
        let zero = render(&parse(&text("leave-after = 0\n")), "x.toml").unwrap();
        assert!(
            zero.contains("\nparams:      amount = 1, members = 3, limit = 1\n"),
            "{zero}"
        );
        assert!(
            !zero.contains("leave-after") && !zero.contains(" lost"),
            "{zero}"
        );
        // leave-after 2: named in the header, the command and the table's last column.
        let two = render(&parse(&text("leave-after = 2\n")), "x.toml").unwrap();
        assert!(
            two.contains("\nparams:      amount = 1, members = 3, limit = 1, leave-after = 2\n"),
            "{two}"
        );
        assert!(two.contains(" --param leave-after=2\n"), "{two}");
        let table_header = two
            .lines()
            .skip_while(|l| !l.starts_with("## run 1"))
            .nth(1)
            .unwrap();
        assert!(table_header.ends_with(" lost"), "{table_header}");
    }
}
