//! `uniform-pairs`: the classic chain's user. Each step one ordered pair of distinct members
//! is drawn uniformly, and the first pays the second a fixed amount.
//!
//! The draw is exact and portable: it reads 32-bit words from the generator it is handed
//! and maps them to an index with Lemire's method ([`uniform_below`]), whose result is
//! exactly uniform (never the slight bias of `word % n`) and depends only on the words
//! read, on every platform. `rand`'s range sampling is not used: its `usize` sampling
//! depends on the pointer width and may change between versions, which would change every
//! trajectory.

use rand_core::Rng;

use crate::model::{Behaviour, Cx, Draw, Model};
use crate::params::ParamSpec;
use crate::registry::UserType;

use super::Transfer;

/// An index exactly uniform in `0..n`, drawn from `rng` with Lemire's nearly
/// divisionless method (D. Lemire, "Fast Random Integer Generation in an Interval", ACM
/// TOMACS 29(1), 2019).
///
/// A 32-bit word `x` is multiplied by `n` into 64 bits; the high word is the index, and a
/// product whose low word falls below `2^32 mod n` is rejected and drawn again. Every
/// index is then the image of exactly `⌊2^32 / n⌋` accepted words, so each has the same
/// probability. It reads one word, rarely more (with probability below `n / 2^32` per
/// word), and the same words give the same index on every platform. `n = 0` gives 0
/// without reading anything.
///
/// ```
/// use currents::network::uniform_below;
///
/// let mut rng = currents::draws::chacha_rng(1, 0, 1);
/// let draws: Vec<u32> = (0..1000).map(|_| uniform_below(&mut rng, 6)).collect();
/// assert!(draws.iter().all(|&k| k < 6));
/// assert!((0..6).all(|k| draws.contains(&k)));
/// ```
#[inline]
pub fn uniform_below<R: Rng + ?Sized>(rng: &mut R, n: u32) -> u32 {
    if n == 0 {
        return 0;
    }
    let mut product = u64::from(rng.next_u32()) * u64::from(n);
    let mut low = product as u32;
    if low < n {
        // 2^32 mod n, computed in 32 bits: (2^32 − n) mod n.
        let threshold = n.wrapping_neg() % n;
        while low < threshold {
            product = u64::from(rng.next_u32()) * u64::from(n);
            low = product as u32;
        }
    }
    (product >> 32) as u32
}

/// The classic chain's user: each step the payer is drawn uniformly among the N members,
/// then the payee uniformly among the N − 1 others, so each of the N(N − 1) ordered pairs
/// of distinct members has probability 1 / (N(N − 1)); the payer pays `amount` units.
///
/// Two words or more per step, in that order ([`uniform_below`] for `N`, then for
/// `N − 1`). It works on any model whose payments are [`Transfer`]s, reading the number
/// of members from [`Model::n_members`]; on fewer than two members (no pair to draw) it
/// draws nothing and member 0 pays itself, which the network refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UniformPairs {
    /// The units each transfer moves (≥ 1 when built from the declaration).
    pub amount: i64,
}

impl Default for UniformPairs {
    /// One unit per transfer.
    fn default() -> Self {
        UniformPairs { amount: 1 }
    }
}

impl UserType for UniformPairs {
    const NAME: &'static str = "uniform-pairs";
    const SUMMARY: &'static str =
        "each step a uniform ordered pair of distinct members: the first pays the second";
    const PARAMS: &'static [ParamSpec] = &[ParamSpec {
        name: "amount",
        default: 1.0,
        min: 1.0,
        max: 1e6,
        integer: true,
        doc: "the units each transfer moves",
    }];

    fn from_values(values: &[f64]) -> Self {
        UniformPairs {
            amount: values[0] as i64,
        }
    }
}

impl<M: Model<Payment = Transfer> + ?Sized> Behaviour<M> for UniformPairs {
    type Memory = ();

    fn draw<R: Rng + ?Sized>(&self, cx: &Cx<'_, M>, rng: &mut R, _: &mut ()) -> Draw<Transfer> {
        // Members beyond u32::MAX are never drawn (the network holds at most 10^6).
        let n = u32::try_from(cx.model.n_members()).unwrap_or(u32::MAX);
        if n < 2 {
            return Draw::plain(Transfer {
                payer: 0,
                payee: 0,
                amount: self.amount,
            });
        }
        let payer = uniform_below(rng, n);
        // The k-th of the other members: skip the payer.
        let k = uniform_below(rng, n - 1);
        let payee = if k >= payer { k + 1 } else { k };
        Draw::plain(Transfer {
            payer: payer as usize,
            payee: payee as usize,
            amount: self.amount,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A generator replaying given words.
    struct Words(Vec<u32>);

    impl rand_core::TryRng for Words {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok(self.0.remove(0))
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            Ok(u64::from(self.0.remove(0)))
        }
        fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), Self::Error> {
            unimplemented!()
        }
    }

    #[test]
    fn lemire_maps_words_to_the_high_word_and_rejects_the_biased_ones() {
        // n = 3: 2^32 mod 3 = 1, so the word 0 (low word 0 < 1) is rejected.
        let mut rng = Words(vec![0, u32::MAX]);
        assert_eq!(uniform_below(&mut rng, 3), 2);
        assert!(rng.0.is_empty());
        let mut rng = Words(vec![1 << 31]);
        assert_eq!(uniform_below(&mut rng, 2), 1);
        assert_eq!(uniform_below(&mut Words(vec![]), 0), 0);
    }
}
