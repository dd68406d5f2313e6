//! Value stability of the generator families: the first draws of `numpy_rng` and
//! `chacha_rng` for fixed seeds, pinned in `snapshots/generators.snap`.
//!
//! Every result is a function of these streams, so a change to one (a dependency update,
//! a new seeding scheme, another draw formula) changes every trajectory; this snapshot makes
//! such a change show up on its own, named, instead of as thousands of moved numbers.

use std::fmt::Write as _;

use currents::Params;
use currents::draws::{chacha_rng, numpy_rng, randint01, uniform01};
use currents::model::draw_amount;
use rand_core::Rng;

/// Four draws of each kind from fresh copies of the generator `make()` returns.
fn draws<R: Rng>(out: &mut String, make: impl Fn() -> R) {
    let mut rng = make();
    let raw: Vec<String> = (0..6).map(|_| rng.next_u32().to_string()).collect();
    let _ = writeln!(out, "  next_u32:     {}", raw.join(" "));
    let mut rng = make();
    let u: Vec<String> = (0..4).map(|_| uniform01(&mut rng).to_string()).collect();
    let _ = writeln!(out, "  uniform01:    {}", u.join(" "));
    let mut rng = make();
    let b: Vec<String> = (0..16).map(|_| randint01(&mut rng).to_string()).collect();
    let _ = writeln!(out, "  randint01:    {}", b.join(""));
    for (label, params) in [
        ("notebook", Params::default()),
        ("integrity 0.5", Params::new(0.5, 100.0, 30, 250).unwrap()),
    ] {
        let mut rng = make();
        let a: Vec<String> = (0..4)
            .map(|_| {
                let d = draw_amount(&mut rng, &params, 250);
                let tag = match (d.path.large, d.path.integrity) {
                    (false, false) => "",
                    (true, false) => "(L)",
                    (false, true) => "(I)",
                    (true, true) => "(LI)",
                };
                format!("{}{tag}", d.amount)
            })
            .collect();
        let _ = writeln!(
            out,
            "  draw_amount ({label}, capacity 250): {}",
            a.join(" ")
        );
    }
}

fn generators_report() -> String {
    let mut out = String::new();
    out.push_str("first draws of each generator family, each line from a fresh generator\n");
    out.push_str(concat!("crate: currents ", env!("CARGO_PKG_VERSION"), "\n"));
    out.push_str("floats: shortest decimal that parses back to the same double\n");
    out.push_str("draw_amount: (L) large-transaction path, (I) integrity path\n");
    out.push_str("\n## numpy: numpy_rng(seed), MT19937 seeded as numpy's RandomState(seed)\n");
    for seed in [0u32, 1, 42, u32::MAX] {
        let _ = writeln!(out, "seed {seed}");
        draws(&mut out, || numpy_rng(seed));
    }
    out.push_str("\n## chacha: chacha_rng(seed, subset, run), ChaCha8\n");
    for (seed, subset, run) in [
        (0u64, 0u64, 1u64),
        (0, 0, 2),
        (0, 1, 1),
        (42, 0, 1),
        (u64::MAX, 0, 1),
    ] {
        let _ = writeln!(out, "seed {seed}, subset {subset}, run {run}");
        draws(&mut out, || chacha_rng(seed, subset, run));
    }
    out
}

#[test]
fn generators_first_draws_are_stable() {
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("generators", generators_report());
    });
}

/// The first numbers of numpy's `RandomState(seed).rand()` for seeds 0 and 42, as numpy
/// prints them (`np.random.seed(0); np.random.rand(5)`, repr of each element): an
/// independent anchor for the numpy part of the snapshot.
#[test]
fn numpy_uniforms_are_numpys() {
    let first = |seed: u32| -> Vec<f64> {
        let mut rng = numpy_rng(seed);
        (0..4).map(|_| uniform01(&mut rng)).collect()
    };
    assert_eq!(
        first(0),
        [
            0.5488135039273248,
            0.7151893663724195,
            0.6027633760716439,
            0.5448831829968969
        ]
    );
    assert_eq!(
        first(42),
        [
            0.3745401188473625,
            0.9507143064099162,
            0.7319939418114051,
            0.5986584841970366
        ]
    );
}
