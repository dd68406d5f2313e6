//! Checking your own credit rule with the whole invariant harness, in one call.
//!
//! `cargo run --release --example custom_rule` prints the report; `cargo test` runs the
//! same check as a test (this example is built with `test = true`).

use currents::credit::{CreditBranch, CreditError, CreditInput, CreditOutcome, CreditRule};
use currents::harness::{HarnessConfig, HarnessReport, Invariant, InvariantKind, check_rule};
use currents::numeric::round_half_even;

/// A linear rule: after a warm-up, credit is the average send volume scaled by
/// `1 − |s|` (never below 0), where `s = avgUserBalance / avgSendVolume`. Unlike V1 it
/// is monotone in |s| by construction.
#[derive(Debug, Clone, Copy)]
struct LinearRule {
    warmup: u64,
}

impl CreditRule for LinearRule {
    fn credit(&self, i: &CreditInput) -> Result<CreditOutcome, CreditError> {
        if !(i.balance_mean_prev.is_finite() && i.send_volume_mean_prev.is_finite()) {
            return Err(CreditError::NonFinite {
                field: "avgUserBalance or avgSendVolume",
                value: i.balance_mean_prev,
            });
        }
        if i.n_transactions_prev < self.warmup {
            return Ok(CreditOutcome {
                credit: i.credit_prev,
                branch: CreditBranch::WarmUp,
            });
        }
        if i.send_volume_mean_prev == 0.0 {
            return Ok(CreditOutcome {
                credit: 0,
                branch: CreditBranch::ZeroSendVolume,
            });
        }
        let s = i.balance_mean_prev / i.send_volume_mean_prev;
        let x = (1.0 - s.abs()).max(0.0) * i.send_volume_mean_prev;
        let credit = round_half_even(x).ok_or(CreditError::OutOfRange(x))?;
        Ok(CreditOutcome {
            credit,
            branch: CreditBranch::Quadratic,
        })
    }

    /// The engine lets users overspend whatever the rule says, so the limit is observed.
    fn invariant_kind(&self, invariant: Invariant) -> InvariantKind {
        match invariant {
            Invariant::WithinCreditLimit => InvariantKind::Observed,
            other => other.default_kind(),
        }
    }

    /// This rule has no window branch and no negative-result fallback.
    fn reachable_branches(&self) -> &'static [CreditBranch] {
        &[
            CreditBranch::WarmUp,
            CreditBranch::Quadratic,
            CreditBranch::ZeroSendVolume,
        ]
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
            .invariant(Invariant::CreditMonotoneInImbalance)
            .violated()
    );
    // Its one finding: users still overspend their limit.
    assert!(report.invariant(Invariant::WithinCreditLimit).violated());
}
