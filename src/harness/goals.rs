//! Reachability goals ("sometimes" assertions): every branch the policy declares
//! ([`crate::model::CreditPolicy::branches`]) and every path the behaviour declares
//! ([`crate::model::Behaviour::paths`]) must be reached at least once across a suite, so
//! that a suite which silently stops exercising a branch fails instead of passing
//! vacuously. Goals are named, never a model's own enum.

use std::fmt;

/// Something a suite must reach at least once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Goal {
    /// The policy's branch of this name set a limit.
    Branch(&'static str),
    /// A draw took the behaviour's path of this name.
    Path(&'static str),
}

impl Goal {
    /// `branch:<name>` or `path:<name>`.
    pub fn name(self) -> String {
        match self {
            Goal::Branch(b) => format!("branch:{b}"),
            Goal::Path(p) => format!("path:{p}"),
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
    pub(crate) hits: u64,
}

impl GoalReport {
    /// True when the goal was reached at least once.
    pub fn reached(&self) -> bool {
        self.hits > 0
    }
}
