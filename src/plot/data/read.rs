//! Reading a trajectory CSV of any model into a [`Dataset`]: the header names the model
//! and its ledger columns, every cell of the model's columns must be a number and the
//! index columns whole numbers; what cannot be plotted is a [`ReadError`] naming the line
//! and the column.

use std::io;

use crate::trajectory_csv::INDEX_COLUMNS;
use crate::workbench::Workbench;

use super::{Dataset, RowIndex, members};

/// A CSV that cannot be plotted: says where and why.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be read or is not CSV.
    #[error("{0}")]
    Csv(#[from] csv::Error),
    /// The header is not a trajectory header of any model the workbench holds.
    #[error(
        "header is {:?}, expected that of a trajectory of one of the models: {expected}",
        crate::params::short_text(found)
    )]
    Header {
        /// The header found.
        found: String,
        /// The headers accepted, each model's at its parameters' defaults.
        expected: String,
    },
    /// The header is a model's that declares no ledger columns.
    #[error(
        "a trajectory of model {model}, which declares no ledger columns to chart (accepted: a trajectory of a model that declares them, Model::ledger_columns)"
    )]
    NoLedger {
        /// The model.
        model: &'static str,
    },
    /// The chosen member is not in the trajectory.
    #[error(
        "--member {member}: a trajectory of model {model} with {} (accepted: 0..={})",
        members(*n_members),
        n_members.saturating_sub(1)
    )]
    NoSuchMember {
        /// The member asked for.
        member: usize,
        /// The trajectory's model.
        model: &'static str,
        /// How many members the trajectory holds.
        n_members: usize,
    },
    /// An input is another model's trajectory than the first input.
    #[error(
        "a trajectory of model {model}, but the first input is one of {first} (accepted: trajectories of one model)"
    )]
    OtherModel {
        /// This input's model.
        model: &'static str,
        /// The first input's model.
        first: &'static str,
    },
    /// A cell does not hold a value of its column's type, or one a chart can draw.
    #[error(
        "{}column `{column}`: {:?} is not {expected}",
        line.map_or_else(String::new, |l| format!("line {l}, ")),
        crate::params::short_text(value)
    )]
    Cell {
        /// 1-based line in the file (`None` for a row handed to [`Dataset::push`]).
        line: Option<u64>,
        /// The column.
        column: String,
        /// The cell's text.
        value: String,
        /// What the column holds.
        expected: String,
    },
    /// An input that does not exist, or whose columns are set twice.
    #[error("input {input}: {problem}")]
    Input {
        /// The input.
        input: usize,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A row for an input whose columns are not set, or of another width.
    #[error("input {input}: a row of {found} cells, expected {expected} (Dataset::set_columns)")]
    Row {
        /// The input.
        input: usize,
        /// The cells handed.
        found: usize,
        /// The input's model columns (0 when not set).
        expected: usize,
    },
    /// The dataset is full.
    #[error("more than {max} {what} (accepted: at most {max})")]
    TooMany {
        /// `rows` or `runs`.
        what: &'static str,
        /// The bound (`super::ROWS_MAX`, [`super::RUNS_MAX`]).
        max: usize,
    },
}

impl ReadError {
    /// The error for a trajectory `header` (with its index columns) that is no model's of
    /// `models`: it lists each model's header at its parameters' defaults.
    pub(crate) fn no_model(header: &[String], models: &Workbench) -> Self {
        ReadError::Header {
            found: header.join(","),
            expected: expected_headers(models),
        }
    }
}

impl Dataset {
    /// Reads a trajectory CSV of any model `models` holds into input `input`, row by row:
    /// the header names the model ([`Workbench::trajectory_columns`]); stops with an error
    /// at a cell that is not a number (every column of the model's is), once the dataset
    /// would hold more than 40,000,000 rows or [`RUNS_MAX`] runs, or at a value the charts
    /// cannot draw (NaN, an infinity, a magnitude above 2^53) in any of the
    /// model's columns.
    ///
    /// [`RUNS_MAX`]: super::RUNS_MAX
    pub fn read_csv<R: io::Read>(
        &mut self,
        input: usize,
        reader: R,
        models: &Workbench,
    ) -> Result<(), ReadError> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(reader);
        let header: Vec<String> = rdr.headers()?.iter().map(str::to_owned).collect();
        let n_model = header.len().saturating_sub(INDEX_COLUMNS.len());
        let columns = (header[n_model..] == INDEX_COLUMNS)
            .then(|| models.trajectory_columns(&header[..n_model]))
            .flatten()
            .ok_or_else(|| ReadError::no_model(&header, models))?;
        self.set_columns(input, columns)?;
        let mut cells = Vec::with_capacity(n_model);
        for record in rdr.records() {
            let record = record?;
            let line = record.position().map_or(0, |p| p.line());
            cells.clear();
            for (i, column) in header[..n_model].iter().enumerate() {
                let text = record.get(i).unwrap_or("");
                let x = text.trim().parse::<f64>().map_err(|_| ReadError::Cell {
                    line: Some(line),
                    column: column.clone(),
                    value: text.to_owned(),
                    expected: "a number".to_owned(),
                })?;
                cells.push(x);
            }
            let index = |k: usize| index_cell(&record, line, n_model, k);
            let (simulation, subset, run) = (index(0)?, index(1)?, index(2)?);
            index(3)?; // the substep: checked, not kept
            let at = RowIndex {
                simulation,
                subset,
                run,
                timestep: index(4)?,
            };
            self.push_at(input, Some(line), at, &cells)?;
        }
        Ok(())
    }
}

/// Every model's trajectory header at its parameters' defaults, for an error message.
fn expected_headers(models: &Workbench) -> String {
    let index = INDEX_COLUMNS.join(",");
    let headers: Vec<String> = models
        .models()
        .map(|m| {
            let mut columns = m.default_columns();
            columns.push(index.clone());
            format!("{} {:?}", m.name(), columns.join(","))
        })
        .collect();
    format!("{} (at its parameters' defaults)", headers.join("; "))
}

/// Index column `k` of `record` (at `line`, whose model columns are the first `n_model`): a
/// non-negative integer, written as an integer or as an integral float (`92.0`, as pandas
/// writes integer columns of a float dtype).
fn index_cell(
    record: &csv::StringRecord,
    line: u64,
    n_model: usize,
    k: usize,
) -> Result<u64, ReadError> {
    let column = INDEX_COLUMNS[k];
    let text = record.get(n_model + k).unwrap_or("");
    let t = text.trim();
    // Every u64 we write must read back, including those above i64::MAX.
    if let Ok(x) = t.parse::<u64>() {
        return Ok(x);
    }
    let int = t.parse::<i64>().ok().or_else(|| {
        t.parse::<f64>()
            .ok()
            .filter(|x| x.fract() == 0.0 && x.abs() < 9.0e15)
            .map(|x| x as i64)
    });
    let cell = |value: String, expected: &str| ReadError::Cell {
        line: Some(line),
        column: column.to_owned(),
        value,
        expected: expected.to_owned(),
    };
    let x = int.ok_or_else(|| cell(text.to_owned(), "an integer"))?;
    u64::try_from(x).map_err(|_| cell(x.to_string(), "a non-negative integer"))
}
