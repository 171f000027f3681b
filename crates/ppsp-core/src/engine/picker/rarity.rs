//! How many connected peers hold each chunk we lack, kept up to date as HAVEs, ACKs and
//! channel closes arrive rather than recounted per pick: recounting over every channel for
//! every candidate cost most of a download's CPU time.
//!
//! Chunks are grouped by availability: level `k` is the set of missing chunks held by exactly
//! `k` channels. Sets of runs stay small because peers hold mostly contiguous content, so an
//! update costs O(levels × runs touched) and a whole-content map from a seeder is one run
//! moved per level.

use crate::availability::ChunkSet;
use crate::chunk_range::ChunkRange;

/// Missing chunks by the number of channels holding them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rarity {
    /// `levels[k]`: missing chunks (below the chunk count) held by exactly `k` channels.
    levels: Vec<ChunkSet>,
}

impl Rarity {
    /// Every chunk below `chunk_count` not in `have`, held by no channel yet.
    pub(crate) fn new(chunk_count: u64, have: &ChunkSet) -> Self {
        let mut missing = ChunkSet::new();
        if let Some(all) = chunk_count
            .checked_sub(1)
            .and_then(|last| ChunkRange::new(0, last))
        {
            missing.insert_run(all);
            have.runs().for_each(|run| missing.remove_run(run));
        }
        Self {
            levels: vec![missing],
        }
    }

    /// The availability levels, rarest (nobody) first.
    pub(crate) fn levels(&self) -> &[ChunkSet] {
        &self.levels
    }

    /// One more channel holds `range`; the caller passes only chunks new to that channel.
    pub(crate) fn add(&mut self, range: ChunkRange) {
        for k in (0..self.levels.len()).rev() {
            let moved = overlap(&self.levels[k], range);
            if moved.is_empty() {
                continue;
            }
            if k + 1 == self.levels.len() {
                self.levels.push(ChunkSet::new());
            }
            for run in moved {
                self.levels[k].remove_run(run);
                self.levels[k + 1].insert_run(run);
            }
        }
    }

    /// One channel holding `range` went away.
    pub(crate) fn remove(&mut self, range: ChunkRange) {
        for k in 1..self.levels.len() {
            for run in overlap(&self.levels[k], range) {
                self.levels[k].remove_run(run);
                self.levels[k - 1].insert_run(run);
            }
        }
        while self.levels.len() > 1 && self.levels.last().is_some_and(ChunkSet::is_empty) {
            self.levels.pop();
        }
    }

    /// We verified `chunk`: it is no longer a candidate.
    pub(crate) fn verified(&mut self, chunk: u64) {
        let Some(single) = ChunkRange::single(chunk) else {
            return;
        };
        if let Some(level) = self.levels.iter_mut().find(|l| l.contains(chunk)) {
            level.remove_run(single);
        }
    }
}

/// The runs of `set` within `range`.
pub(crate) fn overlap(set: &ChunkSet, range: ChunkRange) -> Vec<ChunkRange> {
    if !set.intersects(range) {
        return Vec::new();
    }
    let window: ChunkSet = std::iter::once(range).collect();
    set.intersection(&window).runs().collect()
}

/// The runs of `range` missing from `set`: what a HAVE or ACK adds to a peer's map.
pub(crate) fn gaps(set: &ChunkSet, range: ChunkRange) -> Vec<ChunkRange> {
    let mut out = Vec::new();
    let mut at = range.first();
    while at <= range.last() {
        let Some(start) = set.first_missing_from(at).filter(|&c| c <= range.last()) else {
            break;
        };
        let end = overlap(set, ChunkRange::new(start, range.last()).unwrap_or(range))
            .first()
            .map_or(range.last(), |next| next.first() - 1);
        out.extend(ChunkRange::new(start, end));
        match end.checked_add(1) {
            Some(next) => at = next,
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(first: u64, last: u64) -> ChunkRange {
        ChunkRange::new(first, last).unwrap()
    }

    fn runs(set: &ChunkSet) -> Vec<(u64, u64)> {
        set.runs().map(|r| (r.first(), r.last())).collect()
    }

    #[test]
    fn chunks_move_up_a_level_per_holder_and_back_when_it_leaves() {
        let mut rarity = Rarity::new(10, &ChunkSet::new());
        rarity.add(range(0, 9));
        rarity.add(range(2, 4));
        assert_eq!(runs(&rarity.levels()[1]), [(0, 1), (5, 9)]);
        assert_eq!(runs(&rarity.levels()[2]), [(2, 4)]);
        rarity.remove(range(0, 9));
        assert_eq!(runs(&rarity.levels()[0]), [(0, 1), (5, 9)]);
        assert_eq!(runs(&rarity.levels()[1]), [(2, 4)]);
        assert_eq!(rarity.levels().len(), 2);
    }

    #[test]
    fn held_and_verified_chunks_are_no_candidates() {
        let have: ChunkSet = std::iter::once(range(0, 3)).collect();
        let mut rarity = Rarity::new(8, &have);
        rarity.add(range(0, 7));
        rarity.verified(5);
        assert_eq!(runs(&rarity.levels()[1]), [(4, 4), (6, 7)]);
    }

    #[test]
    fn gaps_are_the_runs_a_map_lacks() {
        let set: ChunkSet = [range(2, 3), range(6, 6)].into_iter().collect();
        let got: Vec<_> = gaps(&set, range(0, 9))
            .iter()
            .map(|r| (r.first(), r.last()))
            .collect();
        assert_eq!(got, [(0, 1), (4, 5), (7, 9)]);
        assert!(gaps(&set, range(2, 3)).is_empty());
    }
}
