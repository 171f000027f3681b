//! Availability: which chunks a peer has, as a set of runs.
//!
//! Peers announce what they hold in runs (HAVE and ACK messages in RFC 7574, chunk maps in the
//! XML profile), and content is fetched mostly in order, so a set of sorted, disjoint, non-adjacent
//! runs stays tiny even for millions of chunks: a complete file is one run.
//!
//! The encodings live beside the set, one file each: the bitmap and ranges-text chunk maps of
//! the XML profile ([`ChunkSet::to_bitmap`], [`ChunkSet::to_ranges_text`]) and RFC 7574 chunk
//! specifications ([`ChunkSet::to_chunk_specs`]).

mod bitmap;
mod ranges_text;
mod specs;

use std::collections::BTreeMap;

use crate::chunk_range::ChunkRange;

/// A set of chunk indices, stored as sorted, disjoint, non-adjacent inclusive runs.
///
/// Every operation costs O(log r) per run touched, for `r` stored runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChunkSet {
    /// First chunk of each run → last chunk of that run.
    runs: BTreeMap<u64, u64>,
    /// Number of chunks, kept so `len` is O(1).
    len: u64,
}

impl ChunkSet {
    /// The empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of chunks in the set.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the set holds no chunk.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of runs the set is stored as.
    pub fn run_count(&self) -> usize {
        self.runs.len()
    }

    /// The runs, in ascending order.
    pub fn runs(&self) -> impl DoubleEndedIterator<Item = ChunkRange> + '_ {
        self.runs
            .iter()
            .filter_map(|(&first, &last)| ChunkRange::new(first, last))
    }

    /// Whether `chunk` is in the set.
    pub fn contains(&self, chunk: u64) -> bool {
        self.run_at_or_before(chunk)
            .is_some_and(|(_, last)| chunk <= last)
    }

    /// Whether at least one chunk of `range` is in the set.
    pub fn intersects(&self, range: ChunkRange) -> bool {
        self.run_at_or_before(range.last())
            .is_some_and(|(_, last)| last >= range.first())
    }

    /// The first chunk at or after `from` that is not in the set; `None` if every chunk from
    /// there up to [`ChunkRange::MAX_CHUNK`] is present.
    pub fn first_missing_from(&self, from: u64) -> Option<u64> {
        match self.run_at_or_before(from) {
            // Runs never touch, so the chunk after a run is missing.
            Some((_, last)) if last >= from => {
                last.checked_add(1).filter(|&c| c <= ChunkRange::MAX_CHUNK)
            }
            _ => (from <= ChunkRange::MAX_CHUNK).then_some(from),
        }
    }

    /// Adds one chunk; returns whether it was new. Chunks past [`ChunkRange::MAX_CHUNK`]
    /// cannot be named by any addressing method, are not stored and return `false`.
    pub fn insert(&mut self, chunk: u64) -> bool {
        match ChunkRange::single(chunk) {
            Some(range) if !self.contains(chunk) => {
                self.insert_run(range);
                true
            }
            _ => false,
        }
    }

    /// Adds every chunk of `range`.
    pub fn insert_run(&mut self, range: ChunkRange) {
        let (mut first, mut last) = (range.first(), range.last());
        // Absorb a run that overlaps or touches on the left...
        if let Some((start, end)) = self.run_at_or_before(first)
            && end.saturating_add(1) >= first
        {
            first = start;
            last = last.max(end);
            self.take(start);
        }
        // ...and every run starting inside or right after the new one.
        while let Some((&start, &end)) = self.runs.range(first..=last.saturating_add(1)).next() {
            last = last.max(end);
            self.take(start);
        }
        self.put(first, last);
    }

    /// Removes every chunk of `range`.
    pub fn remove_run(&mut self, range: ChunkRange) {
        let (first, last) = (range.first(), range.last());
        if let Some((start, end)) = self.run_at_or_before(first)
            && end >= first
        {
            self.take(start);
            if start < first {
                self.put(start, first - 1);
            }
            if end > last {
                self.put(last + 1, end);
            }
        }
        while let Some((&start, &end)) = self.runs.range(first..=last).next() {
            self.take(start);
            if end > last {
                self.put(last + 1, end);
            }
        }
    }

    /// Chunks in either set.
    pub fn union(&self, other: &Self) -> Self {
        let (mut big, small) = if self.run_count() >= other.run_count() {
            (self.clone(), other)
        } else {
            (other.clone(), self)
        };
        small.runs().for_each(|run| big.insert_run(run));
        big
    }

    /// Chunks in `self` but not in `other`: for example, what a peer has that we still need.
    pub fn difference(&self, other: &Self) -> Self {
        let mut out = self.clone();
        other.runs().for_each(|run| out.remove_run(run));
        out
    }

    /// Chunks in both sets.
    pub fn intersection(&self, other: &Self) -> Self {
        let (outer, inner) = if self.run_count() <= other.run_count() {
            (self, other)
        } else {
            (other, self)
        };
        let mut out = Self::new();
        for run in outer.runs() {
            // Runs of `inner` overlapping `run`: possibly one starting before it, then those inside.
            let before = inner
                .run_at_or_before(run.first())
                .filter(|&(start, _)| start < run.first());
            let inside = inner
                .runs
                .range(run.first()..=run.last())
                .map(|(&s, &e)| (s, e));
            for (start, end) in before.into_iter().chain(inside) {
                let (first, last) = (start.max(run.first()), end.min(run.last()));
                if let Some(overlap) = ChunkRange::new(first, last) {
                    out.insert_run(overlap);
                }
            }
        }
        out
    }

    /// The run starting at or before `chunk` (it may end before `chunk`).
    fn run_at_or_before(&self, chunk: u64) -> Option<(u64, u64)> {
        self.runs
            .range(..=chunk)
            .next_back()
            .map(|(&start, &end)| (start, end))
    }

    /// Removes the run starting at `start`, keeping `len` in step.
    fn take(&mut self, start: u64) {
        if let Some(end) = self.runs.remove(&start) {
            self.len -= end - start + 1;
        }
    }

    /// Stores the run `start..=end`, which must not touch another run.
    fn put(&mut self, start: u64, end: u64) {
        self.runs.insert(start, end);
        self.len += end - start + 1;
    }
}

impl FromIterator<ChunkRange> for ChunkSet {
    fn from_iter<I: IntoIterator<Item = ChunkRange>>(iter: I) -> Self {
        let mut set = Self::new();
        iter.into_iter().for_each(|run| set.insert_run(run));
        set
    }
}

/// Why an XML-profile chunk map (bitmap or ranges text) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MapError {
    /// The bitmap's byte length does not match the window's chunk count.
    #[error("bitmap of {count} chunks needs {expected} bytes, got {got}")]
    BitmapLength {
        /// Chunks in the window.
        count: u64,
        /// Bytes needed, `ceil(count / 8)`.
        expected: u64,
        /// Bytes given.
        got: usize,
    },
    /// Bits after the window's last chunk are set.
    #[error("bitmap has bits set after its last chunk")]
    BitmapPadding,
    /// The window or a range goes past [`ChunkRange::MAX_CHUNK`].
    #[error("chunk map goes past the largest chunk index 2^63-1")]
    OutOfRange,
    /// A ranges-text item is not `N` or `N-M` with decimal `N <= M`.
    #[error("range item {index} is not \"N\" or \"N-M\" with N <= M")]
    MalformedItem {
        /// Position of the item, from 0.
        index: usize,
    },
    /// A ranges-text item starts at or before the end of the item before it.
    #[error(
        "range item {index} is not after the item before it (ranges must ascend without overlap)"
    )]
    NotAscending {
        /// Position of the item, from 0.
        index: usize,
    },
    /// The ranges text has more items than allowed.
    #[error("more than {limit} range items")]
    TooManyItems {
        /// The limit.
        limit: usize,
    },
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;

    fn run(first: u64, last: u64) -> ChunkRange {
        ChunkRange::new(first, last).unwrap()
    }

    fn runs_of(set: &ChunkSet) -> Vec<(u64, u64)> {
        set.runs().map(|r| (r.first(), r.last())).collect()
    }

    #[test]
    fn touching_runs_merge() {
        let mut set = ChunkSet::new();
        set.insert_run(run(0, 4));
        set.insert_run(run(10, 12));
        set.insert_run(run(5, 9));
        assert_eq!(runs_of(&set), [(0, 12)]);
        assert_eq!(set.len(), 13);
    }

    #[test]
    fn removing_from_the_middle_splits_a_run() {
        let mut set: ChunkSet = [run(0, 99)].into_iter().collect();
        set.remove_run(run(10, 19));
        assert_eq!(runs_of(&set), [(0, 9), (20, 99)]);
        assert_eq!(set.len(), 90);
    }

    #[test]
    fn first_missing_skips_the_run_it_lands_in() {
        let set: ChunkSet = [run(0, 4), run(6, 8)].into_iter().collect();
        assert_eq!(set.first_missing_from(0), Some(5));
        assert_eq!(set.first_missing_from(5), Some(5));
        assert_eq!(set.first_missing_from(7), Some(9));
        let full: ChunkSet = [run(0, ChunkRange::MAX_CHUNK)].into_iter().collect();
        assert_eq!(full.first_missing_from(3), None);
        assert_eq!(ChunkSet::new().first_missing_from(u64::MAX), None);
    }

    #[test]
    fn millions_of_chunks_in_order_stay_one_run() {
        let mut set = ChunkSet::new();
        for chunk in 0..1_000_000 {
            set.insert(chunk);
        }
        assert_eq!(set.run_count(), 1);
        assert_eq!(set.len(), 1_000_000);
    }

    #[test]
    fn chunks_past_the_maximum_are_not_stored() {
        let mut set = ChunkSet::new();
        assert!(!set.insert(ChunkRange::MAX_CHUNK + 1));
        assert!(set.insert(ChunkRange::MAX_CHUNK));
        assert!(!set.insert(ChunkRange::MAX_CHUNK));
        assert_eq!(set.len(), 1);
    }

    /// Small chunk numbers so that random runs overlap and touch often.
    fn any_set() -> impl Strategy<Value = (ChunkSet, BTreeSet<u64>)> {
        prop::collection::vec((0..200u64, 0..20u64), 0..12).prop_map(|runs| {
            let mut set = ChunkSet::new();
            let mut model = BTreeSet::new();
            for (first, len) in runs {
                set.insert_run(run(first, first + len));
                model.extend(first..=first + len);
            }
            (set, model)
        })
    }

    fn model_of(set: &ChunkSet) -> BTreeSet<u64> {
        set.runs().flat_map(|r| r.first()..=r.last()).collect()
    }

    fn is_canonical(set: &ChunkSet) -> bool {
        let runs = runs_of(set);
        let len: u64 = runs.iter().map(|(a, b)| b - a + 1).sum();
        runs.windows(2).all(|w| w[0].1 + 1 < w[1].0) && len == set.len()
    }

    proptest! {
        #[test]
        fn set_algebra_matches_a_btreeset((a, ma) in any_set(), (b, mb) in any_set()) {
            for (result, expected) in [
                (a.union(&b), ma.union(&mb).copied().collect::<BTreeSet<_>>()),
                (a.difference(&b), ma.difference(&mb).copied().collect()),
                (a.intersection(&b), ma.intersection(&mb).copied().collect()),
            ] {
                prop_assert!(is_canonical(&result));
                prop_assert_eq!(model_of(&result), expected);
            }
        }

        #[test]
        fn removal_matches_a_btreeset((mut a, mut ma) in any_set(), first in 0..220u64, len in 0..30u64) {
            a.remove_run(run(first, first + len));
            ma.retain(|c| !(first..=first + len).contains(c));
            prop_assert!(is_canonical(&a));
            prop_assert_eq!(model_of(&a), ma);
        }

        #[test]
        fn queries_match_a_btreeset((a, ma) in any_set(), chunk in 0..230u64, len in 0..10u64) {
            prop_assert_eq!(a.contains(chunk), ma.contains(&chunk));
            prop_assert_eq!(a.len(), ma.len() as u64);
            let missing = (chunk..).find(|c| !ma.contains(c));
            prop_assert_eq!(a.first_missing_from(chunk), missing);
            let hit = (chunk..=chunk + len).any(|c| ma.contains(&c));
            prop_assert_eq!(a.intersects(run(chunk, chunk + len)), hit);
        }

        #[test]
        fn set_laws_hold((a, _) in any_set(), (b, _) in any_set(), (c, _) in any_set()) {
            prop_assert_eq!(a.union(&b), b.union(&a));
            prop_assert_eq!(a.intersection(&b), b.intersection(&a));
            prop_assert_eq!(a.union(&b.union(&c)), a.union(&b).union(&c));
            prop_assert_eq!(a.intersection(&b.union(&c)), a.intersection(&b).union(&a.intersection(&c)));
            prop_assert_eq!(a.difference(&b).union(&a.intersection(&b)), a.clone());
            prop_assert!(a.difference(&b).intersection(&b).is_empty());
        }

        #[test]
        fn runs_to_bins_and_back_is_the_identity(first in 0..=ChunkRange::MAX_CHUNK, len in 1..u64::MAX) {
            let last = first.saturating_add(len - 1).min(ChunkRange::MAX_CHUNK);
            let original = run(first, last);
            let back: ChunkSet = original.bins().map(crate::Bin::chunks).collect();
            prop_assert_eq!(back.runs().collect::<Vec<_>>(), vec![original]);
        }
    }
}
