//! What the models' reports of a sweep share (V1's notebook questions, the network's):
//! a summary row's numbers and rules as a report writes them.

use crate::model::Model;
use crate::registry::Registry;

use super::SummaryRow;

/// The rule of `row` with its parameters that differ from the defaults `registry` declares
/// and its restriction, e.g. `static (clamp)` or `fixed-band upper=250 (clamp)`.
pub(crate) fn policy<M: Model>(row: &SummaryRow, registry: &Registry<M>) -> String {
    let rule = row.text("rule");
    let changed: Vec<&str> = match registry.find(rule).ok() {
        Some(info) => row
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
    format!("{name} ({})", row.text("restriction"))
}

/// A number with a precision that suits its size.
pub(crate) fn f(x: f64) -> String {
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
pub(crate) fn pct(x: f64) -> String {
    if x.is_nan() {
        "–".to_owned()
    } else {
        format!("{:.1}%", 100.0 * x)
    }
}

/// `mean [p5, p95]` of metric `m` in a row.
pub(crate) fn ms(r: &SummaryRow, m: &str) -> String {
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
pub(crate) fn md(r: &SummaryRow, m: &str) -> String {
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

/// The mean of metric `m` in a row (NaN when empty).
pub(crate) fn mean(r: &SummaryRow, m: &str) -> f64 {
    r.num(&format!("{m}_mean"))
}
