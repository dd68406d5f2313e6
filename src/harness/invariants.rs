//! The harness's bookkeeping per invariant of the catalog ([`crate::catalog`]): values kept
//! by name, in a report's order.

use crate::catalog::Invariant;

/// Values per invariant, keyed by name, in the order of the list they were made from
/// (then any other invariant in the order first seen).
#[derive(Debug, Clone)]
pub(crate) struct ByInvariant<T> {
    entries: Vec<(Invariant, T)>,
}

impl<T: Default> ByInvariant<T> {
    /// A default value for each of `list`.
    pub fn new(list: &[Invariant]) -> Self {
        ByInvariant {
            entries: list.iter().map(|&i| (i, T::default())).collect(),
        }
    }

    /// The value of `invariant`, added (default) at the end when it is not listed.
    pub fn entry(&mut self, invariant: Invariant) -> &mut T {
        let k = match self.entries.iter().position(|(i, _)| *i == invariant) {
            Some(k) => k,
            None => {
                self.entries.push((invariant, T::default()));
                self.entries.len() - 1
            }
        };
        &mut self.entries[k].1
    }
}

impl<T> ByInvariant<T> {
    /// The value of the invariant named `name`, when listed.
    pub fn get(&self, name: &str) -> Option<&T> {
        self.entries
            .iter()
            .find(|(i, _)| i.name() == name)
            .map(|(_, v)| v)
    }

    /// Every invariant and its value, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Invariant, &T)> {
        self.entries.iter().map(|(i, v)| (*i, v))
    }

    /// Every value, in order.
    pub(crate) fn into_values(self) -> impl Iterator<Item = (Invariant, T)> {
        self.entries.into_iter()
    }
}
