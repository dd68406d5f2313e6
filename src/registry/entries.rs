//! The declarations a registry holds: a model type's, a rule's and a user type's name,
//! summary and parameters ([`ModelType`], [`UserType`], [`crate::rules::Rule`]), and the
//! entries that build them from checked values ([`ModelEntry`], [`RuleEntry`],
//! [`UserEntry`]).

use std::any::TypeId;
use std::fmt;

use crate::model::{Behaviour, CreditPolicy, Enforcement, Model};
use crate::params::{AtMost, ParamError, ParamSpec, check_values};
use crate::rules::Rule;

use super::{BehaviourBox, PolicyBox};

/// One registered rule: its declaration and its constructor.
pub struct RuleEntry<M: Model> {
    /// Its name.
    pub name: &'static str,
    /// One line on what it does.
    pub(crate) summary: &'static str,
    /// Its declared parameters, in constructor order.
    pub params: &'static [ParamSpec],
    /// [`Rule::ORDERED`]: the pairs of its parameters that constrain each other.
    pub(crate) ordered: &'static [AtMost],
    /// [`Rule::PROBED`]: `currents check` probes it on its model's grid of inputs.
    pub probed: bool,
    build: fn(&[f64]) -> PolicyBox<M>,
    type_id: fn() -> TypeId,
}

impl<M: Model> Clone for RuleEntry<M> {
    fn clone(&self) -> Self {
        RuleEntry { ..*self }
    }
}

/// Two entries are the same rule when they have the same name (a registry holds one rule
/// per name).
impl<M: Model> PartialEq for RuleEntry<M> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl<M: Model> fmt::Debug for RuleEntry<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RuleEntry({})", self.name)
    }
}

impl<M: Model> RuleEntry<M> {
    /// The entry of rule `R`.
    pub(super) fn of<R: Rule + CreditPolicy<M>>() -> Self
    where
        R::Memory: 'static,
    {
        RuleEntry {
            name: R::NAME,
            summary: R::SUMMARY,
            params: R::PARAMS,
            ordered: R::ORDERED,
            probed: R::PROBED,
            build: build::<M, R>,
            type_id: TypeId::of::<R>,
        }
    }

    /// The default value of every parameter, in declaration order.
    pub fn defaults(&self) -> Vec<f64> {
        crate::params::defaults(self.params)
    }

    /// Builds the rule from `values` (declaration order), each checked against its
    /// declared range and the pairs it declares; the error names `rule.param`.
    pub fn build(&self, values: &[f64]) -> Result<PolicyBox<M>, ParamError> {
        check_values(self.name, self.params, self.ordered, values)?;
        Ok((self.build)(values))
    }

    /// Builds the rule at its defaults.
    pub fn build_default(&self) -> PolicyBox<M> {
        (self.build)(&self.defaults())
    }

    /// The enforcement the rule uses at its defaults.
    pub fn enforcement(&self) -> Enforcement {
        CreditPolicy::enforcement(&self.build_default())
    }

    /// True when the entry builds rule type `R` (a fast path for a known type, whatever
    /// name it is registered under).
    pub(crate) fn is<R: 'static>(&self) -> bool {
        (self.type_id)() == TypeId::of::<R>()
    }

    /// True when both entries build the same rule type.
    pub(crate) fn same_type(&self, other: &Self) -> bool {
        (self.type_id)() == (other.type_id)()
    }
}

fn build<M: Model, R: Rule + CreditPolicy<M>>(values: &[f64]) -> PolicyBox<M>
where
    R::Memory: 'static,
{
    PolicyBox::new(R::NAME, R::from_values(values))
}

/// What a spec resolves against: a registered name with declared parameters and their
/// defaults. Implemented by [`ModelEntry`], [`RuleEntry`] and [`UserEntry`].
pub trait Declared {
    /// What kind of entry: `model`, `rule` or `user`.
    const KIND: &'static str;
    /// The registered name.
    fn name(&self) -> &'static str;
    /// One line on what it is.
    fn summary(&self) -> &'static str;
    /// The declared parameters, in constructor order.
    fn params(&self) -> &'static [ParamSpec];
    /// The pairs of parameters that constrain each other (a minimum and its maximum).
    fn ordered(&self) -> &'static [AtMost] {
        &[]
    }
    /// The values it runs with when a spec sets none (a preset's values for a preset).
    fn defaults(&self) -> Vec<f64>;
}

impl<M: Model> Declared for RuleEntry<M> {
    const KIND: &'static str = "rule";
    fn name(&self) -> &'static str {
        self.name
    }
    fn summary(&self) -> &'static str {
        self.summary
    }
    fn params(&self) -> &'static [ParamSpec] {
        self.params
    }
    fn ordered(&self) -> &'static [AtMost] {
        self.ordered
    }
    fn defaults(&self) -> Vec<f64> {
        RuleEntry::defaults(self)
    }
}

/// A user type's declaration: its parameters and how to build it from their values (the
/// shape of [`Rule`]). How it draws is its [`crate::model::Behaviour`]
/// implementation.
pub trait UserType: Sized {
    /// The name specs use (`user = "…"`).
    const NAME: &'static str;
    /// One line on what the user does.
    const SUMMARY: &'static str;
    /// The declared parameters, in the order [`UserType::from_values`] receives them.
    const PARAMS: &'static [ParamSpec];
    /// Pairs of parameters that constrain each other (a minimum and its maximum), checked
    /// with the values; none by default.
    const ORDERED: &'static [AtMost] = &[];
    /// Builds the behaviour from checked values (same order as [`UserType::PARAMS`]).
    fn from_values(values: &[f64]) -> Self;

    /// True when the user trades on a graph a spec names by file (`edges`, read by the
    /// caller: [`crate::spec::Edges`]): a spec of this user must name one, and a spec of
    /// any other user may not. Default: false.
    const READS_EDGES: bool = false;

    /// Builds the behaviour from checked values and the spec's edges (a user with
    /// [`UserType::READS_EDGES`]; every index was checked below the model's members).
    /// Default: [`UserType::from_values`].
    fn from_edges(values: &[f64], edges: &crate::spec::Edges) -> Self {
        let _ = edges;
        Self::from_values(values)
    }
}

/// A model's declaration: the parameters that build it (for V1: the send-volume window and
/// the genesis credit). The shape of [`Rule`] for models.
pub trait ModelType: Model + Sized {
    /// The name specs use (`model = "v1"`).
    const NAME: &'static str;
    /// One line on what the model is.
    const SUMMARY: &'static str;
    /// The declared parameters, in the order [`ModelType::from_values`] receives them.
    const PARAMS: &'static [ParamSpec];
    /// Pairs of parameters that constrain each other (a minimum and its maximum), checked
    /// with the values; none by default.
    const ORDERED: &'static [AtMost] = &[];
    /// Tighter declarations of some of [`ModelType::PARAMS`] (matched by name) that hold
    /// where a workflow writes a row per state — a trajectory CSV, a scenario's tables,
    /// charts —: a parameter that widens the row (the network's `members`, two columns
    /// each) is bounded there by what a row can hold. Default: none.
    const TRAJECTORY_PARAMS: &'static [ParamSpec] = &[];
    /// The most steps one run of the model may take in any workflow (each workflow has
    /// its own bound too, and the smaller holds). Default: `STEPS_MAX` (10^6), for a model
    /// whose history grows with the run (V1's exact history keeps 25 bytes a step); a
    /// model whose run holds the same whatever its length may accept more.
    const STEPS_MAX: u64 = crate::params::STEPS_MAX;
    /// Builds the model from checked values (same order as [`ModelType::PARAMS`]).
    fn from_values(values: &[f64]) -> Self;

    /// Which columns a scenario report tables of this model's states, and how wide
    /// ([`ReportLayout`]). A method, not a constant, because the columns may depend on the
    /// model's parameters (a network has two per member). By default every column of
    /// [`Model::columns`], each as wide as its name (`ReportLayout::of_columns`). How the
    /// report names a member's balance, limit and means is not declared here but read from
    /// [`Model::ledger_columns`].
    fn report_layout(&self) -> ReportLayout {
        ReportLayout::of_columns(&self.columns())
    }
}

/// Which columns a scenario report (`crate::scenario`) tables of a model's states, and how
/// wide. A model declares it ([`ModelType::report_layout`]); the report itself names no
/// model, and reads the names of a member's ledger from [`Model::ledger_columns`].
///
/// The table's first column is always the step; `columns` follow it, each a column of
/// [`Model::columns`] by name with its width in characters (values are right-aligned; a
/// longer value widens its row, which stays readable but no longer lines up). A name the
/// model's columns do not hold is shown as `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLayout {
    /// The tabled columns after the step, each a column name of the model and its width.
    pub columns: Vec<(String, usize)>,
}

impl ReportLayout {
    /// The smallest width [`ReportLayout::of_columns`] gives a column.
    pub(crate) const WIDTH_MIN: usize = 8;

    /// The layout of a model that declares none: every column in `columns`, each as wide
    /// as its name (at least 8).
    ///
    /// ```
    /// use currents::registry::ReportLayout;
    ///
    /// let layout = ReportLayout::of_columns(&["balance".to_owned(), "creditLimit".to_owned()]);
    /// assert_eq!(layout.columns, [("balance".to_owned(), 8), ("creditLimit".to_owned(), 11)]);
    /// ```
    pub fn of_columns(columns: &[String]) -> Self {
        ReportLayout {
            columns: columns
                .iter()
                .map(|c| (c.clone(), c.chars().count().max(Self::WIDTH_MIN)))
                .collect(),
        }
    }
}

/// One registered model: its declaration and its constructor.
pub struct ModelEntry<M> {
    /// Its name.
    pub name: &'static str,
    /// One line on what it is.
    pub(crate) summary: &'static str,
    /// Its declared parameters.
    pub(crate) params: &'static [ParamSpec],
    /// [`ModelType::ORDERED`].
    pub(crate) ordered: &'static [AtMost],
    /// [`ModelType::TRAJECTORY_PARAMS`].
    pub(crate) trajectory_params: &'static [ParamSpec],
    /// [`ModelType::STEPS_MAX`].
    pub(crate) steps_max: u64,
    build: fn(&[f64]) -> M,
    layout: fn(&M) -> ReportLayout,
}

impl<M> Clone for ModelEntry<M> {
    fn clone(&self) -> Self {
        ModelEntry { ..*self }
    }
}

impl<M> fmt::Debug for ModelEntry<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ModelEntry({})", self.name)
    }
}

impl<M> PartialEq for ModelEntry<M> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl<M: ModelType> ModelEntry<M> {
    /// The entry of model type `M`.
    pub(super) fn of() -> Self {
        ModelEntry {
            name: M::NAME,
            summary: M::SUMMARY,
            params: M::PARAMS,
            ordered: M::ORDERED,
            trajectory_params: M::TRAJECTORY_PARAMS,
            steps_max: M::STEPS_MAX,
            build: M::from_values,
            layout: M::report_layout,
        }
    }
}

impl<M: Model> ModelEntry<M> {
    /// Builds the model from `values` (declaration order), each checked against its
    /// declared range. Fewer values than declared parameters leave the last parameters at
    /// their declared defaults, so that code written before a model declared a parameter
    /// (the network's `leave-after`) builds the model it built then; more values are an
    /// error naming `parameters`.
    ///
    /// ```
    /// let entry = currents::network::registry().find_model("network").unwrap().clone();
    /// let net = entry.build(&[4.0, 2.0]).unwrap();
    /// assert_eq!(net, entry.build(&[4.0, 2.0, 0.0]).unwrap());
    /// assert!(entry.build(&[4.0, 2.0, 0.0, 1.0]).is_err());
    /// ```
    pub fn build(&self, values: &[f64]) -> Result<M, ParamError> {
        let mut all = values.to_vec();
        if let Some(rest) = self.params.get(values.len()..) {
            all.extend(rest.iter().map(|p| p.default));
        }
        check_values(self.name, self.params, self.ordered, &all)?;
        Ok((self.build)(&all))
    }

    /// How a scenario report shows the states of the model built from `values`
    /// ([`ModelType::report_layout`]); the values are checked as [`ModelEntry::build`]
    /// checks them.
    pub(crate) fn report_layout(&self, values: &[f64]) -> Result<ReportLayout, ParamError> {
        Ok((self.layout)(&self.build(values)?))
    }
}

impl<M: Model> Declared for ModelEntry<M> {
    const KIND: &'static str = "model";
    fn name(&self) -> &'static str {
        self.name
    }
    fn summary(&self) -> &'static str {
        self.summary
    }
    fn params(&self) -> &'static [ParamSpec] {
        self.params
    }
    fn ordered(&self) -> &'static [AtMost] {
        self.ordered
    }
    fn defaults(&self) -> Vec<f64> {
        crate::params::defaults(self.params)
    }
}

/// One registered user behaviour: its declaration, its values (a preset's, or the declared
/// defaults) and its constructor.
pub struct UserEntry<M: Model> {
    /// Its name.
    pub name: &'static str,
    /// One line on what it models.
    pub(crate) summary: &'static str,
    /// Its declared parameters.
    pub(crate) params: &'static [ParamSpec],
    /// [`UserType::ORDERED`].
    pub(crate) ordered: &'static [AtMost],
    values: Vec<f64>,
    build: fn(&[f64]) -> BehaviourBox<M>,
    /// [`UserType::READS_EDGES`] and [`UserType::from_edges`].
    pub(crate) reads_edges: bool,
    build_edges: fn(&[f64], &crate::spec::Edges) -> BehaviourBox<M>,
    type_id: fn() -> TypeId,
}

impl<M: Model> Clone for UserEntry<M> {
    fn clone(&self) -> Self {
        UserEntry {
            values: self.values.clone(),
            ..*self
        }
    }
}

impl<M: Model> fmt::Debug for UserEntry<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserEntry({})", self.name)
    }
}

impl<M: Model> PartialEq for UserEntry<M> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.values == other.values
    }
}

impl<M: Model> UserEntry<M> {
    /// The entry of user behaviour `U` under `name`, with the (checked) `values`.
    pub(super) fn preset_of<U: UserType + Behaviour<M> + Send + 'static>(
        name: &'static str,
        summary: &'static str,
        values: &[f64],
    ) -> Self
    where
        U::Memory: 'static,
    {
        UserEntry {
            name,
            summary,
            params: U::PARAMS,
            ordered: U::ORDERED,
            values: values.to_vec(),
            build: build_user::<M, U>,
            reads_edges: U::READS_EDGES,
            build_edges: build_user_on::<M, U>,
            type_id: TypeId::of::<U>,
        }
    }

    /// Builds the behaviour from `values` (declaration order), each checked against its
    /// declared range.
    pub fn build(&self, values: &[f64]) -> Result<BehaviourBox<M>, ParamError> {
        self.build_on(values, None)
    }

    /// [`UserEntry::build`] with a spec's edges, which a user that reads edges
    /// ([`UserType::from_edges`]) trades on.
    pub fn build_on(
        &self,
        values: &[f64],
        edges: Option<&crate::spec::Edges>,
    ) -> Result<BehaviourBox<M>, ParamError> {
        check_values(self.name, self.params, self.ordered, values)?;
        let mut b = match edges {
            Some(edges) if self.reads_edges => (self.build_edges)(values, edges),
            _ => (self.build)(values),
        };
        b.name = self.name; // a preset's box carries the preset's name
        Ok(b)
    }

    /// True when the entry builds behaviour type `U`.
    pub(crate) fn is<U: 'static>(&self) -> bool {
        (self.type_id)() == TypeId::of::<U>()
    }

    /// True when both entries build the same behaviour type (two presets of one user).
    pub(crate) fn same_type(&self, other: &Self) -> bool {
        (self.type_id)() == (other.type_id)()
    }
}

impl<M: Model> Declared for UserEntry<M> {
    const KIND: &'static str = "user";
    fn name(&self) -> &'static str {
        self.name
    }
    fn summary(&self) -> &'static str {
        self.summary
    }
    fn params(&self) -> &'static [ParamSpec] {
        self.params
    }
    fn ordered(&self) -> &'static [AtMost] {
        self.ordered
    }
    fn defaults(&self) -> Vec<f64> {
        self.values.clone()
    }
}

fn build_user_on<M: Model, U: UserType + Behaviour<M> + Send + 'static>(
    values: &[f64],
    edges: &crate::spec::Edges,
) -> BehaviourBox<M>
where
    U::Memory: 'static,
{
    BehaviourBox::new(U::NAME, U::from_edges(values, edges))
}

fn build_user<M: Model, U: UserType + Behaviour<M> + Send + 'static>(
    values: &[f64],
) -> BehaviourBox<M>
where
    U::Memory: 'static,
{
    BehaviourBox::new(U::NAME, U::from_values(values))
}
