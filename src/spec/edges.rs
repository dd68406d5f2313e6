//! A trading graph named by a file: the spec's `edges` key (`edges = "graph.csv"` in TOML,
//! `edges=graph.csv` in the shorthand, `--edges FILE` on the command line) and the edge
//! list read from it.
//!
//! The core does no I/O: a spec holds the file's name ([`EdgeFile`]); the caller (the
//! command line) reads the file's text and hands it to [`Edges::parse`], which checks
//! every line against the format below and [`EdgeFile::attach`]es the edges to the spec.
//! A user that trades on a given graph (the network's `edge-list`) is built from them when
//! the spec resolves, where every index is also checked against the model's members.
//!
//! # The format
//!
//! A CSV file of whole lines: the header `from,to`, then one edge a line, `A,B`, two
//! member indexes (decimal digits, 0 … [`EDGE_INDEX_MAX`]) with no other text (spaces
//! around a field are allowed). An edge is undirected (`from` and `to` name its two ends;
//! a step draws a uniform edge, then a uniform direction), so a member trades with another
//! in both directions. Refused, each with one line naming the file, the line, the field,
//! the value and what is accepted: a missing or other header, a line without exactly two
//! fields, an index that is not a whole number in range, a self-loop (`A,A`: a member
//! cannot pay itself), an edge given twice (in either order: the graph is simple, each
//! pair's weight 1, as the exact law of the classic chain takes it), no edge at all, and
//! more than [`EDGES_MAX`] edges. A last line may lack its newline; a CRLF line ending is
//! read as LF.

use std::collections::HashMap;
use std::sync::Arc;

use super::SpecError;

/// The most edges a file may hold: a mean degree of 10 at 10⁶ members (8 bytes an edge in
/// memory, and 16 more while duplicates are looked for).
pub const EDGES_MAX: usize = 5_000_000;

/// The largest member index an edge may name: the network's largest member count, 10⁶,
/// less one (the spec's `members` bounds it further on resolve).
pub const EDGE_INDEX_MAX: u32 = 999_999;

/// The header every edge list starts with.
pub const EDGES_HEADER: &str = "from,to";

/// The edges of a file, checked line by line ([`Edges::parse`]): in file order, each two
/// distinct members, no pair twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edges {
    pairs: Arc<[(u32, u32)]>,
    /// The largest index: its value, the line (1-based) and the field that holds it.
    largest: (u32, usize, &'static str),
}

impl Edges {
    /// Reads `text`, the contents of the file `source` names (as the command line or spec
    /// wrote it; every error names it), by the format of the module's documentation.
    pub fn parse(source: &str, text: &str) -> Result<Edges, SpecError> {
        // The path as written, or, when it is too long to show, its file name after `…/`:
        // the name stays whole, whatever the directory it is in.
        let source = if source.chars().count() <= crate::params::SHOWN_TEXT_MAX {
            source.to_owned()
        } else {
            let name = std::path::Path::new(source)
                .file_name()
                .map_or_else(|| source.to_owned(), |n| n.to_string_lossy().into_owned());
            format!("…/{}", crate::params::short_text(&name))
        };
        let source = crate::params::one_line(&source);
        let at = |line: usize, field: &str| format!("{source} line {line}: {field}");
        // A line as a message shows it: shortened, on one line.
        let shown = |l: &str| crate::params::shown_text(&crate::params::short_text(l));
        // The newline that ends the last line is no empty line.
        let body = text.strip_suffix('\n').unwrap_or(text);
        let mut lines = body.split('\n').enumerate().map(|(k, l)| {
            let l = l.strip_suffix('\r').unwrap_or(l);
            (k + 1, l)
        });
        let header = lines.next().map_or("", |(_, l)| l);
        if header.split(',').map(str::trim).ne(EDGES_HEADER.split(',')) {
            return Err(SpecError::value(
                at(1, "header"),
                shown(header),
                format!("the header `{EDGES_HEADER}`, then one edge `A,B` a line"),
            ));
        }
        let mut pairs = Vec::new();
        let mut first_line: HashMap<u64, usize> = HashMap::new();
        let mut largest = (0, 0, "from");
        for (line, l) in lines {
            let fields: Vec<&str> = l.split(',').collect();
            let [a, b] = fields.as_slice() else {
                return Err(SpecError::value(
                    at(line, "edge"),
                    shown(l),
                    "two member indexes `A,B` (an empty line is no edge)",
                ));
            };
            let index = |field: &'static str, v: &str| {
                let v = v.trim();
                v.parse::<u32>()
                    .ok()
                    .filter(|&i| i <= EDGE_INDEX_MAX && v.bytes().all(|c| c.is_ascii_digit()))
                    .ok_or_else(|| {
                        SpecError::value(
                            at(line, field),
                            shown(v),
                            format!("a member index, a whole number in [0, {EDGE_INDEX_MAX}]"),
                        )
                    })
            };
            let (from, to) = (index("from", a)?, index("to", b)?);
            if from == to {
                return Err(SpecError::value(
                    at(line, "to"),
                    to.to_string(),
                    format!("a member other than `from` ({from}): a member cannot pay itself"),
                ));
            }
            let key = (u64::from(from.min(to)) << 32) | u64::from(from.max(to));
            if let Some(first) = first_line.insert(key, line) {
                return Err(SpecError::value(
                    at(line, "edge"),
                    format!("{from},{to}"),
                    format!("each pair once, in either order (line {first} has it)"),
                ));
            }
            if pairs.len() == EDGES_MAX {
                return Err(SpecError::value(
                    at(line, "edge"),
                    format!("edge {}", pairs.len() + 1),
                    format!("at most {EDGES_MAX} edges"),
                ));
            }
            for (v, field) in [(from, "from"), (to, "to")] {
                if v > largest.0 {
                    largest = (v, line, field);
                }
            }
            pairs.push((from, to));
        }
        if pairs.is_empty() {
            return Err(SpecError::value(
                at(1, "edges"),
                "(none)",
                "at least one edge `A,B` after the header",
            ));
        }
        Ok(Edges {
            pairs: pairs.into(),
            largest,
        })
    }

    /// The edges, in file order.
    pub fn pairs(&self) -> &[(u32, u32)] {
        &self.pairs
    }

    /// The largest member index, the line (1-based) and the field (`from` or `to`) that
    /// first hold it.
    pub fn largest(&self) -> (u32, usize, &'static str) {
        self.largest
    }
}

/// The spec's `edges`: the file as written and where, and its edges once the caller read
/// them ([`EdgeFile::attach`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeFile {
    /// The flag or key that named it (`--edges`, `edges`, `--baseline.edges`).
    pub(crate) field: String,
    /// The path as written.
    pub(crate) path: String,
    /// The edges read from it, once attached.
    pub(crate) edges: Option<Edges>,
}

impl EdgeFile {
    /// The file `path`, named by `field`, not read yet.
    pub(crate) fn named(field: &str, path: &str) -> Self {
        EdgeFile {
            field: field.to_owned(),
            path: path.to_owned(),
            edges: None,
        }
    }

    /// The path as written.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The flag or key that named it.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// Reads `text`, the file's contents ([`Edges::parse`]), into it.
    pub fn attach(&mut self, text: &str) -> Result<(), SpecError> {
        self.edges = Some(Edges::parse(&self.path, text)?);
        Ok(())
    }

    /// The edges, once attached.
    pub fn edges(&self) -> Option<&Edges> {
        self.edges.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> String {
        Edges::parse("g.csv", text).unwrap_err().to_string()
    }

    /// A path too long to show is named by its file name, whole, before the line: the
    /// message names the same file wherever the directory is.
    #[test]
    fn a_long_path_is_named_by_its_file_name() {
        let deep = format!("/{}/graph.csv", "d".repeat(70));
        let msg = Edges::parse(&deep, "from,to\n0,x\n")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("`…/graph.csv line 2: to`"), "{msg}");
        let msg = Edges::parse("a/graph.csv", "from,to\n0,x\n")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("`a/graph.csv line 2: to`"), "{msg}");
    }

    #[test]
    fn an_edge_list_reads_its_edges_in_order_and_its_largest_index() {
        let e = Edges::parse("g.csv", "from,to\n0,1\n1, 2\r\n3,0\n").unwrap();
        assert_eq!(e.pairs(), [(0, 1), (1, 2), (3, 0)]);
        assert_eq!(e.largest(), (3, 4, "from"));
        let no_newline = Edges::parse("g.csv", "from, to\n0,7").unwrap();
        assert_eq!(no_newline.largest(), (7, 2, "to"));
    }

    #[test]
    fn every_bad_line_names_file_line_field_value_and_range() {
        let header = refused("a,b\n0,1\n");
        assert!(header.contains("g.csv line 1: header") && header.contains("from,to"));
        let range = refused("from,to\n0,1\n1,1000000\n");
        assert!(range.contains("g.csv line 3: to") && range.contains("1000000"));
        assert!(range.contains("[0, 999999]"), "{range}");
        assert!(refused("from,to\n0,-1\n").contains("line 2: to"));
        assert!(refused("from,to\n0,1.5\n").contains("[0, 999999]"));
        let self_loop = refused("from,to\n0,1\n2,2\n");
        assert!(self_loop.contains("line 3: to") && self_loop.contains("cannot pay itself"));
        let twice = refused("from,to\n0,1\n2,3\n1,0\n");
        assert!(
            twice.contains("line 4: edge") && twice.contains("line 2 has it"),
            "{twice}"
        );
        assert!(refused("from,to\n0,1\n\n2,3\n").contains("line 3: edge"));
        assert!(refused("from,to\n0,1,2\n").contains("line 2: edge"));
        assert!(refused("from,to\n").contains("at least one edge"));
        assert!(refused("").contains("line 1: header"));
    }
}
