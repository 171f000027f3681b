//! The injector side of a live stream: append chunks, sign munros, serve proofs.

use std::collections::BTreeMap;

use super::munro::{LiveConfig, SignedMunro};
use super::signed_bytes::NtpTimestamp;
use super::{LiveError, LivePublicKey, LiveSigningKey};
use crate::bin::Bin;
use crate::hash::Digest;
use crate::merkle::{NodeStore, fill_inner_nodes, uncles};

/// A live source with the Unified Merkle Tree (RFC 7574 section 6.1.2).
///
/// Chunks are numbered from 0 as they are pushed. Every `chunks_per_signature` chunks their
/// subtree is complete: its root (the munro) is hashed, signed with the current timestamp and
/// returned, and only then may the chunks be announced (the injector MUST NOT send HAVE for
/// them before). Hashes are kept for the chunks still served; see
/// [`LiveSigner::forget_before`].
#[derive(Debug)]
pub struct LiveSigner {
    key: LiveSigningKey,
    config: LiveConfig,
    next_chunk: u64,
    nodes: NodeStore,
    munros: BTreeMap<Bin, SignedMunro>,
}

impl LiveSigner {
    /// A source signing with `key`, starting at chunk 0.
    pub fn new(key: LiveSigningKey, config: LiveConfig) -> Self {
        let nodes = NodeStore::new(config.hash_function().digest_len());
        Self {
            key,
            config,
            next_chunk: 0,
            nodes,
            munros: BTreeMap::new(),
        }
    }

    /// The public key, which names the swarm ([`LivePublicKey::to_swarm_id`]).
    pub fn public_key(&self) -> LivePublicKey {
        self.key.public_key()
    }

    /// The stream's settings.
    pub fn config(&self) -> &LiveConfig {
        &self.config
    }

    /// The index the next pushed chunk gets.
    pub fn next_chunk(&self) -> u64 {
        self.next_chunk
    }

    /// Appends a chunk. When it completes a munro's subtree, returns the signed munro,
    /// signed at `timestamp`.
    pub fn push_chunk(
        &mut self,
        data: &[u8],
        timestamp: NtpTimestamp,
    ) -> Result<Option<SignedMunro>, LiveError> {
        let chunk = self.next_chunk;
        let leaf = Bin::chunk(chunk).ok_or(LiveError::StreamFull)?;
        let munro = self.config.munro_of(chunk).ok_or(LiveError::StreamFull)?;
        let hash = self.config.hash_function();
        self.nodes.insert(leaf, &hash.hash(&[data]));
        self.next_chunk += 1;
        if chunk != munro.last_chunk() {
            return Ok(None);
        }
        fill_inner_nodes(&mut self.nodes, hash, munro, munro.chunk_count());
        let munro_hash = self.node(munro);
        let signed = self
            .config
            .munro_signed_bytes(munro, timestamp, &munro_hash)?;
        let signature = self.key.sign(&signed)?;
        let signed = SignedMunro {
            bin: munro,
            hash: munro_hash,
            timestamp,
            signature,
        };
        self.munros.insert(munro, signed.clone());
        Ok(Some(signed))
    }

    /// The signed munro over `chunk`, once its subtree is complete.
    pub fn munro_for(&self, chunk: u64) -> Option<&SignedMunro> {
        self.munros.get(&self.config.munro_of(chunk)?)
    }

    /// The newest signed munro, which peers send while tuning in.
    pub fn latest_munro(&self) -> Option<&SignedMunro> {
        self.munros.values().next_back()
    }

    /// The hashes to send with `chunk`: its sibling and uncles up to its munro, leaving out
    /// those `receiver_has`, in tree height descending order. The munro itself travels with
    /// its signature ([`LiveSigner::munro_for`]). `None` until the chunk's munro is signed, or
    /// once it has been forgotten.
    pub fn uncles_for(
        &self,
        chunk: u64,
        receiver_has: impl Fn(Bin) -> bool,
    ) -> Option<Vec<(Bin, Digest)>> {
        let munro = self.munro_for(chunk)?.bin;
        let leaf = Bin::chunk(chunk)?;
        Some(uncles(leaf, munro, receiver_has, |bin| self.node(bin)))
    }

    /// Forgets the munros and hashes of chunks before `chunk` (rounded down to a munro), for
    /// a source that no longer serves them.
    pub fn forget_before(&mut self, chunk: u64) {
        match self.config.first_kept(chunk) {
            Some((munro, leaf)) => {
                self.munros = self.munros.split_off(&munro);
                self.nodes.forget_below(leaf);
            }
            None => {
                self.munros.clear();
                self.nodes = NodeStore::new(self.config.hash_function().digest_len());
            }
        }
    }

    fn node(&self, bin: Bin) -> Digest {
        self.nodes
            .get(bin)
            .unwrap_or_else(|| self.config.hash_function().zero())
    }
}
