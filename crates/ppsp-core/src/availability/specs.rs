//! Availability as RFC 7574 chunk specifications (HAVE, ACK), for every addressing method.

use ppsp_wire::ppspp::ChunkSpec;

use super::ChunkSet;
use crate::spec::{SpecError, SpecLayout};

impl ChunkSet {
    /// The specs announcing this set: one chunk or byte range per run, or each run's bins
    /// (RFC 7574 section 4.3). With byte ranges the last run ends at the content's last byte
    /// when the content length is known.
    pub fn to_chunk_specs(&self, layout: &SpecLayout) -> Result<Vec<ChunkSpec>, SpecError> {
        let mut specs = Vec::with_capacity(self.run_count());
        for run in self.runs() {
            layout.range_to_specs(run, &mut specs)?;
        }
        Ok(specs)
    }

    /// Adds the chunks a received spec announces; see [`SpecLayout::spec_to_range`] for how
    /// the empty and "everything" bins and partial byte ranges are read.
    pub fn insert_spec(&mut self, spec: ChunkSpec, layout: &SpecLayout) -> Result<(), SpecError> {
        if let Some(range) = layout.spec_to_range(spec)? {
            self.insert_run(range);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use ppsp_wire::ppspp::ChunkAddressing;
    use proptest::prelude::*;

    use super::*;
    use crate::chunk_range::ChunkRange;

    const CHUNK_SIZE: u32 = 1024;

    fn set_of(runs: &[(u64, u64)]) -> ChunkSet {
        runs.iter()
            .filter_map(|&(a, b)| ChunkRange::new(a, b))
            .collect()
    }

    #[test]
    fn have_examples_from_the_rfc() {
        let mut set = ChunkSet::new();
        let bins = SpecLayout::new(ChunkAddressing::Bins32, CHUNK_SIZE).unwrap();
        set.insert_spec(ChunkSpec::Bin(1), &bins).unwrap();
        assert_eq!(set, set_of(&[(0, 1)]));
        // swirl's haves.trace: `03 00000000 00000004` is chunks 0..=4.
        let ranges = SpecLayout::new(ChunkAddressing::ChunkRanges32, CHUNK_SIZE).unwrap();
        let mut set = ChunkSet::new();
        set.insert_spec(ChunkSpec::ChunkRange { start: 0, end: 4 }, &ranges)
            .unwrap();
        assert_eq!(set, set_of(&[(0, 4)]));
    }

    #[test]
    fn the_empty_bin_adds_nothing_and_everything_adds_the_content() {
        let layout = SpecLayout::new(ChunkAddressing::Bins64, CHUNK_SIZE)
            .unwrap()
            .with_content_len(7162);
        let mut set = ChunkSet::new();
        set.insert_spec(ChunkSpec::Bin(u64::MAX), &layout).unwrap();
        assert!(set.is_empty());
        set.insert_spec(ChunkSpec::Bin(u64::MAX >> 1), &layout)
            .unwrap();
        assert_eq!(set, set_of(&[(0, 6)]));
    }

    #[test]
    fn a_refused_spec_leaves_the_set_unchanged() {
        let layout = SpecLayout::new(ChunkAddressing::ChunkRanges32, CHUNK_SIZE).unwrap();
        let mut set = set_of(&[(0, 3)]);
        let inverted = ChunkSpec::ChunkRange { start: 9, end: 8 };
        assert!(set.insert_spec(inverted, &layout).is_err());
        assert_eq!(set, set_of(&[(0, 3)]));
    }

    fn layouts() -> Vec<SpecLayout> {
        ChunkAddressing::ALL
            .into_iter()
            .flat_map(|cam| {
                let layout = SpecLayout::new(cam, CHUNK_SIZE).unwrap();
                // A short last chunk: 1000 chunks, the last one 7 bytes.
                [
                    layout,
                    layout.with_content_len(999 * u64::from(CHUNK_SIZE) + 7),
                ]
            })
            .collect()
    }

    proptest! {
        #[test]
        fn specs_round_trip_for_every_addressing_method(runs in prop::collection::vec((0..1000u64, 0..40u64), 0..12)) {
            let set = set_of(&runs.iter().map(|&(a, n)| (a, (a + n).min(999))).collect::<Vec<_>>());
            for layout in layouts() {
                let specs = set.to_chunk_specs(&layout).unwrap();
                let mut back = ChunkSet::new();
                for spec in specs {
                    back.insert_spec(spec, &layout).unwrap();
                }
                prop_assert_eq!(&back, &set, "{:?}", layout);
            }
        }
    }
}
