//! How a drawn payment meets the limit: none, clamp, reject or the model's own, and against
//! which capacity.

use std::fmt;

use crate::params::ParamError;

/// What happens to an outgoing payment larger than the capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Enforce {
    /// Payments are never limited (V1: the notebook does not hold the user to the limit).
    None,
    /// An outgoing payment larger than the capacity is reduced to the capacity (to 0 when
    /// the capacity is not positive).
    Clamp,
    /// An outgoing payment larger than the capacity does not happen (it becomes 0).
    Reject,
    /// The model's own rule ([`crate::model::Model::enforce`] decides; a one-member
    /// ledger treats it as [`Enforce::None`]).
    Model,
}

/// Which capacity a payment is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Against {
    /// The capacity of the step being taken, as the model computes it from the previous
    /// state (V1: the whole units the member may spend without passing the limit,
    /// `floor(balance(t−1) + credit(t−1))`).
    Step,
    /// The capacity stored in the previous state (which may be negative).
    Stored,
}

/// How a policy holds payments to its limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Enforcement {
    /// What happens to a payment over the capacity.
    pub mode: Enforce,
    /// Which capacity.
    pub against: Against,
    /// An upper balance limit that incoming payments meet the same way, if any.
    pub balance_max: Option<f64>,
}

impl Enforcement {
    /// No enforcement (V1).
    pub const NONE: Enforcement = Enforcement::new(Enforce::None);
    /// Clamp outgoing payments to the step's capacity.
    pub const CLAMP: Enforcement = Enforcement::new(Enforce::Clamp);
    /// Reject outgoing payments over the step's capacity.
    pub const REJECT: Enforcement = Enforcement::new(Enforce::Reject);

    /// `mode` against the step's capacity, with no upper balance limit.
    pub const fn new(mode: Enforce) -> Self {
        Enforcement {
            mode,
            against: Against::Step,
            balance_max: None,
        }
    }

    /// The name used in configs and output (`none`, `clamp`, `reject`, `model`).
    pub fn name(&self) -> &'static str {
        self.mode.name()
    }

    /// True when payments are never changed (`none`: the run loop does not call
    /// [`crate::model::Model::enforce`]).
    pub(crate) fn is_none(&self) -> bool {
        self.mode == Enforce::None
    }

    /// Applies the enforcement to a drawn `amount` (negative = sent) of a one-member ledger,
    /// given the `capacity` it is held to and the previous balance (for `balance_max`).
    /// Returns the amount that happens.
    pub fn apply(&self, amount: f64, capacity: f64, balance_prev: f64) -> f64 {
        let cap = capacity.max(0.0);
        let over_low = amount < 0.0 && -amount > cap;
        let over_high = match self.balance_max {
            Some(hi) => amount > 0.0 && balance_prev + amount > hi,
            None => false,
        };
        match self.mode {
            Enforce::None | Enforce::Model => amount,
            Enforce::Reject if over_low || over_high => 0.0,
            Enforce::Clamp if over_low => -cap,
            Enforce::Clamp if over_high => {
                // `balance_max` is Some here; an already-higher balance receives nothing.
                (self.balance_max.unwrap_or(f64::INFINITY) - balance_prev).max(0.0)
            }
            _ => amount,
        }
    }
}

impl Enforce {
    /// Every mode a config may name, in a fixed order.
    pub(crate) const ALL: [Enforce; 4] = [
        Enforce::None,
        Enforce::Clamp,
        Enforce::Reject,
        Enforce::Model,
    ];

    /// The name used in configs and output.
    pub fn name(self) -> &'static str {
        match self {
            Enforce::None => "none",
            Enforce::Clamp => "clamp",
            Enforce::Reject => "reject",
            Enforce::Model => "model",
        }
    }

    /// Parses `none`, `clamp`, `reject` or `model`.
    pub fn parse(field: &'static str, s: &str) -> Result<Self, ParamError> {
        Enforce::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| ParamError::new(field, format!("{s:?}"), "none, clamp, reject or model"))
    }
}

impl fmt::Display for Enforce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_max(mode: Enforce, hi: f64) -> Enforcement {
        Enforcement {
            balance_max: Some(hi),
            ..Enforcement::new(mode)
        }
    }

    #[test]
    fn clamp_caps_outgoing_at_capacity_and_reject_drops_it() {
        assert_eq!(Enforcement::CLAMP.apply(-300.0, 250.0, 0.0), -250.0);
        assert_eq!(Enforcement::REJECT.apply(-300.0, 250.0, 0.0), 0.0);
        assert_eq!(Enforcement::NONE.apply(-300.0, 250.0, 0.0), -300.0);
        assert_eq!(Enforcement::CLAMP.apply(-300.0, -5.0, 0.0), 0.0);
        assert_eq!(Enforcement::CLAMP.apply(-200.0, 250.0, 0.0), -200.0);
        assert_eq!(
            with_max(Enforce::Clamp, 100.0).apply(80.0, 250.0, 50.0),
            50.0
        );
        assert_eq!(
            with_max(Enforce::Reject, 100.0).apply(80.0, 250.0, 50.0),
            0.0
        );
    }
}
