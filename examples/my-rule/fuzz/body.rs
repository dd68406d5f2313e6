//! The fuzz target's body: any bytes → a case (parameter values within the rule's declared
//! ranges, V1's parameters, a seed, a tape of payments) → the laws every credit policy
//! keeps on the run loop, for both versions.
//!
//! Compiled twice: into the fuzz target (fuzz_targets/my_rule.rs, nightly, libFuzzer) and
//! into the stable replay test (tests/fuzz_replay.rs), so `cargo test` runs exactly what
//! the fuzzer ran on every committed corpus file.

use currents::fuzzing::Violation;
use currents::rules::Rule;
use currents::v1::fuzzing::{PolicyCase, check_policy_on_tape};
use my_rule::{MyRule, MyRuleV2};

/// Checks both versions on the case `data` shapes; the error names the law that broke.
pub fn check(data: &[u8]) -> Result<(), Violation> {
    let case = PolicyCase::from_bytes(MyRule::PARAMS, data);
    let (params, seed, tape) = (&case.params, case.seed, &case.tape);
    check_policy_on_tape(&MyRule::from_values(&case.values), params, seed, tape)?;
    check_policy_on_tape(&MyRuleV2::from_values(&case.values), params, seed, tape)
}
