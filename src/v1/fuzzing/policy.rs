//! The laws every credit policy keeps on the run loop, checked on V1 driven by a tape: a
//! case shaped from any bytes ([`PolicyCase`]) and the check ([`check_policy_on_tape`]).

use crate::catalog::{Invariant, law_of_failure};
use crate::draws::chacha_rng;
use crate::fuzzing::{Violation, ensure};
use crate::model::{Against, CreditPolicy, EachStep, Enforce, RunError, StepEvent};
use crate::model::{Model, payment_breaks_limit};
use crate::params::ParamSpec;
use crate::registry::UserType as _;
use crate::v1::{NotebookUser, Params, V1};

use super::amount_bound;
use super::step::{FuzzTape, TAPE_LEN_MAX, TapeEntry};

/// Any bytes read as numbers, little-endian; past the end every read gives zero (the
/// convention of `arbitrary::Unstructured`), so every byte string is an input.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let n = N.min(self.0.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        out
    }

    /// A value for the declared parameter `spec`: its default, an end of its range, or a
    /// point in between (whole for an integer parameter); zeros give the default.
    fn value(&mut self, spec: &ParamSpec) -> f64 {
        let [sel] = self.take::<1>();
        let x = match sel % 4 {
            0 => spec.default,
            1 => spec.min,
            2 => spec.max,
            _ => {
                let f = f64::from(u32::from_le_bytes(self.take())) / f64::from(u32::MAX);
                let x = (spec.min + f * (spec.max - spec.min)).clamp(spec.min, spec.max);
                if spec.integer { x.round() } else { x }
            }
        };
        spec.check(spec.name, x).unwrap_or(spec.default)
    }
}

/// One case for [`check_policy_on_tape`], shaped from any bytes (libFuzzer's): values for
/// a rule's declared parameters, V1's parameters, a seed and a tape.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyCase {
    /// A value for each of the rule's declared parameters, in declaration order, each in
    /// its declared range (so `Rule::from_values` accepts them).
    pub values: Vec<f64>,
    /// V1's parameters: integrity and average amount of the notebook's user, the window
    /// and the genesis credit, each in its declared range.
    pub params: Params,
    /// The seed of the ChaCha stream the tape's draws come from.
    pub seed: u64,
    /// The tape: draws and amounts within [`amount_bound`], at most [`TAPE_LEN_MAX`].
    pub tape: Vec<TapeEntry>,
}

impl PolicyCase {
    /// Reads a case from `data`: the rule's values (for `specs`, a rule's
    /// [`crate::rules::Rule::PARAMS`]), V1's parameters and the seed, then a tape entry
    /// per byte left (a draw, or an amount within the bound). Empty input gives every
    /// default, seed 0 and an empty tape.
    pub fn from_bytes(specs: &[ParamSpec], data: &[u8]) -> PolicyCase {
        let mut b = Bytes(data);
        let values = specs.iter().map(|s| b.value(s)).collect();
        let user = NotebookUser::PARAMS;
        let (integrity, avg_amount) = (b.value(&user[0]), b.value(&user[1]));
        let model = crate::v1::V1_PARAMS;
        let (sum_volume, initial_credit) = (b.value(&model[0]), b.value(&model[1]));
        // The declared ranges are the ones `Params::new` checks.
        let params = Params::new(
            integrity,
            avg_amount,
            sum_volume as u64,
            initial_credit as i64,
        )
        .unwrap_or_default();
        let seed = u64::from_le_bytes(b.take());
        let bound = amount_bound(&params);
        let amount = |x: f64| TapeEntry::Amount(x.clamp(-bound, bound));
        let mut tape = Vec::new();
        while !b.0.is_empty() && tape.len() < TAPE_LEN_MAX {
            let [sel] = b.take::<1>();
            tape.push(match sel {
                0..=127 => TapeEntry::Draw,
                128..=143 => amount([0.0, bound, -bound, -0.5][usize::from(sel % 4)]),
                _ => amount(bound * f64::from(i16::from_le_bytes(b.take())) / f64::from(i16::MAX)),
            });
        }
        PolicyCase {
            values,
            params,
            seed,
            tape,
        }
    }
}

/// A run of the V1 model from genesis under any credit policy — a user's rule — driven by
/// a tape of the notebook user's draws (from the ChaCha stream `seed`) and given amounts,
/// on the one run loop ([`crate::model::run`]); then the same run again.
///
/// Laws, at every step, named as the catalog ([`crate::catalog`]) names them:
/// - `credit_non_negative`: the run loop never refuses the policy's limit (negative or
///   not finite);
/// - `step_is_defined`: the policy never returns an error on a reached state, and the
///   model can store every value (a limit beyond what V1 stores as an integer fails here);
/// - `branch_is_declared`: every limit names one of [`CreditPolicy::branches`];
/// - `payment_within_limit`: when the policy clamps or rejects payments against the step's
///   capacity and does not declare the law observed
///   ([`CreditPolicy::observed_invariants`]), no payment takes a balance below the
///   previous limit ([`crate::model::payment_breaks_limit`]);
/// - `same_seed_same_trajectory`: the second run sets the same limits, bit for bit, with
///   the same branches.
pub fn check_policy_on_tape<P: CreditPolicy<V1>>(
    policy: &P,
    params: &Params,
    seed: u64,
    tape: &[TapeEntry],
) -> Result<(), Violation> {
    let entries = &tape[..tape.len().min(TAPE_LEN_MAX)];
    let model = V1::new(params);
    let behaviour = FuzzTape {
        user: NotebookUser::from_params(params),
        entries,
    };
    let e = policy.enforcement();
    let held = matches!(e.mode, Enforce::Clamp | Enforce::Reject)
        && e.against == Against::Step
        && !policy
            .observed_invariants()
            .contains(&Invariant::PAYMENT_WITHIN_LIMIT.name());
    let walk = || -> Result<Vec<(u64, &'static str)>, Violation> {
        let mut limits = Vec::with_capacity(entries.len());
        let mut laws = EachStep(|e: &StepEvent<'_, V1>| {
            let (t, limit) = (e.t, *e.limits.first());
            ensure(
                policy.branches().contains(&limit.branch),
                "branch_is_declared",
                || {
                    format!(
                        "step {t}: branch {:?}, declared {:?}",
                        limit.branch,
                        policy.branches()
                    )
                },
            )?;
            let (before, after) = (model.ledger(e.prev, 0), model.ledger(e.next, 0));
            ensure(
                !(held && payment_breaks_limit(&before, &after)),
                Invariant::PAYMENT_WITHIN_LIMIT.name(),
                || {
                    format!(
                        "step {t}: balance {} < -limit {} ({params:?})",
                        after.balance, before.limit
                    )
                },
            )?;
            limits.push((limit.value.to_bits(), limit.branch));
            Ok(())
        });
        let mut rng = chacha_rng(seed, 0, 1);
        let n_steps = entries.len() as u64;
        crate::model::run(&model, policy, &behaviour, &mut rng, n_steps, &mut laws).map_err(
            |e| {
                let (law, detail) = match e {
                    RunError::Observe(v) => return v,
                    RunError::Step { source, .. } => {
                        (law_of_failure(&source).name(), e.to_string())
                    }
                };
                Violation {
                    law,
                    detail: format!("{detail} ({params:?}, seed {seed})"),
                }
            },
        )?;
        Ok(limits)
    };
    let first = walk()?;
    let again = walk()?;
    ensure(
        first == again,
        Invariant::SAME_SEED_SAME_TRAJECTORY.name(),
        || {
            let t = first
                .iter()
                .zip(&again)
                .position(|(a, b)| a != b)
                .map_or(0, |i| i + 1);
            format!("the same tape set other limits from step {t} ({params:?}, seed {seed})")
        },
    )
}

#[cfg(test)]
mod policy_tests {
    use super::*;
    use crate::model::{CreditError, Cx, Enforcement, Limit};
    use crate::registry::Registry;
    use rand_core::Rng;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A policy whose limit is whatever `f` says of the step.
    struct Fake<F>(F, Enforcement);

    impl<F: Fn(u64) -> Limit + Sync> CreditPolicy<V1> for Fake<F> {
        type Memory = ();
        fn limit(&self, cx: &Cx<'_, V1>, _: &mut ()) -> Result<Limit, CreditError> {
            Ok((self.0)(cx.t))
        }
        fn enforcement(&self) -> Enforcement {
            self.1
        }
        fn branches(&self) -> &'static [&'static str] {
            &["a"]
        }
    }

    fn law<F: Fn(u64) -> Limit + Sync>(f: F, e: Enforcement, tape: &[TapeEntry]) -> &'static str {
        match check_policy_on_tape(&Fake(f, e), &Params::default(), 7, tape) {
            Ok(()) => "holds",
            Err(v) => v.law,
        }
    }

    fn limit(value: f64, branch: &'static str) -> Limit {
        Limit { value, branch }
    }

    #[test]
    fn each_law_of_a_policy_on_a_tape_is_caught_by_name() {
        let draws = [TapeEntry::Draw; 20];
        let none = Enforcement::NONE;
        assert_eq!(law(|_| limit(250.0, "a"), none, &draws), "holds");
        let negative = |t| limit(if t < 5 { 250.0 } else { -1.0 }, "a");
        assert_eq!(law(negative, none, &draws), "credit_non_negative");
        assert_eq!(
            law(|_| limit(250.0, "b"), none, &draws),
            "branch_is_declared"
        );
        assert_eq!(law(|_| limit(1e300, "a"), none, &draws), "step_is_defined");
        // The limit falls below a debt made under the previous, larger one: the clamped
        // payments never take a balance past the limit they were made under (the state
        // law, a finding, is not this target's), and unclamped ones do, which only a
        // policy that holds payments to its limit is checked for.
        let falling = |t| limit(if t < 3 { 250.0 } else { 0.0 }, "a");
        let spend = [TapeEntry::Amount(-200.0); 4];
        assert_eq!(law(falling, none, &spend), "holds");
        assert_eq!(law(falling, Enforcement::CLAMP, &spend), "holds");
        // A limit that depends on something outside the run.
        static CALLS: AtomicU64 = AtomicU64::new(0);
        let counter = |_| limit(CALLS.fetch_add(1, Ordering::Relaxed) as f64, "a");
        assert_eq!(law(counter, none, &draws), "same_seed_same_trajectory");
    }

    #[test]
    fn builtin_rules_keep_the_laws_on_the_default_case() {
        let case = PolicyCase::from_bytes(&[], &[0; 64]);
        assert_eq!(case.params, Params::default());
        assert_eq!(case.tape.len(), 64 - 12);
        for r in Registry::<V1>::builtin().rules() {
            let rule = r.build_default();
            let got = check_policy_on_tape(&rule, &case.params, case.seed, &case.tape);
            // The harness's broken variant: its quadratic branch goes negative.
            if r.name == "v1-no-fallback" {
                assert_eq!(got.unwrap_err().law, "credit_non_negative");
            } else {
                assert_eq!(got, Ok(()), "{}", r.name);
            }
        }
    }

    #[test]
    fn a_case_from_any_bytes_holds_values_in_their_declared_ranges() {
        let specs = <crate::rules::Turnover as crate::rules::Rule>::PARAMS;
        assert_eq!(
            PolicyCase::from_bytes(specs, &[]).values,
            crate::params::defaults(specs)
        );
        let mut rng = chacha_rng(1, 2, 3);
        for _ in 0..200 {
            let data: Vec<u8> = (0..300).map(|_| rng.next_u32() as u8).collect();
            let case = PolicyCase::from_bytes(specs, &data);
            for (s, &v) in specs.iter().zip(&case.values) {
                assert_eq!(s.check(s.name, v), Ok(v));
            }
            let bound = amount_bound(&case.params);
            assert!(case.tape.iter().all(|e| match e {
                TapeEntry::Draw => true,
                TapeEntry::Amount(a) => a.abs() <= bound,
            }));
        }
    }
}
