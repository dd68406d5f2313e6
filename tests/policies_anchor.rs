//! The rule/user-type engine anchored to cadCAD: `currents-v1` with the `balanced` user
//! type, run through `engine::run_policy` with numpy's generator, reproduces the notebook's
//! trajectories bit for bit (floats compared as IEEE-754 bits; the reference files hold 17
//! significant digits, which round-trip every double).

use std::path::Path;

use currents::draws::numpy_rng;
use currents::engine::run_policy;
use currents::rules::{CurrentsV1, Restriction, Rule};
use currents::trajectory_csv::read_rows;
use currents::users::{Behaviour, find_preset};
use currents::{Params, State};

/// Runs `runs` runs of 365 steps with the balanced preset at `integrity`, `avg_amount` and
/// window `sum_volume`, and compares every state with the cadCAD file `name`.
#[track_caller]
fn check(name: &str, integrity: f64, avg_amount: f64, sum_volume: u64) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/cadcad")
        .join(name);
    let expected = read_rows(std::fs::File::open(path).unwrap()).unwrap();
    let mut user: Behaviour = find_preset("balanced").unwrap().behaviour;
    user.integrity = integrity;
    user.avg_amount = avg_amount;
    let params = Params::new(integrity, avg_amount, sum_volume, 250).unwrap();
    let rule = CurrentsV1::from_values(&currents::rules::defaults(CurrentsV1::PARAMS));
    let mut got: Vec<(u64, u64, State)> = Vec::new();
    for run in 1..=10u64 {
        let mut rng = numpy_rng((run - 1) as u32);
        run_policy(
            &rule,
            &user,
            Restriction::None,
            &params,
            365,
            &mut rng,
            |t, s, _| {
                got.push((run, t, *s));
                Ok::<(), ()>(())
            },
        )
        .unwrap();
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

/// On ChaCha streams too, the new loop with `currents-v1` and the balanced user equals the
/// V1 core's `simulate_run` state for state.
#[test]
fn run_policy_equals_simulate_run_on_chacha() {
    use currents::{RngKind, SimConfig, simulate_run};
    let config = SimConfig::new(Params::default(), 365, 3, 9, RngKind::Chacha).unwrap();
    let rule = CurrentsV1::default();
    let user = Behaviour::default();
    for run in 1..=3 {
        let mut core = Vec::new();
        simulate_run(&config, run, |_, s| {
            core.push(*s);
            Ok::<(), ()>(())
        })
        .unwrap();
        let mut ours = Vec::new();
        let mut rng = currents::draws::chacha_rng(9, 0, run);
        run_policy(
            &rule,
            &user,
            Restriction::None,
            config.params(),
            365,
            &mut rng,
            |_, s, _| {
                ours.push(*s);
                Ok::<(), ()>(())
            },
        )
        .unwrap();
        assert_eq!(core.len(), ours.len());
        for (t, (a, b)) in core.iter().zip(&ours).enumerate() {
            assert!(
                a.balance.to_bits() == b.balance.to_bits()
                    && a.balance_mean.to_bits() == b.balance_mean.to_bits()
                    && (a.credit, a.capacity, a.transaction, a.send_volume)
                        == (b.credit, b.capacity, b.transaction, b.send_volume),
                "run {run}, timestep {t}: {a:?} vs {b:?}"
            );
        }
    }
}
