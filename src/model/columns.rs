//! Which columns of a model's trajectory hold a member's ledger ([`LedgerColumns`]): the one
//! declaration (`Model::ledger_columns`) that `plot`, `report` and a scenario report's
//! summary read a member's balance, limit and means from.

use super::Model;

/// The columns of a trajectory that hold one member's ledger ([`Model::ledger_columns`]):
/// the balance and the limit always, the capacity and the payment when the model stores
/// them, and the member's mean balance and mean send volume when the model keeps them.
///
/// ```
/// use currents::model::{LedgerColumn, LedgerColumns};
///
/// // A model storing its limit signed (≤ 0), as a later notebook's `creditLimit`:
/// let member = LedgerColumns::new("balance", LedgerColumn::negated("creditLimit"))
///     .capacity("capacity")
///     .payment("payment")
///     .balance_mean("avgBalance")
///     .send_volume_mean("avgSendVolumeOut");
/// assert!(member.limit.negated && !member.balance.negated);
/// assert_eq!(
///     member.names(),
///     ["balance", "creditLimit", "capacity", "payment", "avgBalance", "avgSendVolumeOut"]
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerColumns {
    /// The balance ([`super::Ledger::balance`]).
    pub balance: LedgerColumn,
    /// The limit, a magnitude ([`super::Ledger::limit`]).
    pub limit: LedgerColumn,
    /// What the member may still spend, when the model stores it
    /// ([`super::Ledger::capacity`]).
    pub(crate) capacity: Option<LedgerColumn>,
    /// The step's payment, when the model stores it ([`super::Ledger::payment`]).
    pub(crate) payment: Option<LedgerColumn>,
    /// The member's mean balance over the run so far, when the model keeps one (V1's
    /// `avgUserBalance`): not part of the [`super::Ledger`], but what V1's charts draw
    /// beside it, and the first of the two means of `crate::metrics::Metered::equilibrium`.
    pub(crate) balance_mean: Option<LedgerColumn>,
    /// The member's mean send volume over the run so far, when the model keeps one (V1's
    /// `avgSendVolume`): the second of the two means of
    /// `crate::metrics::Metered::equilibrium`, which a scenario report's summary names.
    pub(crate) send_volume_mean: Option<LedgerColumn>,
}

impl LedgerColumns {
    /// A member whose balance and limit are in these columns, and nothing else declared.
    pub fn new(balance: impl Into<LedgerColumn>, limit: impl Into<LedgerColumn>) -> Self {
        LedgerColumns {
            balance: balance.into(),
            limit: limit.into(),
            capacity: None,
            payment: None,
            balance_mean: None,
            send_volume_mean: None,
        }
    }

    /// The capacity is in `column`.
    pub fn capacity(self, column: impl Into<LedgerColumn>) -> Self {
        LedgerColumns {
            capacity: Some(column.into()),
            ..self
        }
    }

    /// The payment is in `column`.
    pub fn payment(self, column: impl Into<LedgerColumn>) -> Self {
        LedgerColumns {
            payment: Some(column.into()),
            ..self
        }
    }

    /// The member's mean balance is in `column`.
    pub fn balance_mean(self, column: impl Into<LedgerColumn>) -> Self {
        LedgerColumns {
            balance_mean: Some(column.into()),
            ..self
        }
    }

    /// The member's mean send volume is in `column`.
    pub fn send_volume_mean(self, column: impl Into<LedgerColumn>) -> Self {
        LedgerColumns {
            send_volume_mean: Some(column.into()),
            ..self
        }
    }

    /// Every column named, in the order balance, limit, capacity, payment, mean balance,
    /// mean send volume.
    pub fn names(&self) -> Vec<&str> {
        self.all()
            .into_iter()
            .flatten()
            .map(|c| c.name.as_str())
            .collect()
    }

    /// Every column, declared or not, in the order of [`LedgerColumns::names`].
    fn all(&self) -> [Option<&LedgerColumn>; 6] {
        [
            Some(&self.balance),
            Some(&self.limit),
            self.capacity.as_ref(),
            self.payment.as_ref(),
            self.balance_mean.as_ref(),
            self.send_volume_mean.as_ref(),
        ]
    }

    /// What a model that declares nothing gets ([`Model::ledger_columns`]'s default): the
    /// [`super::Ledger`]'s own names, when `columns` (a one-member model's) hold `balance`
    /// and `limit` — with `capacity` and `payment` when they hold those too; `None`
    /// otherwise. Every column holds the quantity itself (none negated).
    pub(crate) fn by_ledger_names(columns: &[String]) -> Option<Self> {
        let has = |name: &str| columns.iter().any(|c| c == name);
        if !(has("balance") && has("limit")) {
            return None;
        }
        let mut member = LedgerColumns::new("balance", "limit");
        if has("capacity") {
            member = member.capacity("capacity");
        }
        if has("payment") {
            member = member.payment("payment");
        }
        Some(member)
    }

    /// How member m's ledger is named for any m, as a scenario report's summary names it:
    /// member 0's columns ([`Model::ledger_columns`]), each name with the part where it
    /// differs from member 1's replaced by `m` (the network's `balance_0` and `balance_1`
    /// read `balance_m`); member 0's names as they are when the model declares no member 1
    /// (a one-member model) or names them alike; the [`super::Ledger`]'s field names
    /// `balance` and `limit` when the model declares no ledger columns at all.
    pub(crate) fn of_any_member<M: Model + ?Sized>(model: &M) -> Self {
        let Some(first) = model.ledger_columns(0) else {
            return LedgerColumns::new("balance", "limit");
        };
        let Some(second) = model.ledger_columns(1) else {
            return first;
        };
        let any = |a: &LedgerColumn, b: Option<&LedgerColumn>| LedgerColumn {
            name: b.map_or_else(|| a.name.clone(), |b| name_of_any(&a.name, &b.name)),
            negated: a.negated,
        };
        let [b1, l1, c1, p1, bm1, sm1] = second.all();
        LedgerColumns {
            balance: any(&first.balance, b1),
            limit: any(&first.limit, l1),
            capacity: first.capacity.as_ref().map(|c| any(c, c1)),
            payment: first.payment.as_ref().map(|c| any(c, p1)),
            balance_mean: first.balance_mean.as_ref().map(|c| any(c, bm1)),
            send_volume_mean: first.send_volume_mean.as_ref().map(|c| any(c, sm1)),
        }
    }
}

/// `a` (member 0's name of a column) with the part where it differs from `b` (member 1's)
/// replaced by `m`: their common beginning, `m`, then their common end (which does not
/// overlap the beginning). `a` itself when they are equal.
fn name_of_any(a: &str, b: &str) -> String {
    if a == b {
        return a.to_owned();
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (start, end) = (&a[..head], &a[a.len() - tail..]);
    start.iter().chain(&['m']).chain(end).collect()
}

/// One column of a [`LedgerColumns`]: its name, and whether it holds the quantity's
/// negation (a limit stored as a signed, non-positive number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerColumn {
    /// The column's name, as [`Model::columns`] spells it.
    pub name: String,
    /// True when the column holds minus the quantity.
    pub negated: bool,
}

impl LedgerColumn {
    /// The column `name`, holding minus the quantity.
    pub fn negated(name: impl Into<String>) -> Self {
        LedgerColumn {
            name: name.into(),
            negated: true,
        }
    }
}

impl From<&str> for LedgerColumn {
    /// The column `name`, holding the quantity itself.
    fn from(name: &str) -> Self {
        LedgerColumn::from(name.to_owned())
    }
}

impl From<String> for LedgerColumn {
    /// The column `name`, holding the quantity itself.
    fn from(name: String) -> Self {
        LedgerColumn {
            name,
            negated: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_of_any_member_replaces_where_members_differ() {
        assert_eq!(name_of_any("balance_0", "balance_1"), "balance_m");
        assert_eq!(name_of_any("b0x", "b1x"), "bmx");
        assert_eq!(name_of_any("balance", "balance"), "balance");
        assert_eq!(name_of_any("alice", "bob"), "m");
    }

    #[test]
    fn the_ledger_names_are_the_default_when_columns_hold_them() {
        let columns = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let found = LedgerColumns::by_ledger_names(&columns(&["limit", "x", "balance", "payment"]));
        assert_eq!(
            found,
            Some(LedgerColumns::new("balance", "limit").payment("payment"))
        );
        assert_eq!(
            LedgerColumns::by_ledger_names(&columns(&["balance", "creditLimit"])),
            None
        );
    }
}
