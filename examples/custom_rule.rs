//! Checking your own credit rule with the whole invariant harness, in one call.
//!
//! `cargo run --release --example custom_rule` prints the report; `cargo test` runs the
//! same check as a test (this example is built with `test = true`).

#[cfg(test)]
use currents::catalog::Invariant;
use currents::harness::{HarnessConfig, HarnessReport};
use currents::model::{CreditError, CreditPolicy, Cx, Limit};
use currents::numeric::round_half_even;
use currents::v1::History;
use currents::v1::V1;
#[cfg(test)]
use currents::v1::harness::V1Laws;
use currents::v1::harness::check_rule;

/// A linear rule: after a warm-up, credit is the average send volume scaled by
/// `1 − |s|` (never below 0), where `s = avgUserBalance / avgSendVolume`. Unlike V1 it
/// is monotone in |s| by construction.
#[derive(Debug, Clone, Copy)]
struct LinearRule {
    warmup: u64,
}

/// A credit policy for the V1 model (any history): it reads the previous state's means.
impl<H: History> CreditPolicy<V1<H>> for LinearRule {
    type Memory = ();

    fn limit(&self, cx: &Cx<'_, V1<H>>, _: &mut ()) -> Result<Limit, CreditError> {
        let p = cx.prev;
        if !(p.balance_mean.is_finite() && p.send_volume_mean.is_finite()) {
            return Err(CreditError::NonFinite {
                field: "avgUserBalance or avgSendVolume",
                value: p.balance_mean,
            });
        }
        if p.n_transactions < self.warmup {
            return Ok(Limit {
                value: p.credit as f64,
                branch: "warm-up",
            });
        }
        if p.send_volume_mean == 0.0 {
            return Ok(Limit {
                value: 0.0,
                branch: "zero-send-volume",
            });
        }
        let s = p.balance_mean / p.send_volume_mean;
        let x = (1.0 - s.abs()).max(0.0) * p.send_volume_mean;
        let credit = round_half_even(x).ok_or(CreditError::OutOfRange(x))?;
        Ok(Limit {
            value: credit as f64,
            branch: "linear",
        })
    }

    /// This rule has no window branch and no negative-result fallback.
    fn branches(&self) -> &'static [&'static str] {
        &["warm-up", "linear", "zero-send-volume"]
    }

    /// The model lets users overspend whatever the rule says, so the limit is observed.
    fn observed_invariants(&self) -> &'static [&'static str] {
        &["payment_within_limit"]
    }
}

fn check() -> HarnessReport {
    let config = HarnessConfig {
        policy: "linear (custom)".to_owned(),
        ..HarnessConfig::default()
    };
    check_rule(&LinearRule { warmup: 7 }, &config).expect("the default configuration is valid")
}

fn main() {
    let report = check();
    print!("{}", report.to_table());
    std::process::exit(if report.passed() { 0 } else { 1 });
}

#[test]
fn linear_rule_keeps_every_required_invariant() {
    let report = check();
    assert!(report.passed(), "{}", report.to_table());
    assert!(
        !report
            .invariant(V1Laws::CREDIT_MONOTONE_IN_IMBALANCE)
            .violated()
    );
    // Its one finding: users still overspend their limit.
    assert!(report.invariant(Invariant::PAYMENT_WITHIN_LIMIT).violated());
}
