//! [`Transfer`]: one step's payment of the network, and the `payer>payee:amount` form a
//! counterexample's payments are written in and read back from.

use std::fmt;
use std::str::FromStr;

use crate::params::ParamError;

/// One step's payment: `amount` units from `payer` to `payee`.
///
/// Written `payer>payee:amount` (`0>1:1`) by [`fmt::Display`] and read back by
/// [`FromStr`]: the form a counterexample's payments take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Transfer {
    /// The member who pays.
    pub payer: usize,
    /// The member who is paid.
    pub payee: usize,
    /// The units paid (a transfer of 0 or fewer units is refused).
    pub amount: i64,
}

impl fmt::Display for Transfer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}>{}:{}", self.payer, self.payee, self.amount)
    }
}

impl FromStr for Transfer {
    type Err = ParamError;

    /// Reads `payer>payee:amount`, each a whole number (spaces around them allowed).
    fn from_str(s: &str) -> Result<Self, ParamError> {
        let bad = || ParamError::new("transfer", format!("{s:?}"), "payer>payee:amount");
        let (payer, rest) = s.split_once('>').ok_or_else(bad)?;
        let (payee, amount) = rest.split_once(':').ok_or_else(bad)?;
        Ok(Transfer {
            payer: payer.trim().parse().map_err(|_| bad())?,
            payee: payee.trim().parse().map_err(|_| bad())?,
            amount: amount.trim().parse().map_err(|_| bad())?,
        })
    }
}
