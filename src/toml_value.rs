//! TOML as the spec readers see it: a document parsed with the span of text every key and
//! value was written as ([`Doc`], [`Table`], [`Value`]), so that a number is read by the one
//! grammar of numbers from its own text (an integer beyond `i64` included, which a TOML
//! value cannot hold) and every error echoes a value as written; and a byte offset as line
//! and column. (Typed reads of spec values are in [`crate::spec`].)

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use crate::params::Written;

/// A TOML document: its text and its root table.
pub(crate) struct Doc<'a> {
    text: &'a str,
    root: DeTable<'a>,
}

impl<'a> Doc<'a> {
    /// `text` parsed, or the parser's error.
    pub(crate) fn parse(text: &'a str) -> Result<Self, toml::de::Error> {
        Ok(Doc {
            text,
            root: DeTable::parse(text)?.into_inner(),
        })
    }

    /// The root table.
    pub(crate) fn root(&self) -> Table<'_> {
        Table {
            text: self.text,
            table: &self.root,
        }
    }
}

/// A table of a document, its keys in sorted order (as `toml::Table`'s).
#[derive(Clone, Copy)]
pub(crate) struct Table<'a> {
    text: &'a str,
    table: &'a DeTable<'a>,
}

impl<'a> Table<'a> {
    /// Its keys (as the file spells them, unquoted) and values, in sorted order.
    pub(crate) fn iter(self) -> impl Iterator<Item = (&'a str, Value<'a>)> {
        self.table.iter().map(move |(k, v)| {
            (
                k.get_ref().as_ref(),
                Value {
                    text: self.text,
                    value: v.get_ref(),
                    span: v.span(),
                },
            )
        })
    }

    /// The value of `key`, if set.
    pub(crate) fn get(self, key: &str) -> Option<Value<'a>> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

/// A value of a document and the text it was written as.
#[derive(Clone)]
pub(crate) struct Value<'a> {
    text: &'a str,
    value: &'a DeValue<'a>,
    span: Range<usize>,
}

impl<'a> Value<'a> {
    /// The string, when it is one.
    pub(crate) fn as_str(&self) -> Option<&'a str> {
        match self.value {
            DeValue::String(s) => Some(s.as_ref()),
            _ => None,
        }
    }

    /// The table, when it is one.
    pub(crate) fn as_table(&self) -> Option<Table<'a>> {
        match self.value {
            DeValue::Table(t) => Some(Table {
                text: self.text,
                table: t,
            }),
            _ => None,
        }
    }

    /// Its items when it is an array, else itself as the one item (a grid's key takes a
    /// value or a list).
    pub(crate) fn items(&self) -> Vec<Value<'a>> {
        match self.value {
            DeValue::Array(items) => items
                .iter()
                .map(|v| Value {
                    text: self.text,
                    value: v.get_ref(),
                    span: v.span(),
                })
                .collect(),
            _ => vec![self.clone()],
        }
    }

    /// True when it is an array.
    pub(crate) fn is_array(&self) -> bool {
        matches!(self.value, DeValue::Array(_))
    }

    /// True when it is a TOML integer or float.
    pub(crate) fn is_number(&self) -> bool {
        matches!(self.value, DeValue::Integer(_) | DeValue::Float(_))
    }

    /// The value as written, for the grammar of numbers (a TOML integer or float is read
    /// from its text; anything else is no number) and for an error's echo.
    pub(crate) fn written(&self) -> Written {
        Written::toml(&self.describe(), self.is_number())
    }

    /// The value as an error message quotes it: its text as written in the file (a table
    /// written under a `[header]` as `(a table)`).
    pub(crate) fn describe(&self) -> String {
        let written = self.text.get(self.span.clone()).unwrap_or("");
        match self.value {
            DeValue::Table(_) if !written.starts_with('{') => "(a table)".to_owned(),
            DeValue::Array(_) if written.starts_with("[[") => "(an array of tables)".to_owned(),
            _ => written.to_owned(),
        }
    }
}

/// The 1-based line and column of byte `offset` in `text` (for syntax errors).
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, column)
}

/// Where `key` was first set before byte `before` in `text` (a document that sets it
/// again there): the 1-based line of the closest earlier key of that name in any table,
/// as far as the parser recovers the document.
pub(crate) fn earlier_line(text: &str, key: &str, before: usize) -> Option<usize> {
    fn walk(t: &DeTable<'_>, key: &str, before: usize, best: &mut Option<usize>) {
        for (k, v) in t.iter() {
            let start = k.span().start;
            if k.get_ref().as_ref() == key && start < before && best.is_none_or(|b| start > b) {
                *best = Some(start);
            }
            match v.get_ref() {
                DeValue::Table(t) => walk(t, key, before, best),
                DeValue::Array(items) => {
                    for item in items.iter() {
                        if let DeValue::Table(t) = item.get_ref() {
                            walk(t, key, before, best);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let (root, _) = DeTable::parse_recoverable(text);
    let mut best = None;
    walk(root.get_ref(), key, before, &mut best);
    best.map(|offset| line_col(text, offset).0)
}
