//! The error of a bad spec: one line naming the field, the value and what is accepted — or
//! where the TOML broke.

use crate::params::ParamError;
use crate::toml_value::{Doc, earlier_line, line_col};

/// A bad spec: names the field, the value and what is accepted — or where the TOML broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// The text is not valid TOML.
    #[error("not valid TOML at line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// A key or value that is not accepted: the one "invalid value" error, [`ParamError`]
    /// (one line naming field, value and what is accepted).
    #[error(transparent)]
    Value(#[from] ParamError),
}

impl SpecError {
    /// An error naming `field`, `value` and what is `accepted`.
    pub(crate) fn value(
        field: impl Into<String>,
        value: impl Into<String>,
        accepted: impl Into<String>,
    ) -> Self {
        SpecError::Value(ParamError {
            field: field.into(),
            value: value.into(),
            accepted: accepted.into(),
        })
    }

    /// The error of a TOML text that does not parse: a key set twice names the key, the
    /// line that sets it again and the line that set it first; any other error is
    /// [`SpecError::Syntax`], with its line and column.
    pub(crate) fn syntax(text: &str, e: &toml::de::Error) -> Self {
        let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        if e.message().trim() == "duplicate key"
            && let Some(span) = e.span()
            && let Some(written) = text.get(span.clone())
        {
            // The key as written (quoted or not); its name unquoted.
            let key = written.trim_matches(['"', '\'']);
            let field = if key.is_empty() { "\"\"" } else { written };
            // Named within its table (`params.window`), as every other key is.
            let field = match table_of(text, span.start) {
                Some(table) => format!("{table}.{field}"),
                None => field.to_owned(),
            };
            let first = earlier_line(text, key, span.start)
                .map_or(String::new(), |l| format!(" after line {l}"));
            return SpecError::value(
                &field,
                "(set twice)",
                format!("each key once in a table; line {line} sets `{key}` again{first}"),
            );
        }
        SpecError::Syntax {
            line,
            column,
            message: e.message().trim().to_owned(),
        }
    }

    /// The same error naming `to` where it named the field `from` (a key read from a flag:
    /// `engine` → `--engine`).
    pub fn renamed(self, from: &str, to: &str) -> Self {
        match self {
            SpecError::Value(e) => SpecError::Value(e.renamed(from, to)),
            other => other,
        }
    }

    /// The same error with `prefix.` before its field (a compare side's, a grid's).
    pub fn within(self, prefix: &str) -> Self {
        match self {
            SpecError::Value(e) => SpecError::Value(e.within(prefix)),
            other => other,
        }
    }
}

/// The table (`params`, `grid`) whose header last precedes byte `at` of `text`, if any: the
/// last line before it written `[name]` or `[[name]]`; none for a key on a header line.
fn table_of(text: &str, at: usize) -> Option<&str> {
    let before = text.get(..at)?;
    // A table header set twice (`[params]` again) is a key of the top level.
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    if before[line_start..].trim_start().starts_with('[') {
        return None;
    }
    before.lines().rev().find_map(|line| {
        let line = line.trim();
        let name = line.strip_prefix('[')?.strip_suffix(']')?;
        let name = name.trim_start_matches('[').trim_end_matches(']').trim();
        (!name.is_empty()).then_some(name)
    })
}

/// Parses TOML text, every value with the text it was written as (numbers are read later,
/// by the one grammar of numbers), or the syntax error with its line and column.
pub(crate) fn parse_doc(text: &str) -> Result<Doc<'_>, SpecError> {
    Doc::parse(text).map_err(|e| SpecError::syntax(text, &e))
}

/// Parses TOML text into a table (for [`crate::spec::Spec::from_table`]), or the error
/// with its line and column; a key set twice is named with its lines. An integer beyond
/// `i64`, which a TOML table cannot hold, is a syntax error here: read the text with
/// [`crate::spec::Spec::from_toml_str`] (or a workflow's own reader) to have it named with
/// its key and range.
pub fn parse_toml(text: &str) -> Result<toml::Table, SpecError> {
    text.parse()
        .map_err(|e: toml::de::Error| SpecError::syntax(text, &e))
}
