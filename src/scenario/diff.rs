//! Comparing scenario reports: [`first_difference`] names the first differing line of two
//! reports as a run, step and column (or header key), which is how a failing snapshot says
//! what moved; [`tabled_states`] reads a report's tables back.
//!
//! Only the report's text is read: a trajectory table's columns are the names in its header
//! row (the line after `## run r: …`), so reports of every model compare the same way.

use std::fmt;

use super::summary::SUMMARY_COLUMNS;

/// Where two reports first differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDifference {
    /// The 1-based line of the report.
    pub(crate) line: usize,
    /// The run whose table (or summary row) holds the line, if any.
    pub run: Option<u64>,
    /// The step of the table row, if the line is a trajectory row. When the two rows are
    /// for different steps (a step tabled in one report only), the smaller one.
    pub step: Option<u64>,
    /// The column (or header key) that differs; `(row)` when a step is tabled in only one
    /// report, `(line)` for other text, `(end of report)` when one report is shorter.
    pub column: String,
    /// The expected value (or line).
    pub(crate) expected: String,
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

/// The run a `## run r: …` line opens.
fn run_of(rest: &str) -> Option<u64> {
    rest.split(':').next().and_then(|r| r.parse().ok())
}

/// Compares two reports' lines; `offset` is the number of lines before `el[0]`.
fn compare_lines(el: &[&str], gl: &[&str], offset: usize) -> Option<ReportDifference> {
    let mut run = None;
    let mut table = Table::None;
    // The current trajectory table's columns, from its header row (the line after
    // `## run`), once both reports agree on it.
    let mut columns: Vec<&str> = Vec::new();
    let mut header_next = false;
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
        let is_header = std::mem::take(&mut header_next);
        if e == g {
            if let Some(rest) = e.strip_prefix("## run ") {
                run = run_of(rest);
                table = Table::Trajectory;
                columns.clear();
                header_next = true;
            } else if e == "## summary" {
                run = None;
                table = Table::Summary;
                columns = SUMMARY_COLUMNS.iter().map(|(n, _)| *n).collect();
            } else if is_header {
                columns = e.split_whitespace().collect();
            }
            continue;
        }
        return Some(describe_difference(
            offset + i + 1,
            run,
            table,
            &columns,
            e,
            g,
        ));
    }
    None
}

fn describe_difference(
    line: usize,
    run: Option<u64>,
    table: Table,
    columns: &[&str],
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
    let (et, gt): (Vec<&str>, Vec<&str>) = (
        e.split_whitespace().collect(),
        g.split_whitespace().collect(),
    );
    let is_row = |t: &[&str]| !columns.is_empty() && t.len() == columns.len() && t[0] != columns[0];
    if table != Table::None && is_row(&et) && is_row(&gt) {
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
    /// The values of the table's columns after `step` (as its header row names them), as
    /// written.
    pub values: Vec<String>,
}

/// The rows of every trajectory table in a report, in order (the inverse of the table part
/// of [`super::render`]); rows that do not parse are skipped.
pub fn tabled_states(report: &str) -> Vec<TabledState> {
    let mut run = None;
    let mut n_columns = None;
    let mut rows = Vec::new();
    for line in report.lines() {
        if let Some(rest) = line.strip_prefix("## run ") {
            run = run_of(rest);
            n_columns = None;
            continue;
        }
        if line.starts_with("## ") {
            run = None;
            continue;
        }
        let Some(run) = run else { continue };
        let tokens: Vec<&str> = line.split_whitespace().collect();
        // The table's header row, the line after `## run`, says how many columns it has.
        let Some(n) = n_columns else {
            n_columns = Some(tokens.len());
            continue;
        };
        if tokens.len() != n {
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
    use crate::scenario::{Scenario, render};
    use crate::spec::Limits;
    use crate::workbench::Workbench;

    fn scenario(steps: u64, extra: &str) -> Scenario {
        Scenario::from_toml_str(
            &format!(
                "description = \"t\"\nrule = \"currents-v1\"\nrng = \"chacha\"\nseed = 1\nruns = 2\nsteps = {steps}\n{extra}"
            ),
            &Workbench::builtin(),
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
    fn a_changed_value_of_a_network_is_named_by_its_column() {
        let s = Scenario::from_toml_str(
            "description = \"t\"\nmodel = \"network\"\nrule = \"static\"\nrng = \"chacha\"\nseed = 1\nruns = 2\nsteps = 8\n[params]\nmembers = 3\n",
            &Workbench::builtin(),
        )
        .unwrap();
        let r = render(&s, "x.toml").unwrap();
        // The header row of run 2's table, and the row of its step 5.
        let start = r.find("## run 2:").unwrap();
        let header_line = r[..start].lines().count() + 1;
        let lines: Vec<&str> = r.lines().collect();
        let header: Vec<&str> = lines[header_line].split_whitespace().collect();
        assert_eq!(header[..3], ["step", "balance_0", "limit_0"]);
        let at = (header_line..lines.len())
            .find(|&i| lines[i].split_whitespace().next() == Some("5"))
            .unwrap();
        let j = header.iter().position(|c| *c == "limit_2").unwrap();
        let mut cells: Vec<String> = lines[at].split_whitespace().map(str::to_owned).collect();
        cells[j] = "77".to_owned();
        let mut changed: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
        changed[at] = cells.join(" ");
        let d = first_difference(&r, &changed.join("\n")).unwrap();
        assert_eq!(
            (d.line, d.run, d.step, d.column.as_str(), d.got.as_str()),
            (at + 1, Some(2), Some(5), "limit_2", "77")
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
        let mut spec = base.spec().to_spec();
        let intercept = spec.params.iter_mut().find(|p| p.key == "intercept");
        intercept.unwrap().set_value(1.5);
        let resolved = Workbench::builtin()
            .resolve(&spec, &Limits::default())
            .unwrap();
        let changed = base.clone().with_spec(resolved).unwrap();
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
    fn a_summary_difference_is_named_by_run_and_column() {
        let r = render(&scenario(10, ""), "x.toml").unwrap();
        let start = r[..r.find("## summary").unwrap()].lines().count();
        let mut lines: Vec<String> = r.lines().map(str::to_owned).collect();
        let at = (start..lines.len())
            .find(|&i| lines[i].split_whitespace().next() == Some("2"))
            .unwrap();
        let mut cells: Vec<&str> = lines[at].split_whitespace().collect();
        cells[4] = "99";
        lines[at] = cells.join(" ");
        let d = first_difference(&r, &lines.join("\n")).unwrap();
        assert_eq!(
            (d.line, d.run, d.step, d.column.as_str(), d.got.as_str()),
            (at + 1, Some(2), None, "zeroCredit", "99"),
            "{d}"
        );
    }
}
