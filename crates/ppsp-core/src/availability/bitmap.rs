//! The bitmap chunk map of the XML profile: one bit per chunk of a window, most significant bit
//! first, so bit `i` of the map (bit `7 - i % 8` of byte `i / 8`) stands for chunk `start + i`.

use super::{ChunkSet, MapError};
use crate::chunk_range::ChunkRange;

impl ChunkSet {
    /// The bitmap of the window `start..start+count`, `ceil(count / 8)` bytes with the unused
    /// low bits of the last byte zero. Chunks past [`ChunkRange::MAX_CHUNK`] read as absent.
    /// The caller picks the window, and the bitmap takes `count / 8` bytes.
    pub fn to_bitmap(&self, start: u64, count: u64) -> Vec<u8> {
        let mut bits = vec![0u8; count.div_ceil(8) as usize];
        // No set holds chunks past MAX_CHUNK, so the window can stop there.
        let window = count.checked_sub(1).and_then(|span| {
            ChunkRange::new(start, start.saturating_add(span).min(ChunkRange::MAX_CHUNK))
        });
        let Some(window) = window else {
            return bits;
        };
        for run in self.runs() {
            let first = run.first().max(window.first());
            let last = run.last().min(window.last());
            for chunk in first..=last {
                let bit = chunk - start;
                bits[(bit / 8) as usize] |= 0x80 >> (bit % 8);
            }
        }
        bits
    }

    /// Reads a bitmap of the window `start..start+count`, refusing a length that does not match
    /// the window, set bits after the window and windows past [`ChunkRange::MAX_CHUNK`].
    pub fn from_bitmap(start: u64, count: u64, bits: &[u8]) -> Result<Self, MapError> {
        let expected = count.div_ceil(8);
        if u64::try_from(bits.len()) != Ok(expected) {
            return Err(MapError::BitmapLength {
                count,
                expected,
                got: bits.len(),
            });
        }
        if !count.is_multiple_of(8)
            && bits
                .last()
                .is_some_and(|&last| last & (0xFF >> (count % 8)) != 0)
        {
            return Err(MapError::BitmapPadding);
        }
        if count == 0 {
            return Ok(Self::new());
        }
        ChunkRange::with_len(start, count).ok_or(MapError::OutOfRange)?;
        let mut set = Self::new();
        let mut run_start = None;
        // One pass over the bits, emitting a run at each 1 → 0 edge.
        for bit in 0..=count {
            let present = bit < count && bits[(bit / 8) as usize] & (0x80 >> (bit % 8)) != 0;
            match (present, run_start) {
                (true, None) => run_start = Some(start + bit),
                (false, Some(first)) => {
                    set.insert_run(
                        ChunkRange::new(first, start + bit - 1).ok_or(MapError::OutOfRange)?,
                    );
                    run_start = None;
                }
                _ => {}
            }
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn bits_are_msb_first_from_the_window_start() {
        let set: ChunkSet = [
            ChunkRange::new(10, 10).unwrap(),
            ChunkRange::new(17, 18).unwrap(),
        ]
        .into_iter()
        .collect();
        assert_eq!(set.to_bitmap(10, 10), [0b1000_0001, 0b1000_0000]);
        assert_eq!(
            ChunkSet::from_bitmap(10, 10, &[0b1000_0001, 0b1000_0000]),
            Ok(set)
        );
    }

    #[test]
    fn wrong_length_and_padding_are_refused() {
        assert_eq!(
            ChunkSet::from_bitmap(0, 9, &[0]),
            Err(MapError::BitmapLength {
                count: 9,
                expected: 2,
                got: 1
            })
        );
        assert_eq!(
            ChunkSet::from_bitmap(0, 9, &[0, 0b0100_0000]),
            Err(MapError::BitmapPadding)
        );
    }

    #[test]
    fn windows_past_the_maximum_chunk_are_refused() {
        assert_eq!(
            ChunkSet::from_bitmap(ChunkRange::MAX_CHUNK, 2, &[0]),
            Err(MapError::OutOfRange)
        );
        assert_eq!(ChunkSet::new().to_bitmap(ChunkRange::MAX_CHUNK, 9), [0, 0]);
    }

    proptest! {
        #[test]
        fn bitmaps_round_trip(bits in prop::collection::vec(any::<u8>(), 0..40), start in 0..1_000u64, trim in 0..8u64) {
            let count = (bits.len() as u64 * 8).saturating_sub(trim);
            let mut bits = bits;
            if let Some(last) = bits.last_mut() && count % 8 != 0 {
                *last &= !(0xFF >> (count % 8));
            }
            bits.truncate(count.div_ceil(8) as usize);
            let set = ChunkSet::from_bitmap(start, count, &bits).unwrap();
            prop_assert_eq!(set.to_bitmap(start, count), bits);
        }

        #[test]
        fn a_window_shows_exactly_its_chunks(chunks in prop::collection::btree_set(0..300u64, 0..50), start in 0..200u64, count in 0..150u64) {
            let set: ChunkSet = chunks.iter().filter_map(|&c| ChunkRange::single(c)).collect();
            let expected: ChunkSet = chunks
                .iter()
                .filter(|&&c| c >= start && c < start + count)
                .filter_map(|&c| ChunkRange::single(c))
                .collect();
            prop_assert_eq!(ChunkSet::from_bitmap(start, count, &set.to_bitmap(start, count)), Ok(expected));
        }
    }
}
