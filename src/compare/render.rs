//! A report printed: an aligned table for a terminal, GitHub markdown for a pull request,
//! or one JSON object ([`Format`]).

use std::fmt::Write as _;

use super::record::InvariantStatus;
use super::report::{CompareReport, RunDivergence, pct};
use super::{BOOTSTRAP_SUBSET, CompareError, N_BOOT, SideLabel, bad};

/// How to print a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned plain text for a terminal.
    Table,
    /// GitHub-flavoured markdown, to paste into a pull request.
    Markdown,
    /// One JSON object.
    Json,
}

impl Format {
    /// Parses `table`, `markdown` or `json`.
    pub fn parse(s: &str) -> Result<Format, CompareError> {
        match s {
            "table" => Ok(Format::Table),
            "markdown" | "md" => Ok(Format::Markdown),
            "json" => Ok(Format::Json),
            other => Err(bad(
                "format",
                format!("{other:?}"),
                "table, markdown or json",
            )),
        }
    }
}

fn num(x: f64) -> String {
    if x.is_nan() {
        "n/a".to_owned()
    } else if x == 0.0 || (x.abs() >= 0.001 && x.abs() < 1e7) {
        let s = format!("{x:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" {
            "0".to_owned()
        } else {
            s.to_owned()
        }
    } else {
        format!("{x:.3e}")
    }
}

fn violated(v: bool) -> &'static str {
    if v { "violated" } else { "holds" }
}

fn json_num(x: f64) -> serde_json::Value {
    if x.is_finite() {
        serde_json::json!(x)
    } else if x.is_nan() {
        serde_json::Value::Null
    } else {
        serde_json::json!(if x > 0.0 { "inf" } else { "-inf" })
    }
}

impl CompareReport {
    fn divergence_summary(&self) -> String {
        let n = self.runs.len();
        let div: Vec<u64> = self.runs.iter().filter_map(|r| r.diverge_step).collect();
        let lost: Vec<u64> = self.runs.iter().filter_map(|r| r.crn_lost_step).collect();
        let mut s = if div.is_empty() {
            format!("trajectories identical in all {n} runs")
        } else {
            format!(
                "trajectories diverge in {}/{n} runs (first step: min {}, max {})",
                div.len(),
                div.iter().min().unwrap_or(&0),
                div.iter().max().unwrap_or(&0)
            )
        };
        if lost.is_empty() {
            s.push_str("; draws aligned at every step of every run");
        } else {
            let _ = write!(
                s,
                "; common draws lost in {}/{n} runs (from step {} at the earliest)",
                lost.len(),
                lost.iter().min().unwrap_or(&0)
            );
        }
        let failed = self.runs.iter().filter(|r| r.failed).count();
        if failed > 0 {
            let _ = write!(
                s,
                "; {failed}/{n} runs failed on a side and are left out of the metrics"
            );
        }
        s
    }

    fn rows(&self) -> Vec<[String; 7]> {
        self.metrics
            .iter()
            .map(|m| {
                let flag = if m.fails() {
                    "CHANGED"
                } else if m.significant {
                    "allowed"
                } else {
                    ""
                };
                [
                    m.name.to_owned(),
                    num(m.baseline_mean),
                    num(m.candidate_mean),
                    num(m.diff_mean),
                    format!("[{}, {}]", num(m.ci.0), num(m.ci.1)),
                    pct(m.rel_change),
                    flag.to_owned(),
                ]
            })
            .collect()
    }

    const HEADER: [&'static str; 7] = [
        "metric",
        "baseline",
        "candidate",
        "diff",
        "95% CI",
        "change",
        "",
    ];

    fn run_lines(&self) -> Vec<String> {
        self.runs
            .iter()
            .map(|r| {
                let f = |x: Option<u64>| x.map_or("-".to_owned(), |t| t.to_string());
                format!(
                    "run {}: diverges at step {}, draws aligned until {}",
                    r.run,
                    f(r.diverge_step),
                    r.crn_lost_step
                        .map_or("the end".to_owned(), |t| format!("step {t}"))
                )
            })
            .collect()
    }

    /// Renders the report.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Table => self.to_table(),
            Format::Markdown => self.to_markdown(),
            Format::Json => {
                let mut s = serde_json::to_string_pretty(&self.to_json()).unwrap_or_default();
                s.push('\n');
                s
            }
        }
    }

    fn to_table(&self) -> String {
        let c = &self.config;
        let mut s = String::new();
        let _ = writeln!(s, "baseline:  {}", self.baseline.label());
        let _ = writeln!(s, "candidate: {}", self.candidate.label());
        let _ = writeln!(
            s,
            "{} paired runs x {} steps, seed {}, generator {} (common random numbers)",
            c.n_runs,
            c.n_steps,
            c.seed,
            c.rng.name()
        );
        let _ = writeln!(s, "{}", self.divergence_summary());
        let _ = writeln!(s);
        let mut rows = vec![Self::HEADER.map(str::to_owned)];
        rows.extend(self.rows());
        let widths: Vec<usize> = (0..7)
            .map(|j| rows.iter().map(|r| r[j].chars().count()).max().unwrap_or(0))
            .collect();
        for r in &rows {
            let line: Vec<String> = r
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(j, (x, w))| {
                    if j == 0 || j == 6 {
                        format!("{x:<w$}")
                    } else {
                        format!("{x:>w$}")
                    }
                })
                .collect();
            let _ = writeln!(s, "{}", line.join("  ").trim_end());
        }
        let _ = writeln!(s);
        for i in &self.invariants {
            let _ = writeln!(
                s,
                "invariant {}: baseline {}; candidate {}{}",
                i.name,
                i.baseline.describe(c.n_runs),
                i.candidate.describe(c.n_runs),
                if i.changed() { "  CHANGED" } else { "" }
            );
        }
        for h in self.harness.iter().flatten() {
            let _ = writeln!(
                s,
                "harness {} ({}): baseline {}; candidate {}{}",
                h.name,
                h.kind,
                violated(h.baseline_violated),
                violated(h.candidate_violated),
                if h.changed() { "  CHANGED" } else { "" }
            );
        }
        let _ = writeln!(s);
        let steps = |f: fn(&RunDivergence) -> Option<u64>| {
            self.runs
                .iter()
                .map(|r| f(r).map_or("-".to_owned(), |t| t.to_string()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let _ = writeln!(
            s,
            "first diverging step, runs 1-{}: {}",
            c.n_runs,
            steps(|r| r.diverge_step)
        );
        if self.runs.iter().any(|r| r.crn_lost_step.is_some()) {
            let _ = writeln!(
                s,
                "first step with different draws, runs 1-{}: {}",
                c.n_runs,
                steps(|r| r.crn_lost_step)
            );
        }
        let _ = writeln!(s, "reproduce: {}", self.command());
        let _ = writeln!(s, "{}", self.verdict());
        s
    }

    fn to_markdown(&self) -> String {
        let c = &self.config;
        let mut s = String::new();
        let mark = if self.changed() { "❌" } else { "✅" };
        let _ = writeln!(s, "### currents compare {mark}\n");
        let _ = writeln!(s, "**{}**\n", self.verdict());
        let _ = writeln!(s, "- baseline: `{}`", self.baseline.label());
        let _ = writeln!(s, "- candidate: `{}`", self.candidate.label());
        let _ = writeln!(
            s,
            "- {} paired runs × {} steps, seed {}, generator {} (common random numbers); {}",
            c.n_runs,
            c.n_steps,
            c.seed,
            c.rng.name(),
            self.divergence_summary()
        );
        let _ = writeln!(
            s,
            "- gate: a metric fails when its bootstrap 95% interval excludes 0 and it changed by more than {} (unless allowed)\n",
            pct(c.min_change).trim_start_matches('+')
        );
        let _ = writeln!(
            s,
            "| metric | baseline | candidate | diff | 95% CI | change | |\n|---|--:|--:|--:|--:|--:|---|"
        );
        for r in self.rows() {
            let flag = if r[6] == "CHANGED" {
                "**changed**".to_owned()
            } else {
                r[6].clone()
            };
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} | {} | {} | {flag} |",
                r[0], r[1], r[2], r[3], r[4], r[5]
            );
        }
        let _ = writeln!(
            s,
            "\n| invariant | baseline | candidate | |\n|---|---|---|---|"
        );
        for i in &self.invariants {
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} |",
                i.name,
                i.baseline.describe(c.n_runs),
                i.candidate.describe(c.n_runs),
                if i.changed() { "**changed**" } else { "" }
            );
        }
        let _ = writeln!(s, "\n<details><summary>Per-run divergence</summary>\n");
        for l in self.run_lines() {
            let _ = writeln!(s, "- {l}");
        }
        let _ = writeln!(s, "\n</details>\n");
        let _ = writeln!(s, "Reproduce: `{}`", self.command());
        s
    }

    /// The report as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        let c = &self.config;
        let side = |x: &SideLabel| {
            let mut v = serde_json::json!({
                "source": x.source,
                "rule": x.rule,
                "params": x.params.iter()
                    .map(|(name, v)| ((*name).to_owned(), serde_json::json!(v)))
                    .collect::<serde_json::Map<_, _>>(),
                "restriction": x.restriction.name(),
            });
            // The user and the model only when named, so a default side reads as before.
            for (key, named) in [("user", &x.user), ("model", &x.model)] {
                if let Some(named) = named {
                    v[key] = serde_json::json!(named);
                }
            }
            v
        };
        // A law a side is not held to (`checked` false) is `null` on that side.
        let status = |st: &InvariantStatus| {
            if !st.checked {
                return serde_json::Value::Null;
            }
            serde_json::json!({
                "holds": st.holds(),
                "runs_violated": st.n_runs_violated,
                "first": st.first.map(|(r, t)| serde_json::json!({"run": r, "step": t})),
            })
        };
        // Per side: how many runs could not complete, and the first (its run and step).
        let failed_runs: serde_json::Map<String, serde_json::Value> = ["baseline", "candidate"]
            .iter()
            .zip(&self.failed)
            .map(|(side, f)| {
                let first = f.first.map(|(run, e)| {
                    serde_json::json!({"run": run, "step": e.timestep, "error": e.to_string()})
                });
                (
                    side.to_string(),
                    serde_json::json!({"runs": f.n, "first": first}),
                )
            })
            .collect();
        serde_json::json!({
            "baseline": side(&self.baseline),
            "candidate": side(&self.candidate),
            "runs": c.n_runs,
            "steps": c.n_steps,
            "seed": c.seed,
            "rng": c.rng.name(),
            "bootstrap": {"resamples": N_BOOT, "subset": BOOTSTRAP_SUBSET},
            "metrics": self.metrics.iter().map(|m| serde_json::json!({
                "name": m.name,
                "n": m.n,
                "baseline_mean": json_num(m.baseline_mean),
                "candidate_mean": json_num(m.candidate_mean),
                "diff_mean": json_num(m.diff_mean),
                "baseline_sd": json_num(m.baseline_sd),
                "diff_sd": json_num(m.diff_sd),
                "ci95": [json_num(m.ci.0), json_num(m.ci.1)],
                "rel_change": json_num(m.rel_change),
                "threshold": m.threshold,
                "significant": m.significant,
                "allowed": m.allowed,
                "fails": m.fails(),
            })).collect::<Vec<_>>(),
            "invariants": self.invariants.iter().map(|i| serde_json::json!({
                "name": i.name,
                "baseline": status(&i.baseline),
                "candidate": status(&i.candidate),
                "changed": i.changed(),
            })).collect::<Vec<_>>(),
            "per_run": self.runs.iter().map(|r| serde_json::json!({
                "run": r.run,
                "diverge_step": r.diverge_step,
                "crn_lost_step": r.crn_lost_step,
            })).collect::<Vec<_>>(),
            "harness": self.harness.as_ref().map(|h| h.iter().map(|h| serde_json::json!({
                "name": h.name,
                "kind": h.kind,
                "baseline_violated": h.baseline_violated,
                "candidate_violated": h.candidate_violated,
                "changed": h.changed(),
            })).collect::<Vec<_>>()),
            "failed_runs": failed_runs,
            "changed": self.changed(),
            "verdict": self.verdict(),
            "command": self.command(),
        })
    }
}
