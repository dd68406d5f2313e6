//! Trajectories gathered for plotting: one column-wise series per run, grouped by input
//! (and by cadCAD subset), built row by row so a large CSV never has to be held as rows.

use std::collections::HashMap;
use std::io;

use crate::v1::csv::{self, ReadError, Row};

/// Most rows a dataset holds (about 2 GB in memory): a larger input is refused rather than
/// exhausting memory; plot a subset of its runs instead.
pub const ROWS_MAX: usize = 40_000_000;

/// Most runs a dataset holds. A run costs about 560 bytes beyond its rows (its six column
/// vectors, their first allocations, its index entry), so without this bound 40 million
/// one-row runs would take 22 GB; with it the runs' own cost stays under 0.6 GB.
pub const RUNS_MAX: usize = 1_000_000;

/// The bytes a dataset holds per row (six doubles) and, beyond its rows, per run: what
/// [`ROWS_MAX`] and [`RUNS_MAX`] bound (ARCHITECTURE.md, "Memory budgets").
pub const BYTES_PER_ROW: usize = 48;
/// See [`BYTES_PER_ROW`].
pub const BYTES_PER_RUN: usize = 560;

/// The largest magnitude a plotted value may have: 2^53, where doubles stop holding every
/// integer. Every trajectory the model writes stays below it (ARCHITECTURE.md), and inside
/// it the charts' sums, squares and spreads cannot overflow; a larger value (`1e308`) is
/// refused when read, as NaN and infinities are, naming its line and column.
pub const VALUE_ABS_MAX: f64 = 9_007_199_254_740_992.0;

/// One run's trajectory, column by column, in timestep order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunSeries {
    /// Index into [`Dataset::groups`].
    pub group: usize,
    /// cadCAD's subset index.
    pub subset: u64,
    /// The 1-based run.
    pub run: u64,
    /// Timesteps (0 is genesis).
    pub timestep: Vec<f64>,
    /// `userBalance`.
    pub balance: Vec<f64>,
    /// `avgUserBalance`.
    pub balance_mean: Vec<f64>,
    /// `userCredit`.
    pub credit: Vec<f64>,
    /// `transaction`.
    pub transaction: Vec<f64>,
    /// `userCapacity`.
    pub capacity: Vec<f64>,
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
}

/// A set of runs compared on one chart (one input file, or one subset of a file).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The legend label: the input's label (`integrity=0.8`), with `subset k` appended when
    /// the input holds several subsets; empty for a single unlabelled input.
    pub label: String,
    /// The input (in the order of [`Dataset::add_input`]) the group's rows came from.
    pub input: usize,
}

/// Every run to plot, with the groups they belong to.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// The groups, in the order first seen.
    pub groups: Vec<Group>,
    /// The runs, in the order first seen.
    pub runs: Vec<RunSeries>,
    index: HashMap<(usize, u64, u64, u64), usize>,
    last: Option<((usize, u64, u64, u64), usize)>,
    inputs: Vec<(String, Vec<u64>)>,
    n_rows: usize,
}

impl Dataset {
    /// An empty dataset.
    pub fn new() -> Self {
        Self::default()
    }

    /// A dataset of one unlabelled input.
    pub fn from_rows(rows: &[Row]) -> Self {
        let mut ds = Self::new();
        let input = ds.add_input("");
        for row in rows {
            ds.push(input, row);
        }
        ds.finish();
        ds
    }

    /// Registers an input (a file) with its label (`""` for none); returns its index for
    /// [`Dataset::push`].
    pub fn add_input(&mut self, label: &str) -> usize {
        self.inputs.push((label.to_owned(), Vec::new()));
        self.inputs.len() - 1
    }

    /// Reads a trajectory CSV into input `input`, row by row; stops with an error once the
    /// dataset would hold more than [`ROWS_MAX`] rows, or at a value the charts cannot
    /// draw (NaN, an infinity, a magnitude above [`VALUE_ABS_MAX`]).
    pub fn read_csv<R: io::Read>(&mut self, input: usize, reader: R) -> Result<(), ReadError> {
        csv::for_each_row_at(reader, |line, row| {
            if self.n_rows() >= ROWS_MAX {
                let msg = format!("more than {ROWS_MAX} rows (accepted: at most {ROWS_MAX})");
                return Err(ReadError::Csv(io::Error::other(msg).into()));
            }
            if self.runs.len() >= RUNS_MAX && !self.holds_run(input, &row) {
                let msg = format!("more than {RUNS_MAX} runs (accepted: at most {RUNS_MAX})");
                return Err(ReadError::Csv(io::Error::other(msg).into()));
            }
            check_plottable(line, &row)?;
            self.push(input, &row);
            Ok(())
        })
    }

    /// True when the run of `row` (in input `input`) already has rows here.
    fn holds_run(&self, input: usize, row: &Row) -> bool {
        let key = (input, row.simulation, row.subset, row.run);
        self.last.is_some_and(|(k, _)| k == key) || self.index.contains_key(&key)
    }

    /// Rows held.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Adds one row of input `input`. A row with the same timestep as the run's previous
    /// row (a later substep) replaces it, so each run keeps one row per timestep.
    pub fn push(&mut self, input: usize, row: &Row) {
        let key = (input, row.simulation, row.subset, row.run);
        let idx = match self.last {
            Some((k, i)) if k == key => i,
            _ => {
                let next = self.runs.len();
                let i = *self.index.entry(key).or_insert(next);
                if i == next {
                    let subsets = &mut self.inputs[input].1;
                    if !subsets.contains(&row.subset) {
                        subsets.push(row.subset);
                    }
                    self.runs.push(RunSeries {
                        group: 0, // assigned in `finish`
                        subset: row.subset,
                        run: row.run,
                        ..RunSeries::default()
                    });
                }
                self.last = Some((key, i));
                i
            }
        };
        let r = &mut self.runs[idx];
        let s = &row.state;
        let t = row.timestep as f64;
        if r.timestep.last() == Some(&t) {
            self.n_rows -= 1;
            r.timestep.pop();
            r.balance.pop();
            r.balance_mean.pop();
            r.credit.pop();
            r.transaction.pop();
            r.capacity.pop();
        }
        self.n_rows += 1;
        r.timestep.push(t);
        r.balance.push(s.balance);
        r.balance_mean.push(s.balance_mean);
        r.credit.push(s.credit as f64);
        r.transaction.push(s.transaction as f64);
        r.capacity.push(s.capacity as f64);
    }

    /// Assigns every run to its group (input × subset) and names the groups; call once all
    /// rows are in.
    pub fn finish(&mut self) {
        let mut group_of: HashMap<(usize, u64), usize> = HashMap::new();
        self.groups.clear();
        for (input, (label, subsets)) in self.inputs.iter().enumerate() {
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
    pub fn n_steps_max(&self) -> usize {
        self.runs.iter().map(RunSeries::len).max().unwrap_or(0)
    }

    /// The runs of group `g`.
    pub fn runs_of(&self, g: usize) -> impl Iterator<Item = &RunSeries> {
        self.runs.iter().filter(move |r| r.group == g)
    }
}

/// Checks that every value of `row` (at `line`) that a chart draws is a finite number of
/// magnitude at most [`VALUE_ABS_MAX`].
fn check_plottable(line: u64, row: &Row) -> Result<(), ReadError> {
    let s = &row.state;
    let values = [
        ("userBalance", s.balance),
        ("avgUserBalance", s.balance_mean),
        ("userCredit", s.credit as f64),
        ("userCapacity", s.capacity as f64),
        ("avgSendVolume", s.send_volume_mean),
        ("transaction", s.transaction as f64),
    ];
    for (column, x) in values {
        if !(x.is_finite() && x.abs() <= VALUE_ABS_MAX) {
            return Err(ReadError::Cell {
                line,
                column,
                value: crate::params::short_number(x),
                expected: format!(
                    "a finite number in [-{VALUE_ABS_MAX}, {VALUE_ABS_MAX}] (what a chart can draw)"
                ),
            });
        }
    }
    Ok(())
}
