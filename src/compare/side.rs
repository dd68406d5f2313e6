//! The two sides of a comparison: as written ([`SideInput`]), resolved against a workbench
//! with the settings they share ([`resolve_sides`], [`Side`]), and as a report names them
//! ([`SideLabel`]).

use std::fmt::{self, Write as _};

use crate::catalog::Invariant;
use crate::model::{CreditPolicy, Enforce, Model};
use crate::params::Written;
use crate::scenario::SCENARIO_KEYS;
use crate::spec::{Limits, Setting, Spec, SpecError, parse_doc};
use crate::workbench::{AnySpec, ChosenView, Workbench};

use super::{CompareConfig, CompareError, bad, from_spec, in_side, in_side_file};

/// One side as written — a shorthand or a spec/scenario file — before its names are looked
/// up ([`resolve_sides`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SideInput {
    field: String,
    source: String,
    spec: Spec,
    from_file: bool,
}

impl SideInput {
    /// Parses the shorthand `NAME[:key=value,…]` of side `field` (`baseline` or
    /// `candidate`): NAME is the rule; a key is any spec key (`user`, `model`,
    /// `restriction`, `rng`, `seed`, `runs`, `steps`) or a parameter of the rule, the user
    /// or the model. Each key once.
    pub fn shorthand(field: &str, text: &str) -> Result<Self, CompareError> {
        let limits = CompareConfig::default().limits();
        let spec =
            Spec::from_shorthand_within(field, text, &limits).map_err(|e| in_side(field, e))?;
        Ok(SideInput {
            field: field.to_owned(),
            source: text.to_owned(),
            spec,
            from_file: false,
        })
    }

    /// Parses the text of a spec or scenario file (`source`, its path, names it in the
    /// report); a scenario's own keys (`description`, …) are accepted and not used.
    pub fn file(field: &str, source: &str, text: &str) -> Result<Self, CompareError> {
        let in_file = |e: SpecError| in_side_file(field, source, e);
        let doc = parse_doc(text).map_err(in_file)?;
        let limits = CompareConfig::default().limits();
        let (mut spec, _) =
            Spec::from_table_within(doc.root(), &SCENARIO_KEYS, &limits).map_err(in_file)?;
        // A setting's range is checked once the flags are laid over it: named as the side's.
        for s in [&mut spec.seed, &mut spec.runs, &mut spec.steps]
            .into_iter()
            .flatten()
        {
            s.field = format!("{field}.{}", s.field);
        }
        Ok(SideInput {
            field: field.to_owned(),
            source: source.to_owned(),
            spec,
            from_file: true,
        })
    }

    /// The side as given: the shorthand or the file's path.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The spec as written (nothing layered yet).
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// The spec as written, to attach what the caller reads for it (the edges of the
    /// trading graph's file it names, [`crate::spec::EdgeFile::attach`]).
    pub fn spec_mut(&mut self) -> &mut Spec {
        &mut self.spec
    }

    /// Resolves `spec` against `bench` with `limits`; errors name the side (the file, for a
    /// file side).
    fn resolve(
        &self,
        spec: &Spec,
        bench: &Workbench,
        limits: &Limits,
    ) -> Result<Box<dyn AnySpec>, CompareError> {
        bench.resolve(spec, limits).map_err(|e| {
            if self.from_file {
                in_side_file(&self.field, &self.source, e)
            } else {
                in_side(&self.field, e)
            }
        })
    }
}

/// The spec `side` runs when laid over `file`'s resolved spec: the file's model and user
/// with their values (the model unless `side` names another, the user unless `side` names
/// another user or another model — a model's users are its own), then everything `side`
/// sets.
fn over_file(file: &dyn AnySpec, file_source: &str, side: &Spec) -> Result<Spec, SpecError> {
    fn carry(base: &mut Spec, chosen: &ChosenView, source: &str) -> Result<(), SpecError> {
        let kind = chosen.kind;
        for (name, v) in chosen.pairs() {
            base.push_written(
                name,
                Written::value(v),
                &format!("{source}: {kind}.{name}"),
                Some(kind),
            )?;
        }
        Ok(())
    }
    let mut base = Spec::default();
    let (model, user) = (file.model(), file.user());
    let same_model = side.model.as_deref().is_none_or(|n| n == model.name);
    if same_model {
        base.model = Some(model.name.to_owned());
        carry(&mut base, &model, file_source)?;
    }
    if same_model && side.user.as_deref().is_none_or(|n| n == user.name) {
        base.user = Some(user.name.to_owned());
        carry(&mut base, &user, file_source)?;
        // The graph the file's user trades on, when it reads one.
        base.edges = file.to_spec().edges;
    }
    Ok(base.overlay(side.clone()))
}

/// One side of a comparison, resolved: what runs (an [`AnySpec`] of any model) and how it
/// was written.
pub struct Side {
    source: String,
    spec: Box<dyn AnySpec>,
    /// The workbench's first model: the one a label leaves out.
    first_model: &'static str,
    /// The side's model's checks declare [`Invariant::BALANCES_SUM_TO_ZERO`] (its members
    /// pay each other): the comparison checks it on this side.
    conserves: bool,
}

impl fmt::Debug for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Side")
            .field("source", &self.source)
            .field("spec", &self.spec.shorthand())
            .field("model", &self.spec.model().name)
            .finish()
    }
}

impl Side {
    /// Side `source` running `spec`; `bench` (the workbench `spec` was resolved against)
    /// tells which model is the default, which the label then leaves out, and which laws
    /// the side's model is held to.
    pub fn new(source: &str, spec: Box<dyn AnySpec>, bench: &Workbench) -> Self {
        let model = spec.model().name;
        let conserves = bench
            .find(Some(model))
            .is_ok_and(|m| m.invariants().contains(&Invariant::BALANCES_SUM_TO_ZERO));
        Side {
            source: source.to_owned(),
            spec,
            first_model: bench.models().next().map_or("", |m| m.name()),
            conserves,
        }
    }

    /// The side as given (a shorthand or a file's path).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// What runs.
    pub fn spec(&self) -> &dyn AnySpec {
        &*self.spec
    }

    /// True when the comparison checks [`Invariant::BALANCES_SUM_TO_ZERO`] on this side:
    /// its model's checks declare it (a model whose members pay each other).
    pub(crate) fn conserves(&self) -> bool {
        self.conserves
    }

    /// A one-line description: rule, parameters, restriction (and user and model when
    /// they are not the defaults).
    pub fn label(&self) -> String {
        self.describe().label()
    }

    /// What a report says of this side.
    pub fn describe(&self) -> SideLabel {
        // A user is named unless it is its model's first at its own values; a model unless
        // it is the workbench's first at its own values.
        let (rule, user, model) = (self.spec.rule(), self.spec.user(), self.spec.model());
        let user = (!user.first || user.shorthand != user.name).then_some(user.shorthand);
        let model = (model.shorthand != self.first_model).then_some(model.shorthand);
        SideLabel {
            source: self.source.clone(),
            rule: rule.name.to_owned(),
            params: rule.pairs(),
            restriction: self.spec.restriction(),
            user,
            model,
        }
    }
}

/// What a report says of a side, whatever its model: how it was given, its rule, the
/// rule's parameter values and the spending restriction, and its user and model when they
/// are not the defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct SideLabel {
    /// The side as given (a spec, a file name, or a model variant's own name).
    pub(crate) source: String,
    /// The rule's name.
    pub(crate) rule: String,
    /// The rule's parameters and their values, in declaration order.
    pub(crate) params: Vec<(&'static str, f64)>,
    /// The spending restriction.
    pub restriction: Enforce,
    /// The user as shorthand (`spender`, `balanced:integrity=0.8`), when it is not its
    /// model's first user at its own values.
    pub user: Option<String>,
    /// The model as shorthand (`v1:sum-volume=10`, `network:members=5`), when it is not the
    /// workbench's first model at its defaults.
    pub model: Option<String>,
}

impl SideLabel {
    /// A side named `source` running `policy` (no parameters listed): the label of a
    /// model variant's side.
    pub fn of_policy<M: Model, P: CreditPolicy<M>>(source: &str, rule: &str, policy: &P) -> Self {
        SideLabel {
            source: source.to_owned(),
            rule: rule.to_owned(),
            params: Vec::new(),
            restriction: policy.enforcement().mode,
            user: None,
            model: None,
        }
    }

    /// A one-line description: rule, parameters, restriction, then the user and the model
    /// when they are named.
    pub fn label(&self) -> String {
        let p = self
            .params
            .iter()
            .map(|(name, v)| format!("{name}={v}"))
            .collect::<Vec<_>>()
            .join(" ");
        let sep = if p.is_empty() { "" } else { " " };
        let mut s = format!("{}{sep}{p} (restriction {})", self.rule, self.restriction);
        for (kind, x) in [("user", &self.user), ("model", &self.model)] {
            if let Some(x) = x {
                let _ = write!(s, ", {kind} {x}");
            }
        }
        s
    }
}

/// A setting both sides must share: the flag's value, else the one the sides set (refused
/// when they set different values), else none (the defaults fill it). `shown` writes a
/// value as given.
fn settle<T: PartialEq + Clone>(
    key: &str,
    [flag, baseline, candidate]: [Option<&T>; 3],
    shown: impl Fn(&T) -> String,
) -> Result<Option<T>, CompareError> {
    if flag.is_some() {
        return Ok(flag.cloned());
    }
    match (baseline, candidate) {
        (Some(a), Some(b)) if a != b => Err(bad(
            format!("candidate.{key}"),
            shown(b),
            format!(
                "the baseline's {key} ({}): both sides run on the same streams (common random numbers); set {key} on one side only, or with --{key}",
                shown(a)
            ),
        )),
        _ => Ok(baseline.or(candidate).cloned()),
    }
}

/// Resolves both sides against `bench`, layered as the module documentation says: settings
/// from `flags` (only its `rng`, `seed`, `runs` and `steps` are read) over the sides' specs
/// over `defaults`' run settings, refused when the sides disagree; a shorthand side over a
/// file on the other side. Returns the two sides and the run settings they share, with
/// `defaults`' gate (min-change, fail-on, allow), checked by `CompareConfig::validate`.
pub fn resolve_sides(
    baseline: &SideInput,
    candidate: &SideInput,
    flags: &Spec,
    defaults: &CompareConfig,
    bench: &Workbench,
) -> Result<(Side, Side, CompareConfig), CompareError> {
    let (a, b) = (&baseline.spec, &candidate.spec);
    let rng = settle(
        "rng",
        [&flags.rng, &a.rng, &b.rng].map(Option::as_ref),
        |r| r.to_string(),
    )?;
    let given = |key: &str| {
        let pick = |s: &Spec| s.setting(key).cloned();
        settle(
            key,
            [pick(flags), pick(a), pick(b)]
                .each_ref()
                .map(Option::as_ref),
            |s| s.shown.clone(),
        )
    };
    let settings = Spec {
        rng,
        seed: given("seed")?,
        runs: given("runs")?,
        steps: given("steps")?,
        ..Spec::default()
    };
    let limits = defaults.limits();
    // The settings alone first (on the default model: settings are any model's); a bad one
    // is named where it was given (`--runs`, `baseline.runs`).
    let shared = bench
        .resolve(&settings, &limits)
        .map_err(from_spec)?
        .settings();
    let with_settings = |s: &Spec| {
        s.clone().overlay(Spec {
            rng: Some(shared.rng),
            seed: Some(Setting::given("seed", shared.seed)),
            runs: Some(Setting::given("runs", shared.runs)),
            steps: Some(Setting::given("steps", shared.steps)),
            ..Spec::default()
        })
    };
    let (a, b) = (with_settings(a), with_settings(b));
    let (a, b) = match (baseline.from_file, candidate.from_file) {
        (true, false) => {
            let file = baseline.resolve(&a, bench, &limits)?;
            let b = over_file(&*file, &baseline.source, &b)
                .map_err(|e| in_side(&candidate.field, e))?;
            (file, candidate.resolve(&b, bench, &limits)?)
        }
        (false, true) => {
            let file = candidate.resolve(&b, bench, &limits)?;
            let a = over_file(&*file, &candidate.source, &a)
                .map_err(|e| in_side(&baseline.field, e))?;
            (baseline.resolve(&a, bench, &limits)?, file)
        }
        _ => (
            baseline.resolve(&a, bench, &limits)?,
            candidate.resolve(&b, bench, &limits)?,
        ),
    };
    let config = CompareConfig {
        n_runs: shared.runs,
        n_steps: shared.steps,
        seed: shared.seed,
        rng: shared.rng,
        ..defaults.clone()
    };
    // A bound on the settings together (runs x steps) names where runs was given.
    config
        .validate()
        .map_err(|e| match settings.setting(&e.field) {
            Some(s) => CompareError {
                field: s.field.clone(),
                value: s.shown.clone(),
                ..e
            },
            None => e,
        })?;
    Ok((
        Side::new(&baseline.source, a, bench),
        Side::new(&candidate.source, b, bench),
        config,
    ))
}

/// Parses and resolves one shorthand side on its own, with [`CompareConfig::default`]'s
/// settings (a library caller's or a test's side; the CLI resolves both sides together,
/// [`resolve_sides`]).
pub fn parse_spec(field: &str, text: &str, bench: &Workbench) -> Result<Side, CompareError> {
    let input = SideInput::shorthand(field, text)?;
    let limits = CompareConfig::default().limits();
    let spec = input.resolve(&input.spec, bench, &limits)?;
    Ok(Side::new(text, spec, bench))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draws::RngKind;

    fn bench() -> Workbench {
        Workbench::builtin()
    }

    #[test]
    fn spec_errors_name_field_value_and_accepted() {
        let b = bench();
        let e = parse_spec("baseline", "nope", &b).unwrap_err();
        assert_eq!(e.field, "baseline.rule");
        assert!(e.accepted.contains("currents-v1"), "{e}");
        let e = parse_spec("candidate", "turnover:alpha=7", &b).unwrap_err();
        assert_eq!(e.field, "candidate.alpha");
        let e = parse_spec("candidate", "static:zz=1", &b).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.value.as_str()),
            ("candidate.zz", "\"zz\"")
        );
        let e = parse_spec("candidate", "static:restriction=maybe", &b).unwrap_err();
        assert_eq!(e.field, "candidate.restriction");
        // Refused with compare's own range, the value as written.
        let e = parse_spec("candidate", "static:runs=1", &b).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.value.as_str(), e.accepted.as_str()),
            ("candidate.runs", "1", "a whole number in [2, 100000]")
        );
        // Another model's own parameters are checked against its declarations.
        let e = parse_spec("candidate", "static:model=network,members=1", &b).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.value.as_str()),
            ("candidate.members", "1")
        );
    }

    #[test]
    fn an_error_stays_one_line_whatever_the_side_holds() {
        // A file's path is free text: a line break in it is escaped.
        let e = SideInput::file("baseline", "a\nb.toml", "not = [toml").unwrap_err();
        let text = e.to_string();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("a\\nb.toml"), "{text}");
    }

    #[test]
    fn spec_sets_parameters_by_name() {
        let s = parse_spec(
            "baseline",
            "currents-v1:quad-coef=-2.5,restriction=clamp",
            &bench(),
        )
        .unwrap();
        assert_eq!(s.spec().rule().values, [-2.5, 1.0, 7.0, 2.0]);
        assert_eq!(s.spec().restriction(), Enforce::Clamp);
        assert_eq!(
            s.label(),
            "currents-v1 quad-coef=-2.5 intercept=1 warmup=7 round-digits=2 (restriction clamp)"
        );
    }

    #[test]
    fn a_label_names_the_user_and_model_only_when_not_the_defaults() {
        let b = bench();
        let s = parse_spec(
            "baseline",
            "static:user=spender,integrity=0.8,sum-volume=10",
            &b,
        )
        .unwrap();
        let label = s.describe();
        assert_eq!(label.user.as_deref(), Some("spender:integrity=0.8"));
        assert_eq!(label.model.as_deref(), Some("v1:sum-volume=10"));
        assert!(
            s.label().ends_with(
                "(restriction none), user spender:integrity=0.8, model v1:sum-volume=10"
            ),
            "{}",
            s.label()
        );
        let d = parse_spec("baseline", "static:user=balanced,integrity=1", &b).unwrap();
        assert_eq!((d.describe().user, d.describe().model), (None, None));
        // Another model is named even at its defaults (it is not the workbench's first);
        // its first user is not.
        let n = parse_spec("baseline", "static:model=network", &b).unwrap();
        assert_eq!(
            (n.describe().user, n.describe().model.as_deref()),
            (None, Some("network"))
        );
        assert!(n.conserves() && !d.conserves());
    }

    fn sides(a: &str, b: &str) -> Result<(Side, Side, CompareConfig), CompareError> {
        let (a, b) = (
            SideInput::shorthand("baseline", a)?,
            SideInput::shorthand("candidate", b)?,
        );
        resolve_sides(
            &a,
            &b,
            &Spec::default(),
            &CompareConfig::default(),
            &bench(),
        )
    }

    #[test]
    fn settings_layer_flags_over_sides_over_defaults_and_sides_must_agree() {
        let (_, _, c) = sides("static", "turnover").unwrap();
        assert_eq!(
            (c.n_runs, c.n_steps, c.seed, c.rng),
            (20, 365, 0, RngKind::Chacha)
        );
        let (a, b, c) = sides("static:seed=4,rng=numpy", "turnover:steps=50").unwrap();
        assert_eq!(
            (c.n_runs, c.n_steps, c.seed, c.rng),
            (20, 50, 4, RngKind::Numpy)
        );
        let (a, b) = (a.spec().settings(), b.spec().settings());
        assert_eq!((a.seed, b.seed), (4, 4));
        assert_eq!((a.steps, b.steps), (50, 50));
        let e = sides("static:seed=4", "turnover:seed=5").unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.value.as_str()),
            ("candidate.seed", "5")
        );
        assert!(e.accepted.contains("common random numbers"), "{e}");
        // A flag settles it.
        let flags = Spec {
            seed: Some(Setting::given("--seed", 9)),
            ..Spec::default()
        };
        let (a, b) = (
            SideInput::shorthand("baseline", "static:seed=4").unwrap(),
            SideInput::shorthand("candidate", "static:seed=5").unwrap(),
        );
        let (_, _, c) = resolve_sides(&a, &b, &flags, &CompareConfig::default(), &bench()).unwrap();
        assert_eq!(c.seed, 9);
    }

    #[test]
    fn a_shorthand_side_runs_on_a_file_sides_model_and_user() {
        let file = "rule = \"currents-v1\"\nrng = \"numpy\"\nruns = 3\n[params]\nintegrity = 0.5\nsum-volume = 10\nquad-coef = -2\n";
        let f = SideInput::file("baseline", "f.toml", file).unwrap();
        let r = bench();
        let d = CompareConfig::default();
        let flags = Spec::default();
        let s = |text: &str| SideInput::shorthand("candidate", text).unwrap();
        let (a, b, c) = resolve_sides(&f, &s("turnover:avg-amount=50"), &flags, &d, &r).unwrap();
        assert_eq!((c.n_runs, c.rng), (3, RngKind::Numpy));
        assert_eq!(a.spec().rule().get("quad-coef"), Some(-2.0));
        assert_eq!(b.spec().user().values, [0.5, 50.0, 0.0, 0.0]);
        assert_eq!(b.spec().model().get("sum-volume"), Some(10.0));
        // Another user starts from its own values; the rule's parameters never carry over.
        let (_, b, _) = resolve_sides(&f, &s("currents-v1:user=spender"), &flags, &d, &r).unwrap();
        assert_eq!(b.spec().user().values, [1.0, 100.0, 0.0, -0.05]);
        assert_eq!(b.spec().rule().get("quad-coef"), Some(-3.0));
        assert_eq!(b.spec().model().get("sum-volume"), Some(10.0));
        // Another model carries neither the file's model nor its user (a model's users are
        // its own); the settings still are the file's.
        let (_, b, c) = resolve_sides(&f, &s("static:model=network"), &flags, &d, &r).unwrap();
        assert_eq!(
            (b.spec().model().name, b.spec().user().name),
            ("network", "uniform-pairs")
        );
        assert_eq!((c.n_runs, c.rng), (3, RngKind::Numpy));
        // Either way round.
        let f = SideInput::file("candidate", "f.toml", file).unwrap();
        let static_side = SideInput::shorthand("baseline", "static").unwrap();
        let (a, _, _) = resolve_sides(&static_side, &f, &flags, &d, &r).unwrap();
        assert_eq!(a.spec().user().get("integrity"), Some(0.5));
    }
}
