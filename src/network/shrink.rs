//! A tape of payments that shrinks by deleting payments until no single one can go
//! ([`Payments`]): what [`super::LeavingTapes`] generates its transfers with.
//!
//! Proptest's vector deletes each element once, in order, and then shrinks the elements:
//! a payment it could not delete early (while a later one still needed it) stays, though
//! deleting it after the later ones went would keep the failure. A failure of leaving
//! needs several payments (into debt, then refused `leave-after` times), which leaves such
//! stray payments behind; this tree runs deletion passes until one deletes nothing, then
//! shrinks the payments left, and deletes again after any shrinking kept (a payment shrunk
//! to one a member makes to itself may go), so the shrunk tape is minimal: no payment of
//! it can be deleted with the failure kept.

use std::fmt;
use std::ops::RangeInclusive;

use proptest::strategy::{NewTree, Strategy, ValueTree};
use proptest::test_runner::TestRunner;

/// Vectors of `element`'s values, their length in `len`, shrunk by repeated deletion
/// passes, then by shrinking each element that is left (in order), and again while
/// either makes progress.
#[derive(Debug, Clone)]
pub(crate) struct Payments<S> {
    /// The strategy of one element.
    pub(crate) element: S,
    /// The lengths generated.
    pub(crate) len: RangeInclusive<usize>,
}

impl<S: Strategy> Strategy for Payments<S>
where
    S::Tree: fmt::Debug,
{
    type Tree = PaymentsTree<S::Tree>;
    type Value = Vec<S::Value>;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        let n = self.len.clone().new_tree(runner)?.current();
        let elements = (0..n)
            .map(|_| self.element.new_tree(runner))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PaymentsTree {
            included: vec![true; elements.len()],
            elements,
            phase: Phase::Delete(0),
            last: None,
            undone: false,
            deleted_in_pass: false,
            shrunk_in_pass: false,
        })
    }
}

/// Where a [`PaymentsTree`] is in its shrinking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Deleting the elements from this index on.
    Delete(usize),
    /// Shrinking the element at this index.
    Shrink(usize),
    /// Nothing more to try.
    Done,
}

/// The last simplification, which `complicate` undoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    Deleted(usize),
    Shrunk(usize),
}

/// The value tree of [`Payments`].
#[derive(Debug, Clone)]
pub(crate) struct PaymentsTree<T> {
    elements: Vec<T>,
    included: Vec<bool>,
    phase: Phase,
    last: Option<Last>,
    /// True when `complicate` undid some of the last simplification.
    undone: bool,
    /// True when a deletion of this pass was kept (the failure held without the element).
    deleted_in_pass: bool,
    /// True when a shrunk element of this pass was kept as shrunk.
    shrunk_in_pass: bool,
}

impl<T: ValueTree> ValueTree for PaymentsTree<T> {
    type Value = Vec<T::Value>;

    fn current(&self) -> Vec<T::Value> {
        self.elements
            .iter()
            .zip(&self.included)
            .filter(|(_, kept)| **kept)
            .map(|(e, _)| e.current())
            .collect()
    }

    fn simplify(&mut self) -> bool {
        // A simplification not undone by `complicate` was kept.
        match self.last {
            Some(Last::Deleted(_)) => self.deleted_in_pass = true,
            Some(Last::Shrunk(_)) if !self.undone => self.shrunk_in_pass = true,
            _ => {}
        }
        self.last = None;
        self.undone = false;
        loop {
            match self.phase {
                Phase::Delete(from) => {
                    match (from..self.elements.len()).find(|&i| self.included[i]) {
                        Some(i) => {
                            self.included[i] = false;
                            self.last = Some(Last::Deleted(i));
                            self.phase = Phase::Delete(i + 1);
                            return true;
                        }
                        None if self.deleted_in_pass => {
                            self.deleted_in_pass = false;
                            self.phase = Phase::Delete(0);
                        }
                        None => self.phase = Phase::Shrink(0),
                    }
                }
                Phase::Shrink(i) if i < self.elements.len() => {
                    if self.included[i] && self.elements[i].simplify() {
                        self.last = Some(Last::Shrunk(i));
                        return true;
                    }
                    self.phase = Phase::Shrink(i + 1);
                }
                // A shrunk element may have become one that can go (a payment to oneself,
                // say): deletion passes again.
                Phase::Shrink(_) if self.shrunk_in_pass => {
                    self.shrunk_in_pass = false;
                    self.phase = Phase::Delete(0);
                }
                Phase::Shrink(_) | Phase::Done => {
                    self.phase = Phase::Done;
                    return false;
                }
            }
        }
    }

    fn complicate(&mut self) -> bool {
        match self.last.take() {
            Some(Last::Deleted(i)) => {
                self.included[i] = true;
                true
            }
            Some(Last::Shrunk(i)) => {
                self.undone = true;
                let changed = self.elements[i].complicate();
                if changed {
                    self.last = Some(Last::Shrunk(i));
                }
                changed
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::test_runner::{Config, TestError};

    #[test]
    fn a_failure_needing_two_elements_shrinks_to_them_whatever_came_before() {
        // Fails when a 7 comes later than a 5: proptest's vector may keep elements before
        // the pair that it tried to delete while the pair's later element was not yet
        // there; deletion passes until none deletes anything leave the pair alone.
        let strategy = Payments {
            element: 0u8..10,
            len: 0..=40,
        };
        let mut runner = TestRunner::new(Config {
            cases: 256,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&strategy, |v| {
            let five = v.iter().position(|&x| x == 5);
            let seven = v.iter().rposition(|&x| x == 7);
            match (five, seven) {
                (Some(a), Some(b)) if a < b => {
                    Err(proptest::test_runner::TestCaseError::fail("pair"))
                }
                _ => Ok(()),
            }
        });
        match result {
            Err(TestError::Fail(_, v)) => assert_eq!(v, [5, 7]),
            other => panic!("{other:?}"),
        }
    }
}
