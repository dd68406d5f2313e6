//! Members of a state: which ones a payment involves ([`Members`]) and the limits a step
//! sets for them ([`StepLimits`]).
//!
//! A state holds one or more members' ledgers ([`super::Model::n_members`]). A payment
//! involves at most two of them — a payer and a payee; one member when the other side is
//! outside the model, as V1's endless market is — and a step touches only those: the
//! policy sets their limits (each from that member's own view, [`super::Cx::member`]) and
//! the model changes their ledgers. Every other member is left as it was, so a step costs
//! the same whatever the number of members.

use super::{Limit, Model};

/// The most members one payment involves: a payer and a payee.
pub const MEMBERS_PER_PAYMENT_MAX: usize = 2;

/// The members one payment involves, in order (for a transfer: the payer, then the payee).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Members {
    ids: [usize; MEMBERS_PER_PAYMENT_MAX],
    len: u8,
}

impl Members {
    /// One member (a one-member model's payment, or a payment with the world outside).
    #[inline]
    pub(crate) const fn one(member: usize) -> Self {
        Members {
            ids: [member, 0],
            len: 1,
        }
    }

    /// Two members: `first` (the payer of a transfer), then `second` (the payee). The same
    /// member twice is one member.
    #[inline]
    pub(crate) const fn pair(first: usize, second: usize) -> Self {
        if first == second {
            Members::one(first)
        } else {
            Members {
                ids: [first, second],
                len: 2,
            }
        }
    }

    /// The members, in order.
    #[inline]
    pub fn as_slice(&self) -> &[usize] {
        &self.ids[..usize::from(self.len)]
    }

    /// How many members (1 or 2).
    #[inline]
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Always false: a payment involves at least one member.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The limits one step set: one for each member its payment involves, in the order of its
/// [`Members`].
///
/// Laid out for the one-member step, the run loop's hot case: the first member's limit
/// inline, a second one only for a pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepLimits {
    first: Limit,
    first_member: usize,
    second: Option<(usize, Limit)>,
}

impl StepLimits {
    /// The limit `limit` of a one-member step.
    #[inline]
    pub(crate) const fn one(member: usize, limit: Limit) -> Self {
        StepLimits {
            first: limit,
            first_member: member,
            second: None,
        }
    }

    /// Limits of `members`, the k-th set by `limit(member)`; the first error stops.
    #[inline(always)]
    pub fn try_from_fn<E>(
        members: Members,
        mut limit: impl FnMut(usize) -> Result<Limit, E>,
    ) -> Result<Self, E> {
        let ids = members.as_slice();
        let first = limit(ids[0])?;
        let second = match ids.get(1) {
            Some(&m) => Some((m, limit(m)?)),
            None => None,
        };
        Ok(StepLimits {
            first,
            first_member: ids[0],
            second,
        })
    }

    /// The members, in order.
    #[inline]
    pub fn members(&self) -> Members {
        match self.second {
            Some((m, _)) => Members::pair(self.first_member, m),
            None => Members::one(self.first_member),
        }
    }

    /// The first member's limit (a one-member model's only limit; a transfer's payer's).
    #[inline]
    pub fn first(&self) -> &Limit {
        &self.first
    }

    /// The limit set for `member`, if the step set one.
    #[inline]
    pub fn of(&self, member: usize) -> Option<&Limit> {
        if member == self.first_member {
            return Some(&self.first);
        }
        match &self.second {
            Some((m, limit)) if *m == member => Some(limit),
            _ => None,
        }
    }

    /// Every (member, limit) the step set, in order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &Limit)> {
        std::iter::once((self.first_member, &self.first))
            .chain(self.second.iter().map(|(m, l)| (*m, l)))
    }
}

/// The most members one step touches: the members whose limits it set and the members its
/// applied payment involves (the same ones, unless enforcement changed the payment's).
pub(crate) const TOUCHED_MAX: usize = 2 * MEMBERS_PER_PAYMENT_MAX;

/// True when a step of `model` may change its whole state, so that whatever reads a step —
/// the per-run fold, the catalog's step laws, a run's digest — reads all of it: a
/// one-member model, whose one member is its state. A step of a model of several members
/// changes only the members it touched ([`touched_by`]): every other member is as it was
/// (the [`Model`] contract, [`Model::step_into`]), so what reads a step reads those.
///
/// The one definition of that choice.
#[inline(always)]
pub(crate) fn step_changes_whole_state<M: Model + ?Sized>(model: &M) -> bool {
    model.n_members() == 1
}

/// The members a step touched that set `limits` and applied `applied` — the members whose
/// limits it set, then those of the applied payment not among them ([`Model::members`]) —
/// into `ids`; how many. Every other member is as it was (the [`Model`] contract).
#[inline]
pub(crate) fn touched_by<M: Model + ?Sized>(
    model: &M,
    limits: &StepLimits,
    applied: &M::Payment,
    ids: &mut [usize; TOUCHED_MAX],
) -> usize {
    let (set, paid) = (limits.members(), model.members(applied));
    let set = set.as_slice();
    // Two fixed places, not a copy of the slice: a copy of one or two ids of a length
    // known only at run time becomes a call to `memcpy`, a tenth of a payment's time.
    let mut len = 0;
    for (k, id) in ids.iter_mut().enumerate().take(MEMBERS_PER_PAYMENT_MAX) {
        if let Some(&m) = set.get(k) {
            *id = m;
            len = k + 1;
        }
    }
    if paid != limits.members() {
        for &m in paid.as_slice() {
            if !ids[..len].contains(&m) {
                ids[len] = m;
                len += 1;
            }
        }
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_of_the_same_member_is_one_member() {
        assert_eq!(Members::pair(3, 3), Members::one(3));
        assert_eq!(Members::pair(1, 4).as_slice(), &[1, 4]);
        assert_eq!(Members::one(7).len(), 1);
    }

    #[test]
    fn limits_are_found_by_member_in_payment_order() {
        let l = |value| Limit { value, branch: "b" };
        let both =
            StepLimits::try_from_fn(Members::pair(5, 2), |m| Ok::<_, ()>(l(m as f64 * 10.0)))
                .unwrap();
        assert_eq!(both.first().value, 50.0);
        assert_eq!(both.of(2).map(|x| x.value), Some(20.0));
        assert_eq!(both.of(0), None);
        let order: Vec<usize> = both.iter().map(|(m, _)| m).collect();
        assert_eq!(order, [5, 2]);
        let one = StepLimits::one(0, l(1.0));
        assert_eq!(one.iter().count(), 1);
        let failed = StepLimits::try_from_fn(Members::pair(0, 1), |m| {
            if m == 1 { Err(m) } else { Ok(l(0.0)) }
        });
        assert_eq!(failed, Err(1));
    }
}
