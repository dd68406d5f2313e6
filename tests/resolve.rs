//! Resolving a spec against a registry (`Spec::resolve`): the registry's first model, rule
//! and user fill what a spec leaves out, the shorthand and the TOML form are one spec, an
//! undeclared parameter names what each entry declares, and numpy's 32-bit seeds are
//! checked for every run.

use currents::draws::RngKind;
use currents::registry::Registry;
use currents::spec::{Limits, Spec};
use currents::v1::V1;

fn registry() -> Registry<V1> {
    Registry::builtin()
}

#[test]
fn an_empty_spec_is_the_registrys_first_of_each_at_its_defaults() {
    let r = Spec::default()
        .resolve(&registry(), &Limits::default())
        .unwrap();
    assert_eq!(r.model.entry().name, "v1");
    assert_eq!(r.rule.entry().name, "currents-v1");
    assert_eq!(r.user.entry().name, "balanced");
    assert_eq!(r.user.values(), &[1.0, 100.0, 0.0, 0.0]);
    assert_eq!(
        (r.runs, r.steps, r.seed, r.rng),
        (10, 365, 0, RngKind::Chacha)
    );
}

#[test]
fn the_shorthand_and_the_toml_form_are_the_same_spec() {
    let short = Spec::from_shorthand(
        "",
        "turnover:window=10,integrity=0.8,user=spender,rng=numpy",
    )
    .unwrap();
    let toml = Spec::from_toml_str(
        "rule = \"turnover\"\nuser = \"spender\"\nrng = \"numpy\"\n[params]\nwindow = 10\nintegrity = 0.8\n",
    )
    .unwrap();
    let l = Limits::default();
    let (a, b) = (
        short.resolve(&registry(), &l).unwrap(),
        toml.resolve(&registry(), &l).unwrap(),
    );
    assert_eq!(a, b);
    assert_eq!(a.rule.get("window"), Some(10.0));
    assert_eq!(a.user.get("integrity"), Some(0.8));
    assert_eq!(
        a.user.get("bias"),
        Some(-0.05),
        "the preset's value is kept"
    );
}

#[test]
fn an_undeclared_parameter_names_what_each_entry_declares() {
    let e = Spec::from_shorthand("candidate", "static:window=3")
        .unwrap()
        .resolve(&registry(), &Limits::default())
        .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with("invalid value for `candidate.window`"),
        "{msg}"
    );
    assert!(msg.contains("rule static: none"), "{msg}");
    assert!(msg.contains("user balanced: integrity"), "{msg}");
}

#[test]
fn the_shorthand_of_a_resolved_spec_resolves_to_it() {
    let l = Limits::default();
    let a = Spec::from_shorthand(
        "",
        "fixed-band:upper=100,user=growing,bias=0.1,restriction=reject,steps=40",
    )
    .unwrap()
    .resolve(&registry(), &l)
    .unwrap();
    let again = Spec::from_shorthand("", &a.shorthand())
        .unwrap()
        .resolve(&registry(), &l)
        .unwrap();
    assert_eq!(a, again, "{}", a.shorthand());
}

#[test]
fn numpy_seeds_must_fit_32_bits_for_every_run() {
    let e = Spec::from_shorthand("", "currents-v1:rng=numpy,seed=4294967295,runs=2")
        .unwrap()
        .resolve(&registry(), &Limits::default())
        .unwrap_err();
    assert!(e.to_string().contains("[0, 4294967294]"), "{e}");
}
