//! The trajectory CSV format of any model: its columns ([`crate::model::Model::columns`]),
//! then cadCAD's index columns (`simulation,subset,run,substep,timestep`), one row per
//! (run, timestep).
//!
//! Floats are written in the shortest form that parses back to the same double (Rust's
//! `Display` for `f64`), integers as integers, so `pandas.read_csv` of our output gives the
//! same values and parsing it back gives identical ones. For V1 this is cadCAD's result
//! DataFrame exactly (`crate::v1::csv`).

use std::io::{self, Write};

use crate::model::{Flow, Model, Observer, StepEvent, Value};

/// cadCAD's index columns, after a model's own.
pub(crate) const INDEX_COLUMNS: [&str; 5] = ["simulation", "subset", "run", "substep", "timestep"];

/// Writes one row of any model: its cells, then cadCAD's index columns. Floats in the
/// shortest form that parses back to the same double, integers as integers.
/// `index` holds cadCAD's simulation, subset, run, substep and timestep.
pub(crate) fn write_cells<W: Write + ?Sized>(
    w: &mut W,
    cells: &[Value],
    index: [u64; 5],
) -> io::Result<()> {
    for cell in cells {
        match cell {
            Value::Int(x) => write!(w, "{x},")?,
            Value::Count(x) => write!(w, "{x},")?,
            Value::Float(x) => write!(w, "{x},")?,
        }
    }
    let [simulation, subset, run, substep, timestep] = index;
    writeln!(w, "{simulation},{subset},{run},{substep},{timestep}")
}

/// Writes the header of `model`'s trajectories: its columns, then cadCAD's index columns
/// (for V1 this is cadCAD's header, `crate::v1::csv::HEADER`).
pub fn write_model_header<M: Model + ?Sized, W: Write + ?Sized>(
    w: &mut W,
    model: &M,
) -> io::Result<()> {
    writeln!(
        w,
        "{},{}",
        model.columns().join(","),
        INDEX_COLUMNS.join(",")
    )
}

/// An observer that writes every state of one run of any model as a row under
/// [`write_model_header`]'s header (the genesis row at timestep 0, substep 0).
pub struct CsvRows<'a, M: Model + ?Sized, W: Write + ?Sized> {
    model: &'a M,
    out: &'a mut W,
    subset: u64,
    run: u64,
    cells: Vec<Value>,
}

impl<'a, M: Model + ?Sized, W: Write + ?Sized> CsvRows<'a, M, W> {
    /// Rows of run `run` (1-based) of subset `subset`, written to `out`.
    pub fn new(model: &'a M, out: &'a mut W, subset: u64, run: u64) -> Self {
        CsvRows {
            model,
            out,
            subset,
            run,
            cells: Vec::new(),
        }
    }

    fn write(&mut self, timestep: u64, state: &M::State) -> io::Result<()> {
        self.cells.clear();
        self.model.row(state, &mut self.cells);
        let substep = u64::from(timestep > 0);
        write_cells(
            self.out,
            &self.cells,
            [0, self.subset, self.run, substep, timestep],
        )
    }
}

impl<M: Model + ?Sized, W: Write + ?Sized> Observer<M> for CsvRows<'_, M, W> {
    type Error = io::Error;
    fn genesis(&mut self, state: &M::State) -> io::Result<()> {
        self.write(0, state)
    }
    fn step(&mut self, e: &StepEvent<'_, M>) -> io::Result<Flow> {
        self.write(e.t, e.next)?;
        Ok(Flow::Continue)
    }
}
