//! Chunk specifications of a swarm: runs and tree nodes written in its chunk addressing method.
//!
//! RFC 7574 section 4.3 lets a swarm name chunks by bin, by chunk range or by byte range, and
//! messages carry whatever the swarm chose. Two kinds of value are written that way:
//!
//! * availability (HAVE, REQUEST, ACK): any run of chunks, see [`SpecLayout::range_to_specs`]
//!   and [`SpecLayout::spec_to_range`]. Byte ranges end at the content's last byte, and the
//!   special bins "empty" (all ones) and "everything" (`0x7FFF..FF`) are understood;
//! * Merkle tree nodes (INTEGRITY, SIGNED_INTEGRITY): always one aligned bin, written as that
//!   bin or as the chunks or bytes its leaves cover, even past the end of the content (the root
//!   of a 7-chunk file covers 8 chunks), see [`SpecLayout::bin_to_spec`] and
//!   [`SpecLayout::spec_to_bin`].

use ppsp_wire::ppspp::{ChunkAddressing, ChunkSpec, ChunkSpecError};

use crate::bin::Bin;
use crate::chunk_range::ChunkRange;

/// Why a chunk specification cannot be made or understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// A swarm's chunk size was given as zero.
    #[error("chunk size must be at least 1 byte")]
    ZeroChunkSize,
    /// The spec's kind or field width does not match the addressing method.
    #[error(transparent)]
    WrongForm(#[from] ChunkSpecError),
    /// The spec ends before it starts.
    #[error("{spec:?} ends before it starts")]
    Inverted {
        /// The spec.
        spec: ChunkSpec,
    },
    /// The spec names chunks past [`ChunkRange::MAX_CHUNK`].
    #[error("{spec:?} names chunks past the largest chunk index 2^63-1")]
    OutOfRange {
        /// The spec.
        spec: ChunkSpec,
    },
    /// The spec names chunks or bytes past the end of the content.
    #[error("{spec:?} goes past the end of the content ({content_len} bytes)")]
    BeyondContent {
        /// The spec.
        spec: ChunkSpec,
        /// The content length in bytes.
        content_len: u64,
    },
    /// A tree node was expected but the spec is not one aligned power-of-two block of chunks.
    #[error("{spec:?} is not one Merkle tree node")]
    NotABin {
        /// The spec.
        spec: ChunkSpec,
    },
    /// The chunks cannot be written with the addressing method (too large for its fields).
    #[error("chunks {range:?} cannot be written with {cam:?}")]
    Unrepresentable {
        /// The chunks.
        range: ChunkRange,
        /// The addressing method.
        cam: ChunkAddressing,
    },
}

/// How a swarm writes chunk specifications: its addressing method, chunk size and, when known,
/// content length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecLayout {
    cam: ChunkAddressing,
    chunk_size: u64,
    content_len: Option<u64>,
}

impl SpecLayout {
    /// A layout for content of unknown length (a live stream, or before size detection).
    /// The chunk size, which byte ranges are counted in, must not be zero.
    pub fn new(cam: ChunkAddressing, chunk_size: u32) -> Result<Self, SpecError> {
        if chunk_size == 0 {
            return Err(SpecError::ZeroChunkSize);
        }
        Ok(Self {
            cam,
            chunk_size: u64::from(chunk_size),
            content_len: None,
        })
    }

    /// The same layout for content of `content_len` bytes: byte ranges then end at the last
    /// byte, "everything" means every chunk of the content, and specs past the end are refused.
    pub fn with_content_len(self, content_len: u64) -> Self {
        Self {
            content_len: Some(content_len),
            ..self
        }
    }

    /// The addressing method.
    pub fn cam(&self) -> ChunkAddressing {
        self.cam
    }

    /// The content length in bytes, if known.
    pub fn content_len(&self) -> Option<u64> {
        self.content_len
    }

    /// The number of chunks of the content, if its length is known.
    pub fn chunk_count(&self) -> Option<u64> {
        Some(self.content_len?.div_ceil(self.chunk_size))
    }

    /// Appends the specs announcing `range`: one chunk or byte range, or the run's bins.
    pub fn range_to_specs(
        &self,
        range: ChunkRange,
        out: &mut Vec<ChunkSpec>,
    ) -> Result<(), SpecError> {
        match self.cam {
            ChunkAddressing::Bins32 | ChunkAddressing::Bins64 => {
                for bin in range.bins() {
                    out.push(self.bin_to_spec(bin)?);
                }
            }
            ChunkAddressing::ChunkRanges32 | ChunkAddressing::ChunkRanges64 => {
                out.push(self.checked(range, chunk_range_spec(range))?);
            }
            ChunkAddressing::ByteRanges64 => {
                let (start, end) = self.byte_bounds(range)?;
                let end = match self.content_len {
                    Some(len) if start >= len => {
                        let spec = ChunkSpec::ByteRange { start, end };
                        return Err(SpecError::BeyondContent {
                            spec,
                            content_len: len,
                        });
                    }
                    Some(len) => end.min(len - 1),
                    None => end,
                };
                out.push(ChunkSpec::ByteRange { start, end });
            }
        }
        Ok(())
    }

    /// The chunks a spec announces; `None` for the empty bin or a byte range that covers no
    /// whole chunk.
    ///
    /// Byte ranges count only fully covered chunks (the last chunk of the content counts when
    /// the range reaches the content's end), so a partial announcement is never taken for more.
    /// The "everything" bin is cut to the content when its length is known.
    pub fn spec_to_range(&self, spec: ChunkSpec) -> Result<Option<ChunkRange>, SpecError> {
        spec.check(self.cam)?;
        let range = match spec {
            ChunkSpec::Bin(raw) => {
                let (empty, everything) = special_bins(self.cam);
                if raw == empty {
                    return Ok(None);
                }
                let range = Bin::new(raw)
                    .ok_or(SpecError::OutOfRange { spec })?
                    .chunks();
                if raw == everything {
                    return Ok(match self.chunk_count() {
                        Some(count) => count
                            .checked_sub(1)
                            .and_then(|last| ChunkRange::new(0, last.min(range.last()))),
                        None => Some(range),
                    });
                }
                range
            }
            ChunkSpec::ChunkRange { start, end } => {
                if start > end {
                    return Err(SpecError::Inverted { spec });
                }
                ChunkRange::new(start, end).ok_or(SpecError::OutOfRange { spec })?
            }
            ChunkSpec::ByteRange { start, end } => {
                return self.byte_spec_to_range(spec, start, end);
            }
        };
        if let Some(len) = self.content_len
            && range.last() >= len.div_ceil(self.chunk_size)
        {
            return Err(SpecError::BeyondContent {
                spec,
                content_len: len,
            });
        }
        Ok(Some(range))
    }

    /// The spec naming tree node `bin`: the bin itself, or all the chunks or bytes under it,
    /// regardless of where the content ends.
    pub fn bin_to_spec(&self, bin: Bin) -> Result<ChunkSpec, SpecError> {
        let range = bin.chunks();
        let spec = match self.cam {
            ChunkAddressing::Bins32 | ChunkAddressing::Bins64 => {
                // In 32-bit bins the all-ones value means "empty", not the layer-32 node.
                if self.cam == ChunkAddressing::Bins32 && bin.get() >= u64::from(u32::MAX) {
                    return Err(SpecError::Unrepresentable {
                        range,
                        cam: self.cam,
                    });
                }
                ChunkSpec::Bin(bin.get())
            }
            ChunkAddressing::ChunkRanges32 | ChunkAddressing::ChunkRanges64 => {
                chunk_range_spec(range)
            }
            ChunkAddressing::ByteRanges64 => {
                let (start, end) = self.byte_bounds(range)?;
                ChunkSpec::ByteRange { start, end }
            }
        };
        self.checked(range, spec)
    }

    /// The tree node a spec names, the inverse of [`SpecLayout::bin_to_spec`].
    pub fn spec_to_bin(&self, spec: ChunkSpec) -> Result<Bin, SpecError> {
        spec.check(self.cam)?;
        let not_a_bin = SpecError::NotABin { spec };
        let (start, end) = match spec {
            ChunkSpec::Bin(raw) if raw == special_bins(self.cam).0 => return Err(not_a_bin),
            ChunkSpec::Bin(raw) => return Bin::new(raw).ok_or(not_a_bin),
            ChunkSpec::ChunkRange { start, end } => (start, end),
            ChunkSpec::ByteRange { start, end } => {
                let size = self.chunk_size;
                if start % size != 0 || end % size != size - 1 {
                    return Err(not_a_bin);
                }
                (start / size, end / size)
            }
        };
        ChunkRange::new(start, end)
            .and_then(ChunkRange::as_bin)
            .ok_or(not_a_bin)
    }

    /// Appends the wire bytes of `spec`: its fields big-endian, 32 or 64 bits wide as the
    /// addressing method says (RFC 7574 section 8.3). Signatures cover these bytes.
    pub fn write_spec(&self, spec: ChunkSpec, out: &mut Vec<u8>) -> Result<(), SpecError> {
        spec.check(self.cam)?;
        let wide = matches!(
            self.cam,
            ChunkAddressing::ByteRanges64
                | ChunkAddressing::Bins64
                | ChunkAddressing::ChunkRanges64
        );
        let mut put = |value: u64| {
            if wide {
                out.extend_from_slice(&value.to_be_bytes());
            } else {
                // `check` proved the value fits 32 bits.
                out.extend_from_slice(&value.to_be_bytes()[4..]);
            }
        };
        match spec {
            ChunkSpec::Bin(bin) => put(bin),
            ChunkSpec::ChunkRange { start, end } | ChunkSpec::ByteRange { start, end } => {
                put(start);
                put(end);
            }
        }
        Ok(())
    }

    /// The first and last byte of the chunks of `range`, unclipped.
    fn byte_bounds(&self, range: ChunkRange) -> Result<(u64, u64), SpecError> {
        let unrepresentable = SpecError::Unrepresentable {
            range,
            cam: self.cam,
        };
        let start = range
            .first()
            .checked_mul(self.chunk_size)
            .ok_or(unrepresentable.clone())?;
        let end = (range.last() + 1)
            .checked_mul(self.chunk_size)
            .ok_or(unrepresentable)?
            - 1;
        Ok((start, end))
    }

    fn byte_spec_to_range(
        &self,
        spec: ChunkSpec,
        start: u64,
        end: u64,
    ) -> Result<Option<ChunkRange>, SpecError> {
        if start > end {
            return Err(SpecError::Inverted { spec });
        }
        if let Some(len) = self.content_len.filter(|&len| end >= len) {
            return Err(SpecError::BeyondContent {
                spec,
                content_len: len,
            });
        }
        let size = self.chunk_size;
        let reaches_content_end = self.content_len.is_some_and(|len| end == len - 1);
        let last = if end % size == size - 1 || reaches_content_end {
            Some(end / size)
        } else {
            (end / size).checked_sub(1)
        };
        let first = start.div_ceil(size);
        match last {
            Some(last) if first <= last => ChunkRange::new(first, last)
                .map(Some)
                .ok_or(SpecError::OutOfRange { spec }),
            _ => Ok(None),
        }
    }

    /// `spec` if it fits the method's fields, otherwise an error naming `range`.
    fn checked(&self, range: ChunkRange, spec: ChunkSpec) -> Result<ChunkSpec, SpecError> {
        match spec.check(self.cam) {
            Ok(()) => Ok(spec),
            Err(_) => Err(SpecError::Unrepresentable {
                range,
                cam: self.cam,
            }),
        }
    }
}

fn chunk_range_spec(range: ChunkRange) -> ChunkSpec {
    ChunkSpec::ChunkRange {
        start: range.first(),
        end: range.last(),
    }
}

/// The raw "empty" and "everything" bin values for a bin method's field width.
fn special_bins(cam: ChunkAddressing) -> (u64, u64) {
    if cam == ChunkAddressing::Bins32 {
        (u64::from(u32::MAX), u64::from(u32::MAX >> 1))
    } else {
        (u64::MAX, u64::MAX >> 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(cam: ChunkAddressing) -> SpecLayout {
        SpecLayout::new(cam, 1024).unwrap()
    }

    fn run(first: u64, last: u64) -> ChunkRange {
        ChunkRange::new(first, last).unwrap()
    }

    #[test]
    fn runs_become_one_spec_per_run_or_its_bins() {
        let mut out = Vec::new();
        layout(ChunkAddressing::Bins32)
            .range_to_specs(run(0, 6), &mut out)
            .unwrap();
        assert_eq!(
            out,
            [ChunkSpec::Bin(3), ChunkSpec::Bin(9), ChunkSpec::Bin(12)]
        );
        out.clear();
        layout(ChunkAddressing::ChunkRanges32)
            .range_to_specs(run(0, 6), &mut out)
            .unwrap();
        assert_eq!(out, [ChunkSpec::ChunkRange { start: 0, end: 6 }]);
    }

    #[test]
    fn byte_ranges_stop_at_the_last_content_byte() {
        // RFC 7574 section 5.6 example: 7162 bytes in 1 KiB chunks.
        let layout = layout(ChunkAddressing::ByteRanges64).with_content_len(7162);
        let mut out = Vec::new();
        layout.range_to_specs(run(5, 6), &mut out).unwrap();
        assert_eq!(
            out,
            [ChunkSpec::ByteRange {
                start: 5120,
                end: 7161
            }]
        );
        assert_eq!(layout.spec_to_range(out[0]).unwrap(), Some(run(5, 6)));
    }

    #[test]
    fn partial_byte_ranges_count_only_whole_chunks() {
        let layout = layout(ChunkAddressing::ByteRanges64);
        let spec = ChunkSpec::ByteRange {
            start: 100,
            end: 3000,
        };
        assert_eq!(layout.spec_to_range(spec).unwrap(), Some(run(1, 1)));
        let spec = ChunkSpec::ByteRange {
            start: 100,
            end: 1000,
        };
        assert_eq!(layout.spec_to_range(spec).unwrap(), None);
    }

    #[test]
    fn special_bins_mean_empty_and_everything() {
        let bins32 = layout(ChunkAddressing::Bins32);
        assert_eq!(
            bins32.spec_to_range(ChunkSpec::Bin(0xFFFF_FFFF)).unwrap(),
            None
        );
        let everything = ChunkSpec::Bin(0x7FFF_FFFF);
        assert_eq!(
            bins32.spec_to_range(everything).unwrap(),
            Some(run(0, (1 << 31) - 1))
        );
        let known = bins32.with_content_len(7162);
        assert_eq!(known.spec_to_range(everything).unwrap(), Some(run(0, 6)));
        let bins64 = layout(ChunkAddressing::Bins64).with_content_len(1);
        assert_eq!(
            bins64.spec_to_range(ChunkSpec::Bin(u64::MAX)).unwrap(),
            None
        );
        assert_eq!(
            bins64.spec_to_range(ChunkSpec::Bin(u64::MAX >> 1)).unwrap(),
            Some(run(0, 0))
        );
    }

    #[test]
    fn malformed_specs_are_refused() {
        let ranges = layout(ChunkAddressing::ChunkRanges64).with_content_len(4096);
        let inverted = ChunkSpec::ChunkRange { start: 3, end: 2 };
        assert_eq!(
            ranges.spec_to_range(inverted),
            Err(SpecError::Inverted { spec: inverted })
        );
        let past_end = ChunkSpec::ChunkRange { start: 3, end: 4 };
        assert!(matches!(
            ranges.spec_to_range(past_end),
            Err(SpecError::BeyondContent { .. })
        ));
        let huge = ChunkSpec::ChunkRange {
            start: 0,
            end: u64::MAX,
        };
        assert!(matches!(
            layout(ChunkAddressing::ChunkRanges64).spec_to_range(huge),
            Err(SpecError::OutOfRange { .. })
        ));
        assert!(matches!(
            ranges.spec_to_range(ChunkSpec::Bin(1)),
            Err(SpecError::WrongForm(ChunkSpecError::WrongKind { .. }))
        ));
    }

    #[test]
    fn tree_nodes_keep_their_full_width() {
        let layout = layout(ChunkAddressing::ChunkRanges32).with_content_len(7162);
        let root = Bin::new(7).unwrap();
        let spec = layout.bin_to_spec(root).unwrap();
        assert_eq!(spec, ChunkSpec::ChunkRange { start: 0, end: 7 });
        assert_eq!(layout.spec_to_bin(spec), Ok(root));
        let bytes = SpecLayout::new(ChunkAddressing::ByteRanges64, 1024).unwrap();
        let spec = bytes.bin_to_spec(root).unwrap();
        assert_eq!(
            spec,
            ChunkSpec::ByteRange {
                start: 0,
                end: 8191
            }
        );
        assert_eq!(bytes.spec_to_bin(spec), Ok(root));
    }

    #[test]
    fn unaligned_specs_are_not_tree_nodes() {
        let ranges = layout(ChunkAddressing::ChunkRanges64);
        let spec = ChunkSpec::ChunkRange { start: 1, end: 2 };
        assert_eq!(ranges.spec_to_bin(spec), Err(SpecError::NotABin { spec }));
        let bytes = layout(ChunkAddressing::ByteRanges64);
        let spec = ChunkSpec::ByteRange {
            start: 0,
            end: 1000,
        };
        assert_eq!(bytes.spec_to_bin(spec), Err(SpecError::NotABin { spec }));
        let bins = layout(ChunkAddressing::Bins32);
        let spec = ChunkSpec::Bin(0xFFFF_FFFF);
        assert_eq!(bins.spec_to_bin(spec), Err(SpecError::NotABin { spec }));
    }

    #[test]
    fn wide_chunks_do_not_fit_32_bit_methods() {
        let far = Bin::chunk(1 << 32).unwrap();
        for cam in [ChunkAddressing::Bins32, ChunkAddressing::ChunkRanges32] {
            assert!(matches!(
                layout(cam).bin_to_spec(far),
                Err(SpecError::Unrepresentable { .. })
            ));
        }
    }

    #[test]
    fn spec_bytes_match_the_rfc_examples() {
        let mut out = Vec::new();
        layout(ChunkAddressing::Bins32)
            .write_spec(ChunkSpec::Bin(1), &mut out)
            .unwrap();
        assert_eq!(out, [0, 0, 0, 1]);
        out.clear();
        let spec = ChunkSpec::ChunkRange { start: 0, end: 3 };
        layout(ChunkAddressing::ChunkRanges32)
            .write_spec(spec, &mut out)
            .unwrap();
        assert_eq!(out, [0, 0, 0, 0, 0, 0, 0, 3]);
        out.clear();
        layout(ChunkAddressing::ChunkRanges64)
            .write_spec(spec, &mut out)
            .unwrap();
        assert_eq!(out.len(), 16);
        assert_eq!(out[15], 3);
    }

    #[test]
    fn zero_chunk_size_is_refused() {
        assert_eq!(
            SpecLayout::new(ChunkAddressing::ByteRanges64, 0),
            Err(SpecError::ZeroChunkSize)
        );
    }
}
