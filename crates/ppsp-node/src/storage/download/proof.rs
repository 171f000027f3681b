//! What a chunks record must carry so that the verifier can be rebuilt from the journal
//! alone, and that rebuilding.
//!
//! After a restart, peers send us only the hashes we cannot know: a peer skips every node
//! whose parent covers a chunk we announced (RFC 7574 section 5.4). The rebuilt verifier must
//! therefore trust the same nodes as before the restart. Replaying the records in order with
//! [`MerkleVerifier::verify_chunk_hash`] does exactly that, provided each record holds:
//!
//! * the leaf hash of each of its chunks (which also lets a damaged `.part` chunk be detected
//!   and refetched alone, without losing the proof of its neighbours), and
//! * every hash on the way from its chunks to a node the earlier records already proved (or to
//!   a peak or the root) that is neither padding nor computable from the record's own leaves:
//!   the siblings of that way that cover no journaled chunk. [`record_hashes`] walks that way.
//!
//! [`replay`] then computes the nodes under the record's run from its leaves and those hashes,
//! and offers each climb the siblings it needs as pending hashes. Nothing from the journal is
//! trusted before it hashes up to the root hash — the swarm ID — through the verifier.

use std::collections::{HashMap, HashSet};

use ppsp_core::merkle::{MerkleVerifier, root_bin};
use ppsp_core::{Bin, ChunkRange, ChunkSet, Digest};

use super::journal::ChunkRecord;

/// Chunks covered by the journal as it grows during one write: those of earlier records plus
/// those added since.
pub(super) struct Coverage<'a> {
    before: &'a ChunkSet,
    added: ChunkSet,
}

impl<'a> Coverage<'a> {
    pub(super) fn new(before: &'a ChunkSet) -> Self {
        Self {
            before,
            added: ChunkSet::new(),
        }
    }

    fn intersects(&self, range: ChunkRange) -> bool {
        self.before.intersects(range) || self.added.intersects(range)
    }

    pub(super) fn add(&mut self, run: ChunkRange) {
        self.added.insert_run(run);
    }

    /// The chunks added.
    pub(super) fn into_added(self) -> ChunkSet {
        self.added
    }
}

/// The node hashes a record of `run` must carry when written after records covering
/// `journaled`, taken from `verifier` (which has verified every chunk of `run`). `peaks` are
/// bins journaled as trusted already.
pub(super) fn record_hashes(
    verifier: &MerkleVerifier,
    journaled: &Coverage<'_>,
    run: ChunkRange,
    peaks: &[Bin],
) -> Vec<(Bin, Digest)> {
    let Some(count) = verifier.chunk_count() else {
        return Vec::new();
    };
    let root = root_bin(count);
    let mut hashes = Vec::new();
    let mut visited = HashSet::new();
    for chunk in run.first()..=run.last() {
        let Some(mut node) = Bin::chunk(chunk) else {
            break;
        };
        // Up to the first node a replay trusts without this record: the root, a peak, or a
        // node over an earlier record's chunk (every node whose subtree holds a verified
        // chunk is trusted, up to its peak).
        while Some(node) != root && !peaks.contains(&node) && !journaled.intersects(node.chunks()) {
            let (Some(sibling), Some(parent)) = (node.sibling(), node.parent()) else {
                break;
            };
            let needed = sibling.first_chunk() < count
                && !overlaps(run, sibling)
                && !journaled.intersects(sibling.chunks());
            if needed && let Some(digest) = verifier.verified_hash(sibling) {
                hashes.push((sibling, digest));
            }
            // Chunks of the run share their upper way: walk it once.
            if !visited.insert(parent) {
                break;
            }
            node = parent;
        }
    }
    hashes
}

/// Replays a chunks record into `verifier`; returns the chunks that verified.
pub(super) fn replay(verifier: &mut MerkleVerifier, record: &ChunkRecord) -> ChunkSet {
    let mut verified = ChunkSet::new();
    let (Some(count), Some(run)) = (
        verifier.chunk_count(),
        ChunkRange::with_len(record.first, record.leaves.len() as u64),
    ) else {
        return verified;
    };
    let mut nodes = RecordNodes {
        record,
        run,
        count,
        given: record.hashes.iter().copied().collect(),
        computed: HashMap::new(),
    };
    for (chunk, leaf) in (record.first..).zip(&record.leaves) {
        let Some(mut node) = Bin::chunk(chunk) else {
            break;
        };
        // Offer the siblings the climb from this leaf will use, up to where it will stop.
        while verifier.verified_hash(node).is_none() {
            let (Some(sibling), Some(parent)) = (node.sibling(), node.parent()) else {
                break;
            };
            if sibling.first_chunk() < count
                && verifier.verified_hash(sibling).is_none()
                && let Some(digest) = nodes.hash(verifier, sibling)
            {
                // A refusal (a hash contradicting a verified one) makes the climb fail.
                let _ = verifier.add_hash(sibling, digest);
            }
            node = parent;
        }
        if verifier.verify_chunk_hash(chunk, *leaf).is_ok() {
            verified.insert(chunk);
        }
    }
    verified
}

/// Node hashes as the record claims them: given, or computed from its leaves.
struct RecordNodes<'a> {
    record: &'a ChunkRecord,
    run: ChunkRange,
    count: u64,
    given: HashMap<Bin, Digest>,
    /// Nodes over the run computed so far (at most about two per chunk of the record).
    computed: HashMap<Bin, Digest>,
}

impl RecordNodes<'_> {
    /// The claimed hash of `bin`, `None` if the record does not determine it.
    fn hash(&mut self, verifier: &MerkleVerifier, bin: Bin) -> Option<Digest> {
        let function = verifier.hash_function();
        if bin.first_chunk() >= self.count {
            return Some(function.zero());
        }
        let known = verifier.verified_hash(bin);
        if let Some(digest) = known
            .or_else(|| self.given.get(&bin).copied())
            .or_else(|| self.computed.get(&bin).copied())
        {
            return Some(digest);
        }
        if !overlaps(self.run, bin) {
            return None;
        }
        let digest = if bin.is_leaf() {
            let offset = usize::try_from(bin.first_chunk() - self.run.first()).ok()?;
            *self.record.leaves.get(offset)?
        } else {
            let left = self.hash(verifier, bin.left()?)?;
            let right = self.hash(verifier, bin.right()?)?;
            function.hash(&[left.as_bytes(), right.as_bytes()])
        };
        self.computed.insert(bin, digest);
        Some(digest)
    }
}

/// Whether `bin` covers a chunk of `run`.
fn overlaps(run: ChunkRange, bin: Bin) -> bool {
    bin.first_chunk() <= run.last() && run.first() <= bin.last_chunk()
}
