//! Trajectories gathered for plotting: one member's ledger, column by column, for every
//! run, grouped by input (and by cadCAD subset), built row by row so that a large CSV is
//! never held as rows.
//!
//! A trajectory CSV of any model — the model's columns, then cadCAD's index columns
//! `simulation,subset,run,substep,timestep` — is read by its header: the [`Workbench`] says
//! which of its models writes those columns and which of them hold each member's
//! ledger ([`crate::model::Model::ledger_columns`]). cadCAD's own files are V1's columns in
//! the same order, so they are read the same way. The dataset keeps, of every row, the
//! timestep and the chosen member's balance and limit, and its capacity, payment and mean
//! balance when the model declares columns for them: at most six doubles a row, whatever
//! the model's width.
//!
//! # One member, not an aggregate
//!
//! For a model of several members the charts draw one member's ledger (`--member M`,
//! default 0), the same charts a one-member model gets. An aggregate was the other choice
//! and says less: in a network whose members pay each other the balances sum to zero after
//! every step, so their sum and their mean are flat lines at zero, and a mean of limits
//! hides the member a rule starves. One member's balance against its own limit, across
//! runs, is what the limit laws are about; run `plot --member` once per member to see
//! others.
//!
//! [`Workbench`]: crate::workbench::Workbench

mod read;

pub use read::ReadError;

use std::collections::HashMap;

use crate::metrics::{SPENDING_UNIT, at_the_limit};
use crate::model::{LedgerColumn, MemberGroups};
use crate::workbench::TrajectoryColumns;

use super::Var;

/// Most rows a dataset holds (about 2 GB in memory): a larger input is refused rather than
/// exhausting memory; plot a subset of its runs instead.
pub(crate) const ROWS_MAX: usize = 40_000_000;

/// Most runs a dataset holds. A run costs about 560 bytes beyond its rows (its six column
/// vectors, their first allocations, its index entry), so without this bound 40 million
/// one-row runs would take 22 GB; with it the runs' own cost stays under 0.6 GB.
pub const RUNS_MAX: usize = 1_000_000;

/// Most runs whose members' final ledgers a dataset keeps (for the distribution and Lorenz
/// charts): 1000 runs of 1000 members are 16 MB; later runs add their share at the limit
/// only.
pub const MEMBER_RUNS_MAX: usize = 1000;

/// Most member groups whose share at the limit is kept (the user's first groups; the
/// `traders` user declares two).
pub const TYPES_SHOWN: usize = 16;

/// The largest magnitude a plotted value may have: 2^53, where doubles stop holding every
/// integer. Every trajectory the built-in models write stays below it (ARCHITECTURE.md),
/// and inside it the charts' sums, squares and spreads cannot overflow; a larger value
/// (`1e308`) is refused when read, as NaN and infinities are, naming its line and column.
pub(crate) const VALUE_ABS_MAX: f64 = 9_007_199_254_740_992.0;

/// Where a row sits: cadCAD's index columns (the substep is not kept: a later substep of
/// a timestep replaces the earlier).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowIndex {
    /// cadCAD's simulation index.
    pub simulation: u64,
    /// cadCAD's subset (parameter-set) index.
    pub subset: u64,
    /// The 1-based run.
    pub run: u64,
    /// The timestep (0 is genesis).
    pub timestep: u64,
}

/// One run's trajectory of the dataset's member, column by column, in timestep order. A
/// series the model declares no column for is empty.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunSeries {
    /// Index into [`Dataset::groups`].
    pub(crate) group: usize,
    /// cadCAD's subset index.
    pub(crate) subset: u64,
    /// The 1-based run.
    pub run: u64,
    /// Timesteps (0 is genesis).
    pub timestep: Vec<f64>,
    /// The balance.
    pub(crate) balance: Vec<f64>,
    /// The mean balance (V1's `avgUserBalance`), if declared.
    pub(crate) balance_mean: Vec<f64>,
    /// The limit, a magnitude.
    pub limit: Vec<f64>,
    /// The payment, if declared.
    pub(crate) payment: Vec<f64>,
    /// The capacity, if declared.
    pub(crate) capacity: Vec<f64>,
    /// Every member's ledger, for a model of several members (empty for one member).
    pub(crate) members: MemberSeries,
}

/// What a run of a model of several members gives the charts of the whole membership: every
/// member's balance and limit after the run's last row (in the first [`MEMBER_RUNS_MAX`]
/// runs), and per row the share of members at their limit, per member group. O(members) a
/// run and one double a row per member group, whatever the number of rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemberSeries {
    /// Member m's balance in the run's last row.
    pub balances: Vec<f64>,
    /// Member m's limit (a magnitude) in the run's last row.
    pub limits: Vec<f64>,
    /// Per member group ([`Dataset::member_group_names`]: one group of every member unless
    /// the user's groups were given), per row (as [`RunSeries::timestep`]), the share of the
    /// group's members at their limit: capacity (balance + limit) below the group's typical
    /// payment — below one unit, so that they cannot spend at all, for the one group of
    /// every member (`metrics::at_the_limit`).
    pub at_limit: Vec<Vec<f64>>,
}

impl RunSeries {
    /// Number of rows (timesteps) held.
    pub fn len(&self) -> usize {
        self.timestep.len()
    }

    /// Whether the run holds no row.
    pub fn is_empty(&self) -> bool {
        self.timestep.is_empty()
    }

    /// Every member's ledger, for a model of several members (empty for one member).
    pub fn members(&self) -> &MemberSeries {
        &self.members
    }

    /// Every series of the run, in [`Var::ALL`] order.
    fn series_mut(&mut self) -> [&mut Vec<f64>; 5] {
        [
            &mut self.balance,
            &mut self.balance_mean,
            &mut self.limit,
            &mut self.payment,
            &mut self.capacity,
        ]
    }
}

/// A set of runs compared on one chart (one input file, or one subset of a file).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The legend label: the input's label (`integrity=0.8`), with `subset k` appended when
    /// the input holds several subsets; empty for a single unlabelled input.
    pub(crate) label: String,
    /// The input (in the order of [`Dataset::add_input`]) the group's rows came from.
    pub(crate) input: usize,
}

/// Where a variable is in an input's rows: its column, and whether the column holds its
/// negation.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pick {
    at: usize,
    negated: bool,
}

/// One input: its label, the subsets seen, its columns and where the member's series are.
#[derive(Debug, Clone, Default)]
struct Input {
    label: String,
    subsets: Vec<u64>,
    columns: Option<TrajectoryColumns>,
    /// Per variable, in [`Var::ALL`] order.
    picks: [Option<Pick>; 5],
    /// Every member's balance and limit, for a model of several members (else empty).
    members: Vec<(Pick, Pick)>,
}

/// The model of a dataset's inputs, its number of members (the first input's) and the name
/// of each variable (in [`Var::ALL`] order) on the charts.
#[derive(Debug, Clone)]
struct Shape {
    model: &'static str,
    n_members: usize,
    names: [Option<String>; 5],
}

/// Every run to plot, with the groups they belong to: one member's ledger of trajectories
/// of one model.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// The groups, in the order first seen.
    pub groups: Vec<Group>,
    /// The runs, in the order first seen.
    pub runs: Vec<RunSeries>,
    member: usize,
    /// The inputs' model, set with the first input's columns.
    model: Option<Shape>,
    index: HashMap<(usize, u64, u64, u64), usize>,
    last: Option<((usize, u64, u64, u64), usize)>,
    inputs: Vec<Input>,
    n_rows: usize,
    /// The member groups of the user that made the rows, when known (`simulate --plot`).
    member_groups: Option<MemberGroups>,
}

impl Dataset {
    /// An empty dataset of member 0's ledger.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty dataset of member `member`'s ledger.
    pub fn of_member(member: usize) -> Self {
        Dataset {
            member,
            ..Self::default()
        }
    }

    /// The member whose ledger the dataset holds.
    pub fn member(&self) -> usize {
        self.member
    }

    /// The model of the inputs (`None` before any input's columns are set).
    pub fn model(&self) -> Option<&'static str> {
        self.model.as_ref().map(|m| m.model)
    }

    /// How many members the first input's trajectories hold (0 before it is set).
    pub fn n_members(&self) -> usize {
        self.model.as_ref().map_or(0, |m| m.n_members)
    }

    /// True when the model declares a column for `var` (the balance and the limit always).
    pub fn has(&self, var: Var) -> bool {
        self.model
            .as_ref()
            .is_some_and(|m| m.names[var.index()].is_some())
    }

    /// The name of `var` on the charts: the column it is read from (`−` before a column
    /// that holds its negation); empty when the model declares none.
    pub fn name(&self, var: Var) -> &str {
        self.model
            .as_ref()
            .and_then(|m| m.names[var.index()].as_deref())
            .unwrap_or("")
    }

    /// The variable drawn as the member's balance level: the mean balance when the model
    /// keeps one (as V1's charts draw `avgUserBalance`), else the balance.
    pub fn level(&self) -> Var {
        if self.has(Var::BalanceMean) {
            Var::BalanceMean
        } else {
            Var::Balance
        }
    }

    /// Input `input`'s columns, once set.
    pub(crate) fn columns(&self, input: usize) -> Option<&TrajectoryColumns> {
        self.inputs.get(input).and_then(|i| i.columns.as_ref())
    }

    /// Registers an input (a file) with its label (`""` for none); returns its index for
    /// [`Dataset::set_columns`], [`Dataset::read_csv`] and [`Dataset::push`].
    pub fn add_input(&mut self, label: &str) -> usize {
        self.inputs.push(Input {
            label: label.to_owned(),
            ..Input::default()
        });
        self.inputs.len() - 1
    }

    /// Sets the columns of input `input`'s rows (found by
    /// [`crate::workbench::Workbench::trajectory_columns`]): refused when the model declares
    /// no ledger columns, when the dataset's member is not one of the trajectory's members,
    /// when an earlier input is another model's, or when they are set already.
    pub fn set_columns(
        &mut self,
        input: usize,
        columns: TrajectoryColumns,
    ) -> Result<(), ReadError> {
        match self.inputs.get(input) {
            None => {
                return Err(ReadError::Input {
                    input,
                    problem: "no such input (Dataset::add_input)",
                });
            }
            Some(i) if i.columns.is_some() => {
                return Err(ReadError::Input {
                    input,
                    problem: "its columns are already set",
                });
            }
            Some(_) => {}
        }
        let model = columns.model;
        let Some(member) = columns.members.get(self.member) else {
            return Err(if columns.members.is_empty() {
                ReadError::NoLedger { model }
            } else {
                ReadError::NoSuchMember {
                    member: self.member,
                    model,
                    n_members: columns.members.len(),
                }
            });
        };
        if let Some(first) = self.model()
            && first != model
        {
            return Err(ReadError::OtherModel { model, first });
        }
        // In Var::ALL order.
        let declared = [
            Some(&member.balance),
            member.balance_mean.as_ref(),
            Some(&member.limit),
            member.payment.as_ref(),
            member.capacity.as_ref(),
        ];
        let mut picks = [None; 5];
        for (pick, column) in picks.iter_mut().zip(declared) {
            if let Some(c) = column {
                let at = columns.columns.iter().position(|n| *n == c.name);
                let at = at.ok_or_else(|| ReadError::Header {
                    found: columns.columns.join(","),
                    expected: format!("{model}'s, with a column {:?}", c.name),
                })?;
                *pick = Some(Pick {
                    at,
                    negated: c.negated,
                });
            }
        }
        if self.model.is_none() {
            self.model = Some(Shape {
                model,
                n_members: columns.members.len(),
                names: declared.map(|c| c.map(shown_name)),
            });
        }
        // Every member's balance and limit, for the charts of the membership: only where
        // there are several.
        let mut members = Vec::new();
        if columns.members.len() > 1 {
            let pick = |c: &LedgerColumn| {
                columns
                    .columns
                    .iter()
                    .position(|n| *n == c.name)
                    .map(|at| Pick {
                        at,
                        negated: c.negated,
                    })
            };
            for m in &columns.members {
                if let (Some(balance), Some(limit)) = (pick(&m.balance), pick(&m.limit)) {
                    members.push((balance, limit));
                }
            }
        }
        let slot = &mut self.inputs[input];
        slot.picks = picks;
        slot.members = members;
        slot.columns = Some(columns);
        Ok(())
    }

    /// Sets the member groups of the user that made the rows (a `traders` run's high- and
    /// low-volume members), before any row is pushed: the share at the limit is then kept
    /// per group (the first [`TYPES_SHOWN`]), each against its typical payment. A trajectory
    /// CSV does not say which user made it, so `plot` on a file keeps one group of every
    /// member.
    pub fn set_member_groups(&mut self, groups: MemberGroups) {
        self.member_groups = Some(groups);
    }

    /// The names of the member groups [`MemberSeries::at_limit`] is kept for: the user's,
    /// or `all members`.
    pub fn member_group_names(&self) -> Vec<&'static str> {
        match &self.member_groups {
            Some(g) => g
                .groups()
                .iter()
                .take(TYPES_SHOWN)
                .map(|g| g.name)
                .collect(),
            None => vec!["all members"],
        }
    }

    /// Rows held.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Adds one row of input `input` at `at`: `cells` are the row's model columns (as set
    /// by [`Dataset::set_columns`]), of which the member's are kept. A row with the same
    /// timestep as the run's previous row (a later substep) replaces it, so each run keeps
    /// one row per timestep. Refused as [`Dataset::read_csv`] refuses a row.
    pub fn push(&mut self, input: usize, at: RowIndex, cells: &[f64]) -> Result<(), ReadError> {
        self.push_at(input, None, at, cells)
    }

    fn push_at(
        &mut self,
        input: usize,
        line: Option<u64>,
        at: RowIndex,
        cells: &[f64],
    ) -> Result<(), ReadError> {
        let columns = self.columns(input).map(|c| &c.columns);
        if columns.map(Vec::len) != Some(cells.len()) {
            return Err(ReadError::Row {
                input,
                found: cells.len(),
                expected: columns.map_or(0, Vec::len),
            });
        }
        let key = (input, at.simulation, at.subset, at.run);
        if self.n_rows() >= ROWS_MAX {
            return Err(ReadError::TooMany {
                what: "rows",
                max: ROWS_MAX,
            });
        }
        if self.runs.len() >= RUNS_MAX && !self.holds_run(key) {
            return Err(ReadError::TooMany {
                what: "runs",
                max: RUNS_MAX,
            });
        }
        for (column, &x) in columns.into_iter().flatten().zip(cells) {
            if !(x.is_finite() && x.abs() <= VALUE_ABS_MAX) {
                return Err(ReadError::Cell {
                    line,
                    column: column.clone(),
                    value: crate::params::short_number(x),
                    expected: format!(
                        "a finite number in [-{VALUE_ABS_MAX}, {VALUE_ABS_MAX}] (what a chart can draw)"
                    ),
                });
            }
        }
        let idx = self.run_of(key, at);
        let Input { picks, members, .. } = &self.inputs[input];
        let groups = self.member_groups.as_ref();
        let r = &mut self.runs[idx];
        let t = at.timestep as f64;
        if r.timestep.last() == Some(&t) {
            self.n_rows -= 1;
            r.timestep.pop();
            for series in r.series_mut() {
                series.pop();
            }
            r.members.at_limit.iter_mut().for_each(|g| {
                g.pop();
            });
        }
        self.n_rows += 1;
        r.timestep.push(t);
        let value = |Pick { at, negated }: Pick| if negated { -cells[at] } else { cells[at] };
        for (series, pick) in r.series_mut().into_iter().zip(*picks) {
            if let Some(pick) = pick {
                series.push(value(pick));
            }
        }
        if !members.is_empty() {
            let m = &mut r.members;
            let keep = idx < MEMBER_RUNS_MAX;
            m.balances.clear();
            m.limits.clear();
            let n_groups = groups.map_or(1, |g| g.groups().len()).min(TYPES_SHOWN);
            m.at_limit.resize(n_groups, Vec::new());
            let (mut at, mut size) = ([0usize; TYPES_SHOWN], [0usize; TYPES_SHOWN]);
            for (member, &(balance, limit)) in members.iter().enumerate() {
                let (b, l) = (value(balance), value(limit));
                let (g, typical) = match groups {
                    Some(groups) => {
                        let g = groups.group_of(member);
                        (g, groups.groups()[g].typical_payment)
                    }
                    None => (0, SPENDING_UNIT),
                };
                if g < TYPES_SHOWN {
                    at[g] += usize::from(at_the_limit(b + l, typical));
                    size[g] += 1;
                }
                if keep {
                    m.balances.push(b);
                    m.limits.push(l);
                }
            }
            for (g, series) in m.at_limit.iter_mut().enumerate() {
                series.push(at[g] as f64 / size[g].max(1) as f64);
            }
        }
        Ok(())
    }

    /// True when the run `key` already has rows here.
    fn holds_run(&self, key: (usize, u64, u64, u64)) -> bool {
        self.last.is_some_and(|(k, _)| k == key) || self.index.contains_key(&key)
    }

    /// The index of the run `key` in [`Dataset::runs`], added if new.
    fn run_of(&mut self, key: (usize, u64, u64, u64), at: RowIndex) -> usize {
        if let Some((k, i)) = self.last
            && k == key
        {
            return i;
        }
        let next = self.runs.len();
        let i = *self.index.entry(key).or_insert(next);
        if i == next {
            let subsets = &mut self.inputs[key.0].subsets;
            if !subsets.contains(&at.subset) {
                subsets.push(at.subset);
            }
            self.runs.push(RunSeries {
                group: 0, // assigned in `finish`
                subset: at.subset,
                run: at.run,
                ..RunSeries::default()
            });
        }
        self.last = Some((key, i));
        i
    }

    /// Assigns every run to its group (input × subset) and names the groups; call once all
    /// rows are in.
    pub fn finish(&mut self) {
        let mut group_of: HashMap<(usize, u64), usize> = HashMap::new();
        self.groups.clear();
        for (input, Input { label, subsets, .. }) in self.inputs.iter().enumerate() {
            for &subset in subsets {
                let label = match (label.is_empty(), subsets.len() > 1) {
                    (_, false) => label.clone(),
                    (true, true) => format!("subset {subset}"),
                    (false, true) => format!("{label} subset {subset}"),
                };
                group_of.insert((input, subset), self.groups.len());
                self.groups.push(Group { label, input });
            }
        }
        let keys: Vec<_> = self.index.iter().map(|(k, &i)| (i, k.0)).collect();
        for (i, input) in keys {
            let subset = self.runs[i].subset;
            self.runs[i].group = group_of[&(input, subset)];
        }
    }

    /// The number of timesteps of the longest run.
    pub(crate) fn n_steps_max(&self) -> usize {
        self.runs.iter().map(RunSeries::len).max().unwrap_or(0)
    }

    /// The runs of group `g`.
    pub(crate) fn runs_of(&self, g: usize) -> impl Iterator<Item = &RunSeries> {
        self.runs.iter().filter(move |r| r.group == g)
    }
}

/// `1 member`, `4 members`.
pub(crate) fn members(n: usize) -> String {
    if n == 1 {
        "1 member".to_owned()
    } else {
        format!("{n} members")
    }
}

/// A column's name as the charts show it: `−name` for a column holding the negation.
fn shown_name(c: &LedgerColumn) -> String {
    if c.negated {
        format!("−{}", c.name)
    } else {
        c.name.clone()
    }
}
