//! Member groups: a behaviour's declaration of which members are of which kind (the
//! `traders` user's high- and low-volume members), for the per-run fold to tally its
//! figures per group (`crate::metrics`' group answers).

/// One group of members, as a behaviour declares it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemberGroup {
    /// Its name (`high`, `low`): the summary's group columns are `NAME_FIGURE`.
    pub name: &'static str,
    /// The size of its members' typical payment: a member whose capacity (balance +
    /// limit) is below it is counted "at the limit" (for `traders`, the type's mean
    /// amount: more than half of the member's payments would be refused).
    pub typical_payment: f64,
}

/// A behaviour's member groups for a run of `n` members: contiguous blocks, group j
/// holding members `bounds[j] .. bounds[j + 1]` (`bounds[0] = 0`, the last bound n).
#[derive(Debug, Clone, PartialEq)]
pub struct MemberGroups {
    groups: Vec<MemberGroup>,
    bounds: Vec<usize>,
}

impl MemberGroups {
    /// The groups `groups` on the blocks `bounds` (one more bound than groups, starting at
    /// 0, never decreasing); `None` otherwise.
    ///
    /// ```
    /// use currents::model::{MemberGroup, MemberGroups};
    ///
    /// let g = |name| MemberGroup { name, typical_payment: 1.0 };
    /// let groups = MemberGroups::new(vec![g("a"), g("b")], vec![0, 2, 5]).unwrap();
    /// assert_eq!((groups.group_of(1), groups.group_of(2), groups.size(1)), (0, 1, 3));
    /// assert!(MemberGroups::new(vec![g("a")], vec![1, 5]).is_none());
    /// ```
    pub fn new(groups: Vec<MemberGroup>, bounds: Vec<usize>) -> Option<Self> {
        let ok = !groups.is_empty()
            && bounds.len() == groups.len() + 1
            && bounds[0] == 0
            && bounds.windows(2).all(|w| w[0] <= w[1]);
        ok.then_some(MemberGroups { groups, bounds })
    }

    /// The groups, in block order.
    pub fn groups(&self) -> &[MemberGroup] {
        &self.groups
    }

    /// How many members the blocks hold (the last bound).
    pub fn n_members(&self) -> usize {
        self.bounds[self.bounds.len() - 1]
    }

    /// The number of members of group `group`.
    pub fn size(&self, group: usize) -> usize {
        self.bounds[group + 1] - self.bounds[group]
    }

    /// The group of member `member`, in O(groups) (the last group for a member beyond the
    /// blocks).
    #[inline]
    pub fn group_of(&self, member: usize) -> usize {
        (0..self.groups.len())
            .find(|&j| member < self.bounds[j + 1])
            .unwrap_or(self.groups.len() - 1)
    }
}
