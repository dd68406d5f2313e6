//! ChaCha8 for a block of lanes: the streams of [`crate::draws::chacha_rng`] for one
//! (seed, subset) and one run a lane, each generated one 64-byte block at a time for every
//! lane together, a lane per vector slot.
//!
//! [`crate::draws::chacha_rng`] is `rand_chacha`'s `ChaCha8Rng` keyed with (seed, subset),
//! its stream number the run: the state is ChaCha's constants, the eight key words, a
//! 64-bit block counter (words 12–13) starting at 0 and the 64-bit stream (words 14–15);
//! eight rounds; a block's output is its sixteen words after the rounds plus the input,
//! blocks in counter order. Here word `w` of every lane is one array, so each step of the
//! rounds is a loop over the lanes that the compiler turns into vector instructions (where
//! `rand_chacha` vectorises four blocks of one stream). The words are the same, in the same
//! order (`tests` below compare them with `ChaCha8Rng` word by word).

// Lane loops index several arrays by the lane `i` at once: that is the structure of arrays.
#![allow(clippy::needless_range_loop)]

/// The words of one block.
pub(crate) const BLOCK_WORDS: usize = 16;

/// The ChaCha8 streams of `L` runs of one (seed, subset), each at its own block.
pub(crate) struct ChaChaLanes<const L: usize> {
    key: [u32; 8],
    stream: [u64; L],
    counter: [u64; L],
}

/// ChaCha's constants, "expand 32-byte k".
const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// ChaCha's quarter round on words `a`, `b`, `c`, `d` of every lane.
#[inline(always)]
fn quarter<const L: usize>(x: &mut [[u32; L]; 16], a: usize, b: usize, c: usize, d: usize) {
    for i in 0..L {
        x[a][i] = x[a][i].wrapping_add(x[b][i]);
        x[d][i] = (x[d][i] ^ x[a][i]).rotate_left(16);
        x[c][i] = x[c][i].wrapping_add(x[d][i]);
        x[b][i] = (x[b][i] ^ x[c][i]).rotate_left(12);
        x[a][i] = x[a][i].wrapping_add(x[b][i]);
        x[d][i] = (x[d][i] ^ x[a][i]).rotate_left(8);
        x[c][i] = x[c][i].wrapping_add(x[d][i]);
        x[b][i] = (x[b][i] ^ x[c][i]).rotate_left(7);
    }
}

impl<const L: usize> ChaChaLanes<L> {
    /// The streams `chacha_rng(seed, subset, runs[i])` at their first word (lanes beyond
    /// `runs` run stream 0 and are not meant to be read).
    pub(crate) fn new(seed: u64, subset: u64, runs: &[u64]) -> Self {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
        bytes[8..16].copy_from_slice(&subset.to_le_bytes());
        let key = std::array::from_fn(|w| {
            u32::from_le_bytes([
                bytes[4 * w],
                bytes[4 * w + 1],
                bytes[4 * w + 2],
                bytes[4 * w + 3],
            ])
        });
        ChaChaLanes {
            key,
            stream: std::array::from_fn(|i| runs.get(i).copied().unwrap_or(0)),
            counter: [0; L],
        }
    }

    /// The next block of every lane with `advance[i]` set: `out[w][i]` is word `w` of lane
    /// `i`'s block. A lane without `advance` gets its next block in `out` too, but stays
    /// where it is (that block comes again).
    pub(crate) fn blocks(&mut self, advance: &[bool; L], out: &mut [[u32; L]; BLOCK_WORDS]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2 (checked on the line above), the one
            // requirement of `blocks_avx2`.
            return unsafe { self.blocks_avx2(advance, out) };
        }
        self.blocks_lanes(advance, out)
    }

    /// [`ChaChaLanes::blocks_lanes`] compiled for AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[inline(never)]
    fn blocks_avx2(&mut self, advance: &[bool; L], out: &mut [[u32; L]; BLOCK_WORDS]) {
        self.blocks_lanes(advance, out)
    }

    /// The body of [`ChaChaLanes::blocks`].
    #[inline(always)]
    fn blocks_lanes(&mut self, advance: &[bool; L], out: &mut [[u32; L]; BLOCK_WORDS]) {
        let mut x = [[0u32; L]; BLOCK_WORDS];
        for i in 0..L {
            for w in 0..4 {
                x[w][i] = SIGMA[w];
            }
            for w in 0..8 {
                x[4 + w][i] = self.key[w];
            }
            x[12][i] = self.counter[i] as u32;
            x[13][i] = (self.counter[i] >> 32) as u32;
            x[14][i] = self.stream[i] as u32;
            x[15][i] = (self.stream[i] >> 32) as u32;
        }
        let input = x;
        // Eight rounds: four double rounds of a column round and a diagonal round.
        for _ in 0..4 {
            quarter(&mut x, 0, 4, 8, 12);
            quarter(&mut x, 1, 5, 9, 13);
            quarter(&mut x, 2, 6, 10, 14);
            quarter(&mut x, 3, 7, 11, 15);
            quarter(&mut x, 0, 5, 10, 15);
            quarter(&mut x, 1, 6, 11, 12);
            quarter(&mut x, 2, 7, 8, 13);
            quarter(&mut x, 3, 4, 9, 14);
        }
        for w in 0..BLOCK_WORDS {
            for i in 0..L {
                out[w][i] = x[w][i].wrapping_add(input[w][i]);
            }
        }
        for i in 0..L {
            self.counter[i] = self.counter[i].wrapping_add(u64::from(advance[i]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draws::chacha_rng;
    use rand_core::Rng;

    #[test]
    fn lanes_are_chacha_rng_word_for_word() {
        // Streams of several keys, runs far apart and near u64::MAX, lanes advancing at
        // different rates (a lane held back gets the same block again): every lane's words
        // must be its ChaCha8Rng's, in order.
        for (seed, subset) in [(0, 0), (7, 0), (u64::MAX, 3), (123_456_789, 1 << 40)] {
            let runs = [1, 2, 3, 1_000_003, u64::MAX, 42, 0, 9];
            let mut lanes = ChaChaLanes::<8>::new(seed, subset, &runs);
            let mut rngs: Vec<_> = runs.iter().map(|&r| chacha_rng(seed, subset, r)).collect();
            let mut out = [[0u32; 8]; BLOCK_WORDS];
            for round in 0..40usize {
                let advance: [bool; 8] = std::array::from_fn(|i| (round + i) % (i + 1) == 0);
                lanes.blocks(&advance, &mut out);
                for i in 0..8 {
                    if advance[i] {
                        for (w, word) in out.iter().enumerate() {
                            assert_eq!(
                                word[i],
                                rngs[i].next_u32(),
                                "{seed} {subset} lane {i} word {w}"
                            );
                        }
                    }
                }
            }
        }
    }
}
