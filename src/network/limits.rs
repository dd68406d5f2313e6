//! Every member's limit in a network state ([`MemberLimits`]), stored as one value while
//! every member has the same.

/// Every member's limit, a magnitude (a balance may go down to `−limit`).
///
/// Stored as one value while every member's limit is the same — at genesis every member
/// has the model's `limit`, and a rule that keeps limits (`static`, the classic chain's)
/// never gives one member another —, and as one value per member from the first step that
/// does. So the classic chain's steps read and write no limit in memory, and its states
/// are half as large: what a step at a million members waits for is the cache lines it
/// reads, and this halves them. Two values are equal when every member's limit is,
/// however they are stored.
#[derive(Debug, Clone)]
pub(crate) enum MemberLimits {
    /// `n` members, each with the limit `value`.
    Common {
        /// The limit of every member.
        value: i64,
        /// How many members.
        n: usize,
    },
    /// Member m's limit at index m.
    Each(Vec<i64>),
}

impl MemberLimits {
    /// `n` members, each with the limit `value`.
    pub(crate) fn common(value: i64, n: usize) -> Self {
        MemberLimits::Common { value, n }
    }

    /// How many members.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        match self {
            MemberLimits::Common { n, .. } => *n,
            MemberLimits::Each(v) => v.len(),
        }
    }

    /// Member `m`'s limit, `None` when there is no such member.
    #[inline]
    pub(crate) fn get(&self, m: usize) -> Option<i64> {
        match self {
            MemberLimits::Common { value, n } => (m < *n).then_some(*value),
            MemberLimits::Each(v) => v.get(m).copied(),
        }
    }

    /// Sets member `m`'s limit to `limit` (nothing when there is no such member). The
    /// first limit unlike the common one stores one limit per member (O(members), once).
    #[inline]
    pub(crate) fn set(&mut self, m: usize, limit: i64) {
        match self {
            MemberLimits::Common { value, .. } if *value == limit => {}
            MemberLimits::Common { value, n } => {
                if m < *n {
                    let mut each = vec![*value; *n];
                    each[m] = limit;
                    *self = MemberLimits::Each(each);
                }
            }
            MemberLimits::Each(v) => {
                if let Some(x) = v.get_mut(m) {
                    *x = limit;
                }
            }
        }
    }

    /// Sets member `m`'s limit to its limit in `other`.
    #[inline]
    pub(crate) fn copy_from(&mut self, other: &MemberLimits, m: usize) {
        if let Some(limit) = other.get(m) {
            self.set(m, limit);
        }
    }

    /// Every member's limit, in member order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        (0..self.len()).filter_map(|m| self.get(m))
    }
}

impl PartialEq for MemberLimits {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (MemberLimits::Each(a), MemberLimits::Each(b)) => a == b,
            _ => self.len() == other.len() && self.iter().eq(other.iter()),
        }
    }
}

impl Eq for MemberLimits {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_stored_either_way_read_and_compare_the_same() {
        let mut common = MemberLimits::common(3, 4);
        let each = MemberLimits::Each(vec![3; 4]);
        assert_eq!(common, each);
        assert_eq!((common.get(3), common.get(4)), (Some(3), None));
        // Setting the common value keeps one value; another value stores each member's.
        common.set(1, 3);
        assert!(matches!(common, MemberLimits::Common { value: 3, n: 4 }));
        common.set(1, 5);
        assert_eq!(common, MemberLimits::Each(vec![3, 5, 3, 3]));
        assert_ne!(common, each);
        // A member that does not exist is not set, nor does it store each member's.
        let mut short = MemberLimits::common(3, 2);
        short.set(9, 1);
        assert!(matches!(short, MemberLimits::Common { value: 3, n: 2 }));
        short.copy_from(&common, 1);
        assert_eq!(short.iter().collect::<Vec<_>>(), [3, 5]);
    }
}
