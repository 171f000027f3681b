//! Chunk addressing methods and chunk specifications (RFC 7574 section 4.3 and 7.5).
//!
//! Every chunk-carrying message names one contiguous interval of content. How it is written
//! depends on the swarm's chunk addressing method (CAM), negotiated in the handshake, so
//! decoding and encoding both take the CAM.

use serde::Serialize;

use super::DecodeError;

/// The chunk addressing method of a swarm (RFC 7574 option 6), with its registry code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum ChunkAddressing {
    /// 0: 32-bit bin numbers.
    Bins32 = 0,
    /// 1: 64-bit inclusive byte ranges.
    ByteRanges64 = 1,
    /// 2: 32-bit inclusive chunk ranges, the RFC default.
    #[default]
    ChunkRanges32 = 2,
    /// 3: 64-bit bin numbers.
    Bins64 = 3,
    /// 4: 64-bit inclusive chunk ranges.
    ChunkRanges64 = 4,
}

impl ChunkAddressing {
    /// Every method, in code order.
    pub const ALL: [Self; 5] = [
        Self::Bins32,
        Self::ByteRanges64,
        Self::ChunkRanges32,
        Self::Bins64,
        Self::ChunkRanges64,
    ];

    /// The method with registry code `code`, if assigned.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.get(usize::from(code)).copied()
    }

    /// The registry code.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Bytes taken by one chunk specification on the wire.
    pub fn spec_len(self) -> usize {
        match self {
            Self::Bins32 => 4,
            Self::ChunkRanges32 | Self::Bins64 => 8,
            Self::ByteRanges64 | Self::ChunkRanges64 => 16,
        }
    }

    /// Bytes taken by a Live Discard Window value: the width of one bin or one range bound.
    pub fn window_len(self) -> usize {
        match self {
            Self::Bins32 | Self::ChunkRanges32 => 4,
            Self::ByteRanges64 | Self::Bins64 | Self::ChunkRanges64 => 8,
        }
    }

    /// Whether 32-bit fields are used (bin numbers or range bounds).
    fn is_32_bit(self) -> bool {
        matches!(self, Self::Bins32 | Self::ChunkRanges32)
    }
}

/// One contiguous interval of content, in the form of a chunk addressing method.
///
/// Values are kept exactly as written so that decoding and re-encoding is byte-exact; the special
/// bin values (all ones = empty interval, `0x7FFF..FF` = everything) are therefore ordinary
/// `Bin` values here and are interpreted by the content layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChunkSpec {
    /// A bin number (CAM 0 with 32 bits, CAM 3 with 64 bits).
    Bin(u64),
    /// An inclusive range of bytes (CAM 1).
    ByteRange {
        /// First byte.
        start: u64,
        /// Last byte, inclusive.
        end: u64,
    },
    /// An inclusive range of chunks (CAM 2 with 32-bit bounds, CAM 4 with 64-bit).
    ChunkRange {
        /// First chunk.
        start: u64,
        /// Last chunk, inclusive.
        end: u64,
    },
}

/// Why a chunk specification cannot be written with a given addressing method.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChunkSpecError {
    /// The spec's kind (bin, byte range, chunk range) does not match the addressing method.
    #[error("{spec:?} cannot be written with chunk addressing method {cam:?}")]
    WrongKind {
        /// The spec.
        spec: ChunkSpec,
        /// The addressing method.
        cam: ChunkAddressing,
    },
    /// A value does not fit the 32-bit fields of the addressing method.
    #[error("{spec:?} does not fit the 32-bit fields of {cam:?}")]
    TooWide {
        /// The spec.
        spec: ChunkSpec,
        /// The addressing method.
        cam: ChunkAddressing,
    },
}

impl ChunkSpec {
    /// Whether this spec can be written with `cam` (right kind, values fit the field width).
    pub fn check(&self, cam: ChunkAddressing) -> Result<(), ChunkSpecError> {
        let kind_ok = matches!(
            (self, cam),
            (
                Self::Bin(_),
                ChunkAddressing::Bins32 | ChunkAddressing::Bins64
            ) | (Self::ByteRange { .. }, ChunkAddressing::ByteRanges64)
                | (
                    Self::ChunkRange { .. },
                    ChunkAddressing::ChunkRanges32 | ChunkAddressing::ChunkRanges64
                )
        );
        if !kind_ok {
            return Err(ChunkSpecError::WrongKind { spec: *self, cam });
        }
        let fits = |v: u64| !cam.is_32_bit() || u32::try_from(v).is_ok();
        let ok = match *self {
            Self::Bin(b) => fits(b),
            Self::ByteRange { start, end } | Self::ChunkRange { start, end } => {
                fits(start) && fits(end)
            }
        };
        if ok {
            Ok(())
        } else {
            Err(ChunkSpecError::TooWide { spec: *self, cam })
        }
    }

    /// Appends the wire form to `out`. Call [`ChunkSpec::check`] first; values that do not fit
    /// a 32-bit field are truncated otherwise.
    pub(crate) fn write(&self, cam: ChunkAddressing, out: &mut Vec<u8>) {
        let mut put = |v: u64| {
            if cam.is_32_bit() {
                out.extend_from_slice(&(v as u32).to_be_bytes());
            } else {
                out.extend_from_slice(&v.to_be_bytes());
            }
        };
        match *self {
            Self::Bin(b) => put(b),
            Self::ByteRange { start, end } | Self::ChunkRange { start, end } => {
                put(start);
                put(end);
            }
        }
    }

    /// Reads one spec from the start of `input` (at datagram offset `offset`, for errors).
    pub(crate) fn read(
        input: &[u8],
        cam: ChunkAddressing,
        offset: usize,
    ) -> Result<Self, DecodeError> {
        let needed = cam.spec_len();
        if input.len() < needed {
            return Err(DecodeError::Truncated {
                what: "chunk specification",
                offset,
                needed,
                available: input.len(),
            });
        }
        let be = |range: std::ops::Range<usize>| -> u64 {
            input[range]
                .iter()
                .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
        };
        Ok(match cam {
            ChunkAddressing::Bins32 => Self::Bin(be(0..4)),
            ChunkAddressing::Bins64 => Self::Bin(be(0..8)),
            ChunkAddressing::ChunkRanges32 => Self::ChunkRange {
                start: be(0..4),
                end: be(4..8),
            },
            ChunkAddressing::ChunkRanges64 => Self::ChunkRange {
                start: be(0..8),
                end: be(8..16),
            },
            ChunkAddressing::ByteRanges64 => Self::ByteRange {
                start: be(0..8),
                end: be(8..16),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples_from_the_rfc_encode_exactly() {
        let mut out = Vec::new();
        ChunkSpec::Bin(1).write(ChunkAddressing::Bins32, &mut out);
        assert_eq!(out, [0, 0, 0, 1]);
        out.clear();
        ChunkSpec::ChunkRange { start: 0, end: 3 }.write(ChunkAddressing::ChunkRanges32, &mut out);
        assert_eq!(out, [0, 0, 0, 0, 0, 0, 0, 3]);
    }

    #[test]
    fn every_method_reads_back_what_it_writes() {
        let specs = [
            (ChunkAddressing::Bins32, ChunkSpec::Bin(0xFFFF_FFFF)),
            (ChunkAddressing::Bins64, ChunkSpec::Bin(u64::MAX >> 1)),
            (
                ChunkAddressing::ByteRanges64,
                ChunkSpec::ByteRange {
                    start: 1024,
                    end: 7161,
                },
            ),
            (
                ChunkAddressing::ChunkRanges32,
                ChunkSpec::ChunkRange { start: 16, end: 23 },
            ),
            (
                ChunkAddressing::ChunkRanges64,
                ChunkSpec::ChunkRange {
                    start: 1 << 40,
                    end: 1 << 41,
                },
            ),
        ];
        for (cam, spec) in specs {
            spec.check(cam).unwrap();
            let mut out = Vec::new();
            spec.write(cam, &mut out);
            assert_eq!(out.len(), cam.spec_len());
            assert_eq!(ChunkSpec::read(&out, cam, 0).unwrap(), spec);
        }
    }

    #[test]
    fn check_rejects_wrong_kind_and_overflow() {
        let range = ChunkSpec::ChunkRange {
            start: 0,
            end: 1 << 32,
        };
        assert!(matches!(
            range.check(ChunkAddressing::ChunkRanges32),
            Err(ChunkSpecError::TooWide { .. })
        ));
        assert!(range.check(ChunkAddressing::ChunkRanges64).is_ok());
        assert!(matches!(
            ChunkSpec::Bin(3).check(ChunkAddressing::ChunkRanges32),
            Err(ChunkSpecError::WrongKind { .. })
        ));
    }

    #[test]
    fn short_input_is_a_truncation_error() {
        let err = ChunkSpec::read(&[0, 0, 0], ChunkAddressing::ChunkRanges32, 9).unwrap_err();
        assert!(matches!(
            err,
            DecodeError::Truncated {
                offset: 9,
                needed: 8,
                available: 3,
                ..
            }
        ));
    }
}
