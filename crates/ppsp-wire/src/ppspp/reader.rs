//! A bounds-checked cursor over a received datagram.
//!
//! Every read checks the remaining length first and reports a [`DecodeError::Truncated`] with the
//! field's datagram offset, so the decoders never index past the end. Byte fields are returned
//! as [`Bytes`] slices of the datagram, which makes chunk payloads zero-copy.

use bytes::{Buf, Bytes};

use super::{ChunkAddressing, ChunkSpec, DecodeError};

/// The unread part of a datagram and its offset from the datagram start.
#[derive(Debug)]
pub(super) struct Reader {
    rest: Bytes,
    offset: usize,
}

impl Reader {
    pub(super) fn new(datagram: Bytes) -> Self {
        Self {
            rest: datagram,
            offset: 0,
        }
    }

    /// Offset of the next unread byte in the datagram.
    pub(super) fn offset(&self) -> usize {
        self.offset
    }

    pub(super) fn remaining(&self) -> usize {
        self.rest.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn ensure(&self, needed: usize, what: &'static str) -> Result<(), DecodeError> {
        if self.rest.len() < needed {
            return Err(DecodeError::Truncated {
                what,
                offset: self.offset,
                needed,
                available: self.rest.len(),
            });
        }
        Ok(())
    }

    pub(super) fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        self.ensure(1, what)?;
        self.offset += 1;
        Ok(self.rest.get_u8())
    }

    pub(super) fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        self.ensure(2, what)?;
        self.offset += 2;
        Ok(self.rest.get_u16())
    }

    pub(super) fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        self.ensure(4, what)?;
        self.offset += 4;
        Ok(self.rest.get_u32())
    }

    pub(super) fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        self.ensure(8, what)?;
        self.offset += 8;
        Ok(self.rest.get_u64())
    }

    pub(super) fn u128(&mut self, what: &'static str) -> Result<u128, DecodeError> {
        self.ensure(16, what)?;
        self.offset += 16;
        Ok(self.rest.get_u128())
    }

    /// Reads a big-endian unsigned integer of `width` bytes (at most 8).
    pub(super) fn uint(&mut self, width: usize, what: &'static str) -> Result<u64, DecodeError> {
        let bytes = self.bytes(width, what)?;
        Ok(bytes.iter().fold(0, |acc, b| (acc << 8) | u64::from(*b)))
    }

    /// Takes the next `len` bytes as a slice of the datagram.
    pub(super) fn bytes(&mut self, len: usize, what: &'static str) -> Result<Bytes, DecodeError> {
        self.ensure(len, what)?;
        self.offset += len;
        Ok(self.rest.split_to(len))
    }

    pub(super) fn chunk_spec(&mut self, cam: ChunkAddressing) -> Result<ChunkSpec, DecodeError> {
        let spec = ChunkSpec::read(&self.rest, cam, self.offset)?;
        // `read` succeeded, so at least `spec_len` bytes were there.
        self.rest.advance(cam.spec_len());
        self.offset += cam.spec_len();
        Ok(spec)
    }
}
