//! Scenario reports: the reviewable text a scenario's snapshot holds, and the comparison
//! that names the first number that moved.
//!
//! A report has three parts:
//! - a **header** of `key: value` lines with everything needed to reproduce the numbers
//!   (scenario file, crate version, rule and its parameters, the user's and the model's
//!   parameters, generator, seed, runs, steps, and the `currents simulate` command when the
//!   rule and the user are the ones it runs). The model, the user and the spending
//!   restriction get a line of their own only when they are not what a spec that names
//!   none runs (the registry's first model and user, the rule's own restriction), and a
//!   user parameter that is 0 in the run and in the user's entry (growth, bias) is left
//!   out of `params:`: so a notebook scenario's header reads as it always did;
//! - one **trajectory table** per run (`## run r`): every step for scenarios of at most
//!   [`TABLE_FULL_STEPS_MAX`] steps; for longer ones every k-th step (k =
//!   [`TABLE_EVERY_DEFAULT`] or the scenario's `table-every`), the last step and every step
//!   where `userCredit` changes;
//! - a **summary** (`## summary`): per run and over all runs, the final balance, the mean
//!   of |avgUserBalance| / avgSendVolume, the steps over the limit and with zero credit,
//!   the smallest and largest credit; and a digest of every value of every state, so that
//!   a change in a step the table leaves out still changes the report.
//!
//! Floats are written in the shortest decimal form that parses back to the same double
//! (Rust's `Display`), for every generator: two reports are equal exactly when every
//! double in them is bit-identical. Columns have fixed widths so that a changed value
//! changes its own line only, which keeps snapshot diffs small.
//!
//! [`first_difference`] compares two reports and names the first differing line as a run,
//! step and column (or header key), which is how a failing snapshot says what moved.

use std::convert::Infallible;
use std::fmt::{self, Write as _};

use crate::draws::RngKind;
use crate::metrics::{FoldStep, RunFold};
use crate::model::RunError;
use crate::registry::Declared as _;
use crate::scenario::Scenario;
use crate::v1::State;
use crate::v1::v1_ledger;

/// Scenarios with at most this many steps show every step in their tables.
pub const TABLE_FULL_STEPS_MAX: u64 = 400;
/// The table stride of longer scenarios, unless the scenario sets `table-every`.
pub const TABLE_EVERY_DEFAULT: u64 = 50;

/// The trajectory table's columns (cadCAD's names; `totalNumTransactions` is the step) and
/// their widths.
pub const TABLE_COLUMNS: [(&str, usize); 8] = [
    ("step", 7),
    ("userBalance", 22),
    ("avgUserBalance", 22),
    ("userCredit", 11),
    ("userCapacity", 13),
    ("sendVolume", 11),
    ("avgSendVolume", 20),
    ("transaction", 12),
];

/// The summary table's columns and their widths.
pub const SUMMARY_COLUMNS: [(&str, usize); 7] = [
    ("run", 7),
    ("finalBalance", 22),
    ("meanAbsS", 22),
    ("overLimit", 10),
    ("zeroCredit", 11),
    ("minCredit", 11),
    ("maxCredit", 11),
];

/// The first line of every report.
pub const REPORT_TITLE: &str = "currents scenario report";

const KEY_WIDTH: usize = 13;

/// Renders the report of `scenario`; `source` is how the header names the scenario file
/// (a path relative to the crate root).
///
/// Fails only when a step fails, which validated parameters and the built-in rules rule
/// out except for extreme rule coefficients (a credit that does not fit an integer).
pub fn render(scenario: &Scenario, source: &str) -> Result<String, RunError<Infallible>> {
    let mut out = String::new();
    header(&mut out, scenario, source);
    let n_steps = scenario.spec().steps;
    let every = table_every(scenario);

    let mut runs: Vec<RunSummary> = Vec::new();
    let mut digest = Fnv1a64::new();
    let mut credit_prev = None;
    scenario.for_each_state(|run, t, s| -> Result<(), Infallible> {
        digest.state(run, t, s);
        if t == 0 {
            out.push('\n');
            let _ = writeln!(out, "## run {run}: {}", scenario.generator_of_run(run));
            row(
                &mut out,
                &TABLE_COLUMNS,
                TABLE_COLUMNS.map(|(name, _)| name),
            );
            runs.push(RunSummary::new(s));
        } else {
            if let Some(r) = runs.last_mut() {
                r.add(s);
            }
        }
        let credit_changed = credit_prev.is_some_and(|c| c != s.credit);
        if t == 0 || t % every == 0 || t == n_steps || credit_changed {
            row(&mut out, &TABLE_COLUMNS, table_values(t, s));
        }
        credit_prev = Some(s.credit);
        Ok(())
    })?;

    summary(&mut out, &runs, digest.finish());
    Ok(out)
}

/// The table stride: the scenario's `table-every` (at least 1), else every step for short
/// scenarios and [`TABLE_EVERY_DEFAULT`] for long ones.
fn table_every(scenario: &Scenario) -> u64 {
    let default = if scenario.spec().steps <= TABLE_FULL_STEPS_MAX {
        1
    } else {
        TABLE_EVERY_DEFAULT
    };
    scenario.table_every().unwrap_or(default).max(1)
}

/// `name = value` for each parameter of the user, then of the model, as the header's
/// `params:` line lists them: a user parameter that is 0 both in the run and in the user's
/// entry is left out (the notebook's user's growth and bias: the notebook has neither).
fn world_params(scenario: &Scenario) -> Vec<(&'static str, f64)> {
    let spec = scenario.spec();
    let (user, model) = (&spec.user, &spec.model);
    let user_defaults = user.entry().defaults();
    let user_pairs = user
        .entry()
        .params
        .iter()
        .zip(user.values())
        .zip(user_defaults)
        .filter(|((_, v), d)| !(**v == 0.0 && *d == 0.0))
        .map(|((p, v), _)| (p.name, *v));
    let model_pairs = model
        .entry()
        .params
        .iter()
        .zip(model.values())
        .map(|(p, v)| (p.name, *v));
    user_pairs.chain(model_pairs).collect()
}

fn header(out: &mut String, scenario: &Scenario, source: &str) {
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
    let rule = &spec.rule;
    let rule_pairs: Vec<String> = (rule.entry().params.iter().zip(rule.values()))
        .map(|(p, v)| format!("{} = {v}", p.name))
        .collect();
    if rule_pairs.is_empty() {
        kv("rule", &rule.entry().name);
    } else {
        kv(
            "rule",
            &format!("{} ({})", rule.entry().name, rule_pairs.join(", ")),
        );
    }
    if spec.restriction != rule.entry().enforcement().mode {
        kv("restriction", &spec.restriction);
    }
    if let Some(user) = scenario.user_if_named() {
        kv("user", &user);
    }
    let params = world_params(scenario);
    kv(
        "params",
        &params
            .iter()
            .map(|(name, v)| format!("{name} = {v}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    let generator = match spec.rng {
        RngKind::Numpy => "numpy: run r draws from numpy's RandomState(seed + r - 1) (MT19937)",
        RngKind::Chacha => "chacha: run r draws from ChaCha8 keyed by (seed, subset 0), stream r",
    };
    kv("generator", &generator);
    kv("seed", &spec.seed);
    kv("runs", &spec.runs);
    kv("steps", &spec.steps);
    if scenario.is_simulate_default() {
        let mut command = format!(
            "currents simulate --engine exact --rng {} --seed {} --runs {} --steps {}",
            spec.rng, spec.seed, spec.runs, spec.steps
        );
        for (name, v) in &params {
            let _ = write!(command, " --{name} {v}");
        }
        kv("reproduce", &command);
    } else {
        kv(
            "reproduce",
            &"cargo test --release --test scenarios (the rule's coefficients are not simulate flags)",
        );
    }
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
        kv(
            "table",
            &format!(
                "step 0, every {every}th step, the last step and every step where userCredit changes"
            ),
        );
    }
}

fn table_values(t: u64, s: &State) -> [String; 8] {
    [
        t.to_string(),
        s.balance.to_string(),
        s.balance_mean.to_string(),
        s.credit.to_string(),
        s.capacity.to_string(),
        s.send_volume.to_string(),
        s.send_volume_mean.to_string(),
        s.transaction.to_string(),
    ]
}

fn row<const N: usize, S: AsRef<str>>(
    out: &mut String,
    columns: &[(&str, usize); N],
    values: [S; N],
) {
    for (i, ((_, width), v)) in columns.iter().zip(&values).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{:>width$}", v.as_ref());
    }
    out.push('\n');
}

/// The per-run figures of the summary, over steps 1..=T: the one per-run fold's
/// ([`RunFold`]: overLimit is [`crate::model::balance_below_limit`], balance(t) <
/// −userCredit(t); meanAbsS is [`RunFold::abs_s`]).
struct RunSummary {
    fold: RunFold,
}

impl RunSummary {
    fn new(genesis: &State) -> Self {
        RunSummary {
            fold: RunFold::with_metrics(&[v1_ledger(genesis)], None),
        }
    }

    fn add(&mut self, s: &State) {
        self.fold.push(&FoldStep {
            members: &[v1_ledger(s)],
            send_volumes: &[],
            amount: 0.0,
            restricted: false,
            equilibrium: &[(s.balance_mean, s.send_volume_mean)],
        });
    }
}

fn mean_or_dash(sum: f64, count: u64) -> String {
    if count == 0 {
        "-".to_owned()
    } else {
        (sum / count as f64).to_string()
    }
}

/// A credit (an integer below 2^53, so `Display` of the double is the integer's digits),
/// or `-` when there is none.
fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

fn summary(out: &mut String, runs: &[RunSummary], digest: u64) {
    out.push_str("\n## summary\n");
    for line in [
        "finalBalance: userBalance after the last step; on the `all` row, the mean over runs",
        "meanAbsS:     mean of |avgUserBalance| / avgSendVolume over the steps with avgSendVolume > 0",
        "              (summed step by step, run by run); `-` when there is no such step",
        "overLimit:    steps with userBalance < -userCredit; zeroCredit: steps with userCredit = 0",
        "minCredit, maxCredit: the smallest and largest userCredit; all figures cover steps 1..T",
    ] {
        out.push_str(line);
        out.push('\n');
    }
    row(out, &SUMMARY_COLUMNS, SUMMARY_COLUMNS.map(|(name, _)| name));
    for (i, r) in runs.iter().enumerate() {
        row(
            out,
            &SUMMARY_COLUMNS,
            [
                (i + 1).to_string(),
                r.fold.tally().final_balance.to_string(),
                mean_or_dash(r.fold.abs_s().0, r.fold.abs_s().1),
                r.fold.tally().steps_over_limit.to_string(),
                r.fold.tally().steps_zero_limit.to_string(),
                opt(r.fold.tally().min()),
                opt(r.fold.tally().max()),
            ],
        );
    }
    let balance_sum: f64 = runs.iter().map(|r| r.fold.tally().final_balance).sum();
    let abs_s_sum: f64 = runs.iter().map(|r| r.fold.abs_s().0).sum();
    let abs_s_count: u64 = runs.iter().map(|r| r.fold.abs_s().1).sum();
    row(
        out,
        &SUMMARY_COLUMNS,
        [
            "all".to_owned(),
            mean_or_dash(balance_sum, runs.len() as u64),
            mean_or_dash(abs_s_sum, abs_s_count),
            runs.iter()
                .map(|r| r.fold.tally().steps_over_limit)
                .sum::<u64>()
                .to_string(),
            runs.iter()
                .map(|r| r.fold.tally().steps_zero_limit)
                .sum::<u64>()
                .to_string(),
            opt(runs
                .iter()
                .filter_map(|r| r.fold.tally().min())
                .reduce(f64::min)),
            opt(runs
                .iter()
                .filter_map(|r| r.fold.tally().max())
                .reduce(f64::max)),
        ],
    );
    let _ = writeln!(
        out,
        "{:<KEY_WIDTH$}{digest:016x} (FNV-1a 64 over every column of every state of every run, floats as IEEE-754 bits)",
        "digest:"
    );
}

/// FNV-1a, 64 bits: a fixed, documented hash, so the digest never changes unless a value does.
struct Fnv1a64(u64);

impl Fnv1a64 {
    fn new() -> Self {
        Fnv1a64(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// Hashes (run, timestep) and the eight columns, each as 8 little-endian bytes.
    fn state(&mut self, run: u64, t: u64, s: &State) {
        for word in [
            run,
            t,
            s.balance.to_bits(),
            s.balance_mean.to_bits(),
            s.n_transactions,
            s.credit as u64,
            s.capacity as u64,
            s.send_volume as u64,
            s.send_volume_mean.to_bits(),
            s.transaction as u64,
        ] {
            self.bytes(&word.to_le_bytes());
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Where two reports first differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDifference {
    /// The 1-based line of the report.
    pub line: usize,
    /// The run whose table (or summary row) holds the line, if any.
    pub run: Option<u64>,
    /// The step of the table row, if the line is a trajectory row. When the two rows are
    /// for different steps (a step tabled in one report only), the smaller one.
    pub step: Option<u64>,
    /// The column (or header key) that differs; `(row)` when a step is tabled in only one
    /// report, `(line)` for other text, `(end of report)` when one report is shorter.
    pub column: String,
    /// The expected value (or line).
    pub expected: String,
    /// The value (or line) found.
    pub got: String,
}

impl fmt::Display for ReportDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(run) = self.run {
            write!(f, ", run {run}")?;
        }
        if let Some(step) = self.step {
            write!(f, ", step {step}")?;
        }
        write!(
            f,
            ", column {}: expected {}, got {}",
            self.column, self.expected, self.got
        )
    }
}

/// What a line of a report is, as far as the comparison needs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Table {
    None,
    Trajectory,
    Summary,
}

/// The first difference between an `expected` report and a report `got`, or `None` when
/// they are equal line for line (trailing whitespace ignored, as insta does).
///
/// Values are compared as text, which for floats in shortest round-trip form is exact
/// equality of the doubles.
pub fn first_difference(expected: &str, got: &str) -> Option<ReportDifference> {
    let (el, gl): (Vec<&str>, Vec<&str>) = (
        expected.trim_end().lines().collect(),
        got.trim_end().lines().collect(),
    );
    compare_lines(&el, &gl, 0)
}

/// Like [`first_difference`], but starting at each report's first table: the first
/// *number* that moved, even when a header line (the rule's parameters, say) differs too.
/// The line number is the line of `expected`.
pub fn first_number_difference(expected: &str, got: &str) -> Option<ReportDifference> {
    let (el, gl): (Vec<&str>, Vec<&str>) = (
        expected.trim_end().lines().collect(),
        got.trim_end().lines().collect(),
    );
    let first_table = |lines: &[&str]| {
        lines
            .iter()
            .position(|l| l.starts_with("## "))
            .unwrap_or(lines.len())
    };
    let (ei, gi) = (first_table(&el), first_table(&gl));
    compare_lines(&el[ei..], &gl[gi..], ei)
}

/// Compares two reports' lines; `offset` is the number of lines before `el[0]`.
fn compare_lines(el: &[&str], gl: &[&str], offset: usize) -> Option<ReportDifference> {
    let mut run = None;
    let mut table = Table::None;
    for i in 0..el.len().max(gl.len()) {
        let (e, g) = match (el.get(i), gl.get(i)) {
            (Some(e), Some(g)) => (e.trim_end(), g.trim_end()),
            (e, g) => {
                return Some(ReportDifference {
                    line: offset + i + 1,
                    run,
                    step: None,
                    column: "(end of report)".to_owned(),
                    expected: e.map_or("(nothing)", |l| l.trim_end()).to_owned(),
                    got: g.map_or("(nothing)", |l| l.trim_end()).to_owned(),
                });
            }
        };
        if e == g {
            if let Some(rest) = e.strip_prefix("## run ") {
                run = rest.split(':').next().and_then(|r| r.parse().ok());
                table = Table::Trajectory;
            } else if e == "## summary" {
                run = None;
                table = Table::Summary;
            }
            continue;
        }
        return Some(describe_difference(offset + i + 1, run, table, e, g));
    }
    None
}

fn describe_difference(
    line: usize,
    run: Option<u64>,
    table: Table,
    e: &str,
    g: &str,
) -> ReportDifference {
    let whole_line = |column: &str, step: Option<u64>| ReportDifference {
        line,
        run,
        step,
        column: column.to_owned(),
        expected: e.to_owned(),
        got: g.to_owned(),
    };
    let columns: Vec<&str> = match table {
        Table::Trajectory => TABLE_COLUMNS.iter().map(|(n, _)| *n).collect(),
        Table::Summary => SUMMARY_COLUMNS.iter().map(|(n, _)| *n).collect(),
        Table::None => Vec::new(),
    };
    let (et, gt): (Vec<&str>, Vec<&str>) = (
        e.split_whitespace().collect(),
        g.split_whitespace().collect(),
    );
    let is_row = |t: &[&str]| !columns.is_empty() && t.len() == columns.len() && t[0] != columns[0];
    if is_row(&et) && is_row(&gt) {
        if et[0] != gt[0] {
            let step = match (et[0].parse::<u64>(), gt[0].parse::<u64>()) {
                (Ok(a), Ok(b)) if table == Table::Trajectory => Some(a.min(b)),
                _ => None,
            };
            return whole_line("(row)", step);
        }
        let j = (1..columns.len()).find(|&j| et[j] != gt[j]).unwrap_or(0);
        let (run, step) = match table {
            Table::Trajectory => (run, et[0].parse().ok()),
            _ => (et[0].parse().ok(), None),
        };
        return ReportDifference {
            line,
            run,
            step,
            column: columns[j].to_owned(),
            expected: et[j].to_owned(),
            got: gt[j].to_owned(),
        };
    }
    if let (Some((ek, ev)), Some((gk, gv))) = (e.split_once(": "), g.split_once(": "))
        && ek == gk
        && !ek.contains(' ')
    {
        return ReportDifference {
            line,
            run,
            step: None,
            column: ek.to_owned(),
            expected: ev.trim().to_owned(),
            got: gv.trim().to_owned(),
        };
    }
    whole_line("(line)", None)
}

/// One row of a report's trajectory tables.
#[derive(Debug, Clone, PartialEq)]
pub struct TabledState {
    /// The 1-based run.
    pub run: u64,
    /// The step (0 is genesis).
    pub step: u64,
    /// The values of [`TABLE_COLUMNS`] after `step`, as written.
    pub values: Vec<String>,
}

/// The rows of every trajectory table in a report, in order (the inverse of the table part
/// of [`render`]); rows that do not parse are skipped.
pub fn tabled_states(report: &str) -> Vec<TabledState> {
    let mut run = None;
    let mut rows = Vec::new();
    for line in report.lines() {
        if let Some(rest) = line.strip_prefix("## run ") {
            run = rest.split(':').next().and_then(|r| r.parse().ok());
            continue;
        }
        if line.starts_with("## ") {
            run = None;
            continue;
        }
        let Some(run) = run else { continue };
        let tokens: Vec<&str> = line.split_whitespace().collect();
        if tokens.len() != TABLE_COLUMNS.len() {
            continue;
        }
        if let Ok(step) = tokens[0].parse() {
            rows.push(TabledState {
                run,
                step,
                values: tokens[1..].iter().map(|t| (*t).to_owned()).collect(),
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    fn scenario(steps: u64, extra: &str) -> Scenario {
        Scenario::from_toml_str(
            &format!(
                "description = \"t\"\nrule = \"currents-v1\"\nrng = \"chacha\"\nseed = 1\nruns = 2\nsteps = {steps}\n{extra}"
            ),
            &crate::registry::Registry::builtin(),
        )
        .unwrap()
    }

    #[test]
    fn identical_reports_have_no_difference() {
        let r = render(&scenario(40, ""), "x.toml").unwrap();
        assert_eq!(first_difference(&r, &r), None);
        assert_eq!(first_difference(&r, &format!("{r}\n\n")), None);
    }

    #[test]
    fn a_changed_value_is_named_by_run_step_and_column() {
        let r = render(&scenario(40, ""), "x.toml").unwrap();
        let rows = tabled_states(&r);
        let target = rows
            .iter()
            .find(|row| row.run == 2 && row.step == 17)
            .unwrap();
        let line = r
            .lines()
            .position(|l| {
                let t: Vec<&str> = l.split_whitespace().collect();
                t.len() == 8 && t[0] == "17" && t[1..] == target.values[..]
            })
            .unwrap();
        // Changes line `line` of run 2: replace its transaction.
        let mut lines: Vec<String> = r.lines().map(str::to_owned).collect();
        let old = &target.values[6];
        lines[line] = lines[line].replacen(&format!(" {old}"), " 999999", 1);
        let changed = lines.join("\n");
        let d = first_difference(&r, &changed).unwrap();
        assert_eq!(
            (d.line, d.run, d.step, d.column.as_str()),
            (line + 1, Some(2), Some(17), "transaction")
        );
        assert_eq!(
            (d.expected.as_str(), d.got.as_str()),
            (old.as_str(), "999999")
        );
    }

    #[test]
    fn header_and_length_differences_are_named() {
        let r = render(&scenario(10, ""), "a.toml").unwrap();
        let other = render(&scenario(10, ""), "b.toml").unwrap();
        let d = first_difference(&r, &other).unwrap();
        assert_eq!((d.line, d.column.as_str()), (1, "scenario"));
        let cut: String = r.lines().take(5).map(|l| format!("{l}\n")).collect();
        let d = first_difference(&r, &cut).unwrap();
        assert_eq!((d.line, d.column.as_str()), (6, "(end of report)"));
    }

    #[test]
    fn number_difference_skips_the_header() {
        let base = scenario(60, "");
        let mut spec = base.spec().clone();
        spec.rule.set("intercept", 1.5, "intercept").unwrap();
        let changed = base.clone().with_spec(spec).unwrap();
        let (a, b) = (
            render(&base, "x.toml").unwrap(),
            render(&changed, "x.toml").unwrap(),
        );
        assert_eq!(first_difference(&a, &b).unwrap().column, "rule");
        let d = first_number_difference(&a, &b).unwrap();
        assert_eq!((d.run, d.column.as_str()), (Some(1), "userCredit"), "{d}");
        assert_eq!(
            a.lines().nth(d.line - 1).unwrap().split_whitespace().next(),
            Some(d.step.unwrap().to_string().as_str())
        );
        assert_eq!(first_number_difference(&a, &a), None);
    }

    #[test]
    fn the_header_names_a_user_and_restriction_only_when_not_the_defaults() {
        let header = |s: &Scenario| {
            let r = render(s, "x.toml").unwrap();
            r[..r.find("\n## ").unwrap()].to_owned()
        };
        let plain = header(&scenario(5, ""));
        assert!(
            !plain.contains("\nuser:") && !plain.contains("\nrestriction:"),
            "{plain}"
        );
        assert!(plain.contains(
            "\nparams:      integrity = 1, avg-amount = 100, sum-volume = 30, initial-credit = 250\n"
        ));
        assert!(plain.contains("\nreproduce:   currents simulate --engine exact --rng chacha --seed 1 --runs 2 --steps 5 --integrity 1 --avg-amount 100 --sum-volume 30 --initial-credit 250\n"), "{plain}");
        let s = Scenario::from_toml_str(
            "description = \"t\"\nrule = \"static\"\nuser = \"spender\"\nrestriction = \"clamp\"\nrng = \"numpy\"\nseed = 1\nruns = 2\nsteps = 5\n[params]\ngrowth = 0.5\n",
            &crate::registry::Registry::builtin(),
        )
        .unwrap();
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
    fn long_tables_keep_the_stride_the_last_step_and_credit_changes() {
        let s = scenario(1000, "table-every = 100\n");
        let r = render(&s, "x.toml").unwrap();
        let rows = tabled_states(&r);
        let mut states = Vec::new();
        s.for_each_state(|run, t, st| -> Result<(), ()> {
            states.push((run, t, *st));
            Ok(())
        })
        .unwrap();
        let expected: Vec<(u64, u64)> = states
            .iter()
            .enumerate()
            .filter(|(i, (_, t, st))| {
                *t == 0
                    || t % 100 == 0
                    || *t == 1000
                    || (*t > 0 && states[i - 1].2.credit != st.credit)
            })
            .map(|(_, (run, t, _))| (*run, *t))
            .collect();
        let got: Vec<(u64, u64)> = rows.iter().map(|r| (r.run, r.step)).collect();
        assert_eq!(got, expected);
        // Every tabled value is the state's value, written exactly.
        for row in &rows {
            let (_, _, st) = states
                .iter()
                .find(|(run, t, _)| (*run, *t) == (row.run, row.step))
                .unwrap();
            assert_eq!(
                row.values[0].parse::<f64>().unwrap().to_bits(),
                st.balance.to_bits()
            );
            assert_eq!(row.values[2].parse::<i64>().unwrap(), st.credit);
        }
    }
}
