//! The rule/user-type engine anchored to cadCAD: `currents-v1` with the `balanced` user
//! type (a preset, not the simulate defaults), run through the one run loop with numpy's generator, reproduces the notebook's
//! trajectories bit for bit (floats compared as IEEE-754 bits; the reference files hold 17
//! significant digits, which round-trip every double).

use std::path::Path;

use currents::draws::numpy_rng;
use currents::model::EachState;
use currents::rules::Rule;
use currents::v1::V1;
use currents::v1::V1Rule;
use currents::v1::csv::read_rows;
use currents::v1::{NotebookUser, find_preset};
use currents::v1::{Params, State};

/// Runs `runs` runs of 365 steps with the balanced preset at `integrity`, `avg_amount` and
/// window `sum_volume`, and compares every state with the cadCAD file `name`.
#[track_caller]
fn check(name: &str, integrity: f64, avg_amount: f64, sum_volume: u64) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/cadcad")
        .join(name);
    let expected = read_rows(std::fs::File::open(path).unwrap()).unwrap();
    let mut user: NotebookUser = find_preset("balanced").unwrap().behaviour;
    user.integrity = integrity;
    user.avg_amount = avg_amount;
    let params = Params::new(integrity, avg_amount, sum_volume, 250).unwrap();
    let rule = V1Rule::from_values(&currents::params::defaults(V1Rule::PARAMS));
    let model = V1::<currents::v1::ExactHistory>::new(&params);
    let mut got: Vec<(u64, u64, State)> = Vec::new();
    for run in 1..=10u64 {
        let mut rng = numpy_rng((run - 1) as u32);
        let mut each = EachState(|t, s: &State| {
            got.push((run, t, *s));
            Ok::<(), ()>(())
        });
        currents::model::run(&model, &rule, &user, &mut rng, 365, &mut each).unwrap();
    }
    assert_eq!(got.len(), expected.len(), "row count");
    for ((run, t, g), e) in got.iter().zip(&expected) {
        assert_eq!((*run, *t), (e.run, e.timestep), "row order");
        let es = &e.state;
        let same = g.balance.to_bits() == es.balance.to_bits()
            && g.balance_mean.to_bits() == es.balance_mean.to_bits()
            && g.send_volume_mean.to_bits() == es.send_volume_mean.to_bits()
            && (
                g.n_transactions,
                g.credit,
                g.capacity,
                g.send_volume,
                g.transaction,
            ) == (
                es.n_transactions,
                es.credit,
                es.capacity,
                es.send_volume,
                es.transaction,
            );
        assert!(
            same,
            "{name}: run {run}, timestep {t}: expected {es:?}, got {g:?}"
        );
    }
}

#[test]
fn currents_v1_balanced_reproduces_notebook_default() {
    check("notebook_default.csv", 1.0, 100.0, 30);
}

#[test]
fn currents_v1_balanced_at_integrity_0_8_reproduces_cadcad() {
    check("integrity_0.8.csv", 0.8, 100.0, 30);
}

#[test]
fn currents_v1_at_integrity_0_5_avg_250_sum_10_reproduces_cadcad() {
    check("integrity_0.5_avg_250_sum_10.csv", 0.5, 250.0, 10);
}
