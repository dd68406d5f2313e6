//! Charts of a model of several members, one member at a time: a network's trajectories read
//! by their header (members 0 to 3, each its own columns exactly), a member past the last and
//! a header of no model refused, and a limit stored negated drawn as a magnitude.

mod chart_check;

use std::collections::BTreeMap;

use chart_check::{CADCAD, by_name, check, column_of, read, series_of, simulated};
use currents::model::{LedgerColumn, LedgerColumns};
use currents::plot::data::ReadError;
use currents::plot::report::run_metrics;
use currents::plot::{self, Dataset, PlotOptions, RowIndex, Var};
use currents::v1::csv;
use currents::workbench::TrajectoryColumns;

#[test]
fn a_network_trajectory_is_read_by_its_header_one_member_at_a_time() {
    let bytes = simulated("static:model=network,members=4", 3, 60);
    let mut sums: BTreeMap<(u64, u64), f64> = BTreeMap::new();
    for member in 0..4 {
        let ds = read(member, [("", bytes.clone())]).unwrap();
        assert_eq!(ds.model(), Some("network"));
        assert_eq!((ds.member(), ds.n_members()), (member, 4));
        let (balance, limit) = (format!("balance_{member}"), format!("limit_{member}"));
        assert_eq!(ds.name(Var::Balance), balance);
        assert_eq!(ds.name(Var::Limit), limit);
        // The network stores no capacity, payment or mean balance: the charts draw the
        // balance as its level.
        for v in [Var::BalanceMean, Var::Payment, Var::Capacity] {
            assert!(!ds.has(v) && ds.name(v).is_empty(), "{v:?}");
            assert!(ds.runs.iter().all(|r| v.values(r).is_empty()), "{v:?}");
        }
        assert_eq!(ds.level(), Var::Balance);
        assert_eq!((ds.runs.len(), ds.n_rows()), (3, 3 * 61));
        // Each series is its own column of the file, exactly.
        assert_eq!(series_of(&ds, Var::Balance), column_of(&bytes, &balance));
        assert_eq!(series_of(&ds, Var::Limit), column_of(&bytes, &limit));
        for (k, b) in series_of(&ds, Var::Balance) {
            *sums.entry(k).or_default() += b;
        }
        let charts = plot::render_all(&ds, &PlotOptions::default()).unwrap();
        for chart in &charts {
            check(chart);
        }
        let trajectory = by_name(&charts, "trajectory");
        assert!(
            trajectory
                .caption
                .starts_with(&format!("{balance} and {limit} of run 1")),
            "{}",
            trajectory.caption
        );
        assert_eq!(
            by_name(&charts, "balance_vs_credit").title,
            format!("{balance} against {limit}, coloured by timestep")
        );
        let metrics: Vec<_> = ds.runs.iter().map(run_metrics).collect();
        assert!(
            metrics
                .iter()
                .all(|m| m.n_steps == 60 && m.limit_final == 1.0)
        );
        // The network refuses every payment past the payer's limit.
        assert!(metrics.iter().all(|m| m.over_limit_steps == 0));
    }
    // The four members read one at a time are the whole network: the balances sum to 0.
    assert_eq!(sums.len(), 3 * 61);
    assert!(sums.values().all(|&s| s == 0.0), "{sums:?}");
}

#[test]
fn a_member_past_the_last_and_a_header_of_no_model_are_refused() {
    let bytes = simulated("static:model=network,members=4", 1, 5);
    match read(4, [("", bytes.clone())]) {
        Err(
            e @ ReadError::NoSuchMember {
                member: 4,
                model: "network",
                n_members: 4,
            },
        ) => assert_eq!(
            e.to_string(),
            "--member 4: a trajectory of model network with 4 members (accepted: 0..=3)"
        ),
        other => panic!("{:?}", other.map(|d| d.runs.len())),
    }
    // V1's trajectories hold one member.
    let v1 = std::fs::read(format!("{CADCAD}/notebook_default.csv")).unwrap();
    assert!(matches!(
        read(1, [("", v1.clone())]),
        Err(ReadError::NoSuchMember { n_members: 1, .. })
    ));
    // A network header missing one member's limit, or with a column of no model.
    let text = String::from_utf8(bytes).unwrap();
    for header in [
        text.lines().next().unwrap().replace("limit_2,", ""),
        text.lines().next().unwrap().replace("payer", "payor"),
        "a,b,simulation,subset,run,substep,timestep".to_owned(),
        csv::HEADER.replace(",timestep", ""),
    ] {
        let err = read(0, [("", format!("{header}\n").into_bytes())]).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, ReadError::Header { .. }), "{msg}");
        assert!(
            msg.contains(&format!("v1 \"{}\"", csv::HEADER))
                && msg.contains("network \"balance_0,limit_0,balance_1,limit_1,payer"),
            "{msg}"
        );
    }
    // Inputs of two models are not drawn on one chart.
    let err = read(0, [("a=1", text.into_bytes()), ("a=2", v1)]).unwrap_err();
    assert!(
        matches!(
            err,
            ReadError::OtherModel {
                model: "v1",
                first: "network"
            }
        ),
        "{err}"
    );
}

#[test]
fn a_negated_limit_column_is_drawn_as_a_magnitude() {
    // A model storing its limit signed (≤ 0), as a later notebook's `creditLimit`.
    let columns = TrajectoryColumns {
        model: "signed",
        columns: ["balance", "creditLimit"].map(String::from).to_vec(),
        members: vec![LedgerColumns::new(
            "balance",
            LedgerColumn::negated("creditLimit"),
        )],
    };
    let mut ds = Dataset::new();
    let input = ds.add_input("");
    ds.set_columns(input, columns).unwrap();
    for (t, cells) in [[0.0, -500.0], [-600.0, -500.0], [-400.0, -250.0]]
        .iter()
        .enumerate()
    {
        let at = RowIndex {
            simulation: 0,
            subset: 0,
            run: 1,
            timestep: t as u64,
        };
        ds.push(input, at, cells).unwrap();
    }
    ds.finish();
    assert_eq!(ds.name(Var::Limit), "−creditLimit");
    assert_eq!(ds.runs[0].limit, [500.0, 500.0, 250.0]);
    let m = run_metrics(&ds.runs[0]);
    // −600 < −500 and −400 < −250: both steps are past the limit.
    assert_eq!(
        (m.over_limit_steps, m.limit_min, m.limit_final),
        (2, 250.0, 250.0)
    );
    // A row of another width, and a value no chart can draw, are refused.
    let at = RowIndex {
        simulation: 0,
        subset: 0,
        run: 1,
        timestep: 3,
    };
    assert!(matches!(
        ds.push(input, at, &[1.0]),
        Err(ReadError::Row {
            found: 1,
            expected: 2,
            ..
        })
    ));
    let err = ds.push(input, at, &[f64::NAN, 0.0]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column `balance`: \"NaN\" is not a finite number in [-9007199254740992, 9007199254740992] (what a chart can draw)"
    );
}

/// The charts of the whole membership read every member of the file: the share at the limit
/// of each row and the final ledgers are the file's own columns (counted here from the CSV,
/// not by the library), the exact law is drawn only for one common limit, and a one-member
/// model gets none of these charts.
#[test]
fn the_membership_charts_read_every_member_of_the_file() {
    let n = 4;
    for (shorthand, common) in [
        ("static:model=network,members=4", true),
        ("turnover:model=network,members=4", false),
    ] {
        let bytes = simulated(shorthand, 3, 60);
        let columns: Vec<_> = (0..n)
            .map(|m| {
                (
                    column_of(&bytes, &format!("balance_{m}")),
                    column_of(&bytes, &format!("limit_{m}")),
                )
            })
            .collect();
        let ds = read(0, [("", bytes.clone())]).unwrap();
        for r in &ds.runs {
            let members = r.members();
            // One group of every member: at the limit is a capacity below one unit.
            assert_eq!(members.at_limit.len(), 1, "{shorthand}");
            assert_eq!(members.at_limit[0].len(), 61, "{shorthand}");
            for (i, &share) in members.at_limit[0].iter().enumerate() {
                let key = (r.run, i as u64);
                let at = (columns.iter())
                    .filter(|(b, l)| b[&key] + l[&key] < 1.0)
                    .count();
                assert_eq!(share, at as f64 / n as f64, "{shorthand} {key:?}");
            }
            let last = (r.run, 60);
            let finals: Vec<(f64, f64)> =
                columns.iter().map(|(b, l)| (b[&last], l[&last])).collect();
            let kept: Vec<(f64, f64)> = (members.balances.iter().copied())
                .zip(members.limits.iter().copied())
                .collect();
            assert_eq!(kept, finals, "{shorthand}");
        }
        let limits: Vec<f64> = ds
            .runs
            .iter()
            .flat_map(|r| r.members().limits.clone())
            .collect();
        assert_eq!(
            limits.iter().all(|&l| l == limits[0]),
            common,
            "{shorthand}: {limits:?}"
        );
        let charts = plot::render_all(&ds, &PlotOptions::default()).unwrap();
        let names: Vec<&str> = charts.iter().map(|c| c.name).collect();
        assert_eq!(
            names[5..],
            ["balance_distribution", "lorenz", "at_limit"],
            "{shorthand}"
        );
        for chart in &charts[5..] {
            check(chart);
        }
        let caption = &by_name(&charts, "balance_distribution").caption;
        assert_eq!(
            caption.contains("the exact stationary law for 4 members at limit 1"),
            common,
            "{caption}"
        );
        assert!(
            by_name(&charts, "lorenz")
                .caption
                .contains("Gini coefficient")
        );
    }
    // One member: none of these charts.
    let v1 = std::fs::read(format!("{CADCAD}/notebook_default.csv")).unwrap();
    let ds = read(0, [("", v1)]).unwrap();
    assert!(ds.runs.iter().all(|r| r.members().at_limit.is_empty()));
    let charts = plot::render_all(&ds, &PlotOptions::default()).unwrap();
    assert_eq!(charts.len(), 5);
}

/// Given the user's member groups, the share at the limit is kept per group, each against
/// its own typical payment (counted here from the file's columns): a `traders` run's
/// high-volume members (mean payment 5) and low-volume members (mean 1), and the chart
/// draws one line per type.
#[test]
fn the_share_at_the_limit_is_kept_per_member_type_against_its_typical_payment() {
    use currents::model::{MemberGroup, MemberGroups};
    use currents::workbench::Workbench;
    let n = 10;
    let shorthand = "static:model=network,members=10,limit=4,user=traders,high-share=0.3,high-amount=5,high-activity=4";
    let bytes = simulated(shorthand, 2, 200);
    // The types as traders declares them: members 0..3 high (mean 5), 3..10 low (mean 1).
    let groups = MemberGroups::new(
        vec![
            MemberGroup {
                name: "high",
                typical_payment: 5.0,
            },
            MemberGroup {
                name: "low",
                typical_payment: 1.0,
            },
        ],
        vec![0, 3, n],
    )
    .unwrap();
    let mut ds = Dataset::new();
    ds.set_member_groups(groups);
    let input = ds.add_input("");
    ds.read_csv(input, bytes.as_slice(), &Workbench::builtin())
        .unwrap();
    ds.finish();
    assert_eq!(ds.member_group_names(), ["high", "low"]);
    let columns: Vec<_> = (0..n)
        .map(|m| {
            (
                column_of(&bytes, &format!("balance_{m}")),
                column_of(&bytes, &format!("limit_{m}")),
            )
        })
        .collect();
    let mut high_at_limit = 0.0;
    for r in &ds.runs {
        let at = &r.members().at_limit;
        assert_eq!((at.len(), at[0].len()), (2, 201));
        for i in 0..=200u64 {
            let key = (r.run, i);
            let share = |members: std::ops::Range<usize>, typical: f64| {
                let size = members.len() as f64;
                let below = members
                    .filter(|&m| columns[m].0[&key] + columns[m].1[&key] < typical)
                    .count();
                below as f64 / size
            };
            assert_eq!(at[0][i as usize], share(0..3, 5.0), "{key:?}");
            assert_eq!(at[1][i as usize], share(3..n, 1.0), "{key:?}");
            high_at_limit += at[0][i as usize];
        }
    }
    // The high-volume members pay 4 times as often, 5 units on average: they reach the
    // limit in these runs (the test compares something that happens).
    assert!(high_at_limit > 0.0);
    let charts = plot::render_all(&ds, &PlotOptions::default()).unwrap();
    let chart = by_name(&charts, "at_limit");
    check(chart);
    assert_eq!(
        chart.title,
        "Share of members at their limit, per member type"
    );
    assert!(
        chart.svg.contains(">\nhigh\n<") && chart.svg.contains(">\nlow\n<"),
        "legend"
    );
}
