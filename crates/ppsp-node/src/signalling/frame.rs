//! The body of an `http` transport chunk response (`application/ppsp-chunk`): the chunk and the
//! hashes a peer that trusts only the swarm ID needs to verify it, in one small frame.
//!
//! All integers big-endian:
//!
//! ```text
//! offset  size        field
//! 0       4           magic "PPSC"
//! 4       1           version (1)
//! 5       1           digest length L (1..=64)
//! 6       8           chunk index
//! 14      8           chunk count of the content
//! 22      1           peak count P (0 when the requester said it knows them)
//! 23      1           uncle count U
//! 24      P*(8+L)     peaks, left to right: bin number, digest
//! ..      U*(8+L)     sibling and uncle hashes, height descending: bin number, digest
//! ..      4           data length D
//! ..      D           the chunk
//! ```
//!
//! Nothing in a frame is trusted: the receiver checks the peaks against the swarm ID and the
//! chunk against the peaks, exactly as for INTEGRITY and DATA over UDP.

use bytes::{BufMut, Bytes, BytesMut};
use ppsp_core::{Bin, Digest};

/// The media type of a frame.
pub const CHUNK_MEDIA_TYPE: &str = "application/ppsp-chunk";
/// The frame's first bytes.
const MAGIC: &[u8; 4] = b"PPSC";
/// The frame format version.
const VERSION: u8 = 1;
/// Most hashes of each kind: a tree of 2^63 chunks needs no more than 64.
pub const MAX_FRAME_HASHES: usize = 64;
const HEADER_LEN: usize = 24;

/// A decoded chunk frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkFrame {
    /// The chunk index.
    pub chunk: u64,
    /// Chunks in the content.
    pub chunk_count: u64,
    /// Peak hashes (empty if omitted).
    pub peaks: Vec<(Bin, Digest)>,
    /// Sibling and uncle hashes.
    pub uncles: Vec<(Bin, Digest)>,
    /// The chunk's bytes.
    pub data: Bytes,
}

/// Why a frame was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The frame is shorter than its fields say.
    #[error("chunk frame truncated: {0}")]
    Truncated(&'static str),
    /// The magic or version is wrong.
    #[error("not a version-1 chunk frame")]
    NotAFrame,
    /// A length field is out of bounds.
    #[error("chunk frame field out of bounds: {0}")]
    OutOfBounds(&'static str),
    /// Bytes follow the chunk.
    #[error("{0} bytes after the chunk")]
    Trailing(usize),
}

impl ChunkFrame {
    /// Writes the frame. Hash lists longer than [`MAX_FRAME_HASHES`] or digests of mixed
    /// lengths cannot come from a valid tree, so the caller never passes them.
    pub fn encode(&self) -> Bytes {
        let digest_len = self
            .peaks
            .iter()
            .chain(&self.uncles)
            .map(|(_, d)| d.len())
            .next()
            .unwrap_or(0);
        let hashes = self.peaks.len() + self.uncles.len();
        let mut out =
            BytesMut::with_capacity(HEADER_LEN + hashes * (8 + digest_len) + 4 + self.data.len());
        out.put_slice(MAGIC);
        out.put_u8(VERSION);
        out.put_u8(u8::try_from(digest_len).unwrap_or(0));
        out.put_u64(self.chunk);
        out.put_u64(self.chunk_count);
        out.put_u8(u8::try_from(self.peaks.len()).unwrap_or(0));
        out.put_u8(u8::try_from(self.uncles.len()).unwrap_or(0));
        for (bin, digest) in self.peaks.iter().chain(&self.uncles) {
            out.put_u64(bin.get());
            out.put_slice(digest.as_bytes());
        }
        out.put_u32(u32::try_from(self.data.len()).unwrap_or(u32::MAX));
        out.put_slice(&self.data);
        out.freeze()
    }

    /// Reads a frame whose chunk is at most `max_chunk` bytes.
    pub fn decode(frame: &Bytes, max_chunk: usize) -> Result<Self, FrameError> {
        let header = frame
            .get(..HEADER_LEN)
            .ok_or(FrameError::Truncated("header"))?;
        if &header[..4] != MAGIC || header[4] != VERSION {
            return Err(FrameError::NotAFrame);
        }
        let digest_len = usize::from(header[5]);
        let be64 = |at: usize| {
            let mut b = [0; 8];
            b.copy_from_slice(&header[at..at + 8]);
            u64::from_be_bytes(b)
        };
        let chunk = be64(6);
        let chunk_count = be64(14);
        let (peak_count, uncle_count) = (usize::from(header[22]), usize::from(header[23]));
        if peak_count > MAX_FRAME_HASHES || uncle_count > MAX_FRAME_HASHES {
            return Err(FrameError::OutOfBounds("hash count"));
        }
        if (peak_count + uncle_count > 0) && !(1..=Digest::MAX_LEN).contains(&digest_len) {
            return Err(FrameError::OutOfBounds("digest length"));
        }
        let mut at = HEADER_LEN;
        let mut read_hashes = |count: usize| -> Result<Vec<(Bin, Digest)>, FrameError> {
            let mut hashes = Vec::with_capacity(count);
            for _ in 0..count {
                let entry = frame
                    .get(at..at + 8 + digest_len)
                    .ok_or(FrameError::Truncated("hashes"))?;
                let mut raw = [0; 8];
                raw.copy_from_slice(&entry[..8]);
                let bin = Bin::new(u64::from_be_bytes(raw))
                    .ok_or(FrameError::OutOfBounds("bin number"))?;
                let digest =
                    Digest::from_slice(&entry[8..]).ok_or(FrameError::OutOfBounds("digest"))?;
                hashes.push((bin, digest));
                at += 8 + digest_len;
            }
            Ok(hashes)
        };
        let peaks = read_hashes(peak_count)?;
        let uncles = read_hashes(uncle_count)?;
        let len_bytes = frame
            .get(at..at + 4)
            .ok_or(FrameError::Truncated("data length"))?;
        let len = u32::from_be_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]);
        let len = usize::try_from(len).map_err(|_| FrameError::OutOfBounds("data length"))?;
        if len > max_chunk {
            return Err(FrameError::OutOfBounds("data length"));
        }
        let start = at + 4;
        let data = frame
            .get(start..start + len)
            .ok_or(FrameError::Truncated("data"))?;
        let trailing = frame.len() - (start + len);
        if trailing > 0 {
            return Err(FrameError::Trailing(trailing));
        }
        let data = frame.slice_ref(data);
        Ok(Self {
            chunk,
            chunk_count,
            peaks,
            uncles,
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ppsp_core::HashFunction;

    fn sample() -> ChunkFrame {
        let h = HashFunction::Sha256;
        ChunkFrame {
            chunk: 5,
            chunk_count: 7,
            peaks: vec![(Bin::new(3).unwrap(), h.hash(&[b"a"]))],
            uncles: vec![(Bin::new(8).unwrap(), h.hash(&[b"b"]))],
            data: Bytes::from_static(b"hello"),
        }
    }

    #[test]
    fn frame_round_trips() {
        let frame = sample();
        assert_eq!(ChunkFrame::decode(&frame.encode(), 1024), Ok(frame));
    }

    #[test]
    fn every_truncation_and_oversize_is_an_error_not_a_panic() {
        let bytes = sample().encode();
        for len in 0..bytes.len() {
            assert!(
                ChunkFrame::decode(&bytes.slice(..len), 1024).is_err(),
                "{len}"
            );
        }
        assert_eq!(
            ChunkFrame::decode(&bytes, 4),
            Err(FrameError::OutOfBounds("data length"))
        );
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert_eq!(
            ChunkFrame::decode(&Bytes::from(longer), 1024),
            Err(FrameError::Trailing(1))
        );
    }
}
