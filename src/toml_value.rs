//! How TOML errors are shown: a value as a message quotes it, a byte offset as line and
//! column. (Typed reads of spec values are in [`crate::spec`].)

/// A TOML value as an error message shows it (strings quoted and escaped).
pub(crate) fn describe(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// The 1-based line and column of byte `offset` in `text` (for syntax errors).
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, column)
}
