//! `traders`' draw, checked against the law it declares (src/network/traders.rs), with
//! expected values computed here from the declared formula, not read from the crate:
//!
//! - the payer's law: member m is the payer with probability activity(m) / Σ activity,
//!   members `0 .. round(N · high-share)` (half away from zero) having the high activity;
//!   checked per member and per type by Pearson's chi-square at the 0.001 level;
//! - the amount's law: a payer of mean amount μ pays a whole amount uniform in 1 … 2μ − 1,
//!   whose mean is μ and variance ((2μ − 1)² − 1) / 12; the sample mean per type is checked
//!   by a z-test at the 0.001 level (|z| < 3.29) and the support by its bounds;
//! - the payee is never the payer, and uniform among the others (chi-square, 0.001).
//!
//! Fixed seeds, so each test passes or fails the same way every time; a wrong law (the
//! activity ignored, the amounts' mean off by one) fails them. The last test holds the
//! sweep summary's per-type columns to where they belong.

use std::convert::Infallible;

use currents::draws::RngKind;
use currents::model::{EachStep, StepEvent, Streams};
use currents::network::{Network, Traders, Transfer};
use currents::rules::Static;

/// Pearson's chi-square critical values at the 0.001 level, by degrees of freedom (from
/// the published table: NIST/SEMATECH e-Handbook, 1.3.6.7.4).
fn chi2_critical_001(df: usize) -> f64 {
    match df {
        1 => 10.828,
        8 => 26.124,
        9 => 27.877,
        10 => 29.588,
        11 => 31.264,
        _ => panic!("no critical value tabled for {df} degrees of freedom"),
    }
}

fn chi_square(observed: &[u64], expected: &[f64]) -> f64 {
    observed
        .iter()
        .zip(expected)
        .map(|(&o, &e)| (o as f64 - e).powi(2) / e)
        .sum()
}

/// The transfers of run 1 of `seed` (ChaCha) of `user` among `members` members, every
/// limit large enough that the limits play no part (the draw reads no state anyway).
fn transfers(user: &Traders, members: usize, seed: u64, n_steps: u64) -> Vec<Transfer> {
    let model = Network::new(members, 1_000_000_000).unwrap();
    let mut out = Vec::new();
    let mut observer = EachStep(|e: &StepEvent<'_, Network>| -> Result<(), Infallible> {
        out.push(e.drawn.payment);
        Ok(())
    });
    Streams::new(RngKind::Chacha, seed)
        .run(1, &model, &Static, user, n_steps, &mut observer)
        .unwrap();
    out
}

/// The declared law: (k, per-member payer probabilities) for `members` members.
fn payer_law(members: usize, share: f64, high: u32, low: u32) -> (usize, Vec<f64>) {
    // round half away from zero, as declared.
    let k = (members as f64 * share + 0.5).floor() as usize;
    let weight = |m: usize| f64::from(if m < k { high } else { low });
    let total: f64 = (0..members).map(weight).sum();
    (k, (0..members).map(|m| weight(m) / total).collect())
}

const N_STEPS: u64 = 200_000;

#[test]
fn the_payer_is_drawn_with_probability_proportional_to_its_types_activity() {
    // (members, high-share, high-activity, low-activity, seed)
    for (members, share, high, low, seed) in
        [(10, 0.25, 10, 1, 1), (11, 0.5, 3, 2, 2), (12, 0.1, 7, 1, 3)]
    {
        let user = Traders::two(share, high, 4, low, 1).unwrap();
        let (k, p) = payer_law(members, share, high, low);
        let mut by_member = vec![0u64; members];
        for t in transfers(&user, members, seed, N_STEPS) {
            by_member[t.payer] += 1;
        }
        let expected: Vec<f64> = p.iter().map(|q| q * N_STEPS as f64).collect();
        let chi2 = chi_square(&by_member, &expected);
        println!("members={members} share={share} k={k}: per-member chi2 = {chi2:.3}");
        assert!(
            chi2 < chi2_critical_001(members - 1),
            "per-member chi2 {chi2}"
        );
        // Per type: the share × activity weights.
        let high_obs: u64 = by_member[..k].iter().sum();
        let high_p: f64 = p[..k].iter().sum();
        let obs = [high_obs, N_STEPS - high_obs];
        let exp = [high_p * N_STEPS as f64, (1.0 - high_p) * N_STEPS as f64];
        let chi2 = chi_square(&obs, &exp);
        println!("  per-type chi2 = {chi2:.3} (high share of payments {high_p:.4})");
        assert!(chi2 < chi2_critical_001(1), "per-type chi2 {chi2}");
    }
}

#[test]
fn amounts_have_the_declared_mean_per_type_and_stay_in_one_to_twice_the_mean_less_one() {
    let (members, share, high_amount, low_amount) = (10, 0.3, 20, 3);
    let user = Traders::two(share, 2, high_amount, 1, low_amount).unwrap();
    let (k, _) = payer_law(members, share, 2, 1);
    let mut sums = [(0.0f64, 0u64); 2];
    for t in transfers(&user, members, 5, N_STEPS) {
        let (ty, mean) = if t.payer < k {
            (0, high_amount)
        } else {
            (1, low_amount)
        };
        assert!((1..=2 * i64::from(mean) - 1).contains(&t.amount), "{t}");
        sums[ty].0 += t.amount as f64;
        sums[ty].1 += 1;
    }
    for (ty, mu) in [(0, high_amount), (1, low_amount)] {
        let mu = f64::from(mu);
        let (sum, n) = sums[ty];
        let variance = ((2.0 * mu - 1.0).powi(2) - 1.0) / 12.0;
        let z = (sum / n as f64 - mu) / (variance / n as f64).sqrt();
        println!(
            "type {ty}: mean {:.4} (declared {mu}), z = {z:.3}",
            sum / n as f64
        );
        assert!(z.abs() < 3.29, "type {ty}: z = {z}");
    }
    // A mean of 1 pays exactly 1.
    let ones = Traders::two(0.5, 1, 1, 1, 1).unwrap();
    assert!(transfers(&ones, 4, 6, 1000).iter().all(|t| t.amount == 1));
}

#[test]
fn the_payee_is_uniform_among_the_other_members() {
    let members = 10;
    let user = Traders::two(0.2, 10, 3, 1, 1).unwrap();
    // Payer 0 (high): its payees among members 1 … 9.
    let mut by_payee = vec![0u64; members];
    for t in transfers(&user, members, 7, N_STEPS) {
        assert_ne!(t.payer, t.payee, "{t}");
        if t.payer == 0 {
            by_payee[t.payee] += 1;
        }
    }
    let n: u64 = by_payee.iter().sum();
    let expected = vec![n as f64 / 9.0; 9];
    let chi2 = chi_square(&by_payee[1..], &expected);
    println!("payer 0's payees: chi2 = {chi2:.3} over {n} payments");
    assert!(chi2 < chi2_critical_001(8), "payee chi2 {chi2}");
}

#[test]
fn a_wrong_law_fails_these_tests() {
    // The same draws checked against the law with the activity ignored (uniform payers),
    // and against a mean off by one: both rejected.
    let (members, share) = (10, 0.25);
    let user = Traders::two(share, 10, 4, 1, 1).unwrap();
    let mut by_member = vec![0u64; members];
    let mut high_sum = (0.0, 0u64);
    let (k, _) = payer_law(members, share, 10, 1);
    for t in transfers(&user, members, 1, N_STEPS) {
        by_member[t.payer] += 1;
        if t.payer < k {
            high_sum.0 += t.amount as f64;
            high_sum.1 += 1;
        }
    }
    let uniform = vec![N_STEPS as f64 / members as f64; members];
    assert!(chi_square(&by_member, &uniform) > chi2_critical_001(members - 1));
    let (mu, variance) = (5.0, (7.0f64.powi(2) - 1.0) / 12.0);
    let z = (high_sum.0 / high_sum.1 as f64 - mu) / (variance / high_sum.1 as f64).sqrt();
    assert!(z.abs() > 3.29, "a mean of 5 is rejected: z = {z}");
}

/// The summary's per-type columns: after every other column, only when some cell's user
/// declares member groups, empty in the cells whose user does not, and the same for any
/// thread count; a sweep without `traders` has none of them (its summary is as before).
#[test]
fn a_sweep_summary_gets_per_type_columns_only_from_users_that_declare_groups() {
    let dir = tempfile::tempdir().unwrap();
    let run = |users: &str, threads: &str| {
        let cfg = dir.path().join("c.toml");
        std::fs::write(
            &cfg,
            format!(
                "model = \"network\"\nruns = 3\nsteps = 300\nseed = 2\n[[grid]]\nlabel = \"m\"\nrules = [\"static\"]\nusers = [{users}]\n[grid.params]\nmembers = [6]\nlimit = [3]\n"
            ),
        )
        .unwrap();
        let out = dir.path().join("s.csv");
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_currents"))
            .args([
                "sweep",
                "--config",
                cfg.to_str().unwrap(),
                "--threads",
                threads,
            ])
            .args(["--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(status.status.success(), "{status:?}");
        std::fs::read_to_string(out).unwrap()
    };
    let mixed = run("\"uniform-pairs\", \"traders\"", "2");
    assert_eq!(mixed, run("\"uniform-pairs\", \"traders\"", "1"));
    let mut lines = mixed.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let first = header
        .iter()
        .position(|h| *h == "high_refused_share_mean")
        .unwrap();
    assert_eq!(header[first - 1], "balance_final_p95");
    assert_eq!(header.last(), Some(&"network_cannot_spend_share_p95"));
    // Six figures per type (two types) and three of the network, four columns each.
    assert_eq!(header.len() - first, (2 * 6 + 3) * 4);
    let pairs: Vec<&str> = lines.next().unwrap().split(',').collect();
    let traders: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert!(pairs[first..].iter().all(|v| v.is_empty()));
    // Every figure is defined but the lost credit per default: nobody leaves here.
    for (h, v) in header[first..].iter().zip(&traders[first..]) {
        assert_eq!(
            v.is_empty(),
            h.contains("_lost_per_default_"),
            "{h} = {v:?}"
        );
        assert!(v.is_empty() || v.parse::<f64>().is_ok(), "{h} = {v:?}");
    }
    let plain = run("\"uniform-pairs\"", "2");
    assert!(
        !plain.contains("high_") && plain.lines().next().unwrap().ends_with("balance_final_p95")
    );
}
