//! Scenario snapshots: every `tests/scenarios/*.toml` is rendered as a report
//! (`currents::scenario::render`) and compared with `snapshots/scenario@<file>.snap`.
//!
//! The snapshots are made by our own code, so they detect changes; they do not prove the
//! numbers right. What anchors them: the numpy scenarios that name a cadCAD `reference` are
//! compared with cadCAD's own trajectories here (every tabled value, bit for bit), and a
//! perturbed credit rule is shown to fail the comparison at the first step that moved.
//!
//! CI sets `INSTA_UPDATE=no`, so a mismatch fails and nothing is written; a snapshot file
//! without a scenario fails `every_snapshot_has_a_scenario`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use currents::draws;
use currents::model::Stepper;
use currents::registry::ModelType as _;
use currents::rules::Rule as _;
use currents::scenario::{
    ReportDifference, Scenario, first_difference, first_number_difference, render, tabled_states,
};
use currents::spec::Limits;
use currents::v1::ExactHistory;
use currents::v1::NotebookUser;
use currents::v1::V1;
use currents::v1::csv::read_rows;
use currents::v1::{State, V1Rule};
use currents::workbench::Workbench;

/// The name of the generator value-stability snapshot (`tests/value_stability.rs`).
const GENERATORS_SNAPSHOT: &str = "generators.snap";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every scenario file, sorted.
fn scenario_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(root().join("tests/scenarios"))
        .expect("tests/scenarios exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("a file")
        .to_string_lossy()
        .into_owned()
}

/// The scenario's path as the report's header names it (relative to the crate root).
fn source(path: &Path) -> String {
    format!("tests/scenarios/{}", file_name(path))
}

fn load(path: &Path) -> Scenario {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Scenario::from_toml_str(&text, &Workbench::builtin())
        .unwrap_or_else(|e| panic!("{}: {e}", source(path)))
}

fn named(name: &str) -> (PathBuf, Scenario) {
    let path = root().join("tests/scenarios").join(name);
    let s = load(&path);
    (path, s)
}

fn snapshot_path(scenario_path: &Path) -> PathBuf {
    root()
        .join("snapshots")
        .join(format!("scenario@{}.snap", file_name(scenario_path)))
}

/// The content of a stored insta snapshot (the text after its `---` metadata block).
fn stored_report(scenario_path: &Path) -> Option<String> {
    let text = fs::read_to_string(snapshot_path(scenario_path)).ok()?;
    let body = text.strip_prefix("---\n")?;
    let end = body.find("\n---\n")?;
    Some(body[end + "\n---\n".len()..].to_owned())
}

/// Renders a scenario and checks it against its snapshot. On a mismatch the first
/// difference (run, step, column) is printed before insta's diff.
fn check(path: &Path) {
    let report = render(&load(path), &source(path)).expect("validated scenarios run");
    if let Some(stored) = stored_report(path)
        && let Some(d) = first_difference(&stored, &report)
    {
        eprintln!("{}: first difference at {d}", source(path));
        if let Some(n) = first_number_difference(&stored, &report)
            && n != d
        {
            eprintln!("{}: first moved number at {n}", source(path));
        }
    }
    insta::assert_snapshot!("scenario", report);
}

#[test]
fn scenario() {
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::glob!("scenarios/*.toml", check);
    });
}

/// A snapshot whose scenario was deleted or renamed would otherwise stay forever, unchecked.
#[test]
fn every_snapshot_has_a_scenario() {
    let mut expected: Vec<String> = scenario_files()
        .iter()
        .map(|p| format!("scenario@{}.snap", file_name(p)))
        .collect();
    expected.push(GENERATORS_SNAPSHOT.to_owned());
    let mut orphans = Vec::new();
    for entry in fs::read_dir(root().join("snapshots")).expect("snapshots/ exists") {
        let name = entry.expect("readable directory entry").file_name();
        let name = name.to_string_lossy().into_owned();
        if name.ends_with(".snap") && !expected.contains(&name) {
            orphans.push(name);
        }
    }
    assert!(
        orphans.is_empty(),
        "snapshots without a scenario (delete them or restore their scenario): {orphans:?}"
    );
}

/// Parses a tabled value as the double it was written from.
fn float(s: &str) -> f64 {
    s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

fn int(s: &str) -> i64 {
    s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

/// The *stored* snapshots of the scenarios with a cadCAD `reference` hold cadCAD's numbers:
/// every tabled value equals the reference file's, floats bit for bit, and every step of
/// every run of the scenario is tabled. So these snapshots are anchored to an independent
/// source, not only to our own earlier output.
#[test]
fn reference_snapshots_hold_cadcads_numbers() {
    let mut n_checked = 0;
    for path in scenario_files() {
        let s = load(&path);
        let Some(reference) = s.reference() else {
            continue;
        };
        let stored =
            stored_report(&path).unwrap_or_else(|| panic!("{}: no stored snapshot", source(&path)));
        let file = fs::File::open(root().join(reference)).expect("reference file");
        let rows = read_rows(file).expect("reference parses");
        let tabled = tabled_states(&stored);
        let settings = s.spec().settings();
        let n_states = settings.runs * (settings.steps + 1);
        assert_eq!(tabled.len() as u64, n_states, "{}", source(&path));
        for t in &tabled {
            let r = rows
                .iter()
                .find(|r| r.run == t.run && r.timestep == t.step)
                .unwrap_or_else(|| panic!("{reference} has no run {} step {}", t.run, t.step));
            let c = &r.state;
            let v = &t.values;
            let at = format!("{}: run {} step {}", source(&path), t.run, t.step);
            // cadCAD writes the genesis floats as the integer 0: compare them by value.
            let same = |x: f64, y: f64| x.to_bits() == y.to_bits() || (x == 0.0 && y == 0.0);
            assert!(same(float(&v[0]), c.balance), "{at}: userBalance");
            assert!(same(float(&v[1]), c.balance_mean), "{at}: avgUserBalance");
            assert_eq!(int(&v[2]), c.credit, "{at}: userCredit");
            assert_eq!(int(&v[3]), c.capacity, "{at}: userCapacity");
            assert_eq!(int(&v[4]), c.send_volume, "{at}: sendVolume");
            assert!(
                same(float(&v[5]), c.send_volume_mean),
                "{at}: avgSendVolume"
            );
            assert_eq!(int(&v[6]), c.transaction, "{at}: transaction");
            assert_eq!(c.n_transactions, t.step, "{at}: totalNumTransactions");
            n_checked += 1;
        }
        check_summary(&source(&path), &stored, &rows, settings.runs);
    }
    // The three reference parameter sets and the two extra cadCAD cases.
    assert_eq!(n_checked, 3 * 3 * 366 + 3 * 201 + 2 * 121);
}

/// The summary rows of a stored report: (run or `all`, the six figures as written).
fn summary_rows(report: &str) -> Vec<Vec<String>> {
    let start = report.find("\n## summary\n").expect("a summary");
    report[start..]
        .lines()
        .map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .filter(|t| t.len() == 7 && (t[0] == "all" || t[0].parse::<u64>().is_ok()))
        .collect()
}

/// The summary figures of a stored report equal those computed here from cadCAD's rows
/// with the definitions the report states (sums in step order, then run order).
fn check_summary(at: &str, stored: &str, rows: &[currents::v1::csv::Row], n_runs: u64) {
    let mut expected = Vec::new();
    let (mut balance_sum, mut s_sum, mut s_count) = (0.0, 0.0, 0u64);
    let (mut over_all, mut zero_all) = (0u64, 0u64);
    let (mut min_all, mut max_all) = (i64::MAX, i64::MIN);
    for run in 1..=n_runs {
        let states: Vec<&State> = rows
            .iter()
            .filter(|r| r.run == run && r.timestep > 0)
            .map(|r| &r.state)
            .collect();
        let (mut run_s_sum, mut run_s_count) = (0.0, 0u64);
        for st in &states {
            if st.send_volume_mean > 0.0 {
                run_s_sum += st.balance_mean.abs() / st.send_volume_mean;
                run_s_count += 1;
            }
        }
        let over = states
            .iter()
            .filter(|st| st.balance < -(st.credit as f64))
            .count() as u64;
        let zero = states.iter().filter(|st| st.credit == 0).count() as u64;
        let min = states.iter().map(|st| st.credit).min().unwrap();
        let max = states.iter().map(|st| st.credit).max().unwrap();
        let last = states.last().unwrap().balance;
        expected.push(vec![
            run.to_string(),
            last.to_string(),
            (run_s_sum / run_s_count as f64).to_string(),
            over.to_string(),
            zero.to_string(),
            min.to_string(),
            max.to_string(),
        ]);
        balance_sum += last;
        s_sum += run_s_sum;
        s_count += run_s_count;
        over_all += over;
        zero_all += zero;
        min_all = min_all.min(min);
        max_all = max_all.max(max);
    }
    expected.push(vec![
        "all".to_owned(),
        (balance_sum / n_runs as f64).to_string(),
        (s_sum / s_count as f64).to_string(),
        over_all.to_string(),
        zero_all.to_string(),
        min_all.to_string(),
        max_all.to_string(),
    ]);
    assert_eq!(summary_rows(stored), expected, "{at}: summary");
}

/// The `reproduce:` line of every stored snapshot reproduces its numbers: running that
/// `currents simulate` command gives a CSV whose values, under the column names the table's
/// header row gives, equal every tabled row's (floats bit for bit: both are written in
/// shortest round-trip form), the step being the CSV's `timestep`.
#[test]
fn reproduce_commands_reproduce_the_tables() {
    let mut n_checked = 0;
    for path in scenario_files() {
        let stored =
            stored_report(&path).unwrap_or_else(|| panic!("{}: no stored snapshot", source(&path)));
        let command = stored
            .lines()
            .find_map(|l| l.strip_prefix("reproduce:"))
            .expect("a reproduce line")
            .trim();
        let Some(args) = command.strip_prefix("currents ") else {
            continue;
        };
        let out = Command::new(env!("CARGO_BIN_EXE_currents"))
            .args(args.split_whitespace())
            .output()
            .expect("run currents");
        assert!(
            out.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let csv = String::from_utf8(out.stdout).expect("UTF-8");
        let mut lines = csv.lines();
        let csv_columns: Vec<&str> = lines.next().expect("a header").split(',').collect();
        let index = |name: &str| {
            csv_columns
                .iter()
                .position(|c| *c == name)
                .unwrap_or_else(|| panic!("{command}: no CSV column {name}"))
        };
        let (run_at, step_at) = (index("run"), index("timestep"));
        let csv_rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        let table_columns = table_columns(&stored);
        let tabled = tabled_states(&stored);
        assert!(!tabled.is_empty(), "{}", source(&path));
        for t in tabled {
            let (run, step) = (t.run.to_string(), t.step.to_string());
            let r = csv_rows
                .iter()
                .find(|r| r[run_at] == run && r[step_at] == step)
                .unwrap_or_else(|| panic!("{command}: no run {run} step {step}"));
            let written: Vec<&str> = table_columns[1..].iter().map(|c| r[index(c)]).collect();
            assert_eq!(
                t.values,
                written,
                "{}: run {} step {}",
                source(&path),
                t.run,
                t.step
            );
        }
        n_checked += 1;
    }
    // Every stored report prints a command: the V1 scenarios are all what simulate runs
    // with its flags, the others name their model, rule and parameters.
    assert_eq!(
        n_checked,
        scenario_files().len(),
        "a report without a command"
    );
}

/// The column names of a report's trajectory tables (the header row after `## run 1`).
fn table_columns(report: &str) -> Vec<String> {
    report
        .lines()
        .skip_while(|l| !l.starts_with("## run 1:"))
        .nth(1)
        .expect("a table header")
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// The network scenario's report holds what the network promises, read from the stored
/// snapshot's text alone: every step of every run is tabled, the members' balances sum to
/// zero in every row, no balance is ever below its limit (a transfer is refused at the
/// payer's limit, and the static rule keeps every limit at the genesis 1), and the summary
/// says so (final balance 0, no step over the limit).
#[test]
fn the_network_scenario_conserves_every_tabled_balance() {
    let (path, s) = named("network-three-members.toml");
    let stored = stored_report(&path).expect("the stored snapshot");
    assert_eq!(
        first_difference(&stored, &render(&s, &source(&path)).unwrap()),
        None
    );
    let columns = table_columns(&stored);
    let balances: Vec<usize> = (0..3)
        .map(|m| {
            columns
                .iter()
                .position(|c| *c == format!("balance_{m}"))
                .unwrap()
                - 1
        })
        .collect();
    let limits: Vec<usize> = (0..3)
        .map(|m| {
            columns
                .iter()
                .position(|c| *c == format!("limit_{m}"))
                .unwrap()
                - 1
        })
        .collect();
    let refused = columns.iter().position(|c| c == "refused").unwrap() - 1;
    let tabled = tabled_states(&stored);
    assert_eq!(tabled.len(), 2 * 21, "every step of both runs");
    let (mut n_refused, mut n_moved) = (0, 0);
    for t in &tabled {
        let at = format!("run {} step {}", t.run, t.step);
        let balance: Vec<i64> = balances.iter().map(|&i| int(&t.values[i])).collect();
        let limit: Vec<i64> = limits.iter().map(|&i| int(&t.values[i])).collect();
        assert_eq!(balance.iter().sum::<i64>(), 0, "{at}: {balance:?}");
        assert_eq!(limit, [1, 1, 1], "{at}");
        assert!(balance.iter().all(|&b| b >= -1), "{at}: {balance:?}");
        if t.step > 0 {
            match t.values[refused].as_str() {
                "1" => n_refused += 1,
                "0" => n_moved += 1,
                other => panic!("{at}: refused = {other}"),
            }
        }
    }
    // Some transfers move a unit and, with limit 1 among three members, some are refused.
    assert!(
        n_moved > 0 && n_refused > 0,
        "{n_moved} moved, {n_refused} refused"
    );
    for row in summary_rows(&stored) {
        assert_eq!((row[1].as_str(), row[3].as_str()), ("0", "0"), "{row:?}");
        assert_eq!((row[5].as_str(), row[6].as_str()), ("1", "1"), "{row:?}");
    }
}

/// The notebook's model and user of a scenario, built from its parameter values by hand
/// (not through the spec's plan).
fn notebook_parts(s: &Scenario) -> (V1<ExactHistory>, NotebookUser) {
    let (model, user) = (s.spec().model(), s.spec().user());
    let value = |x: Option<f64>| x.expect("a notebook scenario");
    let model = V1::with_window(
        value(model.get("sum-volume")) as u64,
        value(model.get("initial-credit")) as i64,
    );
    let user = NotebookUser {
        integrity: value(user.get("integrity")),
        avg_amount: value(user.get("avg-amount")),
        growth: 0.0,
        bias: 0.0,
    };
    (model, user)
}

/// The first (run, step, column) where two runs of the same scenario under two rules
/// differ, found by running them side by side (independently of the report code).
fn first_state_difference(s: &Scenario, a: V1Rule, b: V1Rule) -> Option<(u64, u64, String)> {
    let spec = s.spec().settings();
    assert!(
        spec.rng == currents::draws::RngKind::Numpy,
        "numpy scenarios only"
    );
    let columns = |x: &State| -> [u64; 7] {
        [
            x.balance.to_bits(),
            x.balance_mean.to_bits(),
            x.credit as u64,
            x.capacity as u64,
            x.send_volume as u64,
            x.send_volume_mean.to_bits(),
            x.transaction as u64,
        ]
    };
    let (model, user) = notebook_parts(s);
    // The report's columns after the step, as V1 declares them (the seven above).
    let names = model.report_layout().columns;
    for run in 1..=spec.runs {
        let seed = u32::try_from(spec.seed + run - 1).unwrap();
        let (mut ra, mut rb) = (draws::numpy_rng(seed), draws::numpy_rng(seed));
        let mut ta = Stepper::new(&model, &a, &user, spec.steps);
        let mut tb = Stepper::new(&model, &b, &user, spec.steps);
        for t in 1..=spec.steps {
            ta.step(&mut ra, &mut ()).unwrap();
            tb.step(&mut rb, &mut ()).unwrap();
            let (ca, cb) = (columns(ta.state()), columns(tb.state()));
            if let Some(j) = (0..ca.len()).find(|&j| ca[j] != cb[j]) {
                return Some((run, t, names[j].0.clone()));
            }
        }
    }
    None
}

/// Perturbing one coefficient of the credit rule (−3 → −2.9, through the public `V1Rule`)
/// makes the scenario comparison fail, and the failure names the first step and column
/// that moved, which are found independently by running both rules side by side.
#[test]
fn perturbed_credit_rule_fails_at_the_first_moved_step_and_column() {
    let (path, s) = named("notebook_default.toml");
    let stored = stored_report(&path).expect("the stored snapshot");
    let rule = V1Rule::from_values(&s.spec().rule().values);
    assert_eq!(rule, V1Rule::default());
    // The unperturbed rule reproduces the stored snapshot...
    assert_eq!(
        first_difference(&stored, &render(&s, &source(&path)).unwrap()),
        None
    );

    // ...the perturbed one does not.
    let perturbed_rule = V1Rule {
        quad_coef: -2.9,
        ..rule
    };
    let mut spec = s.spec().to_spec();
    let quad_coef = spec.params.iter_mut().find(|p| p.key == "quad-coef");
    quad_coef.unwrap().set_value(perturbed_rule.quad_coef);
    let spec = Workbench::builtin()
        .resolve(&spec, &Limits::default())
        .unwrap();
    let perturbed = s.clone().with_spec(spec).unwrap();
    let report = render(&perturbed, &source(&path)).unwrap();
    // The header's rule line is the first line that differs...
    let d = first_difference(&stored, &report).expect("the comparison fails");
    assert_eq!(d.column, "rule", "{d}");
    assert!(d.got.contains("quad-coef = -2.9"), "{d}");
    // ...and in the trajectory tables, the first number that moved is named.
    let d: ReportDifference =
        first_number_difference(&stored, &report).expect("the numbers differ");
    eprintln!("perturbed quad-coef: first moved number at {d}");
    let (run, step, column) =
        first_state_difference(&s, rule, perturbed_rule).expect("the rules differ somewhere");
    assert_eq!(
        (d.run, d.step, d.column.as_str()),
        (Some(run), Some(step), column.as_str()),
        "{d}"
    );
    assert_eq!(column, "userCredit", "a credit rule moves the credit first");
    // Before that step the two trajectories are equal, so the credit moved at the first
    // step the quadratic branch runs or later.
    let (model, _) = notebook_parts(&s);
    assert!(step > model.sum_volume(), "{d}");
}

/// The summary's names for member m's ledger come from the model's one declaration,
/// `Model::ledger_columns`: V1's columns with its two means, the network's member 0 and 1
/// columns read as `_m`.
#[test]
fn the_summary_names_member_m_from_the_models_ledger_columns() {
    let bench = Workbench::builtin();
    let ledger = |text: &str| {
        let spec = currents::spec::Spec::from_shorthand("", text).unwrap();
        bench
            .resolve(&spec, &Limits::default())
            .unwrap()
            .ledger_columns()
    };
    let v1 = ledger("currents-v1");
    assert_eq!(
        v1.names(),
        [
            "userBalance",
            "userCredit",
            "userCapacity",
            "transaction",
            "avgUserBalance",
            "avgSendVolume"
        ]
    );
    for members in [2, 5] {
        let network = ledger(&format!("static:model=network,members={members}"));
        assert_eq!(network.names(), ["balance_m", "limit_m"]);
    }
}
