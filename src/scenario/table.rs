//! A scenario report's trajectory tables and digest: the observer that writes one run's
//! table as the run goes ([`Table`]: the columns the model's layout names, every k-th step,
//! the last one and every step where a member's limit changes) and hashes every value of
//! every state ([`Fnv1a64`]), and how a row and a cell are written.

use std::fmt::Write as _;
use std::io;

use crate::model::{Flow, Value};
use crate::workbench::{AnyObserver, StateView, StepView};

/// The width of a `key:` in the report's header and its digest line.
pub(super) const KEY_WIDTH: usize = 13;

/// How every run's table is laid out: the same for all the runs of a report.
pub(super) struct Layout<'a> {
    /// Where each tabled column is in the model's row (`None`: a name the model lacks,
    /// shown as `-`).
    pub(super) at: &'a [Option<usize>],
    /// The step's width, then each tabled column's.
    pub(super) widths: &'a [usize],
    /// The stride: every `every`-th step is tabled.
    pub(super) every: u64,
    /// The run's last step, always tabled.
    pub(super) n_steps: u64,
}

/// The trajectory table of one run, written as the run goes: the observer
/// [`super::render`] hands the run.
pub(super) struct Table<'a> {
    out: &'a mut String,
    digest: &'a mut Fnv1a64,
    run: u64,
    layout: &'a Layout<'a>,
    /// The state's row (reused).
    cells: Vec<Value>,
    /// Every member's limit in the previous state, as bits.
    limits: Vec<u64>,
}

impl<'a> Table<'a> {
    /// The table of run `run`, written to `out` under `layout`, every state hashed into
    /// `digest`.
    pub(super) fn new(
        out: &'a mut String,
        digest: &'a mut Fnv1a64,
        run: u64,
        layout: &'a Layout<'a>,
    ) -> Self {
        Table {
            out,
            digest,
            run,
            layout,
            cells: Vec::new(),
            limits: Vec::new(),
        }
    }

    fn state(&mut self, t: u64, s: &dyn StateView) {
        self.cells.clear();
        s.row(&mut self.cells);
        self.digest.row(self.run, t, &self.cells);
        // A limit changed when its bits did: exact, and for a limit stored as an integer
        // below 2^53 (V1's userCredit) the same as the integers' comparison.
        let mut changed = false;
        for m in 0..s.n_members() {
            let bits = s.ledger(m).limit.to_bits();
            match self.limits.get_mut(m) {
                Some(prev) => {
                    changed |= *prev != bits;
                    *prev = bits;
                }
                None => self.limits.push(bits),
            }
        }
        let layout = self.layout;
        if t == 0 || t.is_multiple_of(layout.every) || t == layout.n_steps || changed {
            let cells = &self.cells;
            let values = layout.at.iter().map(|i| {
                i.and_then(|i| cells.get(i))
                    .map_or_else(|| "-".to_owned(), text)
            });
            row(
                self.out,
                layout.widths,
                std::iter::once(t.to_string()).chain(values),
            );
        }
    }
}

impl AnyObserver for Table<'_> {
    fn genesis(&mut self, state: &dyn StateView) -> io::Result<()> {
        self.state(0, state);
        Ok(())
    }
    fn step(&mut self, step: &dyn StepView) -> io::Result<Flow> {
        self.state(step.t(), step);
        Ok(Flow::Continue)
    }
}

/// A cell as the report writes it: integers as integers, floats in the shortest form that
/// parses back to the same double.
fn text(v: &Value) -> String {
    match v {
        Value::Int(x) => x.to_string(),
        Value::Count(x) => x.to_string(),
        Value::Float(x) => x.to_string(),
    }
}

/// One table row: each value right-aligned in its width, separated by one space.
pub(super) fn row<S: AsRef<str>>(
    out: &mut String,
    widths: &[usize],
    values: impl IntoIterator<Item = S>,
) {
    for (i, (width, v)) in widths.iter().zip(values).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{:>width$}", v.as_ref());
    }
    out.push('\n');
}

/// FNV-1a, 64 bits: a fixed, documented hash, so the digest never changes unless a value does.
pub(super) struct Fnv1a64(u64);

impl Fnv1a64 {
    pub(super) fn new() -> Self {
        Fnv1a64(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// Hashes (run, timestep), then every cell of the state's row in the model's column
    /// order, each as one 64-bit word of 8 little-endian bytes: a float's IEEE-754 bits, an
    /// integer's two's complement. (For V1 these are the words the digest has always
    /// hashed: its eight columns in cadCAD's order.)
    fn row(&mut self, run: u64, t: u64, cells: &[Value]) {
        self.bytes(&run.to_le_bytes());
        self.bytes(&t.to_le_bytes());
        for cell in cells {
            let word = match *cell {
                Value::Int(x) => x as u64,
                Value::Count(x) => x,
                Value::Float(x) => x.to_bits(),
            };
            self.bytes(&word.to_le_bytes());
        }
    }

    pub(super) fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Scenario, render, tabled_states};
    use crate::workbench::Workbench;

    fn parse(text: &str) -> Scenario {
        Scenario::from_toml_str(text, &Workbench::builtin()).unwrap()
    }

    #[test]
    fn long_tables_keep_the_stride_the_last_step_and_limit_changes() {
        for s in [
            parse(
                "description = \"t\"\nrule = \"currents-v1\"\nrng = \"chacha\"\nseed = 1\nruns = 2\nsteps = 1000\ntable-every = 100\n",
            ),
            parse(
                "description = \"t\"\nmodel = \"network\"\nrule = \"turnover\"\nrng = \"chacha\"\nseed = 2\nruns = 2\nsteps = 1000\ntable-every = 100\n[params]\nmembers = 4\n",
            ),
        ] {
            let r = render(&s, "x.toml").unwrap();
            let rows = tabled_states(&r);
            // Every state's row as the report writes it, and every member's limit.
            let mut states = Vec::new();
            s.for_each_state(|run, t, st| {
                let mut cells = Vec::new();
                st.row(&mut cells);
                let limits: Vec<f64> = (0..st.n_members()).map(|m| st.ledger(m).limit).collect();
                states.push((run, t, cells, limits));
                Ok(())
            })
            .unwrap();
            let expected: Vec<(u64, u64)> = states
                .iter()
                .enumerate()
                .filter(|(i, (_, t, _, limits))| {
                    *t == 0 || t % 100 == 0 || *t == 1000 || (*t > 0 && states[i - 1].3 != *limits)
                })
                .map(|(_, (run, t, _, _))| (*run, *t))
                .collect();
            let got: Vec<(u64, u64)> = rows.iter().map(|r| (r.run, r.step)).collect();
            assert_eq!(got, expected);
            assert!(
                got.len() > 2 * 12,
                "some limit changes are tabled: {}",
                got.len()
            );
            // Every tabled value is the state's value, written exactly.
            let layout = s.spec().report_layout();
            let columns = s.spec().runs(None).unwrap().columns();
            for row in &rows {
                let (_, _, cells, _) = states
                    .iter()
                    .find(|(run, t, _, _)| (*run, *t) == (row.run, row.step))
                    .unwrap();
                for ((name, _), value) in layout.columns.iter().zip(&row.values) {
                    let i = columns.iter().position(|c| c == name).unwrap();
                    assert_eq!(*value, text(&cells[i]), "{name}");
                }
            }
        }
    }

    #[test]
    fn every_declared_column_is_one_of_the_models() {
        for text in [
            "description = \"t\"\nrule = \"currents-v1\"\nrng = \"chacha\"\nseed = 1\nruns = 1\nsteps = 1\n",
            "description = \"t\"\nmodel = \"network\"\nrule = \"static\"\nrng = \"chacha\"\nseed = 1\nruns = 1\nsteps = 1\n[params]\nmembers = 5\n",
        ] {
            let s = parse(text);
            let columns = s.spec().runs(None).unwrap().columns();
            let layout = s.spec().report_layout();
            assert!(
                layout.columns.iter().all(|(c, _)| columns.contains(c)),
                "{layout:?} vs {columns:?}"
            );
        }
    }

    #[test]
    fn the_digest_hashes_the_words_of_every_row() {
        // One state of V1 by hand: (run, t), then its eight columns as 64-bit words.
        let mut a = Fnv1a64::new();
        a.row(
            1,
            0,
            &[
                Value::Float(-0.5),
                Value::Float(0.0),
                Value::Count(0),
                Value::Int(250),
                Value::Int(-3),
                Value::Int(0),
                Value::Float(1.5),
                Value::Int(-7),
            ],
        );
        let mut b = Fnv1a64::new();
        for word in [
            1u64,
            0,
            (-0.5f64).to_bits(),
            0f64.to_bits(),
            0,
            250,
            -3i64 as u64,
            0,
            1.5f64.to_bits(),
            -7i64 as u64,
        ] {
            b.bytes(&word.to_le_bytes());
        }
        assert_eq!(a.finish(), b.finish());
        assert_ne!(a.finish(), Fnv1a64::new().finish());
    }
}
