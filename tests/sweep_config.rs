//! Sweep configs resolved against a workbench: what a bad config is refused with (through
//! the binary: exit 2, one line naming the field, the value and what is accepted) and what
//! a caller's own registry adds (through the library).

use std::path::PathBuf;
use std::process::{Command, Output};

use currents::registry::Registry;
use currents::sweep::Sweep;
use currents::v1::{NotebookUser, V1};
use currents::workbench::Workbench;

fn builtin() -> Registry<V1> {
    Registry::builtin()
}

fn currents(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_currents"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("run currents")
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// A bad config: exit 2, one stderr line naming `field` and `value` with "accepted", and
/// no output file. Returns the line.
#[track_caller]
fn rejects(config: &str, field: &str, value: &str) -> String {
    let dir = tmp();
    let cfg: PathBuf = dir.path().join("bad.toml");
    std::fs::write(&cfg, config).unwrap();
    let out_path = dir.path().join("out.csv");
    let out = currents(&[
        "sweep",
        "--config",
        cfg.to_str().unwrap(),
        "--out",
        out_path.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{config}: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("`{field}`")) && err.contains(value) && err.contains("accepted"),
        "{err}"
    );
    assert!(!out_path.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "a stray file was left"
    );
    err.into_owned()
}

#[test]
fn bad_sweep_configs_are_rejected_with_field_value_and_accepted() {
    // (Values are shown escaped, so a quoted name reads `\"v2\"`.)
    let g = "[[grid]]\nrules = [\"currents-v1\"]\n";
    rejects("[[grid]]\nrules = [\"v2\"]\n", "grid[0].rules", "v2");
    rejects(
        &format!("{g}users = [\"miser\"]\n"),
        "grid[0].users",
        "miser",
    );
    rejects(
        &format!("{g}[grid.params]\nslope = 1\n"),
        "grid[0].params.slope",
        "rule currents-v1: quad-coef",
    );
    rejects(
        &format!("{g}[grid.params]\nwarmup = 2.5\n"),
        "grid[0].params.warmup",
        "2.5",
    );
    rejects(
        &format!("{g}[grid.params]\nbias = 0.9\n"),
        "grid[0].params.bias",
        "0.9",
    );
    rejects(
        &format!("{g}[grid.params]\nsum-volume = 0\n"),
        "grid[0].params.sum-volume",
        "0",
    );
    rejects(
        &format!("{g}restriction = \"maybe\"\n"),
        "grid[0].restriction",
        "maybe",
    );
    rejects(
        &format!(
            "{g}mode = \"zip\"\nusers = [\"balanced\", \"spender\"]\n[grid.params]\nquad-coef = [-1, -2, -3]\n"
        ),
        "grid[0].users",
        "a list of 2",
    );
    rejects(&format!("runs = 0\n{g}"), "runs", "0");
    rejects(&format!("runs = 100001\n{g}"), "runs", "[1, 100000]");
    rejects(&format!("colour = 1\n{g}"), "colour", "unknown key");
    rejects("runs = 3\n", "grid", "missing");
    // A top-level parameter that no cell declares.
    rejects(
        &format!("[params]\nwindow = 3\n{g}"),
        "params.window",
        "window",
    );
    // The spellings before the one spec are gone, with a pointer to the new one.
    for old in [
        "[grid.rule-params]\nquad-coef = -1\n",
        "[grid.user-params]\nbias = 0.1\n",
        "sum-volume = 30\n",
        "initial-credit = 250\n",
    ] {
        let key = old
            .trim_start_matches('[')
            .split([']', ' '])
            .next()
            .unwrap();
        let field = format!("grid[0].{}", key.trim_start_matches("grid."));
        rejects(&format!("{g}{old}"), &field, "[grid.params]");
    }
    // A numpy seed must leave room for every run.
    rejects(
        &format!("rng = \"numpy\"\nruns = 2\nseed = 4294967295\n{g}"),
        "seed",
        "[0, 4294967294]",
    );
}

#[test]
fn an_out_of_range_grid_parameter_is_refused_with_its_declared_range() {
    let quad = builtin()
        .find("currents-v1")
        .unwrap()
        .params
        .iter()
        .find(|p| p.name == "quad-coef")
        .copied()
        .unwrap();
    let range = format!("[{}, {}]", quad.min, quad.max);
    assert_eq!(range, "[-1000, 0]");
    for bad in [quad.max + 5.0, quad.min - 1.0] {
        rejects(
            &format!("[[grid]]\nrule = \"currents-v1\"\n[grid.params]\nquad-coef = [-3, {bad}]\n"),
            "grid[0].params.quad-coef",
            &range,
        );
    }
    // The same bound as a top-level value, and through the library.
    rejects(
        "[params]\nquad-coef = 5\n[[grid]]\nrule = \"currents-v1\"\n",
        "params.quad-coef",
        &range,
    );
    let e = Sweep::from_toml_str(
        "[[grid]]\nrule = \"currents-v1\"\n[grid.params]\nquad-coef = 5\n",
        &Workbench::builtin(),
    )
    .unwrap_err();
    assert!(e.to_string().contains(&range), "{e}");
}

#[test]
fn a_key_twice_in_a_grid_is_refused_in_either_spelling() {
    // (TOML tables are read in key order: `rule` before `rules`, `-` before `_`.)
    for (grid, field, value) in [
        (
            "rule = \"static\"\nrules = [\"turnover\"]\n",
            "grid[0].rules",
            "turnover",
        ),
        (
            "users = [\"hoarder\"]\nuser = \"spender\"\n",
            "grid[0].users",
            "hoarder",
        ),
        (
            "[grid.params]\navg-amount = 5\navg_amount = 6\n",
            "grid[0].params.avg_amount",
            "6",
        ),
    ] {
        let err = rejects(&format!("[[grid]]\n{grid}"), field, value);
        assert!(err.contains("each key once"), "{err}");
    }
}

#[test]
fn a_preset_registered_by_the_caller_can_be_named_in_a_grid() {
    let bench = Workbench::builtin().with_registry::<V1>(|r| {
        r.preset::<NotebookUser>(
            "cautious",
            "pays a little less often than paid",
            &[1.0, 50.0, 0.0, 0.1],
        )
    });
    let text = "runs = 2\n[[grid]]\nusers = [\"balanced\", \"cautious\"]\n[grid.params]\navg-amount = [50, 80]\n";
    let sweep = Sweep::from_toml_str(text, &bench).unwrap();
    let users: Vec<(&str, Vec<f64>)> = sweep
        .cells()
        .iter()
        .map(|c| (c.spec().user().name, c.spec().user().values))
        .collect();
    assert_eq!(
        users,
        vec![
            ("balanced", vec![1.0, 50.0, 0.0, 0.0]),
            ("balanced", vec![1.0, 80.0, 0.0, 0.0]),
            ("cautious", vec![1.0, 50.0, 0.0, 0.1]),
            ("cautious", vec![1.0, 80.0, 0.0, 0.1]),
        ]
    );
    // The built-in registry does not know it.
    let e = Sweep::from_toml_str(text, &Workbench::builtin()).unwrap_err();
    assert!(e.to_string().contains("grid[0].users"), "{e}");
}

/// A grid of the network resolves in the network's registry: V1's rule and a parameter
/// only V1 declares are refused, the errors naming the field and what the network declares;
/// an unknown model is refused where it is written.
#[test]
fn a_network_grid_is_resolved_against_the_networks_registry() {
    // A network grid cannot name V1's rule, nor a parameter only V1 declares: the errors
    // name the field and what the network declares.
    let err = rejects(
        "[[grid]]\nmodel = \"network\"\nrules = [\"currents-v1\"]\n",
        "grid[0].rules",
        "currents-v1",
    );
    assert!(err.contains("static, fixed-band"), "{err}");
    let err = rejects(
        "[[grid]]\nmodel = \"network\"\n[grid.params]\nquad-coef = -3\n",
        "grid[0].params.quad-coef",
        "quad-coef",
    );
    assert!(err.contains("model network: members, limit"), "{err}");
    rejects("[[grid]]\nmodel = \"nope\"\n", "grid[0].model", "nope");
    rejects("model = \"nope\"\n[[grid]]\n", "model", "nope");
}
