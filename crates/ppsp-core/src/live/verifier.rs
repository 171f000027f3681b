//! The receiving side of a live stream: check munro signatures, then chunks under them.

use std::cell::Cell;
use std::collections::BTreeMap;

use super::munro::{LiveConfig, SignedMunro};
use super::{LiveError, LivePublicKey};
use crate::bin::Bin;
use crate::hash::Digest;
use crate::merkle::{IntegrityError, KnownHashes, uncles};

/// Verifies a live stream with the Unified Merkle Tree (RFC 7574 section 6.1.2).
///
/// Trust starts at munros whose signature verifies with the swarm's public key; a chunk is
/// accepted once its uncle hashes lead to its munro's hash, after which those hashes are
/// verified too. A peer MUST verify before forwarding, so only chunks accepted here should be
/// announced. Checking that a munro's timestamp is fresh enough is left to the caller, who
/// has the clock.
#[derive(Debug, Clone)]
pub struct LiveVerifier {
    key: LivePublicKey,
    config: LiveConfig,
    known: KnownHashes,
    munros: BTreeMap<Bin, SignedMunro>,
}

impl LiveVerifier {
    /// A verifier for the stream signed by `key` (read from the swarm ID with
    /// [`LivePublicKey::from_swarm_id`]).
    pub fn new(key: LivePublicKey, config: LiveConfig) -> Self {
        let known = KnownHashes::new(config.hash_function());
        Self {
            key,
            config,
            known,
            munros: BTreeMap::new(),
        }
    }

    /// Checks a signed munro and, if the signature verifies, trusts its hash.
    ///
    /// A second, different hash for a munro already trusted is refused: a correct source
    /// never signs two.
    pub fn add_signed_munro(&mut self, munro: SignedMunro) -> Result<(), LiveError> {
        self.config.check_munro(munro.bin)?;
        self.known.check_len(&munro.hash)?;
        let signed = self
            .config
            .munro_signed_bytes(munro.bin, munro.timestamp, &munro.hash)?;
        self.key.verify(&signed, &munro.signature)?;
        match self.known.verified(munro.bin) {
            Some(known) if known != munro.hash => {
                return Err(LiveError::ConflictingMunro { bin: munro.bin });
            }
            Some(_) => {}
            None => {
                self.known.trust(munro.bin, &munro.hash);
                self.munros.insert(munro.bin, munro);
            }
        }
        Ok(())
    }

    /// Takes an uncle hash from an INTEGRITY message, to be proven by a later chunk. Only
    /// nodes below the munro layer are accepted; munros come signed.
    pub fn add_hash(&mut self, bin: Bin, digest: Digest) -> Result<(), LiveError> {
        if bin.layer() >= self.config.munro_layer() {
            return Err(IntegrityError::BinOutsideTree { bin }.into());
        }
        Ok(self.known.offer(bin, digest)?)
    }

    /// Checks chunk `chunk` against its signed munro, using the uncle hashes received.
    pub fn verify_chunk(&mut self, chunk: u64, data: &[u8]) -> Result<(), LiveError> {
        let unsigned = LiveError::MunroNotSigned { chunk };
        let munro = self.config.munro_of(chunk).ok_or(unsigned.clone())?;
        let leaf = Bin::chunk(chunk).ok_or(unsigned.clone())?;
        if !self.munros.contains_key(&munro) {
            return Err(unsigned);
        }
        Ok(self.known.verify_leaf(leaf, data, |_| None)?)
    }

    /// The verified signed munro `bin`, to pass on to other peers.
    pub fn signed_munro(&self, bin: Bin) -> Option<&SignedMunro> {
        self.munros.get(&bin)
    }

    /// The hashes a peer we forward `chunk` to needs, as [`LiveSigner::uncles_for`]
    /// gives them: its sibling and uncles up to its munro, leaving out those `receiver_has`,
    /// height descending. `None` unless the munro is trusted and every such hash verified
    /// (which holds for every chunk this verifier accepted and has not forgotten).
    ///
    /// [`LiveSigner::uncles_for`]: super::LiveSigner::uncles_for
    pub fn uncles_for(
        &self,
        chunk: u64,
        receiver_has: impl Fn(Bin) -> bool,
    ) -> Option<Vec<(Bin, Digest)>> {
        let munro = self.config.munro_of(chunk)?;
        self.munros.get(&munro)?;
        let leaf = Bin::chunk(chunk)?;
        let zero = self.config.hash_function().zero();
        let missing = Cell::new(false);
        let hashes = uncles(leaf, munro, receiver_has, |bin| {
            self.known.verified(bin).unwrap_or_else(|| {
                missing.set(true);
                zero
            })
        });
        (!missing.get()).then_some(hashes)
    }

    /// The settings the verifier checks with.
    pub fn config(&self) -> &LiveConfig {
        &self.config
    }

    /// The newest verified signed munro: the tune-in point to announce.
    pub fn latest_munro(&self) -> Option<&SignedMunro> {
        self.munros.values().next_back()
    }

    /// Forgets munros and hashes before `chunk` (rounded down to a munro), following the
    /// live discard window.
    pub fn forget_before(&mut self, chunk: u64) {
        match self.config.first_kept(chunk) {
            Some((munro, leaf)) => {
                self.munros = self.munros.split_off(&munro);
                self.known.forget_below(leaf);
            }
            None => *self = Self::new(self.key.clone(), self.config),
        }
    }
}
