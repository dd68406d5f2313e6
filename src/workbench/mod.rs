//! Every model type one tool drives, side by side: the [`Workbench`].
//!
//! A [`Registry`] holds the rules and users of one model type. A tool — the `currents`
//! binary, a user's own — drives several: V1, a user's model, a network of members. The
//! workbench holds one registry per model type behind [`AnyModel`], so that a spec names
//! its model at run time (`model = "network"`) and every workflow runs it through the same
//! code: [`Workbench::resolve`] gives an [`AnySpec`], whose [`AnySpec::runs`] gives the
//! [`AnyRuns`] a workflow steps — the hot paths (CSV rows, summary folds, metrics) typed
//! inside, any other observer through [`AnyObserver`], which sees steps as
//! [`StepView`]s (ledgers, rows, the catalog's laws, the one fold). With the `harness`
//! feature each model carries its checks ([`crate::harness::Checks`]: its own laws, tapes
//! and probes; by default the generic laws on its registry's defaults).
//!
//! ```
//! use currents::spec::{Limits, Spec};
//! use currents::workbench::Workbench;
//!
//! let bench = Workbench::builtin();
//! let spec = Spec::from_shorthand("", "static:model=network,members=3").unwrap();
//! let spec = bench.resolve(&spec, &Limits::default()).unwrap();
//! assert_eq!(spec.model().name, "network");
//! assert_eq!(spec.runs(None).unwrap().n_members(), 3);
//! ```

mod runs;
mod spec;
mod view;

pub use runs::{AnyRuns, NoObserver, erase_runs};
pub use spec::{AnySpec, ChosenView, Settings};
pub use view::{AnyObserver, StateOf, StateView, StepOf, StepView, Viewed};

use std::any::Any;
use std::sync::Arc;

use crate::metrics::Metered;
use crate::model::{CreditPolicy as _, Enforce};
use crate::params::ParamSpec;
#[cfg(feature = "harness")]
use crate::registry::Chosen;
use crate::registry::{Declared, Registry, RuleEntry, UnknownName};
use crate::spec::{Limits, Spec, SpecError};

#[cfg(feature = "harness")]
use crate::catalog::Invariant;
#[cfg(feature = "harness")]
use crate::harness::{
    Checks, HarnessConfig, HarnessReport, ModelChecks, ReplayFinding, ReplayInput,
};
use crate::params::ParamError;

/// What a model type needs to be driven by name: a [`Metered`] model whose values move
/// between threads.
pub trait Driven: Metered + Send + Sync + 'static {}

impl<M: Metered + Send + Sync + 'static> Driven for M {}

/// One declared entry of a model's registry, as `policies` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryInfo {
    /// `model`, `rule` or `user`.
    pub(crate) kind: &'static str,
    /// The registered name.
    pub(crate) name: &'static str,
    /// One line on what it is.
    pub(crate) summary: &'static str,
    /// Its declared parameters.
    pub(crate) params: &'static [ParamSpec],
    /// The values it runs with when a spec sets none.
    pub(crate) defaults: Vec<f64>,
    /// A rule's own spending restriction (`None` for models and users).
    pub(crate) restriction: Option<Enforce>,
}

fn info<E: Declared>(e: &E, restriction: Option<Enforce>) -> EntryInfo {
    EntryInfo {
        kind: E::KIND,
        name: e.name(),
        summary: e.summary(),
        params: e.params(),
        defaults: e.defaults(),
        restriction,
    }
}

/// One model type's registry (and checks) behind a type-free interface: what a
/// [`Workbench`] holds for each model type.
pub trait AnyModel: Send + Sync {
    /// The model's name (its registry's model entry; what `model = "…"` names).
    fn name(&self) -> &'static str;
    /// The model's entry, then its rules, then its users, each in registration order.
    fn entries(&self) -> Vec<EntryInfo>;
    /// Resolves `spec` against this model's registry with `limits`.
    fn resolve(&self, spec: &Spec, limits: &Limits) -> Result<Box<dyn AnySpec>, SpecError>;
    /// The registry's rule names, comma-separated.
    fn rule_names(&self) -> String;
    /// The model as [`Any`] (to reach its typed registry).
    fn as_any(&self) -> &dyn Any;
    /// The invariants rule `rule` (the registry's first when `None`) only observes
    /// ([`crate::model::CreditPolicy::observed_invariants`]); an unknown rule names
    /// `--policy` and the known ones.
    fn observed_invariants(&self, rule: Option<&str>) -> Result<Vec<&'static str>, ParamError>;
    /// Checks the rule `rule` names (`rule.rule`, the registry's first when unset, with the
    /// rule parameters it sets; nothing else of it is read) under `config` (whose `policy`
    /// is set to the rule's name for the printed replay commands).
    #[cfg(feature = "harness")]
    fn check(&self, rule: &Spec, config: &HarnessConfig) -> Result<HarnessReport, ParamError>;
    /// Replays `input` under the rule `rule` names and returns every violation it shows.
    #[cfg(feature = "harness")]
    fn replay(
        &self,
        rule: &Spec,
        input: &ReplayInput,
        config: &HarnessConfig,
    ) -> Result<Vec<ReplayFinding>, ParamError>;
    /// Every invariant a check of this model can report.
    #[cfg(feature = "harness")]
    fn invariants(&self) -> Vec<Invariant>;

    // Trajectory columns (for `plot` and `report`, which read a trajectory CSV by its
    // header): only the typed side holds a model value to ask.
    /// The model's columns at its registry's defaults ([`crate::model::Model::columns`]):
    /// a trajectory's header before the index columns.
    fn default_columns(&self) -> Vec<String>;
    /// Which of `columns` (a trajectory's header before the index columns) hold each
    /// member's ledger, when they are the columns of a trajectory of this model (see
    /// [`Workbench::trajectory_columns`]); `None` when they are not. Empty when they are
    /// the model's columns at its defaults but it declares no ledger columns.
    fn ledger_columns_in(&self, columns: &[String]) -> Option<Vec<LedgerColumns>>;
}

/// A model type's registry and checks.
struct ModelBench<M: Driven> {
    registry: Arc<Registry<M>>,
    #[cfg(feature = "harness")]
    checks: Arc<dyn Checks<M>>,
}

impl<M: Driven> ModelBench<M> {
    /// The rule `spec` names with the rule parameters it sets (every other parameter and
    /// setting of it ignored); an unknown rule names `--policy`.
    #[cfg(feature = "harness")]
    fn chosen_rule(&self, spec: &Spec) -> Result<Chosen<RuleEntry<M>>, ParamError> {
        let entry = self.rule(spec.rule.as_deref()).map_err(unknown_policy)?;
        let mut chosen = Chosen::defaults_of(entry);
        let mut given = Vec::new();
        for p in &spec.params {
            let declared = entry.params.iter().position(|d| d.name == p.key);
            if let Some(i) = declared
                && p.owner.is_none_or(|o| o == "rule")
            {
                chosen
                    .set_written(&p.key, &p.written, &p.field)
                    .map_err(|e| match e {
                        SpecError::Value(e) => e,
                        other => ParamError::new("rule", other.to_string(), "a valid rule"),
                    })?;
                given.push(("rule", i, p));
            }
        }
        chosen.check_order("rule", &given)?;
        Ok(chosen)
    }

    /// The rule named `name` (`None`: the first); the error names `policy`.
    fn rule(&self, name: Option<&str>) -> Result<&RuleEntry<M>, UnknownName> {
        match name {
            Some(n) => self.registry.find(n.trim()),
            None => self.registry.rules().first().ok_or_else(|| UnknownName {
                kind: "rule",
                name: "(none)".to_owned(),
                known: "a registered rule".to_owned(),
            }),
        }
    }
}

fn unknown_policy(e: UnknownName) -> ParamError {
    ParamError::new(
        "--policy",
        format!("{:?}", crate::params::short_text(&e.name)),
        e.known,
    )
}

impl<M: Driven> AnyModel for ModelBench<M> {
    fn name(&self) -> &'static str {
        self.registry.models().first().map_or("", |m| m.name)
    }
    fn entries(&self) -> Vec<EntryInfo> {
        let r = &self.registry;
        let models = r.models().iter().map(|m| info(m, None));
        let rules = r
            .rules()
            .iter()
            .map(|e| info(e, Some(e.build_default().enforcement().mode)));
        let users = r.users().iter().map(|u| info(u, None));
        models.chain(rules).chain(users).collect()
    }
    fn resolve(&self, spec: &Spec, limits: &Limits) -> Result<Box<dyn AnySpec>, SpecError> {
        let resolved = spec.resolve(&self.registry, limits)?;
        Ok(Box::new(spec::SpecOf {
            spec: resolved,
            registry: Arc::clone(&self.registry),
        }))
    }
    fn rule_names(&self) -> String {
        self.registry.names()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn observed_invariants(&self, rule: Option<&str>) -> Result<Vec<&'static str>, ParamError> {
        let entry = self.rule(rule).map_err(unknown_policy)?;
        Ok(entry.build_default().observed_invariants().to_vec())
    }
    #[cfg(feature = "harness")]
    fn check(&self, rule: &Spec, config: &HarnessConfig) -> Result<HarnessReport, ParamError> {
        let chosen = self.chosen_rule(rule)?;
        let config = HarnessConfig {
            policy: chosen.entry().name.to_owned(),
            ..config.clone()
        };
        self.checks.check(&self.registry, &chosen, &config)
    }
    #[cfg(feature = "harness")]
    fn replay(
        &self,
        rule: &Spec,
        input: &ReplayInput,
        config: &HarnessConfig,
    ) -> Result<Vec<ReplayFinding>, ParamError> {
        let chosen = self.chosen_rule(rule)?;
        self.checks.replay(&self.registry, &chosen, input, config)
    }
    #[cfg(feature = "harness")]
    fn invariants(&self) -> Vec<Invariant> {
        self.checks.invariants()
    }

    fn default_columns(&self) -> Vec<String> {
        self.default_model().map_or_else(Vec::new, |m| m.columns())
    }
    fn ledger_columns_in(&self, columns: &[String]) -> Option<Vec<LedgerColumns>> {
        ledger_columns_in(&self.default_model()?, columns)
    }
}

/// Every model type a tool drives, each with its registry: the first is the default a
/// spec that names no model runs.
#[derive(Clone, Default)]
pub struct Workbench {
    models: Vec<Arc<dyn AnyModel>>,
    /// The models' reports of a sweep ([`Workbench::sweep_report`]).
    reports: Vec<RegisteredReport>,
}

impl std::fmt::Debug for Workbench {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.models.iter().map(|m| m.name()).collect();
        write!(f, "Workbench({})", names.join(", "))
    }
}

impl Workbench {
    /// An empty workbench.
    pub fn new() -> Self {
        Workbench::default()
    }

    fn put(mut self, model: Arc<dyn AnyModel>) -> Self {
        match self.models.iter_mut().find(|m| m.name() == model.name()) {
            Some(slot) => *slot = model,
            None => self.models.push(model),
        }
        self
    }

    /// Adds model type `M` with `registry` (its rules and users), checked for the generic
    /// laws on the registry's defaults; a model of the same name is replaced, its checks
    /// kept when it is of the same type.
    pub fn model<M: Driven>(self, registry: Registry<M>) -> Self {
        #[cfg(feature = "harness")]
        {
            let checks: Arc<dyn Checks<M>> = self
                .typed::<M>()
                .filter(|b| b.name() == registry.models().first().map_or("", |m| m.name))
                .map_or_else(
                    || Arc::new(ModelChecks::generic()) as Arc<dyn Checks<M>>,
                    |b| Arc::clone(&b.checks),
                );
            self.put(Arc::new(ModelBench {
                registry: Arc::new(registry),
                checks,
            }))
        }
        #[cfg(not(feature = "harness"))]
        self.put(Arc::new(ModelBench {
            registry: Arc::new(registry),
        }))
    }

    /// Adds model type `M` with `registry` and its own `checks` (its laws, tapes and
    /// probes); a model of the same name is replaced.
    #[cfg(feature = "harness")]
    pub fn model_with_checks<M: Driven>(
        self,
        registry: Registry<M>,
        checks: impl Checks<M> + 'static,
    ) -> Self {
        self.put(Arc::new(ModelBench {
            registry: Arc::new(registry),
            checks: Arc::new(checks),
        }))
    }

    /// The registry of model type `M`, if the workbench holds one.
    fn typed<M: Driven>(&self) -> Option<&ModelBench<M>> {
        self.models
            .iter()
            .find_map(|m| m.as_any().downcast_ref::<ModelBench<M>>())
    }

    /// The registry of model type `M`, if the workbench holds one.
    pub fn registry<M: Driven>(&self) -> Option<&Registry<M>> {
        self.typed::<M>().map(|b| &*b.registry)
    }

    /// Changes the registry of model type `M` (adds a rule to it, say), keeping its checks;
    /// a workbench without `M` is returned as it is.
    ///
    /// ```
    /// use currents::rules::Turnover;
    /// use currents::v1::V1;
    /// use currents::workbench::Workbench;
    ///
    /// let bench = Workbench::builtin().with_registry::<V1>(|r| r.rule::<Turnover>());
    /// assert!(bench.registry::<V1>().unwrap().find("turnover").is_ok());
    /// ```
    pub fn with_registry<M: Driven>(self, change: impl FnOnce(Registry<M>) -> Registry<M>) -> Self {
        let Some(bench) = self.typed::<M>() else {
            return self;
        };
        let registry = change((*bench.registry).clone());
        #[cfg(feature = "harness")]
        let changed = ModelBench {
            registry: Arc::new(registry),
            checks: Arc::clone(&bench.checks),
        };
        #[cfg(not(feature = "harness"))]
        let changed = ModelBench {
            registry: Arc::new(registry),
        };
        self.put(Arc::new(changed))
    }

    /// Every model, in registration order.
    pub(crate) fn models(&self) -> impl Iterator<Item = &dyn AnyModel> {
        self.models.iter().map(|m| &**m)
    }

    /// The model named `name`, or the first when `None`; the error lists the known names.
    pub fn find(&self, name: Option<&str>) -> Result<&dyn AnyModel, UnknownName> {
        let known = || self.names();
        match name {
            None => self.models().next().ok_or_else(|| UnknownName {
                kind: "model",
                name: "(none)".to_owned(),
                known: "a registered model".to_owned(),
            }),
            Some(n) => self
                .models()
                .find(|m| m.name() == n.trim())
                .ok_or_else(|| UnknownName {
                    kind: "model",
                    name: n.to_owned(),
                    known: known(),
                }),
        }
    }

    /// The model names, comma-separated.
    pub fn names(&self) -> String {
        self.models()
            .map(|m| m.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Resolves `spec` against the registry of the model it names (the first when it names
    /// none): every name looked up, every value checked. An unknown model is an error
    /// naming `model` and the known ones.
    pub fn resolve(&self, spec: &Spec, limits: &Limits) -> Result<Box<dyn AnySpec>, SpecError> {
        let model = self.find(spec.model.as_deref()).map_err(|e| {
            SpecError::value(
                "model",
                format!("{:?}", crate::params::short_text(&e.name)),
                e.known,
            )
        })?;
        model.resolve(spec, limits)
    }

    /// True when some model, rule or user of any model declares parameter `key`.
    pub fn declares(&self, key: &str) -> bool {
        self.models()
            .flat_map(|m| m.entries())
            .any(|e| e.params.iter().any(|p| p.name == key))
    }
}

impl<M: Driven> From<Registry<M>> for Workbench {
    /// A workbench of one model type (checked for the generic laws).
    fn from(registry: Registry<M>) -> Self {
        Workbench::new().model(registry)
    }
}

// ---------------------------------------------------------------------------------------
// Trajectory columns: which model wrote a trajectory CSV, and where each member's ledger is
// in it (what `plot` and `report` read).

use crate::model::{LedgerColumns, Model};

/// The model columns of a trajectory (its header before the index columns), the model that
/// writes them, and which of them hold each member's ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct TrajectoryColumns {
    /// The model's name.
    pub model: &'static str,
    /// The columns, in the file's order.
    pub columns: Vec<String>,
    /// Member `m`'s ledger columns at index `m`, one for each member the columns hold
    /// ([`Model::ledger_columns`]); empty when the model declares none.
    pub members: Vec<LedgerColumns>,
}

impl<M: Driven> ModelBench<M> {
    /// The registry's first model at its declared defaults.
    fn default_model(&self) -> Option<M> {
        let entry = self.registry.models().first()?;
        entry.build(&Declared::defaults(entry)).ok()
    }
}

/// Every name `members` declare.
fn ledger_names(members: &[LedgerColumns]) -> std::collections::HashSet<&str> {
    members.iter().flat_map(LedgerColumns::names).collect()
}

/// Which of `columns` hold each member's ledger, if they are the columns of a trajectory of
/// `model`'s type: members 0, 1, … as long as `columns` hold the member's balance column
/// (every column a member declares must be there), and the columns other than the members'
/// ledger columns are `model`'s own other columns, in order, but for the columns it writes
/// at some values of its parameters only ([`Model::optional_columns`]), which may be there
/// or not. Duplicate names match nothing.
fn ledger_columns_in<M: Model>(model: &M, columns: &[String]) -> Option<Vec<LedgerColumns>> {
    let names: std::collections::HashSet<&str> = columns.iter().map(String::as_str).collect();
    if names.len() != columns.len() {
        return None;
    }
    let mut members = Vec::new();
    while members.len() < columns.len() {
        let Some(member) = model.ledger_columns(members.len()) else {
            break;
        };
        if !names.contains(member.balance.name.as_str()) {
            break;
        }
        if !member.names().iter().all(|n| names.contains(n)) {
            return None;
        }
        members.push(member);
    }
    let own = model.columns();
    let own_members: Vec<LedgerColumns> = (0..model.n_members())
        .map_while(|m| model.ledger_columns(m))
        .collect();
    let (theirs, ours) = (ledger_names(&members), ledger_names(&own_members));
    // A column the model writes at some values of its parameters only (the network's
    // `lost`) may be there or not.
    let optional = model.optional_columns();
    let kept = |c: &&String| !optional.contains(&c.as_str());
    let rest = columns
        .iter()
        .filter(|c| !theirs.contains(c.as_str()))
        .filter(kept);
    let own_rest = own
        .iter()
        .filter(|c| !ours.contains(c.as_str()))
        .filter(kept);
    rest.eq(own_rest).then_some(members)
}

impl Workbench {
    /// The model that writes trajectories with these model `columns` (a trajectory CSV's
    /// header before the index columns), and which of them hold each member's ledger
    /// ([`Model::ledger_columns`]): the first model, in registration order, whose columns
    /// they are. `None` when no model's.
    ///
    /// ```
    /// use currents::workbench::Workbench;
    ///
    /// let bench = Workbench::builtin();
    /// let header: Vec<String> = ["balance_0", "limit_0", "balance_1", "limit_1", "balance_2",
    ///     "limit_2", "payer", "payee", "amount", "refused"].map(String::from).to_vec();
    /// let found = bench.trajectory_columns(&header).unwrap();
    /// assert_eq!((found.model, found.members.len()), ("network", 3));
    /// assert_eq!(found.members[2].balance.name, "balance_2");
    /// assert!(bench.trajectory_columns(&header[1..]).is_none());
    /// // With members leaving the network writes `lost` too (`Model::optional_columns`).
    /// let leaving = [header.clone(), vec!["lost".to_owned()]].concat();
    /// assert_eq!(bench.trajectory_columns(&leaving).unwrap().model, "network");
    /// ```
    pub fn trajectory_columns(&self, columns: &[String]) -> Option<TrajectoryColumns> {
        self.models().find_map(|m| {
            let members = m.ledger_columns_in(columns)?;
            Some(TrajectoryColumns {
                model: m.name(),
                columns: columns.to_vec(),
                members,
            })
        })
    }
}

// Reports of a sweep (appended for `currents findings`, issue 21): a model may register how
// a summary of a sweep of it reads as a report (V1: the notebook's questions), kept beside
// its registry and rendered with it, so that the command names no model.

/// A model's report of a sweep: renders `summary`, the text of a summary CSV of a sweep of
/// the model (what `currents sweep` writes), with the model's `registry`; `command` is the
/// command that regenerates the report, for it to name. The error says in one line why the
/// summary cannot be reported.
pub(crate) type SweepReport<M> =
    fn(summary: &str, command: &str, registry: &Registry<M>) -> Result<String, String>;

/// A report of a sweep, its model's type erased.
type ErasedReport = dyn Fn(&Workbench, &str, &str) -> Option<Result<String, String>> + Send + Sync;

/// A registered report and the type of the model bench it belongs to.
#[derive(Clone)]
struct RegisteredReport {
    model: std::any::TypeId,
    render: Arc<ErasedReport>,
}

impl Workbench {
    /// Registers `report` as the report of a sweep of model type `M` (`currents findings`
    /// renders it from a summary of a sweep of the model); a second one for `M` replaces
    /// the first. It is rendered with the registry the workbench holds for `M` then.
    pub fn sweep_report<M: Driven>(mut self, report: SweepReport<M>) -> Self {
        let model = std::any::TypeId::of::<ModelBench<M>>();
        let render: Arc<ErasedReport> = Arc::new(move |bench: &Workbench, summary, command| {
            bench
                .registry::<M>()
                .map(|registry| report(summary, command, registry))
        });
        self.reports.retain(|r| r.model != model);
        self.reports.push(RegisteredReport { model, render });
        self
    }

    /// The names of the models that have a report of a sweep, in the workbench's order.
    pub fn sweep_report_models(&self) -> Vec<&'static str> {
        self.models()
            .filter(|m| self.report_of(*m).is_some())
            .map(|m| m.name())
            .collect()
    }

    /// Renders the report of a sweep of the model named `model` from `summary` (the text of
    /// its summary CSV), naming `command` as the way to regenerate it; `None` when no model
    /// of that name has a report.
    pub fn render_sweep_report(
        &self,
        model: &str,
        summary: &str,
        command: &str,
    ) -> Option<Result<String, String>> {
        let m = self.find(Some(model)).ok()?;
        (self.report_of(m)?.render)(self, summary, command)
    }

    fn report_of(&self, model: &dyn AnyModel) -> Option<&RegisteredReport> {
        let id = Any::type_id(model.as_any());
        self.reports.iter().find(|r| r.model == id)
    }
}
