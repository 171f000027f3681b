//! What a receiver knows of a hash tree: verified hashes and received, still unproven ones.

use std::collections::BTreeMap;

use super::proof::{ClimbError, climb};
use super::{IntegrityError, NodeStore};
use crate::bin::Bin;
use crate::hash::{Digest, HashFunction};

/// Verified node hashes plus a bounded set of pending ones awaiting proof by a chunk.
///
/// Shared by the static and the live verifier, which differ only in where trust starts (the
/// root, or signed munros) and in which hashes are implied.
#[derive(Debug, Clone)]
pub(crate) struct KnownHashes {
    hash: HashFunction,
    verified: NodeStore,
    pending: BTreeMap<Bin, Digest>,
}

impl KnownHashes {
    /// Most received hashes kept pending at once. A chunk needs at most 63, and RFC 7574
    /// sends them in the datagram of the chunk, so this bound only stops a flood.
    pub(crate) const MAX_PENDING: usize = 4096;

    pub(crate) fn new(hash: HashFunction) -> Self {
        Self {
            hash,
            verified: NodeStore::new(hash.digest_len()),
            pending: BTreeMap::new(),
        }
    }

    /// The hash function.
    pub(crate) fn hash_function(&self) -> HashFunction {
        self.hash
    }

    /// Refuses a digest of the wrong length for the hash function.
    pub(crate) fn check_len(&self, digest: &Digest) -> Result<(), IntegrityError> {
        let expected = self.hash.digest_len();
        if digest.len() == expected {
            Ok(())
        } else {
            Err(IntegrityError::DigestLength {
                expected,
                got: digest.len(),
            })
        }
    }

    /// The verified hash of `bin`.
    pub(crate) fn verified(&self, bin: Bin) -> Option<Digest> {
        self.verified.get(bin)
    }

    /// Marks `digest` as the verified hash of `bin`.
    pub(crate) fn trust(&mut self, bin: Bin, digest: &Digest) {
        self.verified.insert(bin, digest);
        self.pending.remove(&bin);
    }

    /// Keeps a received hash until a chunk proves it.
    pub(crate) fn offer(&mut self, bin: Bin, digest: Digest) -> Result<(), IntegrityError> {
        self.check_len(&digest)?;
        match self.verified.get(bin) {
            Some(known) if known == digest => Ok(()),
            Some(_) => Err(IntegrityError::ConflictingHash { bin }),
            None if self.pending.len() >= Self::MAX_PENDING && !self.pending.contains_key(&bin) => {
                Err(IntegrityError::TooManyPendingHashes {
                    limit: Self::MAX_PENDING,
                })
            }
            None => {
                self.pending.insert(bin, digest);
                Ok(())
            }
        }
    }

    /// Keeps only the pending hashes `keep` accepts.
    pub(crate) fn retain_pending(&mut self, keep: impl Fn(Bin) -> bool) {
        self.pending.retain(|&bin, _| keep(bin));
    }

    /// Forgets verified and pending hashes below `bin` (a page at a time for verified ones).
    pub(crate) fn forget_below(&mut self, bin: Bin) {
        self.verified.forget_below(bin);
        self.pending = self.pending.split_off(&bin);
    }

    /// Checks `data` as the chunk at `leaf` up to the first verified node, with `implied`
    /// giving hashes known without being sent (zero padding). On success every hash on the
    /// way is verified; on a mismatch the pending hashes used are dropped.
    pub(crate) fn verify_leaf(
        &mut self,
        leaf: Bin,
        data: &[u8],
        implied: impl Fn(Bin) -> Option<Digest>,
    ) -> Result<(), IntegrityError> {
        self.verify_leaf_hash(leaf, self.hash.hash(&[data]), implied)
    }

    /// [`KnownHashes::verify_leaf`] for a chunk whose hash the caller already computed.
    pub(crate) fn verify_leaf_hash(
        &mut self,
        leaf: Bin,
        leaf_hash: Digest,
        implied: impl Fn(Bin) -> Option<Digest>,
    ) -> Result<(), IntegrityError> {
        self.check_len(&leaf_hash)?;
        let chunk = leaf.first_chunk();
        let result = climb(
            self.hash,
            leaf,
            leaf_hash,
            |bin| self.verified.get(bin),
            |bin| {
                self.verified
                    .get(bin)
                    .or_else(|| implied(bin))
                    .or_else(|| self.pending.get(&bin).copied())
            },
        );
        match result {
            Ok(proven) => {
                for (bin, digest) in proven {
                    self.trust(bin, &digest);
                }
                Ok(())
            }
            Err(ClimbError::Missing(bin)) => Err(IntegrityError::MissingHash { chunk, bin }),
            Err(ClimbError::Mismatch(top)) => {
                self.drop_pending_between(leaf, top);
                Err(IntegrityError::ChunkRejected { chunk, bin: top })
            }
        }
    }

    /// Drops the pending sibling hashes on the way from `leaf` up to `top`.
    fn drop_pending_between(&mut self, leaf: Bin, top: Bin) {
        let mut node = leaf;
        while node != top {
            let (Some(sibling), Some(parent)) = (node.sibling(), node.parent()) else {
                break;
            };
            self.pending.remove(&sibling);
            node = parent;
        }
    }
}
