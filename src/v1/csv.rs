//! V1's trajectory CSV: cadCAD's result DataFrame, one row per (run, timestep) — the
//! generic format ([`crate::trajectory_csv`]) with V1's columns — and its reader (ours or
//! cadCAD's files).

use std::io::{self, Write};

use crate::trajectory_csv::{INDEX_COLUMNS, write_cells};

use super::State;

/// The header line, exactly cadCAD's column order.
pub const HEADER: &str = "userBalance,avgUserBalance,totalNumTransactions,userCredit,userCapacity,sendVolume,avgSendVolume,transaction,simulation,subset,run,substep,timestep";

/// One row of the CSV: a state and where it sits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    /// The state.
    pub state: State,
    /// cadCAD's simulation index (always 0 here).
    pub simulation: u64,
    /// cadCAD's subset (parameter-set) index.
    pub subset: u64,
    /// The 1-based run.
    pub run: u64,
    /// 0 for the genesis row, 1 otherwise.
    pub substep: u64,
    /// The timestep.
    pub timestep: u64,
}

/// Writes the header line.
pub fn write_header<W: Write + ?Sized>(w: &mut W) -> io::Result<()> {
    writeln!(w, "{HEADER}")
}

/// Writes one state of run `run` (subset 0, simulation 0) at `timestep`.
pub fn write_state<W: Write + ?Sized>(
    w: &mut W,
    run: u64,
    timestep: u64,
    s: &State,
) -> io::Result<()> {
    write_row(
        w,
        &Row {
            state: *s,
            simulation: 0,
            subset: 0,
            run,
            substep: u64::from(timestep > 0),
            timestep,
        },
    )
}

/// Writes one row.
pub(crate) fn write_row<W: Write + ?Sized>(w: &mut W, r: &Row) -> io::Result<()> {
    write_cells(
        w,
        &super::cells(&r.state),
        [r.simulation, r.subset, r.run, r.substep, r.timestep],
    )
}

/// A CSV that is not a trajectory: says where and why.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be read or is not CSV.
    #[error("{0}")]
    Csv(#[from] csv::Error),
    /// The header is not the trajectory header.
    #[error(
        "header is {:?}, expected {HEADER:?}",
        crate::params::short_text(found)
    )]
    Header {
        /// The header found.
        found: String,
    },
    /// A cell does not hold a value of its column's type.
    #[error(
        "line {line}, column `{column}`: {:?} is not {expected}",
        crate::params::short_text(value)
    )]
    Cell {
        /// 1-based line in the file.
        line: u64,
        /// The column.
        column: &'static str,
        /// The cell's text.
        value: String,
        /// What the column holds.
        expected: String,
    },
}

/// V1's columns, then the index columns: [`HEADER`] split.
const COLUMNS: [&str; 13] = {
    let mut all = [""; 13];
    let mut i = 0;
    while i < 13 {
        all[i] = if i < 8 {
            super::COLUMNS[i]
        } else {
            INDEX_COLUMNS[i - 8]
        };
        i += 1;
    }
    all
};

/// Reads a trajectory CSV (ours or cadCAD's) into rows.
///
/// Integer columns also accept an integral float such as `92.0` (pandas writes integer
/// columns that way once they hold a NaN-free float dtype).
pub fn read_rows<R: io::Read>(reader: R) -> Result<Vec<Row>, ReadError> {
    let mut rows = Vec::new();
    for_each_row(reader, |row| {
        rows.push(row);
        Ok(())
    })?;
    Ok(rows)
}

/// Reads a trajectory CSV (ours or cadCAD's) one row at a time, handing each row to `visit`
/// as it is parsed, so a caller can aggregate a large file without holding every row; the
/// first error (from the file or from `visit`) stops the read.
pub(crate) fn for_each_row<R: io::Read>(
    reader: R,
    mut visit: impl FnMut(Row) -> Result<(), ReadError>,
) -> Result<(), ReadError> {
    for_each_row_at(reader, |_, row| visit(row))
}

/// [`for_each_row`], handing `visit` each row's 1-based line in the file too (so that a
/// caller's own check of a value can name where it is).
pub(crate) fn for_each_row_at<R: io::Read>(
    reader: R,
    mut visit: impl FnMut(u64, Row) -> Result<(), ReadError>,
) -> Result<(), ReadError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(reader);
    let header: Vec<String> = rdr.headers()?.iter().map(str::to_owned).collect();
    if header != COLUMNS {
        return Err(ReadError::Header {
            found: header.join(","),
        });
    }
    for record in rdr.records() {
        let record = record?;
        let line = record.position().map_or(0, |p| p.line());
        let f = |i: usize| -> Result<f64, ReadError> {
            let v = record.get(i).unwrap_or("");
            v.trim().parse::<f64>().map_err(|_| ReadError::Cell {
                line,
                column: COLUMNS[i],
                value: v.to_owned(),
                expected: "a number".to_owned(),
            })
        };
        let int = |i: usize| -> Result<i64, ReadError> {
            let v = record.get(i).unwrap_or("");
            let t = v.trim();
            t.parse::<i64>()
                .ok()
                .or_else(|| {
                    t.parse::<f64>()
                        .ok()
                        .filter(|x| x.fract() == 0.0 && x.abs() < 9.0e15)
                        .map(|x| x as i64)
                })
                .ok_or(ReadError::Cell {
                    line,
                    column: COLUMNS[i],
                    value: v.to_owned(),
                    expected: "an integer".to_owned(),
                })
        };
        let uint = |i: usize| -> Result<u64, ReadError> {
            // Every u64 we write must read back, including those above i64::MAX.
            if let Ok(x) = record.get(i).unwrap_or("").trim().parse::<u64>() {
                return Ok(x);
            }
            let x = int(i)?;
            u64::try_from(x).map_err(|_| ReadError::Cell {
                line,
                column: COLUMNS[i],
                value: x.to_string(),
                expected: "a non-negative integer".to_owned(),
            })
        };
        visit(
            line,
            Row {
                state: State {
                    balance: f(0)?,
                    balance_mean: f(1)?,
                    n_transactions: uint(2)?,
                    credit: int(3)?,
                    capacity: int(4)?,
                    send_volume: int(5)?,
                    send_volume_mean: f(6)?,
                    transaction: int(7)?,
                },
                simulation: uint(8)?,
                subset: uint(9)?,
                run: uint(10)?,
                substep: uint(11)?,
                timestep: uint(12)?,
            },
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trajectory_csv::write_model_header;
    use crate::v1::V1;

    #[test]
    fn v1_model_header_is_cadcads_header() {
        let mut out = Vec::new();
        write_model_header(&mut out, &V1::<crate::v1::ExactHistory>::default()).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), format!("{HEADER}\n"));
        assert_eq!(COLUMNS.join(","), HEADER);
    }
}
