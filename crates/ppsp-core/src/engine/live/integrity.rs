//! Live content integrity behind the engine's [`Integrity`] trait: the Unified Merkle Tree
//! (method 3) as source or receiver, and Sign All (method 2), RFC 7574 section 6.1.
//!
//! Signatures arrive in SIGNED_INTEGRITY messages, which the static trait has no place for;
//! they go through [`LiveIntegrity::add_signature`] and out through
//! [`LiveIntegrity::signature_for`].

use std::collections::BTreeMap;

use crate::bin::Bin;
use crate::engine::content::Integrity;
use crate::hash::Digest;
use crate::live::sign_all::{sign_chunk, verify_chunk_signature};
use crate::live::{
    LiveError, LivePublicKey, LiveSigner, LiveSigningKey, LiveVerifier, NtpTimestamp, Signature,
    SignedMunro,
};
use crate::merkle::IntegrityError;
use crate::spec::SpecLayout;

/// Munro hashes kept while waiting for their SIGNED_INTEGRITY: they come in the same
/// datagram, so a handful covers reordering; more would only be a flood.
const MAX_PENDING: usize = 16;

/// A signature to send ahead of a chunk: over a munro (its hash travels in an INTEGRITY just
/// before) or, with Sign All, over the chunk itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignedPart {
    /// The munro, or the chunk's leaf.
    pub(crate) bin: Bin,
    /// The munro hash (Unified Merkle Tree only).
    pub(crate) hash: Option<Digest>,
    pub(crate) timestamp: NtpTimestamp,
    pub(crate) signature: Signature,
}

impl From<&SignedMunro> for SignedPart {
    fn from(munro: &SignedMunro) -> Self {
        Self {
            bin: munro.bin,
            hash: Some(munro.hash),
            timestamp: munro.timestamp,
            signature: munro.signature.clone(),
        }
    }
}

/// Why a SIGNED_INTEGRITY was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignatureFault {
    /// The signature does not verify with the swarm's key: the sender forged it.
    Forged,
    /// A second, different hash was signed for a munro: only a dishonest peer sends that.
    Conflicting,
}

/// Sign All signatures of one chunk: the one we verified (or made) and the one waiting for
/// its DATA.
type ChunkSignatures = BTreeMap<u64, (NtpTimestamp, Signature)>;

/// The integrity side of a live swarm.
pub(crate) struct LiveIntegrity {
    kind: Kind,
    /// Chunks before this one were discarded (the live discard window) and are refused.
    floor: u64,
}

/// Who signs, and how.
pub(crate) enum Kind {
    /// We inject the stream with a Unified Merkle Tree.
    Source(LiveSigner),
    /// We receive a Unified Merkle Tree stream.
    Receiver {
        verifier: LiveVerifier,
        /// Munro hashes from INTEGRITY messages, awaiting their signature.
        pending: BTreeMap<Bin, Digest>,
    },
    /// Sign All, as source (with the signing key) or receiver.
    SignAll {
        key: LivePublicKey,
        signing: Option<LiveSigningKey>,
        layout: SpecLayout,
        /// Signatures of chunks we hold, to forward with them.
        signatures: ChunkSignatures,
        /// Signatures received ahead of their chunk.
        pending: ChunkSignatures,
    },
}

impl LiveIntegrity {
    pub(crate) fn new(kind: Kind) -> Self {
        Self { kind, floor: 0 }
    }

    /// Appends a chunk at the source; returns the chunks that became announceable (a whole
    /// munro once signed, or the chunk itself with Sign All).
    pub(crate) fn push(
        &mut self,
        chunk: u64,
        data: &[u8],
        timestamp: NtpTimestamp,
    ) -> Result<Option<(u64, u64)>, LiveError> {
        match &mut self.kind {
            Kind::Source(signer) => Ok(signer
                .push_chunk(data, timestamp)?
                .map(|munro| (munro.bin.first_chunk(), munro.bin.last_chunk()))),
            Kind::SignAll {
                signing: Some(key),
                layout,
                signatures,
                ..
            } => {
                let signature = sign_chunk(key, layout, chunk, timestamp, data)?;
                signatures.insert(chunk, (timestamp, signature));
                Ok(Some((chunk, chunk)))
            }
            Kind::Receiver { .. } | Kind::SignAll { signing: None, .. } => {
                Err(LiveError::MunroNotSigned { chunk })
            }
        }
    }

    /// Takes a SIGNED_INTEGRITY for `bin`. With the Unified Merkle Tree its hash came in the
    /// INTEGRITY before it; with Sign All it is checked when the chunk arrives.
    pub(crate) fn add_signature(
        &mut self,
        bin: Bin,
        timestamp: NtpTimestamp,
        signature: Signature,
    ) -> Result<(), SignatureFault> {
        match &mut self.kind {
            Kind::Source(_) => Ok(()),
            Kind::Receiver { verifier, pending } => {
                let Some(hash) = pending.remove(&bin) else {
                    // No hash for it: nothing to check it against (or already trusted).
                    return Ok(());
                };
                if verifier.signed_munro(bin).is_some_and(|m| m.hash == hash) {
                    // Already trusted with this very hash: no need to spend a verification.
                    return Ok(());
                }
                let munro = SignedMunro {
                    bin,
                    hash,
                    timestamp,
                    signature,
                };
                match verifier.add_signed_munro(munro) {
                    Ok(()) => Ok(()),
                    Err(LiveError::ConflictingMunro { .. }) => Err(SignatureFault::Conflicting),
                    Err(LiveError::Key(_)) => Err(SignatureFault::Forged),
                    // Not a munro of this stream, or a bad hash length: not proof of forgery.
                    Err(_) => Ok(()),
                }
            }
            Kind::SignAll {
                signing, pending, ..
            } => {
                if signing.is_none() && bin.is_leaf() {
                    if pending.len() >= MAX_PENDING {
                        pending.pop_first();
                    }
                    pending.insert(bin.first_chunk(), (timestamp, signature));
                }
                Ok(())
            }
        }
    }

    /// The signature to send ahead of `chunk` (before its uncle hashes).
    pub(crate) fn signature_for(&self, chunk: u64) -> Option<SignedPart> {
        match &self.kind {
            Kind::Source(signer) => signer.munro_for(chunk).map(SignedPart::from),
            Kind::Receiver { verifier, .. } => verifier
                .signed_munro(verifier.config().munro_of(chunk)?)
                .map(SignedPart::from),
            Kind::SignAll { signatures, .. } => {
                let (timestamp, signature) = signatures.get(&chunk)?;
                Some(SignedPart {
                    bin: Bin::chunk(chunk)?,
                    hash: None,
                    timestamp: *timestamp,
                    signature: signature.clone(),
                })
            }
        }
    }

    /// The newest signed munro, sent to a peer when the channel opens (secure tune-in,
    /// section 6.1.2). Sign All has no munros.
    pub(crate) fn latest_munro(&self) -> Option<SignedPart> {
        match &self.kind {
            Kind::Source(signer) => signer.latest_munro().map(SignedPart::from),
            Kind::Receiver { verifier, .. } => verifier.latest_munro().map(SignedPart::from),
            Kind::SignAll { .. } => None,
        }
    }

    /// Forgets what belongs to chunks before `chunk`: the discard window moved on.
    pub(crate) fn forget_before(&mut self, chunk: u64) {
        self.floor = self.floor.max(chunk);
        match &mut self.kind {
            Kind::Source(signer) => signer.forget_before(chunk),
            Kind::Receiver { verifier, pending } => {
                verifier.forget_before(chunk);
                pending.retain(|bin, _| bin.last_chunk() >= chunk);
            }
            Kind::SignAll {
                signatures,
                pending,
                ..
            } => {
                *signatures = signatures.split_off(&chunk);
                *pending = pending.split_off(&chunk);
            }
        }
    }

    /// The layer of the munros (0 with Sign All, where each chunk is signed).
    fn munro_layer(&self) -> u32 {
        match &self.kind {
            Kind::Source(signer) => signer.config().chunks_per_signature().ilog2(),
            Kind::Receiver { verifier, .. } => verifier.config().chunks_per_signature().ilog2(),
            Kind::SignAll { .. } => 0,
        }
    }
}

impl Integrity for LiveIntegrity {
    fn chunk_count(&self) -> Option<u64> {
        None
    }

    fn add_hashes(&mut self, hashes: &[(Bin, Digest)]) -> Result<(), IntegrityError> {
        let layer = self.munro_layer();
        let Kind::Receiver { verifier, pending } = &mut self.kind else {
            return Ok(());
        };
        for &(bin, digest) in hashes {
            if bin.layer() == layer {
                if pending.len() >= MAX_PENDING && !pending.contains_key(&bin) {
                    pending.pop_first();
                }
                pending.insert(bin, digest);
                continue;
            }
            // Above the munros, or too many pending: useless but not proof of malice.
            if let Err(LiveError::Integrity(err @ IntegrityError::ConflictingHash { .. })) =
                verifier.add_hash(bin, digest)
            {
                return Err(err);
            }
        }
        Ok(())
    }

    fn verify_chunk(&mut self, chunk: u64, data: &[u8]) -> Result<(), IntegrityError> {
        let leaf = Bin::chunk(chunk).ok_or(IntegrityError::BinOutsideTree { bin: Bin::ALL })?;
        if chunk < self.floor {
            // Behind the discard window: forgotten, never stored again.
            return Err(IntegrityError::BinOutsideTree { bin: leaf });
        }
        match &mut self.kind {
            // The source holds every chunk it announced; anything else is not part of it yet.
            Kind::Source(_) => Err(IntegrityError::BinOutsideTree { bin: leaf }),
            Kind::Receiver { verifier, .. } => match verifier.verify_chunk(chunk, data) {
                Ok(()) => Ok(()),
                Err(LiveError::Integrity(err)) => Err(err),
                Err(_) => Err(IntegrityError::MissingHash { chunk, bin: leaf }),
            },
            Kind::SignAll {
                key,
                layout,
                signatures,
                pending,
                ..
            } => {
                let Some((timestamp, signature)) = pending.remove(&chunk) else {
                    return Err(IntegrityError::MissingHash { chunk, bin: leaf });
                };
                verify_chunk_signature(key, layout, chunk, timestamp, data, &signature)
                    .map_err(|_| IntegrityError::ChunkRejected { chunk, bin: leaf })?;
                signatures.insert(chunk, (timestamp, signature));
                Ok(())
            }
        }
    }

    fn peaks(&self) -> Option<Vec<(Bin, Digest)>> {
        // Live streams have no peaks: trust starts at signed munros.
        Some(Vec::new())
    }

    fn proof(&self, chunk: u64, receiver_has: &dyn Fn(Bin) -> bool) -> Option<Vec<(Bin, Digest)>> {
        match &self.kind {
            Kind::Source(signer) => signer.uncles_for(chunk, receiver_has),
            Kind::Receiver { verifier, .. } => verifier.uncles_for(chunk, receiver_has),
            Kind::SignAll { signatures, .. } => signatures.contains_key(&chunk).then(Vec::new),
        }
    }

    fn live(&self) -> Option<&LiveIntegrity> {
        Some(self)
    }

    fn live_mut(&mut self) -> Option<&mut LiveIntegrity> {
        Some(self)
    }
}
