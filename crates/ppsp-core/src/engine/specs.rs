//! Chunk specifications of one swarm: reading the intervals peers name and writing ours, in
//! whichever chunk addressing method the swarm uses (RFC 7574 section 4.3).

use ppsp_wire::ppspp::ChunkSpec;

use crate::availability::ChunkSet;
use crate::bin::Bin;
use crate::chunk_range::ChunkRange;
use crate::spec::{SpecError, SpecLayout};

/// The swarm's addressing method, chunk size and (once known) content length.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Specs {
    /// Knows the content length once we do: byte ranges then end at the last byte.
    layout: SpecLayout,
    /// Never knows the length, for specs written by a peer that did not know it yet.
    open: SpecLayout,
    chunk_size: u64,
}

impl Specs {
    pub(crate) fn new(layout: SpecLayout, chunk_size: u32) -> Self {
        Self {
            layout,
            open: layout,
            chunk_size: u64::from(chunk_size),
        }
        .with_len(layout.content_len())
    }

    fn with_len(mut self, content_len: Option<u64>) -> Self {
        if let Some(len) = content_len {
            self.layout = self.open.with_content_len(len);
        } else {
            self.open = self.layout;
        }
        self
    }

    /// Learns the content length (automatic size detection, section 5.6).
    pub(crate) fn set_content_len(&mut self, len: u64) {
        *self = self.with_len(Some(len));
    }

    /// The chunks a HAVE, ACK, REQUEST or CANCEL names, cut to `chunk_count` when known.
    /// `Ok(None)` for an empty interval.
    pub(crate) fn range(
        &self,
        spec: ChunkSpec,
        chunk_count: Option<u64>,
    ) -> Result<Option<ChunkRange>, SpecError> {
        let range = match self.layout.spec_to_range(spec) {
            // A peer that has not learned the size yet may name chunks past it.
            Err(SpecError::BeyondContent { .. }) => self.open.spec_to_range(spec)?,
            other => other?,
        };
        Ok(match (range, chunk_count) {
            (Some(range), Some(count)) if range.last() >= count => {
                ChunkRange::new(range.first(), count.saturating_sub(1))
            }
            (range, _) => range,
        })
    }

    /// The tree node an INTEGRITY message names.
    pub(crate) fn node(&self, spec: ChunkSpec) -> Result<Bin, SpecError> {
        self.layout.spec_to_bin(spec)
    }

    /// The spec naming tree node `bin` in an INTEGRITY message.
    pub(crate) fn node_spec(&self, bin: Bin) -> Option<ChunkSpec> {
        self.layout.bin_to_spec(bin).ok()
    }

    /// The chunk a DATA message carries: its spec must name exactly one chunk, and with byte
    /// ranges exactly the payload's bytes from a chunk boundary.
    pub(crate) fn data_chunk(&self, spec: ChunkSpec) -> Option<u64> {
        match spec {
            ChunkSpec::Bin(raw) => Bin::new(raw).filter(|b| b.is_leaf()).map(Bin::first_chunk),
            ChunkSpec::ChunkRange { start, end } => {
                (start == end && start <= ChunkRange::MAX_CHUNK).then_some(start)
            }
            ChunkSpec::ByteRange { start, end } => {
                (start % self.chunk_size == 0 && end >= start && end - start < self.chunk_size)
                    .then_some(start / self.chunk_size)
            }
        }
    }

    /// The spec of a DATA message carrying chunk `chunk` of `len` bytes.
    pub(crate) fn data_spec(&self, chunk: u64, len: usize) -> Option<ChunkSpec> {
        let spec = match self.layout.cam() {
            ppsp_wire::ppspp::ChunkAddressing::ByteRanges64 => {
                let start = chunk.checked_mul(self.chunk_size)?;
                let end = start.checked_add((len as u64).checked_sub(1)?)?;
                ChunkSpec::ByteRange { start, end }
            }
            _ => {
                let mut specs = Vec::with_capacity(1);
                self.open
                    .range_to_specs(ChunkRange::single(chunk)?, &mut specs)
                    .ok()?;
                specs.pop()?
            }
        };
        spec.check(self.layout.cam()).ok().map(|()| spec)
    }

    /// Appends the specs naming `range` (one range, or its bins), for REQUEST and CANCEL.
    pub(crate) fn run_specs(&self, range: ChunkRange, out: &mut Vec<ChunkSpec>) {
        // A run we cannot write is simply not requested; the picker tries others.
        let _ = self.layout.range_to_specs(range, out);
    }

    /// The spec announcing the biggest complete interval of `have` that contains `chunk`,
    /// as HAVE and ACK require (section 3.2 and 3.3): the whole run with ranges, the largest
    /// aligned bin inside the run with bins.
    pub(crate) fn interval_spec(&self, have: &ChunkSet, chunk: u64) -> Option<ChunkSpec> {
        if !have.contains(chunk) {
            return None;
        }
        // Whether every chunk of `range` is held: O(log runs), however fragmented `have`.
        let held = |first: u64, last: u64| {
            have.first_missing_from(first)
                .is_none_or(|missing| missing > last)
        };
        let range = match self.layout.cam() {
            ppsp_wire::ppspp::ChunkAddressing::Bins32
            | ppsp_wire::ppspp::ChunkAddressing::Bins64 => {
                let mut bin = Bin::chunk(chunk)?;
                while let Some(parent) = bin.parent() {
                    let wider = parent.chunks();
                    if !held(wider.first(), wider.last()) {
                        break;
                    }
                    bin = parent;
                }
                bin.chunks()
            }
            _ => {
                // The run around `chunk`: its end is the first gap after it, its start found
                // by bisection over the chunks before it.
                let last = have
                    .first_missing_from(chunk)
                    .map_or(ChunkRange::MAX_CHUNK, |missing| missing - 1);
                let (mut lo, mut hi) = (0, chunk);
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    if held(mid, chunk) {
                        hi = mid;
                    } else {
                        lo = mid + 1;
                    }
                }
                ChunkRange::new(lo, last)?
            }
        };
        let mut specs = Vec::with_capacity(1);
        self.layout.range_to_specs(range, &mut specs).ok()?;
        (specs.len() == 1).then(|| specs.pop()).flatten()
    }

    /// Specs announcing all of `have`, for the HAVEs riding on the handshake.
    pub(crate) fn set_specs(&self, have: &ChunkSet) -> Vec<ChunkSpec> {
        have.to_chunk_specs(&self.layout).unwrap_or_default()
    }
}
