//! The findings report: docs/findings.md written from a sweep summary CSV.
//!
//! The report answers the notebook's three questions from the cells of a sweep whose grids
//! are labelled `q1:<factor>` (V1's constants varied one at a time), `q2…` (every rule ×
//! every user type). Every number in it is read from the summary; the sentences of the
//! plain-language summary are chosen by comparing those numbers, so regenerating the report
//! after a change to the model rewrites them too.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;

use crate::model::Model;
use crate::registry::Registry;

/// One row of a summary CSV, by column name.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    cols: BTreeMap<String, String>,
}

impl SummaryRow {
    /// The text of column `name` (empty when absent).
    pub fn text(&self, name: &str) -> &str {
        self.cols.get(name).map_or("", String::as_str)
    }

    /// Column `name` as a number (NaN when empty or absent).
    pub fn num(&self, name: &str) -> f64 {
        self.text(name).parse().unwrap_or(f64::NAN)
    }

    /// The value of rule parameter `name` from the `rule_params` column.
    pub fn rule_param(&self, name: &str) -> Option<f64> {
        self.text("rule_params").split(' ').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| v.parse().ok()).flatten()
        })
    }

    /// The rule with its parameters that differ from the defaults `registry` declares and
    /// its restriction, e.g. `static (clamp)` or `fixed-band upper=250 (clamp)`.
    pub fn policy<M: Model>(&self, registry: &Registry<M>) -> String {
        let rule = self.text("rule");
        let changed: Vec<&str> = match registry.find(rule).ok() {
            Some(info) => self
                .text("rule_params")
                .split(' ')
                .filter(|kv| {
                    !info
                        .params
                        .iter()
                        .any(|p| *kv == format!("{}={}", p.name, p.default))
                })
                .filter(|kv| !kv.is_empty())
                .collect(),
            None => Vec::new(),
        };
        let mut name = rule.to_owned();
        for kv in changed {
            name.push(' ');
            name.push_str(kv);
        }
        format!("{name} ({})", self.text("restriction"))
    }
}

/// The columns of a summary that hold a number whenever they are not empty: the user's and
/// the model's parameters (empty when a cell's user or model does not declare one).
const NUMBER_COLUMNS: [&str; 6] = [
    "integrity",
    "avg_amount",
    "growth",
    "bias",
    "sum_volume",
    "initial_credit",
];

/// The columns every row must hold as whole numbers: the run settings the report states.
const WHOLE_COLUMNS: [&str; 3] = ["runs", "steps", "seed"];

/// Reads a summary CSV written by `currents sweep`. Refused, naming the line and column:
/// a file without a cell row; a run setting (`runs`, `steps`, `seed`) that is not a whole
/// number; a parameter or a metric (`*_mean`, `*_p5`, `*_p50`, `*_p95`) that is neither
/// empty (how the sweep writes an undefined metric) nor a finite number.
pub fn read_summary<R: io::Read>(reader: R) -> io::Result<Vec<SummaryRow>> {
    let invalid = |msg: String| io::Error::new(io::ErrorKind::InvalidData, msg);
    let mut rdr = csv::Reader::from_reader(reader);
    let headers = rdr.headers().map_err(io::Error::other)?.clone();
    let missing = ["label", "rule_params"]
        .into_iter()
        .chain(WHOLE_COLUMNS)
        .find(|c| !headers.iter().any(|h| h == *c));
    if let Some(column) = missing {
        return Err(invalid(format!(
            "not a sweep summary: no column `{column}` (accepted: the CSV written by `currents sweep`)"
        )));
    }
    let is_metric = |h: &str| {
        ["_mean", "_p5", "_p50", "_p95"]
            .iter()
            .any(|suffix| h.ends_with(suffix))
    };
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(io::Error::other)?;
        let line = rec.position().map_or(0, |p| p.line());
        for (h, v) in headers.iter().zip(rec.iter()) {
            let t = v.trim();
            let shown = crate::params::short_text(v);
            if WHOLE_COLUMNS.contains(&h) && t.parse::<u64>().is_err() {
                return Err(invalid(format!(
                    "line {line}, column `{h}`: {shown:?} (accepted: a whole number in [0, {}])",
                    u64::MAX
                )));
            }
            let numeric = NUMBER_COLUMNS.contains(&h) || is_metric(h);
            if numeric && !t.is_empty() && !t.parse::<f64>().is_ok_and(f64::is_finite) {
                return Err(invalid(format!(
                    "line {line}, column `{h}`: {shown:?} (accepted: a finite number, or empty where undefined)"
                )));
            }
        }
        let cols = headers
            .iter()
            .zip(rec.iter())
            .map(|(h, v)| (h.to_owned(), v.to_owned()))
            .collect();
        rows.push(SummaryRow { cols });
    }
    if rows.is_empty() {
        return Err(invalid(
            "no cell row, only a header (accepted: a summary with at least one cell)".to_owned(),
        ));
    }
    Ok(rows)
}

/// A number with a precision that suits its size.
fn f(x: f64) -> String {
    if x.is_nan() {
        "–".to_owned()
    } else if (x.fract() == 0.0 && x.abs() < 1e15) || x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

/// A share as a percentage.
fn pct(x: f64) -> String {
    if x.is_nan() {
        "–".to_owned()
    } else {
        format!("{:.1}%", 100.0 * x)
    }
}

/// `mean [p5, p95]` of metric `m` in a row.
fn ms(r: &SummaryRow, m: &str) -> String {
    let mean = r.num(&format!("{m}_mean"));
    if mean.is_nan() {
        return "–".to_owned();
    }
    format!(
        "{} [{}, {}]",
        f(mean),
        f(r.num(&format!("{m}_p5"))),
        f(r.num(&format!("{m}_p95")))
    )
}

/// `median [p5, p95]` of metric `m` in a row (for heavy-tailed ratios).
fn md(r: &SummaryRow, m: &str) -> String {
    let p50 = r.num(&format!("{m}_p50"));
    if p50.is_nan() {
        return "–".to_owned();
    }
    format!(
        "{} [{}, {}]",
        f(p50),
        f(r.num(&format!("{m}_p5"))),
        f(r.num(&format!("{m}_p95")))
    )
}

fn mean(r: &SummaryRow, m: &str) -> f64 {
    r.num(&format!("{m}_mean"))
}

/// The share of restricted payments up to which a policy counts as leaving trade alone.
const RESTRICTED_LIGHT: f64 = 0.1;

const USERS: [&str; 6] = [
    "balanced",
    "spender",
    "hoarder",
    "growing",
    "high-volume",
    "low-volume",
];

/// Writes the report. `command` is the command that regenerates it (written at the top);
/// `registry` declares the rules' defaults (a rule's parameters at their defaults are not
/// repeated in its name).
pub fn render<M: Model>(rows: &[SummaryRow], command: &str, registry: &Registry<M>) -> String {
    let mut o = String::new();
    let first = rows.first();
    let runs = first.map_or(f64::NAN, |r| r.num("runs"));
    let steps = first.map_or(f64::NAN, |r| r.num("steps"));
    let seed = first.map_or(f64::NAN, |r| r.num("seed"));
    let _ = writeln!(
        o,
        "# Findings: the notebook's three questions, answered by simulation\n"
    );
    let _ = writeln!(
        o,
        "Generated by `{command}` — do not edit by hand. {} cells × {runs} Monte Carlo runs × {steps} steps, sweep seed {seed} (ChaCha streams, run r of cell c = `chacha_rng(seed, c, r)`). \
Every cell reads `mean [p5, p95]`: the mean of the per-run metric over the runs, and its 5th and 95th percentiles across runs (the Monte Carlo spread of single runs, not an error bar on the mean). \
Metrics are defined in docs/metrics.md, rules in docs/policies.md.\n",
        rows.len()
    );
    let mut summary = Vec::new();
    q1(&mut o, rows, &mut summary, registry);
    q2(&mut o, rows, &mut summary, registry);
    q3(&mut o, rows, &mut summary, registry);
    let mut s = String::from("## Summary for the designers of the rule\n\n");
    for line in &summary {
        let _ = writeln!(s, "- {line}");
    }
    s.push('\n');
    s.push_str(
        "Limits of these answers: the model is one user against the rest of the network, whose payments are drawn independently of the rule (a user never changes habits because the limit moved; only a restriction changes what happens). The user types are mild (a spender receives 45% of payments instead of 50%); rules keep their default parameters in Q2 and Q3, so a ranking is a ranking of these settings, not of the best tuning of each rule.\n\n",
    );
    // The summary goes right after the introduction.
    let split = o.find("## Q1").unwrap_or(o.len());
    o.insert_str(split, &s);
    o
}

fn q1<M: Model>(
    o: &mut String,
    rows: &[SummaryRow],
    summary: &mut Vec<String>,
    registry: &Registry<M>,
) {
    let _ = writeln!(
        o,
        "## Q1. Given varying variables in the credit logic, how is user behaviour affected?\n"
    );
    let _ = writeln!(
        o,
        "V1's constants are varied one at a time around the notebook's values (quadratic coefficient −3, intercept 1, warm-up 7, rounding to 2 digits, send-volume window 30) for three user types. \
In this model a user's payments do not react to the limit (V1 restricts nothing), so \"behaviour\" shows in the outcomes: the credit the user is given, how often it is zero, and how often the balance is beyond it.\n"
    );
    let mut factors: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.text("label").strip_prefix("q1:"))
        .collect();
    factors.dedup();
    // Per factor: (name, [(value, credit mean, zero-credit share, over-limit share)]).
    let mut effects: Vec<(String, Vec<[f64; 4]>)> = Vec::new();
    for factor in &factors {
        let label = format!("q1:{factor}");
        let cells: Vec<&SummaryRow> = rows.iter().filter(|r| r.text("label") == label).collect();
        let value = |r: &SummaryRow| {
            if *factor == "sum-volume" {
                r.num("sum_volume")
            } else {
                r.rule_param(factor).unwrap_or(f64::NAN)
            }
        };
        let _ = writeln!(o, "### `{factor}`\n");
        let _ = writeln!(
            o,
            "| {factor} | user | credit mean | zero-credit share | over-limit share | mean \\|balance\\| / volume | credit volatility |"
        );
        let _ = writeln!(o, "|---|---|---|---|---|---|---|");
        for r in &cells {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} |",
                value(r),
                r.text("user"),
                ms(r, "credit_mean"),
                ms(r, "zero_credit_share"),
                ms(r, "over_limit_share"),
                ms(r, "balance_abs_norm"),
                ms(r, "credit_volatility")
            );
        }
        let _ = writeln!(o);
        let bal: Vec<&&SummaryRow> = cells
            .iter()
            .filter(|r| r.text("user") == "balanced")
            .collect();
        let mut points: Vec<[f64; 4]> = bal
            .iter()
            .map(|r| {
                [
                    value(r),
                    mean(r, "credit_mean"),
                    mean(r, "zero_credit_share"),
                    mean(r, "over_limit_share"),
                ]
            })
            .collect();
        points.sort_by(|x, y| x[0].total_cmp(&y[0]));
        effects.push((factor.to_string(), points));
    }
    if effects.is_empty() {
        return;
    }
    let _ = writeln!(o, "### Which constants matter (balanced user)\n");
    let _ = writeln!(
        o,
        "Means over the runs, at each value tried (value: metric). For `sum-volume` the send volume itself is a sum over the last K payments, so |balance| / volume is not comparable across K; credit and shares are.\n"
    );
    let _ = writeln!(
        o,
        "| constant | mean credit | zero-credit share | over-limit share |"
    );
    let _ = writeln!(o, "|---|---|---|---|");
    let series = |pts: &[[f64; 4]], k: usize| {
        pts.iter()
            .map(|p| format!("{}: {}", f(p[0]), f(p[k])))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (name, pts) in &effects {
        let _ = writeln!(
            o,
            "| `{name}` | {} | {} | {} |",
            series(pts, 1),
            series(pts, 2),
            series(pts, 3)
        );
    }
    let _ = writeln!(o);
    // The value at which metric k is lowest and highest.
    let extremes = |pts: &[[f64; 4]], k: usize| {
        let lo = pts.iter().min_by(|x, y| x[k].total_cmp(&y[k])).copied();
        let hi = pts.iter().max_by(|x, y| x[k].total_cmp(&y[k])).copied();
        (lo.unwrap_or([f64::NAN; 4]), hi.unwrap_or([f64::NAN; 4]))
    };
    let rel = |e: &(String, Vec<[f64; 4]>)| {
        let (lo, hi) = extremes(&e.1, 1);
        (hi[1] - lo[1]) / lo[1].abs().max(1.0)
    };
    let zero_range = |e: &(String, Vec<[f64; 4]>)| {
        let (lo, hi) = extremes(&e.1, 2);
        hi[2] - lo[2]
    };
    let mut by = effects.clone();
    by.sort_by(|a, b| rel(b).total_cmp(&rel(a)));
    let describe = |e: &(String, Vec<[f64; 4]>), k: usize| {
        let (lo, hi) = extremes(&e.1, k);
        format!(
            "`{}` ({} at {} = {}, {} at {} = {})",
            e.0,
            f(lo[k]),
            e.0,
            f(lo[0]),
            f(hi[k]),
            e.0,
            f(hi[0])
        )
    };
    summary.push(format!(
        "Q1 — Of V1's variables, {} moves the balanced user's mean credit most; {} least.",
        describe(&by[0], 1),
        describe(&by[by.len() - 1], 1)
    ));
    // The notebook's own cell appears once per factor grid, each time with its own streams:
    // the spread of its means is the Monte Carlo noise of a mean over the runs.
    let default_params = registry
        .find("currents-v1")
        .ok()
        .map(|r| {
            r.params
                .iter()
                .map(|p| format!("{}={}", p.name, p.default))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let repeats: Vec<f64> = rows
        .iter()
        .filter(|r| {
            r.text("label").starts_with("q1:")
                && r.text("user") == "balanced"
                && r.text("rule_params") == default_params
                && r.num("sum_volume") == 30.0
        })
        .map(|r| mean(r, "credit_mean"))
        .collect();
    if repeats.len() > 1 {
        let (lo, hi) = min_max(&repeats);
        summary.push(format!(
            "Q1 — Noise yardstick: the notebook's own settings, run {} times on independent streams, give a mean credit between {} and {}; differences of that size between cells are Monte Carlo noise, not effects.",
            repeats.len(),
            f(lo),
            f(hi)
        ));
    }
    by.sort_by(|a, b| zero_range(b).total_cmp(&zero_range(a)));
    summary.push(format!(
        "Q1 — The share of steps with zero credit (V1's credit collapse) depends most on {}.",
        describe(&by[0], 2)
    ));
    let over: Vec<f64> = rows
        .iter()
        .filter(|r| r.text("label").starts_with("q1:") && r.text("user") == "balanced")
        .map(|r| mean(r, "over_limit_share"))
        .collect();
    let (olo, ohi) = min_max(&over);
    // Send volume is a sum over the last K payments, so the window variants are left out.
    let norm: Vec<f64> = rows
        .iter()
        .filter(|r| {
            r.text("label").starts_with("q1:")
                && r.text("label") != "q1:sum-volume"
                && r.text("user") == "balanced"
        })
        .map(|r| mean(r, "balance_abs_norm"))
        .collect();
    let (nlo, nhi) = min_max(&norm);
    summary.push(format!(
        "Q1 — No setting of V1's constants holds the balanced user to the limit: the share of steps with the balance below −credit stays between {} and {} across all V1 variants, because V1 never restricts a payment; its constants change the credit offered, not what users do (with the window at 30, mean |balance| / volume stays between {} and {}).",
        f(olo),
        f(ohi),
        f(nlo),
        f(nhi)
    ));
}

fn min_max(v: &[f64]) -> (f64, f64) {
    v.iter()
        .filter(|x| !x.is_nan())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        })
}

fn q2<M: Model>(
    o: &mut String,
    rows: &[SummaryRow],
    summary: &mut Vec<String>,
    registry: &Registry<M>,
) {
    let cells: Vec<&SummaryRow> = rows
        .iter()
        .filter(|r| r.text("label").starts_with("q2"))
        .collect();
    let _ = writeln!(
        o,
        "## Q2. Given different user types, which credit logic best keeps balances near equilibrium?\n"
    );
    let _ = writeln!(
        o,
        "Every rule with every user type; the rule's own restriction is in brackets (V1 and `static` are also run clamped, to separate the effect of the rule from that of the restriction). \
Equilibrium is measured by mean |balance| / mean send volume (0 = the balance never leaves zero); the table is sorted by it, best first.\n"
    );
    let mut best = Vec::new();
    for user in USERS {
        let mut us: Vec<&&SummaryRow> = cells.iter().filter(|r| r.text("user") == user).collect();
        if us.is_empty() {
            continue;
        }
        us.sort_by(|a, b| mean(a, "balance_abs_norm").total_cmp(&mean(b, "balance_abs_norm")));
        let _ = writeln!(o, "### {user}\n");
        let _ = writeln!(
            o,
            "| rule (restriction) | mean \\|balance\\| / volume | mean balance / volume | over-limit share | debt age, mean | zero-credit share | credit mean | payments restricted |"
        );
        let _ = writeln!(o, "|---|---|---|---|---|---|---|---|");
        for r in &us {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                r.policy(registry),
                ms(r, "balance_abs_norm"),
                ms(r, "balance_norm"),
                ms(r, "over_limit_share"),
                ms(r, "debt_age_mean"),
                ms(r, "zero_credit_share"),
                ms(r, "credit_mean"),
                ms(r, "restricted_share")
            );
        }
        let _ = writeln!(o);
        let b = us[0];
        let eq = |r: &SummaryRow| {
            format!(
                "{} at {}, restricting {} of payments",
                r.policy(registry),
                f(mean(r, "balance_abs_norm")),
                pct(mean(r, "restricted_share"))
            )
        };
        let spread_note = match us.get(1) {
            Some(r2) if r2.num("balance_abs_norm_p5") <= b.num("balance_abs_norm_p95") => {
                format!(" (runner-up {}; spreads overlap)", eq(r2))
            }
            Some(r2) => format!(" (runner-up {}; spreads apart)", eq(r2)),
            None => String::new(),
        };
        let light = us
            .iter()
            .find(|r| mean(r, "restricted_share") <= RESTRICTED_LIGHT);
        best.push(format!(
            "Q2, {user} — nearest equilibrium: {}{spread_note}. {}",
            eq(b),
            match light {
                Some(r) if r.policy(registry) == b.policy(registry) => {
                    format!(
                        "It restricts at most {} of payments.",
                        pct(RESTRICTED_LIGHT)
                    )
                }
                Some(r) => format!(
                    "Among policies restricting at most {} of payments: {}.",
                    pct(RESTRICTED_LIGHT),
                    eq(r)
                ),
                None => String::new(),
            }
        ));
    }
    if !best.is_empty() {
        summary.extend(best);
        let unrestricted: Vec<f64> = cells
            .iter()
            .filter(|r| r.text("restriction") == "none" && r.text("user") == "spender")
            .map(|r| mean(r, "over_limit_share"))
            .collect();
        let restricted: Vec<f64> = cells
            .iter()
            .filter(|r| r.text("restriction") != "none" && r.text("user") == "spender")
            .map(|r| mean(r, "over_limit_share"))
            .collect();
        let (ulo, uhi) = min_max(&unrestricted);
        let (rlo, rhi) = min_max(&restricted);
        if !unrestricted.is_empty() && !restricted.is_empty() {
            summary.push(format!(
                "Q2 — What keeps a spender near its limit is the restriction, not the formula: without one the spender's balance is beyond the limit in {}–{} of steps; with clamping or rejection, {}–{} (what remains comes from limits that fall below an existing debt).",
                f(ulo), f(uhi), f(rlo), f(rhi)
            ));
        }
    }
}

fn q3<M: Model>(
    o: &mut String,
    rows: &[SummaryRow],
    summary: &mut Vec<String>,
    registry: &Registry<M>,
) {
    let cells: Vec<&SummaryRow> = rows
        .iter()
        .filter(|r| r.text("label").starts_with("q2"))
        .collect();
    let _ = writeln!(
        o,
        "## Q3. Does the system accommodate different categories of users, e.g. high- and low-volume transactors?\n"
    );
    let _ = writeln!(
        o,
        "Credit is shown in units of the user's average payment (credit mean / avg-amount): a rule that treats volumes alike gives similar numbers to low- (10), normal- (100) and high-volume (1000) users.\n"
    );
    let _ = writeln!(
        o,
        "| rule (restriction) | credit / avg payment: low | balanced | high | over-limit share: low | high | payments restricted: low | high |"
    );
    let _ = writeln!(o, "|---|---|---|---|---|---|---|---|");
    let mut policies: Vec<String> = cells.iter().map(|r| r.policy(registry)).collect();
    policies.dedup();
    let find = |p: &str, u: &str| {
        cells
            .iter()
            .find(|r| r.policy(registry) == p && r.text("user") == u)
            .copied()
    };
    let mut scaling = Vec::new();
    let mut not_scaling = Vec::new();
    for p in &policies {
        let (Some(lo), Some(mid), Some(hi)) = (
            find(p, "low-volume"),
            find(p, "balanced"),
            find(p, "high-volume"),
        ) else {
            continue;
        };
        let ratio = |r: &SummaryRow| mean(r, "credit_mean") / r.num("avg_amount");
        let _ = writeln!(
            o,
            "| {p} | {} | {} | {} | {} | {} | {} | {} |",
            f(ratio(lo)),
            f(ratio(mid)),
            f(ratio(hi)),
            ms(lo, "over_limit_share"),
            ms(hi, "over_limit_share"),
            ms(lo, "restricted_share"),
            ms(hi, "restricted_share")
        );
        let (a, b) = (ratio(lo), ratio(hi));
        if a.max(b) <= 1.5 * a.min(b) {
            scaling.push(format!("{p} ({} vs {})", f(a), f(b)));
        } else {
            not_scaling.push(format!("{p} ({} vs {})", f(a), f(b)));
        }
    }
    let _ = writeln!(o);
    let fixed = not_scaling
        .iter()
        .any(|p| p.starts_with("static") || p.starts_with("fixed-band"));
    summary.push(format!(
        "Q3 — Credit scales with volume (credit per average payment within 1.5× between low- and high-volume users) under: {}. It does not under: {}.{}",
        if scaling.is_empty() { "none".to_owned() } else { scaling.join(", ") },
        if not_scaling.is_empty() { "none".to_owned() } else { not_scaling.join(", ") },
        if fixed {
            " A fixed limit is many payments deep for a low-volume user and a fraction of one payment for a high-volume user."
        } else {
            ""
        }
    ));
    let _ = writeln!(o, "### Growing volume (assumption 2)\n");
    let _ = writeln!(
        o,
        "The `growing` user's amounts double over the year. Credit elasticity = Δln credit / Δln volume between the second and fourth quarter (1 = credit grows in proportion to volume, 0 = credit ignores volume; runs where it is undefined, |Δln volume| < 0.05, are left out). The elasticity is a ratio of two noisy logarithms with a heavy tail, so the table gives its median.\n"
    );
    let _ = writeln!(
        o,
        "| rule (restriction) | credit elasticity, median [p5, p95] | credit mean | mean \\|balance\\| / volume |"
    );
    let _ = writeln!(o, "|---|---|---|---|");
    let mut el = Vec::new();
    for p in &policies {
        if let Some(g) = find(p, "growing") {
            let _ = writeln!(
                o,
                "| {p} | {} | {} | {} |",
                md(g, "credit_elasticity"),
                ms(g, "credit_mean"),
                ms(g, "balance_abs_norm")
            );
            el.push((p.clone(), g.num("credit_elasticity_p50")));
        }
    }
    let _ = writeln!(o);
    if !el.is_empty() {
        summary.push(format!(
            "Assumption 2 — credit elasticity to volume for the growing user (median over runs; 1 = credit grows in step with volume): {}.",
            el.iter()
                .map(|(p, e)| format!("{p} {}", f(*e)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
}
