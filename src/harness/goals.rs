//! Reachability goals ("sometimes" assertions): every branch of the credit rule and every
//! transaction path must be reached at least once across a suite, so that a suite which
//! silently stops exercising a branch fails instead of passing vacuously.

use std::fmt;

use crate::credit::CreditBranch;

/// A special path of the transaction draw (see [`crate::model::AmountPath`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxPath {
    /// The large-transaction path with a positive (incoming) amount.
    LargeIncoming,
    /// The large-transaction path with a negative (outgoing) amount.
    LargeOutgoing,
    /// The integrity path (`y > integrity` and `10·amount < capacity`).
    Integrity,
}

impl TxPath {
    /// Every path, in a fixed order.
    pub const ALL: [TxPath; 3] = [
        TxPath::LargeIncoming,
        TxPath::LargeOutgoing,
        TxPath::Integrity,
    ];

    /// A short stable name.
    pub fn name(self) -> &'static str {
        match self {
            TxPath::LargeIncoming => "large-incoming",
            TxPath::LargeOutgoing => "large-outgoing",
            TxPath::Integrity => "integrity",
        }
    }
}

/// Something a suite must reach at least once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Goal {
    /// A branch of the credit rule was taken.
    Branch(CreditBranch),
    /// A transaction path was taken by a drawn amount.
    Path(TxPath),
}

impl Goal {
    /// `branch:<name>` or `path:<name>`.
    pub fn name(self) -> String {
        match self {
            Goal::Branch(b) => format!("branch:{}", b.name()),
            Goal::Path(p) => format!("path:{}", p.name()),
        }
    }
}

impl fmt::Display for Goal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// A goal and how often the suite reached it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalReport {
    /// The goal.
    pub goal: Goal,
    /// Steps that reached it (seeded runs and tapes together).
    pub hits: u64,
}

impl GoalReport {
    /// True when the goal was reached at least once.
    pub fn reached(&self) -> bool {
        self.hits > 0
    }
}
