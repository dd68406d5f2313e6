//! Reading the file of a trading graph that a spec names (`edges = "graph.csv"`, `--edges
//! FILE`): the one place the command line reads it, bounded, before the spec resolves. The
//! format and its limits are [`crate::spec::Edges`]'.

use std::fs;
use std::io::Read;

use crate::spec::{EDGES_MAX, EdgeFile, Spec, SpecError};

/// The most bytes an edge file may hold: [`EDGES_MAX`] lines of two six-digit indexes,
/// with room for spaces and CRLF line ends.
pub(crate) const EDGE_FILE_BYTES_MAX: u64 = 24 * EDGES_MAX as u64;

/// Reads the file `file` names and attaches its edges. Every refusal is one line naming the
/// file (and for a bad line, the line, the field, the value and what is accepted).
pub(crate) fn read_edges(file: &mut EdgeFile) -> Result<(), SpecError> {
    // Shortened where it is shown (`ParamError`'s display), once.
    let path = crate::params::one_line(file.path());
    let refuse = |why: String| SpecError::value(file.field(), path.clone(), why);
    let f = fs::File::open(file.path())
        .map_err(|e| refuse(format!("a readable edge list (from,to): {e}")))?;
    let mut text = String::new();
    f.take(EDGE_FILE_BYTES_MAX + 1)
        .read_to_string(&mut text)
        .map_err(|e| refuse(format!("a UTF-8 text file of edges (from,to): {e}")))?;
    if text.len() as u64 > EDGE_FILE_BYTES_MAX {
        return Err(refuse(format!(
            "a file of at most {EDGE_FILE_BYTES_MAX} bytes ({EDGES_MAX} edges)"
        )));
    }
    file.attach(&text)
}

/// Reads the edge file `spec` names, if it names one.
pub(crate) fn read_spec_edges(spec: &mut Spec) -> Result<(), SpecError> {
    match spec.edges_mut() {
        Some(file) => read_edges(file),
        None => Ok(()),
    }
}

/// The edge file a `--edges` flag names, read (`None` without the flag): what `check` and
/// `replay` hand the harness ([`crate::harness::HarnessConfig::edge_files`]) beside the
/// cell that names it.
pub(crate) fn read_flag(path: Option<&str>) -> Result<Option<EdgeFile>, SpecError> {
    let Some(path) = path else {
        return Ok(None);
    };
    let mut file = EdgeFile::named("--edges", path);
    read_edges(&mut file)?;
    Ok(Some(file))
}
