//! The trace of a run and its digest: the evidence that the same seed gives the same run.
//!
//! The digest folds every delivery, drop, join and leave (with its virtual time and, for
//! deliveries, a hash of the bytes) into a 64-bit FNV-1a hash. FNV with its fixed offset basis
//! is used rather than std's `RandomState`, which is keyed randomly per process, so digests can
//! be compared across runs and written into test assertions. The full list of entries is kept
//! only when asked for, since a long run produces millions of them.

use std::time::Duration;

use crate::node::NodeId;
use crate::stats::DropCause;

/// One thing that happened in the network, at a virtual time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceEntry {
    /// Virtual time since the start.
    pub at: Duration,
    /// What happened.
    pub record: Record,
}

/// What a trace entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// A datagram reached its destination.
    Delivered {
        /// Sender.
        from: NodeId,
        /// Receiver.
        to: NodeId,
        /// Payload length.
        len: usize,
        /// FNV-1a hash of the payload.
        hash: u64,
    },
    /// A datagram was dropped.
    Dropped {
        /// Sender.
        from: NodeId,
        /// Intended receiver, if the destination was a simulated address.
        to: Option<NodeId>,
        /// Payload length.
        len: usize,
        /// Why.
        cause: DropCause,
    },
    /// A node joined.
    Joined(NodeId),
    /// A node left.
    Left(NodeId),
}

/// The running digest and, optionally, the entries.
#[derive(Debug, Clone)]
pub(crate) struct Trace {
    digest: Fnv1a,
    entries: Option<Vec<TraceEntry>>,
}

impl Trace {
    /// An empty trace that keeps its entries when `keep` is set.
    pub(crate) fn new(keep: bool) -> Self {
        Self {
            digest: Fnv1a::new(),
            entries: keep.then(Vec::new),
        }
    }

    pub(crate) fn record(&mut self, at: Duration, record: Record) {
        let d = &mut self.digest;
        d.write(&at.as_nanos().to_le_bytes());
        match record {
            Record::Delivered {
                from,
                to,
                len,
                hash,
            } => {
                d.write(&[0]);
                d.write_node(from);
                d.write_node(to);
                d.write(&(len as u64).to_le_bytes());
                d.write(&hash.to_le_bytes());
            }
            Record::Dropped {
                from,
                to,
                len,
                cause,
            } => {
                d.write(&[1, cause as u8]);
                d.write_node(from);
                match to {
                    Some(to) => d.write_node(to),
                    None => d.write(&[0xff; 4]),
                }
                d.write(&(len as u64).to_le_bytes());
            }
            Record::Joined(id) => {
                d.write(&[2]);
                d.write_node(id);
            }
            Record::Left(id) => {
                d.write(&[3]);
                d.write_node(id);
            }
        }
        if let Some(entries) = &mut self.entries {
            entries.push(TraceEntry { at, record });
        }
    }

    pub(crate) fn digest(&self) -> u64 {
        self.digest.0
    }

    pub(crate) fn entries(&self) -> &[TraceEntry] {
        self.entries.as_deref().unwrap_or_default()
    }
}

/// The FNV-1a hash of `bytes`.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash = Fnv1a::new();
    hash.write(bytes);
    hash.0
}

/// 64-bit FNV-1a: tiny, fixed, and good enough to tell traces apart (not against an adversary).
#[derive(Debug, Clone, Copy)]
struct Fnv1a(u64);

impl Fnv1a {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Self(Self::OFFSET_BASIS)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(Self::PRIME);
        }
    }

    fn write_node(&mut self, id: NodeId) {
        self.write(&(id.index() as u32).to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
