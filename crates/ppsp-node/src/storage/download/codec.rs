//! Big-endian fields of the sidecar, read from a byte slice without ever reading past it.

use ppsp_core::{Bin, Digest};

/// Reads fields from the front of a slice; every read returns `None` once it runs short.
pub(super) struct Fields<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Fields<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, position: 0 }
    }

    /// Bytes read so far.
    pub(super) fn position(&self) -> usize {
        self.position
    }

    pub(super) fn bytes(&mut self, len: usize) -> Option<&'a [u8]> {
        let end = self.position.checked_add(len)?;
        let field = self.bytes.get(self.position..end)?;
        self.position = end;
        Some(field)
    }

    pub(super) fn u8(&mut self) -> Option<u8> {
        Some(self.bytes(1)?[0])
    }

    pub(super) fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.bytes(2)?.try_into().ok()?))
    }

    pub(super) fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.bytes(4)?.try_into().ok()?))
    }

    pub(super) fn u64(&mut self) -> Option<u64> {
        Some(u64::from_be_bytes(self.bytes(8)?.try_into().ok()?))
    }

    pub(super) fn digest(&mut self, len: usize) -> Option<Digest> {
        Digest::from_slice(self.bytes(len)?)
    }

    /// A bin number followed by its hash.
    pub(super) fn node(&mut self, digest_len: usize) -> Option<(Bin, Digest)> {
        Some((Bin::new(self.u64()?)?, self.digest(digest_len)?))
    }

    /// Whether every byte was read.
    pub(super) fn is_empty(&self) -> bool {
        self.position == self.bytes.len()
    }
}

/// Appends a bin number and its hash.
pub(super) fn put_node(out: &mut Vec<u8>, bin: Bin, digest: &Digest) {
    out.extend_from_slice(&bin.get().to_be_bytes());
    out.extend_from_slice(digest.as_bytes());
}
