//! The journal after the sidecar's header: append-only records, each with a CRC-32, so that a
//! record torn by a crash is recognised and it and everything after it ignored.
//!
//! ```text
//! record  := kind u8 | payload length u32 | payload | CRC-32 of kind, length and payload
//! kind 1, peaks   := count u8 | count × (bin u64 | hash)
//! kind 2, length  := content length u64
//! kind 3, chunks  := first chunk u64 | n u32 | n × leaf hash | m u32 | m × (bin u64 | hash)
//! ```
//!
//! A chunks record says: chunks `first .. first + n` are durably in the `.part` file, these
//! are their hashes, and these `m` node hashes (received from peers, not computable from our
//! chunks) connect them to what the records before already proved. See [`super::proof`].

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;

use ppsp_core::{Bin, Digest};

use super::super::crc32::crc32;
use super::codec::{Fields, put_node};

/// Most chunks in one chunks record, which bounds a record's size and the work and memory
/// of replaying it.
pub(super) const MAX_RECORD_CHUNKS: u64 = 4096;

/// Largest payload accepted: far above any record we write (4096 leaves and a few hundred
/// node hashes of 64 bytes), so a damaged length field cannot make us allocate much.
const MAX_PAYLOAD: u32 = 4 << 20;

/// Bytes of framing around a payload.
const RECORD_OVERHEAD: u64 = 9;

const PEAKS: u8 = 1;
const LENGTH: u8 = 2;
const CHUNKS: u8 = 3;

/// One journal record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Record {
    /// The peak hashes, verified against the root: they fix the chunk count.
    Peaks(Vec<(Bin, Digest)>),
    /// The content length, learned from the last chunk when the metadata did not give it.
    Length(u64),
    /// Verified chunks and the hashes that prove them.
    Chunks(ChunkRecord),
}

/// A run of verified chunks with their leaf hashes and the node hashes that prove them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ChunkRecord {
    /// The first chunk.
    pub(super) first: u64,
    /// Leaf hash of each chunk of the run, in order.
    pub(super) leaves: Vec<Digest>,
    /// Node hashes outside the run needed to connect it to already proven nodes.
    pub(super) hashes: Vec<(Bin, Digest)>,
}

impl Record {
    /// Appends the framed record to `out`.
    pub(super) fn encode(&self, out: &mut Vec<u8>) {
        let start = out.len();
        out.push(self.kind());
        out.extend_from_slice(&[0; 4]);
        match self {
            Self::Peaks(peaks) => {
                // At most 63 peaks, one per bit of a chunk count below 2^63.
                out.push(peaks.len() as u8);
                for (bin, digest) in peaks {
                    put_node(out, *bin, digest);
                }
            }
            Self::Length(len) => out.extend_from_slice(&len.to_be_bytes()),
            Self::Chunks(record) => {
                out.extend_from_slice(&record.first.to_be_bytes());
                // Both counts are bounded by MAX_RECORD_CHUNKS and the tree height.
                out.extend_from_slice(&(record.leaves.len() as u32).to_be_bytes());
                for leaf in &record.leaves {
                    out.extend_from_slice(leaf.as_bytes());
                }
                out.extend_from_slice(&(record.hashes.len() as u32).to_be_bytes());
                for (bin, digest) in &record.hashes {
                    put_node(out, *bin, digest);
                }
            }
        }
        let payload_len = (out.len() - start - 5) as u32;
        out[start + 1..start + 5].copy_from_slice(&payload_len.to_be_bytes());
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }

    fn kind(&self) -> u8 {
        match self {
            Self::Peaks(_) => PEAKS,
            Self::Length(_) => LENGTH,
            Self::Chunks(_) => CHUNKS,
        }
    }

    /// Decodes a payload whose checksum matched; `None` if it is malformed.
    fn decode(kind: u8, payload: &[u8], digest_len: usize) -> Option<Self> {
        let mut fields = Fields::new(payload);
        let record = match kind {
            PEAKS => {
                let count = fields.u8()?;
                let peaks = (0..count)
                    .map(|_| fields.node(digest_len))
                    .collect::<Option<_>>()?;
                Self::Peaks(peaks)
            }
            LENGTH => Self::Length(fields.u64()?),
            CHUNKS => {
                let first = fields.u64()?;
                let count = fields.u32()?;
                if u64::from(count) > MAX_RECORD_CHUNKS || count == 0 {
                    return None;
                }
                let leaves = (0..count)
                    .map(|_| fields.digest(digest_len))
                    .collect::<Option<_>>()?;
                let hash_count = fields.u32()?;
                // Each hash takes 8 + digest_len bytes, so the payload bounds the count.
                if hash_count as usize > payload.len() / (8 + digest_len) {
                    return None;
                }
                let hashes = (0..hash_count)
                    .map(|_| fields.node(digest_len))
                    .collect::<Option<_>>()?;
                Self::Chunks(ChunkRecord {
                    first,
                    leaves,
                    hashes,
                })
            }
            _ => return None,
        };
        fields.is_empty().then_some(record)
    }
}

/// Reads records one at a time up to the first damaged one, tracking where it stopped.
pub(super) struct JournalReader<R> {
    input: R,
    digest_len: usize,
    /// End of the last intact record.
    offset: u64,
}

impl<R: Read> JournalReader<R> {
    /// Reads records from `input`, which is positioned at byte `offset` of the sidecar.
    pub(super) fn new(input: R, offset: u64, digest_len: usize) -> Self {
        Self {
            input,
            digest_len,
            offset,
        }
    }

    /// End of the last intact record read.
    pub(super) fn offset(&self) -> u64 {
        self.offset
    }

    /// The next record; `None` at the end of the journal or at a torn or damaged record,
    /// after which nothing more is read.
    pub(super) fn next_record(&mut self) -> Option<Record> {
        let mut frame = [0; 5];
        self.input.read_exact(&mut frame).ok()?;
        let payload_len = u32::from_be_bytes([frame[1], frame[2], frame[3], frame[4]]);
        if payload_len > MAX_PAYLOAD {
            return None;
        }
        let mut rest = vec![0; payload_len as usize + 4];
        self.input.read_exact(&mut rest).ok()?;
        let (payload, crc) = rest.split_at(payload_len as usize);
        let mut checked = frame.to_vec();
        checked.extend_from_slice(payload);
        if crc32(&checked).to_be_bytes() != crc {
            return None;
        }
        let record = Record::decode(frame[0], payload, self.digest_len)?;
        self.offset += RECORD_OVERHEAD + u64::from(payload_len);
        Some(record)
    }
}

/// The sidecar file opened for appending records after its last intact one.
#[derive(Debug)]
pub(super) struct Journal {
    file: File,
    len: u64,
}

impl Journal {
    /// Appends after byte `len` of `file`, dropping anything beyond (a torn record).
    pub(super) fn new(file: File, len: u64) -> io::Result<Self> {
        if file.metadata()?.len() != len {
            file.set_len(len)?;
            file.sync_data()?;
        }
        Ok(Self { file, len })
    }

    /// Length of the intact journal, header included.
    pub(super) fn len(&self) -> u64 {
        self.len
    }

    /// Appends encoded records and makes them durable. On error the journal's length is
    /// unchanged, so a partly written tail is overwritten by the next append (and is ignored
    /// by a reader meanwhile: it fails its checksum or is followed by nothing).
    pub(super) fn append(&mut self, records: &[u8]) -> io::Result<()> {
        self.file.write_all_at(records, self.len)?;
        self.file.sync_data()?;
        self.len += records.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use ppsp_core::HashFunction;

    use super::*;

    fn sample() -> Vec<Record> {
        let f = HashFunction::Sha1;
        let d = |x: &[u8]| f.hash(&[x]);
        let bin = |raw| Bin::new(raw).unwrap();
        vec![
            Record::Peaks(vec![(bin(3), d(b"a")), (bin(9), d(b"b"))]),
            Record::Length(7162),
            Record::Chunks(ChunkRecord {
                first: 2,
                leaves: vec![d(b"c"), d(b"d")],
                hashes: vec![(bin(1), d(b"e"))],
            }),
        ]
    }

    fn read_all(bytes: &[u8]) -> (Vec<Record>, u64) {
        let mut reader = JournalReader::new(bytes, 0, 20);
        let records = std::iter::from_fn(|| reader.next_record()).collect();
        (records, reader.offset())
    }

    #[test]
    fn records_round_trip() {
        let mut bytes = Vec::new();
        for record in sample() {
            record.encode(&mut bytes);
        }
        assert_eq!(read_all(&bytes), (sample(), bytes.len() as u64));
    }

    #[test]
    fn reading_stops_at_the_first_damaged_record() {
        let mut bytes = Vec::new();
        for record in sample() {
            record.encode(&mut bytes);
        }
        let first_len = {
            let mut one = Vec::new();
            sample()[0].encode(&mut one);
            one.len()
        };
        let mut damaged = bytes.clone();
        damaged[first_len + 6] ^= 0x40;
        assert_eq!(
            read_all(&damaged),
            (sample()[..1].to_vec(), first_len as u64)
        );
        for cut in 0..bytes.len() {
            let (records, offset) = read_all(&bytes[..cut]);
            assert!(offset <= cut as u64);
            assert_eq!(records, sample()[..records.len()]);
        }
    }
}
