//! One spec, one validation: a parameter value is accepted or refused identically — same
//! exit code, same accepted range in the message — whichever way it comes in: a
//! `simulate` flag, a `simulate --config` file, a scenario file (as a compare side and run
//! by `currents scenario`), a compare shorthand and a sweep grid. The expected ranges are the declarations
//! (`currents policies`), not the output of any one channel.

use std::path::Path;
use std::process::Command;

/// How a value reaches the tool; each returns (exit code, stderr).
#[derive(Debug, Clone, Copy)]
enum Channel {
    Flag,
    Config,
    Scenario,
    ScenarioCommand,
    CompareShorthand,
    SweepGrid,
}

const CHANNELS: [Channel; 6] = [
    Channel::Flag,
    Channel::Config,
    Channel::Scenario,
    Channel::ScenarioCommand,
    Channel::CompareShorthand,
    Channel::SweepGrid,
];

/// A scenario file whose `[params]` sets `key = value`.
fn scenario_text(key: &str, value: &str) -> String {
    format!(
        "description = \"d\"\nrule = \"currents-v1\"\nrng = \"chacha\"\nseed = 0\nruns = 2\nsteps = 5\n[params]\n{key} = {value}\n"
    )
}

fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_currents"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `value` is written as TOML writes it and as a command line writes it (the same text
/// for the numbers used here).
fn through(channel: Channel, key: &str, value: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let write = |name: &str, text: &str| std::fs::write(d.join(name), text).unwrap();
    match channel {
        Channel::Flag => run(
            d,
            &[
                "simulate",
                "--runs",
                "1",
                "--steps",
                "5",
                "--param",
                &format!("{key}={value}"),
                "--out",
                "o.csv",
            ],
        ),
        Channel::Config => {
            write(
                "c.toml",
                &format!("runs = 1\nsteps = 5\n[params]\n{key} = {value}\n"),
            );
            run(d, &["simulate", "--config", "c.toml", "--out", "o.csv"])
        }
        Channel::Scenario => {
            write("s.toml", &scenario_text(key, value));
            run(
                d,
                &[
                    "compare",
                    "--baseline",
                    "s.toml",
                    "--candidate",
                    "currents-v1",
                    "--out",
                    "o.txt",
                ],
            )
        }
        Channel::ScenarioCommand => {
            write("s.toml", &scenario_text(key, value));
            run(d, &["scenario", "s.toml", "--out", "o.txt"])
        }
        Channel::CompareShorthand => run(
            d,
            &[
                "compare",
                "--baseline",
                &format!("currents-v1:{key}={value}"),
                "--candidate",
                "currents-v1",
                "--runs",
                "2",
                "--steps",
                "5",
                "--out",
                "o.txt",
            ],
        ),
        Channel::SweepGrid => {
            write(
                "w.toml",
                &format!(
                    "runs = 1\nsteps = 5\n[[grid]]\nrules = [\"currents-v1\"]\n[grid.params]\n{key} = [{value}]\n"
                ),
            );
            run(d, &["sweep", "--config", "w.toml", "--out", "o.csv"])
        }
    }
}

/// The text after `(accepted: ` in an error line.
fn accepted(stderr: &str) -> &str {
    stderr
        .split_once("(accepted: ")
        .map_or("", |(_, a)| a.trim_end().trim_end_matches(')'))
}

/// (parameter, value, the accepted range its owner declares, or None when the value is in it).
const CASES: &[(&str, &str, Option<&str>)] = &[
    // The user's (NotebookUser) parameters.
    ("integrity", "100", None),
    ("integrity", "-0.5", None),
    ("integrity", "100.5", Some("a finite number in [-100, 100]")),
    ("avg-amount", "0.001", None),
    (
        "avg-amount",
        "0.0005",
        Some("a finite number in [0.001, 1000000]"),
    ),
    ("bias", "0.6", Some("a finite number in [-0.5, 0.5]")),
    // The model's (V1).
    ("sum-volume", "7", None),
    ("sum-volume", "0", Some("a whole number in [1, 1000000]")),
    ("sum-volume", "1.5", Some("a whole number in [1, 1000000]")),
    // The rule's (currents-v1): the example, accepted by one channel and
    // refused by another before the spec.
    ("quad-coef", "-2.9", None),
    ("quad-coef", "5", Some("a finite number in [-1000, 0]")),
];

#[test]
fn a_value_is_accepted_or_refused_identically_through_every_channel() {
    for &(key, value, refused) in CASES {
        for channel in CHANNELS {
            let (code, stderr) = through(channel, key, value);
            match refused {
                None => assert!(
                    code == 0 || code == 1,
                    "{key}={value} via {channel:?} was refused (exit {code}): {stderr}"
                ),
                Some(range) => {
                    assert_eq!(code, 2, "{key}={value} via {channel:?}: {stderr}");
                    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
                    assert!(stderr.contains(key), "names the key: {stderr}");
                    assert!(stderr.contains(value), "names the value: {stderr}");
                    assert_eq!(accepted(&stderr), range, "via {channel:?}: {stderr}");
                }
            }
        }
    }
}

#[test]
fn a_parameter_given_twice_is_refused_through_every_channel_that_can_repeat_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let write = |name: &str, text: &str| std::fs::write(d.join(name), text).unwrap();
    write("c.toml", "[params]\navg-amount = 5\navg_amount = 6\n");
    write(
        "w.toml",
        "[[grid]]\nrules = [\"currents-v1\"]\n[grid.params]\nsum-volume = [3]\nsum_volume = [4]\n",
    );
    write(
        "s.toml",
        &scenario_text("avg-amount", "5").replace("[params]\n", "[params]\navg_amount = 6\n"),
    );
    let cases: [&[&str]; 5] = [
        &["simulate", "--param", "integrity=1", "--integrity", "2"],
        &["simulate", "--config", "c.toml"],
        &["scenario", "s.toml"],
        &[
            "compare",
            "--baseline",
            "currents-v1:integrity=1,integrity=2",
            "--candidate",
            "currents-v1",
        ],
        &["sweep", "--config", "w.toml"],
    ];
    for args in cases {
        let (code, stderr) = run(d, args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains("once"), "{args:?}: {stderr}");
    }
}
