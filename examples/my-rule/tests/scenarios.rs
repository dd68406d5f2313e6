//! Every scenario in scenarios/ run and written as a trajectory CSV, compared with its
//! committed snapshot (tests/snapshots/). A change to the numbers fails here; review it
//! with `cargo insta review`, and never accept one in CI (`INSTA_UPDATE=no`).

use currents::spec::{Limits, Spec, parse_toml};
use currents::trajectory_csv::{CsvRows, write_model_header};

/// The scenario file's text run as its spec says: a header naming the spec, then every
/// state of every run.
fn render(text: &str) -> String {
    let table = parse_toml(text).unwrap();
    let (spec, _description) = Spec::from_table(&table, &["description"]).unwrap();
    let run = spec
        .resolve(&my_rule::registry(), &Limits::default())
        .unwrap();
    let plan = run.plan();
    let mut out = format!("# {}\n", run.shorthand()).into_bytes();
    write_model_header(&mut out, &plan.model).unwrap();
    for r in 1..=run.runs {
        let mut rows = CsvRows::new(&plan.model, &mut out, 0, r);
        plan.run(&run.streams(), r, run.steps, &mut rows).unwrap();
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn scenarios() {
    insta::glob!("../scenarios", "*.toml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        insta::assert_snapshot!(render(&text));
    });
}
