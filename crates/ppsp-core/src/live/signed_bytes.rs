//! What live signatures cover (RFC 7574 section 6.1).
//!
//! A SIGNED_INTEGRITY signature covers the chunk specification exactly as written on the wire
//! (its width depends on the chunk addressing method), a 64-bit NTP timestamp, and the signed
//! payload: the munro hash with the Unified Merkle Tree, or the chunk itself with Sign All.

use ppsp_wire::ppspp::ChunkSpec;

use crate::spec::{SpecError, SpecLayout};

/// A 64-bit NTP timestamp (RFC 5905: seconds since 1900 in the high 32 bits, fraction of a
/// second in the low 32). The caller reads the clock; this crate only carries the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct NtpTimestamp(u64);

impl NtpTimestamp {
    /// The timestamp with these 64 bits.
    pub const fn from_bits(bits: u64) -> Self {
        Self(bits)
    }

    /// The 64 bits, as written in SIGNED_INTEGRITY.
    pub const fn to_bits(self) -> u64 {
        self.0
    }
}

/// `spec` as written with `layout`'s addressing method ‖ `timestamp` ‖ `payload`.
pub(crate) fn signed_bytes(
    layout: &SpecLayout,
    spec: ChunkSpec,
    timestamp: NtpTimestamp,
    payload: &[u8],
) -> Result<Vec<u8>, SpecError> {
    let mut bytes = Vec::with_capacity(layout.cam().spec_len() + 8 + payload.len());
    layout.write_spec(spec, &mut bytes)?;
    bytes.extend_from_slice(&timestamp.to_bits().to_be_bytes());
    bytes.extend_from_slice(payload);
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use ppsp_wire::ppspp::ChunkAddressing;

    use super::*;

    #[test]
    fn spec_timestamp_and_payload_are_concatenated() {
        let layout = SpecLayout::new(ChunkAddressing::ChunkRanges32, 1024).unwrap();
        let spec = ChunkSpec::ChunkRange { start: 8, end: 9 };
        let bytes = signed_bytes(&layout, spec, NtpTimestamp::from_bits(0x0102), b"hash").unwrap();
        assert_eq!(
            bytes,
            [
                0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 1, 2, b'h', b'a', b's', b'h'
            ]
        );
    }
}
