//! Every scenario in scenarios/ run and written as a trajectory CSV, compared with its
//! committed snapshot (tests/snapshots/). A change to the numbers fails here; review it
//! with `cargo insta review`, and never accept one in CI (`INSTA_UPDATE=no`).

use currents::model::Streams;
use currents::spec::{Limits, Spec, parse_toml};

/// The scenario file's text run as its spec says, on whichever model it names: a header
/// naming the spec, then every state of every run (the CSV `simulate` writes).
fn render(text: &str) -> String {
    let table = parse_toml(text).unwrap();
    let (spec, _description) = Spec::from_table(&table, &["description"]).unwrap();
    let spec = my_rule::workbench()
        .resolve(&spec, &Limits::default())
        .unwrap();
    let s = spec.settings();
    let runs = spec.runs(None).unwrap();
    let mut out = format!("# {}\n", spec.shorthand()).into_bytes();
    runs.write_header(&mut out).unwrap();
    for r in 1..=s.runs {
        runs.write_run(&Streams::new(s.rng, s.seed), r, s.steps, 0, &mut out)
            .unwrap();
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
