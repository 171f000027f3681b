//! Runs of consecutive chunks and their decomposition into bins.
//!
//! Availability is naturally a list of runs, while bin addressing and Merkle peaks need aligned
//! power-of-two blocks. Any run splits into at most 2·63 bins by repeatedly taking the largest
//! aligned block that starts at the run's first chunk and fits (RFC 7574 section 4.2; the peaks
//! of section 5.6 are exactly the decomposition of `0..=n-1`).

use std::fmt;

use crate::bin::Bin;

/// A non-empty, inclusive run of chunk indices, within the chunks bins can name
/// (`0..=`[`ChunkRange::MAX_CHUNK`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChunkRange {
    first: u64,
    last: u64,
}

impl ChunkRange {
    /// The highest chunk index: the last chunk of [`Bin::ALL`]. Every addressing method is
    /// limited to it so that availability can always be re-expressed as 64-bit bins.
    pub const MAX_CHUNK: u64 = (1 << 63) - 1;

    /// The run `first..=last`; `None` if it is empty or goes past [`ChunkRange::MAX_CHUNK`].
    pub const fn new(first: u64, last: u64) -> Option<Self> {
        if first <= last && last <= Self::MAX_CHUNK {
            Some(Self { first, last })
        } else {
            None
        }
    }

    /// The run holding just `chunk`.
    pub const fn single(chunk: u64) -> Option<Self> {
        Self::new(chunk, chunk)
    }

    /// The run `first..first+count`; `None` if `count` is 0 or the run is out of range.
    pub fn with_len(first: u64, count: u64) -> Option<Self> {
        Self::new(first, first.checked_add(count.checked_sub(1)?)?)
    }

    /// The chunks covered by `bin`.
    pub(crate) const fn from_bin(bin: Bin) -> Self {
        Self {
            first: bin.first_chunk(),
            last: bin.last_chunk(),
        }
    }

    /// First chunk.
    pub const fn first(self) -> u64 {
        self.first
    }

    /// Last chunk (inclusive).
    pub const fn last(self) -> u64 {
        self.last
    }

    /// Number of chunks (at least 1, at most 2^63).
    pub const fn chunk_count(self) -> u64 {
        self.last - self.first + 1
    }

    /// Whether `chunk` is in the run.
    pub const fn contains(self, chunk: u64) -> bool {
        self.first <= chunk && chunk <= self.last
    }

    /// The minimal list of aligned bins covering exactly this run, left to right.
    ///
    /// ```
    /// # use ppsp_core::ChunkRange;
    /// let bins: Vec<u64> = ChunkRange::new(0, 6).unwrap().bins().map(|b| b.get()).collect();
    /// assert_eq!(bins, [3, 9, 12]);
    /// ```
    pub fn bins(self) -> Bins {
        Bins {
            next: self.first,
            last: self.last,
        }
    }

    /// The bin covering exactly this run, if the run is one aligned power-of-two block.
    pub fn as_bin(self) -> Option<Bin> {
        let mut bins = self.bins();
        let bin = bins.next()?;
        bins.next().is_none().then_some(bin)
    }
}

impl fmt::Debug for ChunkRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChunkRange({}..={})", self.first, self.last)
    }
}

/// The bins of a run, from [`ChunkRange::bins`].
#[derive(Debug, Clone)]
pub struct Bins {
    /// First chunk not yet covered; `last + 1` when done (at most 2^63, so no overflow).
    next: u64,
    last: u64,
}

impl Iterator for Bins {
    type Item = Bin;

    fn next(&mut self) -> Option<Bin> {
        if self.next > self.last {
            return None;
        }
        let remaining = self.last - self.next + 1;
        // The largest block aligned at `next` that still fits in the run.
        let layer = self.next.trailing_zeros().min(remaining.ilog2());
        let bin = Bin::from_layer_index(layer, self.next >> layer)?;
        self.next += bin.chunk_count();
        Some(bin)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn bins_of(first: u64, last: u64) -> Vec<u64> {
        ChunkRange::new(first, last)
            .unwrap()
            .bins()
            .map(Bin::get)
            .collect()
    }

    #[test]
    fn runs_decompose_as_in_the_rfc_examples() {
        assert_eq!(bins_of(0, 6), [3, 9, 12]);
        assert_eq!(bins_of(3, 9), [6, 11, 17]);
        assert_eq!(bins_of(0, 25), [15, 39, 49]);
        assert_eq!(bins_of(4, 4), [8]);
    }

    #[test]
    fn the_whole_chunk_space_is_one_bin() {
        assert_eq!(
            ChunkRange::new(0, ChunkRange::MAX_CHUNK).unwrap().as_bin(),
            Some(Bin::ALL)
        );
    }

    #[test]
    fn only_aligned_power_of_two_runs_are_a_bin() {
        assert_eq!(ChunkRange::new(4, 7).unwrap().as_bin(), Bin::new(11));
        assert_eq!(ChunkRange::new(4, 6).unwrap().as_bin(), None);
        assert_eq!(ChunkRange::new(2, 5).unwrap().as_bin(), None);
    }

    #[test]
    fn empty_or_out_of_range_runs_are_rejected() {
        assert_eq!(ChunkRange::new(5, 4), None);
        assert_eq!(ChunkRange::new(0, ChunkRange::MAX_CHUNK + 1), None);
        assert_eq!(ChunkRange::with_len(3, 0), None);
        assert_eq!(ChunkRange::with_len(3, 2), ChunkRange::new(3, 4));
        assert_eq!(ChunkRange::with_len(u64::MAX, 2), None);
    }

    fn any_run() -> impl Strategy<Value = ChunkRange> {
        prop_oneof![
            (0..1_000u64, 0..1_000u64),
            (0..=ChunkRange::MAX_CHUNK, 0..=ChunkRange::MAX_CHUNK),
        ]
        .prop_map(|(a, b)| ChunkRange::new(a.min(b), a.max(b)).unwrap())
    }

    proptest! {
        #[test]
        fn bins_tile_the_run_exactly(run in any_run()) {
            let mut next = run.first();
            for bin in run.bins() {
                prop_assert_eq!(bin.first_chunk(), next);
                next = bin.last_chunk() + 1;
            }
            prop_assert_eq!(next, run.last() + 1);
        }

        #[test]
        fn bins_are_minimal(run in any_run()) {
            let bins: Vec<Bin> = run.bins().collect();
            prop_assert!(bins.len() <= 2 * 63);
            // Two neighbours that are siblings could have been their parent instead.
            for pair in bins.windows(2) {
                prop_assert_ne!(pair[0].sibling(), Some(pair[1]));
            }
        }
    }
}
