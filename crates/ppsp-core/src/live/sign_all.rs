//! Sign All (RFC 7574 section 6.1.1): every chunk carries its own signature.
//!
//! Simpler than the Unified Merkle Tree but one signature per chunk; the signature covers the
//! chunk's specification as written on the wire ‖ NTP timestamp ‖ chunk.

use super::signed_bytes::{NtpTimestamp, signed_bytes};
use super::{LiveError, LivePublicKey, LiveSigningKey, Signature};
use crate::bin::Bin;
use crate::spec::SpecLayout;

/// Signs chunk `chunk` for a SIGNED_INTEGRITY message.
pub fn sign_chunk(
    key: &LiveSigningKey,
    layout: &SpecLayout,
    chunk: u64,
    timestamp: NtpTimestamp,
    data: &[u8],
) -> Result<Signature, LiveError> {
    Ok(key.sign(&chunk_signed_bytes(layout, chunk, timestamp, data)?)?)
}

/// Checks the signature of chunk `chunk` received in a SIGNED_INTEGRITY message.
pub fn verify_chunk_signature(
    key: &LivePublicKey,
    layout: &SpecLayout,
    chunk: u64,
    timestamp: NtpTimestamp,
    data: &[u8],
    signature: &Signature,
) -> Result<(), LiveError> {
    Ok(key.verify(
        &chunk_signed_bytes(layout, chunk, timestamp, data)?,
        signature,
    )?)
}

fn chunk_signed_bytes(
    layout: &SpecLayout,
    chunk: u64,
    timestamp: NtpTimestamp,
    data: &[u8],
) -> Result<Vec<u8>, LiveError> {
    let leaf = Bin::chunk(chunk).ok_or(LiveError::StreamFull)?;
    Ok(signed_bytes(
        layout,
        layout.bin_to_spec(leaf)?,
        timestamp,
        data,
    )?)
}
