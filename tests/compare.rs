//! `currents compare`: the gate's exit codes, determinism, bad input, and the comparison's
//! numbers checked against independent paths (the sweep engine's per-run metrics and the
//! scenario runner's trajectories). Sides of other models: tests/compare_models.rs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use currents::compare::{
    CompareConfig, CompareError, CompareReport, MIN_CHANGE_DEFAULT, Side, SideInput, compare,
    resolve_sides,
};
use currents::draws::RngKind;
use currents::metrics::NAMES;
use currents::registry::{Registry, RunSpec};
use currents::scenario::Scenario;
use currents::spec::Spec;
use currents::sweep::run_outcome;
use currents::v1::V1;
use currents::workbench::Workbench;

fn registry() -> Registry<V1> {
    Registry::builtin()
}

fn bench() -> Workbench {
    Workbench::builtin()
}

/// One shorthand side, resolved on its own with the compare defaults.
#[track_caller]
fn side(field: &str, text: &str) -> Side {
    currents::compare::parse_spec(field, text, &bench()).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// A V1 side's spec, typed: the side's spec as data resolved against V1's registry.
#[track_caller]
fn typed(side: &Side) -> RunSpec<V1> {
    let limits = CompareConfig::default().limits();
    side.spec().to_spec().resolve(&registry(), &limits).unwrap()
}

/// Compares two sides on the built-in workbench.
#[track_caller]
fn compared(a: &Side, b: &Side, cfg: &CompareConfig) -> CompareReport {
    compare(a, b, cfg, &bench()).unwrap()
}

/// Both sides as the CLI resolves them: each a shorthand, or a file when it ends in `.toml`
/// (read relative to the crate root), with no flags.
fn sides(baseline: &str, candidate: &str) -> Result<(Side, Side, CompareConfig), CompareError> {
    let input = |field: &str, arg: &str| {
        if arg.ends_with(".toml") {
            let text = std::fs::read_to_string(arg).unwrap();
            SideInput::file(field, arg, &text)
        } else {
            SideInput::shorthand(field, arg)
        }
    };
    resolve_sides(
        &input("baseline", baseline)?,
        &input("candidate", candidate)?,
        &Spec::default(),
        &CompareConfig::default(),
        &bench(),
    )
}

fn currents(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_currents"))
        .args(args)
        .output()
        .expect("run currents")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("compare")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `compare` with `args` and checks its exit code; returns stdout.
#[track_caller]
fn check_exit(args: &[&str], code: i32) -> String {
    let mut full = vec!["compare"];
    full.extend_from_slice(args);
    let out = currents(&full);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn config(n_runs: u64, n_steps: u64, seed: u64) -> CompareConfig {
    CompareConfig {
        n_runs,
        n_steps,
        seed,
        rng: RngKind::Chacha,
        min_change: MIN_CHANGE_DEFAULT,
        fail_on: Vec::new(),
        allow: Vec::new(),
    }
}

#[test]
fn a_rule_compared_with_itself_reports_no_change_and_exits_0() {
    // Every rule: nothing changes. `v1-no-fallback`'s runs fail where its limit goes
    // negative, identically on both sides: a run that cannot complete is a finding of its
    // own (exit 1, the verdict naming each side's first failed run and step).
    for rule in registry().rules() {
        let fails = rule.name == "v1-no-fallback";
        let out = check_exit(
            &[
                "--baseline",
                rule.name,
                "--candidate",
                rule.name,
                "--runs",
                "5",
                "--steps",
                "120",
            ],
            i32::from(fails),
        );
        if fails {
            assert!(
                out.contains("verdict: FAILED: runs that could not complete: baseline ")
                    && out.contains(", candidate ")
                    && out.contains("(first: run "),
                "{out}"
            );
        } else {
            assert!(out.contains("verdict: no significant change"), "{out}");
        }
        assert!(
            out.contains("trajectories identical in all 5 runs"),
            "{out}"
        );
    }
}

#[test]
fn currents_v1_against_static_exits_1() {
    let out = check_exit(
        &[
            "--baseline",
            "currents-v1",
            "--candidate",
            "static",
            "--runs",
            "10",
        ],
        1,
    );
    assert!(out.contains("verdict: CHANGED"), "{out}");
    assert!(out.contains("credit_mean"), "{out}");
}

#[test]
fn allowing_every_changed_metric_passes_the_gate() {
    let mut args = vec![
        "--baseline",
        "currents-v1",
        "--candidate",
        "static",
        "--runs",
        "10",
    ];
    for m in NAMES {
        args.extend(["--allow", m]);
    }
    let out = check_exit(&args, 0);
    assert!(out.contains("allowed metric(s) changed"), "{out}");
}

#[test]
fn a_per_metric_threshold_replaces_the_default() {
    // quad-coef -2.5 moves credit_mean by about 3%: over the 1% default, under 50%.
    let base = [
        "--baseline",
        "currents-v1",
        "--candidate",
        "currents-v1:quad-coef=-2.5",
    ];
    let mut args = base.to_vec();
    args.extend(["--runs", "10", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&check_exit(&args, 1)).unwrap();
    let failing: Vec<&str> = json["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["fails"] == true)
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(failing.contains(&"credit_mean"), "{failing:?}");
    let mut relaxed = args.clone();
    for m in &failing {
        relaxed.push("--fail-on");
        relaxed.push(Box::leak(format!("{m}:1000%").into_boxed_str()));
    }
    check_exit(&relaxed, 0);
}

#[test]
fn same_seed_same_report_other_seed_other_numbers() {
    let args = |seed: &'static str| {
        [
            "--baseline",
            "currents-v1",
            "--candidate",
            "turnover:k=1.5",
            "--runs",
            "6",
            "--steps",
            "200",
            "--seed",
            seed,
            "--format",
            "json",
        ]
    };
    let a = check_exit(&args("7"), 1);
    let b = check_exit(&args("7"), 1);
    let c = check_exit(&args("8"), 1);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn bad_input_exits_2_with_one_line_and_no_file() {
    let dir = scratch("bad");
    let out_path = dir.join("report.md");
    let out_s = out_path.to_str().unwrap();
    let cases: [(&[&str], &[&str]); 13] = [
        (
            &["--baseline", "nope", "--candidate", "static"],
            &["baseline", "nope", "currents-v1"],
        ),
        // A key twice in a side, in either spelling.
        (
            &[
                "--baseline",
                "static",
                "--candidate",
                "turnover:window=3,window=4",
            ],
            &["candidate.window", "each key once"],
        ),
        (
            &[
                "--baseline",
                "static",
                "--candidate",
                "turnover:avg-amount=5,avg_amount=6",
            ],
            &["candidate.avg_amount", "each key once"],
        ),
        // A user parameter out of its declared range, with the range.
        (
            &[
                "--baseline",
                "static",
                "--candidate",
                "turnover:integrity=200",
            ],
            &["candidate.integrity", "200", "[-100, 100]"],
        ),
        (
            &["--baseline", "turnover:window=0", "--candidate", "static"],
            &["baseline.window", "0", "a whole number in [1,"],
        ),
        // Two sides on different streams.
        (
            &[
                "--baseline",
                "static:seed=1",
                "--candidate",
                "static:seed=2",
            ],
            &["candidate.seed", "2", "common random numbers", "--seed"],
        ),
        (
            &[
                "--baseline",
                "tests/scenarios/edge_integrity_0.5.toml",
                "--candidate",
                "static:rng=chacha",
            ],
            &["candidate.rng", "chacha", "numpy"],
        ),
        (
            &["--baseline", "static", "--candidate", "turnover:k=-1"],
            &["candidate.k", "-1"],
        ),
        (
            &["--baseline", "static", "--candidate", "turnover:zz=1"],
            &["candidate", "zz", "alpha"],
        ),
        (
            &[
                "--baseline",
                "static",
                "--candidate",
                "static",
                "--runs",
                "1",
            ],
            &["runs", "1"],
        ),
        (
            &[
                "--baseline",
                "static",
                "--candidate",
                "static",
                "--fail-on",
                "x:1",
            ],
            &["fail-on", "credit_mean"],
        ),
        (
            &[
                "--baseline",
                "static",
                "--candidate",
                "static",
                "--format",
                "pdf",
            ],
            &["format", "markdown"],
        ),
        (
            &["--baseline", "missing.toml", "--candidate", "static"],
            &["baseline", "missing.toml"],
        ),
    ];
    for (args, mentions) in cases {
        let mut full = vec!["compare"];
        full.extend_from_slice(args);
        full.extend(["--out", out_s]);
        let out = currents(&full);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        for m in mentions {
            assert!(stderr.contains(m), "{args:?}: {stderr} lacks {m}");
        }
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "{args:?}");
    }
}

#[test]
fn side_means_equal_the_sweep_engines_per_run_metrics() {
    // The sweep engine runs a cell without the comparison's counting generator; the means
    // must agree exactly, which shows the counting wrapper does not change the draws.
    let cfg = config(4, 150, 3);
    let a = side("baseline", "credit-period:user=spender");
    let b = side("candidate", "fixed-band:integrity=0.7");
    let report = compared(&a, &b, &cfg);
    let mut n_checked = 0;
    for (side, is_baseline) in [(&a, true), (&b, false)] {
        // Subset 0: compare's runs use simulate's streams, chacha_rng(seed, 0, r).
        let plan = typed(side).plan();
        let runs: Vec<_> = (1..=cfg.n_runs)
            .map(|r| {
                let streams = currents::model::Streams::new(cfg.rng, cfg.seed);
                let mut none = currents::registry::runs::Infallibly(());
                let outcome = run_outcome(&plan, &streams, r, cfg.n_steps, &mut none).unwrap();
                outcome.metrics
            })
            .collect();
        for (m, row) in report.metrics.iter().enumerate() {
            let got = if is_baseline {
                row.baseline_mean
            } else {
                row.candidate_mean
            };
            // Only metrics both sides define in every run have an unfiltered mean to compare.
            if row.n == runs.len() {
                let want = runs.iter().map(|r| r.values[m]).sum::<f64>() / runs.len() as f64;
                assert_eq!(
                    got.to_bits(),
                    want.to_bits(),
                    "{} {}",
                    side.source(),
                    row.name
                );
                n_checked += 1;
            }
        }
    }
    assert!(n_checked >= 20, "{n_checked}");
}

#[test]
fn a_scenario_side_runs_the_scenarios_trajectories() {
    // The scenario runner (Scenario::for_each_state) and the comparison (compare_plans) are
    // separate plans over the one run loop; their final credits must agree run by run.
    let path = "tests/scenarios/edge_integrity_0.5.toml";
    let text = std::fs::read_to_string(path).unwrap();
    let scenario = Scenario::from_toml_str(&text, &Workbench::builtin()).unwrap();
    let (side, other, cfg) = sides(path, path).unwrap();
    assert_eq!(side.spec().shorthand(), scenario.spec().shorthand());
    assert_eq!(other.spec().shorthand(), scenario.spec().shorthand());
    let c = scenario.spec().settings();
    assert_eq!(
        (cfg.n_runs, cfg.n_steps, cfg.seed, cfg.rng),
        (c.runs, c.steps, c.seed, c.rng)
    );
    let report = compared(&side, &side, &cfg);
    let mut finals = Vec::new();
    scenario
        .for_each_state(|_, t, s| {
            if t == c.steps {
                finals.push(s.ledger(0).limit);
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(finals.len() as u64, cfg.n_runs);
    let idx = NAMES.iter().position(|n| *n == "credit_final").unwrap();
    let want = finals.iter().sum::<f64>() / finals.len() as f64;
    assert_eq!(report.metrics[idx].baseline_mean.to_bits(), want.to_bits());
    assert!(report.runs.iter().all(|r| r.diverge_step.is_none()));
}

#[test]
fn draws_stay_aligned_for_every_rule_pair_when_integrity_is_at_least_one() {
    let cfg = config(3, 200, 11);
    for a in registry().rules() {
        for b in registry().rules() {
            let sa = side("baseline", a.name);
            let sb = side("candidate", b.name);
            let report = compared(&sa, &sb, &cfg);
            assert!(
                report.runs.iter().all(|r| r.crn_lost_step.is_none()),
                "{} vs {}: {:?}",
                a.name,
                b.name,
                report.runs
            );
        }
    }
}

#[test]
fn draw_alignment_loss_is_reported_below_integrity_one() {
    // Integrity 0.5: the integrity path's extra draw depends on the capacity, which a
    // clamping rule changes; some run must lose alignment, and never before it diverges.
    // The candidate, a shorthand, runs on the scenario's user and model (integrity 0.5).
    let (base, cand, _) = sides("tests/scenarios/edge_integrity_0.5.toml", "turnover").unwrap();
    assert_eq!(cand.spec().user(), base.spec().user());
    assert_eq!(cand.spec().user().get("integrity"), Some(0.5));
    let report = compared(&base, &cand, &config(10, 365, 0));
    assert!(report.runs.iter().any(|r| r.crn_lost_step.is_some()));
    for r in &report.runs {
        if let (Some(lost), Some(div)) = (r.crn_lost_step, r.diverge_step) {
            assert!(div <= lost, "{r:?}");
        }
    }
}

#[test]
fn the_harness_checks_are_compared_only_when_both_sides_run_their_models_own_rule() {
    let cfg = config(3, 150, 0);
    let v1 = side("baseline", "currents-v1");
    let flat = side("candidate", "currents-v1:quad-coef=0");
    let report = compared(&v1, &flat, &cfg);
    let harness = report.harness.as_ref().expect("both sides are currents-v1");
    // With quad-coef 0 the factor no longer depends on the imbalance, so V1's observed
    // non-monotonicity (MODEL.md) disappears: a status change, which fails the gate.
    let mono = harness
        .iter()
        .find(|h| h.name == "credit_monotone_in_imbalance")
        .unwrap();
    assert!(
        mono.baseline_violated && !mono.candidate_violated,
        "{mono:?}"
    );
    assert!(report.changed());
    assert!(report.verdict().contains("credit_monotone_in_imbalance"));
    let other = side("candidate", "static");
    assert_eq!(compared(&v1, &other, &cfg).harness, None);
    // The harness drives the notebook's user: a spender side is not compared by it.
    let spender = side("candidate", "currents-v1:user=spender");
    assert_eq!(compared(&v1, &spender, &cfg).harness, None);
    // What V1's checks accept: the notebook's user (a preset of it too) without growth or
    // bias, at any values, under the rule's own restriction (none); and only the model's
    // own rule (`v1-strict` is another type).
    let harness = |a: &str, b: &str| {
        compared(&side("baseline", a), &side("candidate", b), &cfg)
            .harness
            .is_some()
    };
    assert!(harness(
        "currents-v1:user=high-volume",
        "currents-v1:integrity=0.7,sum-volume=9"
    ));
    assert!(harness("currents-v1:growth=0", "currents-v1:bias=0"));
    assert!(!harness("currents-v1:growth=0.1", "currents-v1"));
    assert!(!harness("currents-v1", "currents-v1:restriction=clamp"));
    assert!(!harness("v1-strict", "v1-strict"));
    // Different models: no harness diff.
    assert!(!harness("static", "static:model=network"));
}

#[test]
fn every_rule_against_currents_v1_reports_instead_of_failing() {
    // Exit 0 or 1, never 2: a rule whose runs fail (v1-no-fallback's negative limits, which
    // the run loop refuses) is a finding of the comparison.
    for rule in registry().rules() {
        let out = currents(&[
            "compare",
            "--baseline",
            "currents-v1",
            "--candidate",
            rule.name,
            "--runs",
            "4",
            "--steps",
            "200",
        ]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let code = out.status.code();
        assert!(
            code == Some(0) || code == Some(1),
            "{}: {code:?}\n{stdout}{}",
            rule.name,
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("verdict:"), "{}: {stdout}", rule.name);
        match rule.name {
            "currents-v1" => assert_eq!(code, Some(0), "{stdout}"),
            "v1-no-fallback" => assert_eq!(code, Some(1), "{stdout}"),
            _ => {}
        }
    }
}

#[test]
fn a_candidate_whose_runs_fail_breaks_credit_non_negative_and_fails_the_gate() {
    let out = check_exit(
        &[
            "--baseline",
            "currents-v1",
            "--candidate",
            "v1-no-fallback",
            "--runs",
            "20",
        ],
        1,
    );
    for line in [
        "invariant credit_non_negative: baseline holds; candidate violated",
        "invariant step_is_defined: baseline holds; candidate holds",
        "runs failed on a side and are left out of the metrics",
        "verdict: CHANGED: invariant status changed: credit_non_negative",
    ] {
        assert!(out.contains(line), "{line}\n{out}");
    }
    let cfg = config(20, 365, 0);
    let a = side("baseline", "currents-v1");
    let b = side("candidate", "v1-no-fallback");
    let report = compared(&a, &b, &cfg);
    let failed: Vec<u64> = report
        .runs
        .iter()
        .filter(|r| r.failed)
        .map(|r| r.run)
        .collect();
    assert!(!failed.is_empty() && failed.len() < 20, "{failed:?}");
    // A failed run defines no metric: the pairs are the runs both sides completed.
    for m in &report.metrics {
        assert!(m.n <= 20 - failed.len(), "{} {}", m.name, m.n);
    }
    // The failed run parts from the baseline at its failed step at the latest: the run
    // loop refused the negative limit there (`credit_non_negative`, the catalog's law of
    // that failure).
    let inv = &report.invariants[1];
    assert_eq!(inv.name, "credit_non_negative");
    let (run, step) = inv.candidate.first.unwrap();
    let r = &report.runs[(run - 1) as usize];
    assert!(r.failed && r.diverge_step.unwrap() <= step, "{r:?} {step}");
}

#[test]
fn a_user_parameter_in_a_side_moves_the_metrics() {
    // The same rule on two users: integrity 0.8 opens the integrity path (large payments
    // out), which the default user (integrity 1) never takes.
    let cfg = config(10, 365, 0);
    let report = compared(
        &side("baseline", "turnover"),
        &side("candidate", "turnover:integrity=0.8"),
        &cfg,
    );
    assert!(report.changed(), "{}", report.verdict());
    assert!(report.runs.iter().all(|r| r.diverge_step.is_some()));
    assert_eq!(report.baseline.user, None, "the default user is not named");
    assert_eq!(
        report.candidate.user.as_deref(),
        Some("balanced:integrity=0.8")
    );
    // And through the CLI: exit 1, the candidate's label names its user.
    let out = check_exit(
        &[
            "--baseline",
            "turnover",
            "--candidate",
            "turnover:integrity=0.8",
            "--runs",
            "10",
        ],
        1,
    );
    assert!(
        out.contains("(restriction clamp), user balanced:integrity=0.8\n"),
        "{out}"
    );
    // The same user written both ways (shorthand and preset values) changes nothing.
    check_exit(
        &[
            "--baseline",
            "turnover:user=spender",
            "--candidate",
            "turnover:bias=-0.05",
            "--runs",
            "5",
        ],
        0,
    );
}

#[test]
fn a_scenario_file_side_still_works_and_its_settings_are_the_comparisons() {
    // notebook_default.toml: numpy, seed 0, 3 runs of 365 steps; its rule against a tuned
    // one, the settings taken from the file.
    let path = "tests/scenarios/notebook_default.toml";
    let out = check_exit(
        &[
            "--baseline",
            path,
            "--candidate",
            "currents-v1:quad-coef=-2.9",
            "--format",
            "json",
        ],
        0,
    );
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (&json["runs"], &json["steps"], &json["seed"], &json["rng"]),
        (
            &serde_json::json!(3),
            &serde_json::json!(365),
            &serde_json::json!(0),
            &serde_json::json!("numpy")
        )
    );
    assert_eq!(json["baseline"]["source"], path);
    // The notebook's user and model at their defaults: not named.
    assert!(json["baseline"].get("user").is_none(), "{out}");
    // The printed command starts with the program as invoked and reproduces the report.
    let command = json["command"].as_str().unwrap();
    let program = env!("CARGO_BIN_EXE_currents");
    assert!(
        command.starts_with(&format!("{program} compare ")),
        "{command}"
    );
    let args: Vec<String> = command[program.len()..]
        .split_whitespace()
        .map(|a| a.trim_matches('\'').to_owned())
        .chain(["--format".to_owned(), "json".to_owned()])
        .collect();
    let again = currents(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(String::from_utf8_lossy(&again.stdout), out);
}

#[test]
fn a_side_may_set_the_settings_and_the_other_side_follows() {
    let (a, b, c) = sides("static:seed=7,runs=4,steps=90,rng=numpy", "turnover").unwrap();
    assert_eq!(
        (c.n_runs, c.n_steps, c.seed, c.rng),
        (4, 90, 7, RngKind::Numpy)
    );
    for s in [&a, &b] {
        let spec = s.spec().settings();
        assert_eq!(
            (spec.runs, spec.steps, spec.seed, spec.rng),
            (4, 90, 7, RngKind::Numpy)
        );
    }
    // Both sides may set the same value; a different one is refused.
    assert!(sides("static:seed=7", "turnover:seed=7").is_ok());
    let e = sides("static:runs=4", "turnover:runs=5").unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.value.as_str()),
        ("candidate.runs", "5")
    );
}

#[test]
fn the_unboxed_notebook_user_draws_as_the_registrys_boxed_one() {
    // `compare` runs the notebook's user unboxed; the spec's plan boxes it. Same numbers,
    // same divergence and draw counts, with either generator.
    use currents::compare::compare_plans;
    let a = side("baseline", "currents-v1:integrity=0.6");
    let b = side("candidate", "turnover:user=growing,bias=0.1");
    for rng in [RngKind::Chacha, RngKind::Numpy] {
        let cfg = CompareConfig {
            rng,
            ..config(5, 300, 2)
        };
        let fast = compared(&a, &b, &cfg);
        let boxed = compare_plans(
            &a.describe(),
            &typed(&a).plan(),
            &b.describe(),
            &typed(&b).plan(),
            &cfg,
        );
        assert_eq!(
            format!("{:?}", fast.metrics),
            format!("{:?}", boxed.metrics)
        );
        assert_eq!(fast.runs, boxed.runs);
        assert!(fast.runs.iter().any(|r| r.crn_lost_step.is_some()), "{rng}");
    }
}

/// A model variant as a user writes one outside the crate: here V1 under another type,
/// delegating every step, so its numbers must be V1's exactly.
mod variant {
    use currents::metrics::Metered;
    use currents::model::{
        Behaviour, Cx, Draw, Enforcement, Ledger, Model, StepError, StepLimits, Value,
    };
    use currents::v1::ExactHistory;
    use currents::v1::NotebookUser;
    use currents::v1::State;
    use currents::v1::V1;
    use rand_core::Rng;

    pub struct Variant(pub V1);

    impl Model for Variant {
        type State = State;
        type History = ExactHistory;
        type Payment = f64;
        fn name(&self) -> &'static str {
            "variant"
        }
        fn columns(&self) -> Vec<String> {
            self.0.columns()
        }
        fn genesis(&self) -> State {
            self.0.genesis()
        }
        fn history(&self, genesis: &State, n_steps: u64) -> ExactHistory {
            self.0.history(genesis, n_steps)
        }
        fn record(&self, history: &mut ExactHistory, next: &State) {
            self.0.record(history, next)
        }
        fn enforce(
            &self,
            e: &Enforcement,
            prev: &State,
            h: &ExactHistory,
            p: f64,
        ) -> Result<f64, StepError> {
            self.0.enforce(e, prev, h, p)
        }
        fn step(
            &self,
            prev: &State,
            h: &ExactHistory,
            limits: &StepLimits,
            p: f64,
        ) -> Result<State, StepError> {
            self.0.step(prev, h, limits, p)
        }
        fn ledger(&self, s: &State, member: usize) -> Ledger {
            self.0.ledger(s, member)
        }
        fn row(&self, s: &State, out: &mut Vec<Value>) {
            self.0.row(s, out)
        }
    }

    impl Metered for Variant {
        fn amount(&self, p: &f64) -> f64 {
            *p
        }
        fn send_volume(&self, s: &State, _: usize) -> Option<f64> {
            Some(s.send_volume as f64)
        }
    }

    pub struct User(pub NotebookUser);

    impl Behaviour<Variant> for User {
        type Memory = ();
        fn draw<R: Rng + ?Sized>(
            &self,
            cx: &Cx<'_, Variant>,
            rng: &mut R,
            _: &mut (),
        ) -> Draw<f64> {
            self.0.draw_at(rng, cx.t, cx.prev.capacity)
        }
    }
}

#[test]
fn a_model_variant_compares_and_sweeps_through_the_generic_entry_points() {
    use currents::compare::{SideLabel, compare_plans};
    use currents::model::CreditPolicy;
    use currents::model::Plan;
    use currents::registry::{Registry, generic_rules};
    use currents::sweep::sweep_plans;
    use currents::v1::NotebookUser;
    use currents::v1::Params;
    use currents::v1::V1;
    use variant::{User, Variant};

    let cfg = config(4, 200, 5);
    let variant_rules = generic_rules(Registry::<Variant>::new());
    for rule in variant_rules.rules() {
        let v1_rule = registry().find(rule.name).unwrap().clone();
        let base = Plan {
            model: V1::new(&Params::default()),
            policy: v1_rule.build_default(),
            behaviour: NotebookUser::default(),
        };
        let cand = Plan {
            model: Variant(V1::new(&Params::default())),
            policy: rule.build_default(),
            behaviour: User(NotebookUser::default()),
        };
        let label_a = SideLabel::of_policy("v1", rule.name, &base.policy);
        let label_b = SideLabel::of_policy("variant", rule.name, &cand.policy);
        assert_eq!(
            CreditPolicy::<Variant>::enforcement(&cand.policy).mode,
            label_b.restriction
        );
        let report = compare_plans(&label_a, &base, &label_b, &cand, &cfg);
        assert!(!report.changed(), "{}: {}", rule.name, report.verdict());
        assert!(
            report
                .runs
                .iter()
                .all(|r| r.diverge_step.is_none() && !r.failed),
            "{}",
            rule.name
        );
        // And the same comparison as V1 sides gives the same metrics.
        let v1_side = side("baseline", rule.name);
        let v1_report = compared(&v1_side, &v1_side, &cfg);
        // (Debug text: NaN marks an undefined metric on both.)
        assert_eq!(
            format!("{:?}", report.metrics),
            format!("{:?}", v1_report.metrics),
            "{}",
            rule.name
        );

        // A sweep of the variant's rule over the variant is the V1 sweep's, for any
        // thread count.
        let none = || {};
        let v = sweep_plans(&[cand], 9, 3, 150, 2, None, &none).unwrap();
        let w = sweep_plans(&[base], 9, 3, 150, 1, None, &none).unwrap();
        assert_eq!(format!("{v:?}"), format!("{w:?}"), "{}", rule.name);
        assert_eq!(v[0].n_failed, 0);
    }
}
