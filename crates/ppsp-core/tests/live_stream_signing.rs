//! A live source and a receiver: signed munros, chunks in any order, and tampering refused.

use ppsp_core::live::sign_all::{sign_chunk, verify_chunk_signature};
use ppsp_core::live::{
    KeyError, LiveConfig, LiveError, LivePublicKey, LiveSignatureAlgorithm, LiveSigner,
    LiveSigningKey, LiveVerifier, NtpTimestamp, Signature, SignedMunro,
};
use ppsp_core::merkle::known_after_acks;
use ppsp_core::{Bin, ChunkSet, Digest, HashFunction, IntegrityError, SpecLayout};
use ppsp_wire::ppspp::ChunkAddressing;
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

const SIGNING: [LiveSignatureAlgorithm; 3] = [
    LiveSignatureAlgorithm::EcdsaP256Sha256,
    LiveSignatureAlgorithm::EcdsaP384Sha384,
    LiveSignatureAlgorithm::Ed25519,
];

fn key(algorithm: LiveSignatureAlgorithm, seed: u64) -> LiveSigningKey {
    LiveSigningKey::generate(algorithm, &mut StdRng::seed_from_u64(seed)).unwrap()
}

fn config(cam: ChunkAddressing, chunks_per_signature: u64) -> LiveConfig {
    let layout = SpecLayout::new(cam, 64).unwrap();
    LiveConfig::new(HashFunction::Sha256, layout, chunks_per_signature).unwrap()
}

fn chunk_data(index: u64) -> Vec<u8> {
    (0..64).map(|i| (index * 7 + i) as u8).collect()
}

fn time(index: u64) -> NtpTimestamp {
    NtpTimestamp::from_bits((3_900_000_000 << 32) + index)
}

/// A source that has pushed `chunks` chunks, and the munros it signed.
fn source(key: LiveSigningKey, config: LiveConfig, chunks: u64) -> (LiveSigner, Vec<SignedMunro>) {
    let mut signer = LiveSigner::new(key, config);
    let munros = (0..chunks)
        .filter_map(|i| signer.push_chunk(&chunk_data(i), time(i)).unwrap())
        .collect();
    (signer, munros)
}

fn flip(bytes: &[u8], bit: usize) -> Vec<u8> {
    let mut flipped = bytes.to_vec();
    let bit = bit % (bytes.len() * 8);
    flipped[bit / 8] ^= 1 << (bit % 8);
    flipped
}

/// Receives `chunk` as a peer would: munro with signature if new, uncles, then the data.
fn receive(
    signer: &LiveSigner,
    verifier: &mut LiveVerifier,
    acked: &ChunkSet,
    chunk: u64,
) -> Result<(), LiveError> {
    let munro = signer.munro_for(chunk).unwrap().clone();
    if verifier.signed_munro(munro.bin).is_none() {
        verifier.add_signed_munro(munro)?;
    }
    for (bin, digest) in signer.uncles_for(chunk, known_after_acks(acked)).unwrap() {
        verifier.add_hash(bin, digest)?;
    }
    verifier.verify_chunk(chunk, &chunk_data(chunk))
}

#[test]
fn rfc_example_munro_9_then_hash_10_for_the_chunk_at_bin_8() {
    // RFC 7574 section 6.1.2 with NCHUNKS_PER_SIG = 2: chunks at bins 8 and 10 make munro 9,
    // and serving the chunk at bin 8 takes INTEGRITY(9), SIGNED_INTEGRITY(9), INTEGRITY(10).
    let (signer, munros) = source(
        key(LiveSignatureAlgorithm::EcdsaP256Sha256, 1),
        config(ChunkAddressing::Bins32, 2),
        6,
    );
    assert_eq!(
        munros.iter().map(|m| m.bin.get()).collect::<Vec<_>>(),
        [1, 5, 9]
    );
    assert_eq!(signer.munro_for(4).unwrap().bin.get(), 9);
    let uncles = signer.uncles_for(4, |_| false).unwrap();
    assert_eq!(
        uncles.iter().map(|(b, _)| b.get()).collect::<Vec<_>>(),
        [10]
    );
    assert_eq!(signer.latest_munro().unwrap().bin.get(), 9);
}

#[test]
fn chunks_are_not_served_before_their_munro_is_signed() {
    let (signer, _) = source(
        key(LiveSignatureAlgorithm::Ed25519, 2),
        config(ChunkAddressing::ChunkRanges32, 4),
        6,
    );
    assert!(signer.munro_for(3).is_some());
    assert!(signer.munro_for(4).is_none());
    assert!(signer.uncles_for(5, |_| false).is_none());
}

#[test]
fn a_chunk_without_a_signed_munro_is_refused() {
    let config = config(ChunkAddressing::ChunkRanges64, 2);
    let (signer, _) = source(key(LiveSignatureAlgorithm::Ed25519, 3), config, 4);
    let mut verifier = LiveVerifier::new(signer.public_key(), config);
    assert_eq!(
        verifier.verify_chunk(0, &chunk_data(0)),
        Err(LiveError::MunroNotSigned { chunk: 0 })
    );
}

#[test]
fn munros_signed_by_another_key_are_refused() {
    let config = config(ChunkAddressing::Bins64, 2);
    let (_, munros) = source(key(LiveSignatureAlgorithm::EcdsaP256Sha256, 4), config, 2);
    let stranger = key(LiveSignatureAlgorithm::EcdsaP256Sha256, 5).public_key();
    let mut verifier = LiveVerifier::new(stranger, config);
    assert_eq!(
        verifier.add_signed_munro(munros[0].clone()),
        Err(LiveError::Key(KeyError::BadSignature))
    );
}

#[test]
fn a_source_signing_two_hashes_for_one_munro_is_caught() {
    let config = config(ChunkAddressing::ChunkRanges32, 2);
    let key = key(LiveSignatureAlgorithm::Ed25519, 6);
    let (_, honest) = source(key.clone(), config, 2);
    let mut other = LiveSigner::new(key, config);
    other.push_chunk(b"different", time(0)).unwrap();
    let forked = other.push_chunk(b"content", time(1)).unwrap().unwrap();
    let mut verifier = LiveVerifier::new(other.public_key(), config);
    verifier.add_signed_munro(honest[0].clone()).unwrap();
    assert_eq!(
        verifier.add_signed_munro(forked),
        Err(LiveError::ConflictingMunro { bin: honest[0].bin })
    );
}

#[test]
fn bins_that_are_not_munros_or_uncles_are_refused() {
    let config = config(ChunkAddressing::Bins32, 4);
    let (signer, munros) = source(key(LiveSignatureAlgorithm::Ed25519, 7), config, 4);
    let mut verifier = LiveVerifier::new(signer.public_key(), config);
    let not_a_munro = SignedMunro {
        bin: Bin::new(1).unwrap(),
        ..munros[0].clone()
    };
    assert!(matches!(
        verifier.add_signed_munro(not_a_munro),
        Err(LiveError::NotAMunro { .. })
    ));
    let digest = HashFunction::Sha256.hash(&[b"x"]);
    assert_eq!(
        verifier.add_hash(Bin::new(3).unwrap(), digest),
        Err(LiveError::Integrity(IntegrityError::BinOutsideTree {
            bin: Bin::new(3).unwrap()
        }))
    );
}

#[test]
fn forgotten_chunks_are_neither_served_nor_accepted() {
    let config = config(ChunkAddressing::ChunkRanges32, 2);
    let (mut signer, munros) = source(key(LiveSignatureAlgorithm::Ed25519, 8), config, 8);
    let mut verifier = LiveVerifier::new(signer.public_key(), config);
    for munro in munros {
        verifier.add_signed_munro(munro).unwrap();
    }
    signer.forget_before(5);
    verifier.forget_before(5);
    assert!(signer.uncles_for(3, |_| false).is_none());
    assert!(signer.uncles_for(4, |_| false).is_some());
    assert_eq!(
        verifier.verify_chunk(1, &chunk_data(1)),
        Err(LiveError::MunroNotSigned { chunk: 1 })
    );
    assert!(verifier.signed_munro(Bin::new(9).unwrap()).is_some());
    assert_eq!(receive(&signer, &mut verifier, &ChunkSet::new(), 4), Ok(()));
}

fn any_setup() -> impl Strategy<Value = (LiveSignatureAlgorithm, ChunkAddressing, u64, u64)> {
    (
        prop::sample::select(SIGNING.to_vec()),
        prop::sample::select(ChunkAddressing::ALL.to_vec()),
        prop::sample::select(vec![2u64, 4, 8]),
        any::<u64>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn chunks_verify_in_any_order((algorithm, cam, per_sig, seed) in any_setup(), order in Just((0..24u64).collect::<Vec<_>>()).prop_shuffle()) {
        let config = config(cam, per_sig);
        let (signer, _) = source(key(algorithm, seed), config, 24);
        let public = LivePublicKey::from_swarm_id(&signer.public_key().to_swarm_id().unwrap()).unwrap();
        let mut verifier = LiveVerifier::new(public, config);
        let mut acked = ChunkSet::new();
        for chunk in order {
            prop_assert_eq!(receive(&signer, &mut verifier, &acked, chunk), Ok(()));
            acked.insert(chunk);
        }
    }

    #[test]
    fn a_flipped_bit_anywhere_is_refused((algorithm, cam, per_sig, seed) in any_setup(), chunk in 0..16u64, bit in any::<usize>(), target in 0..5u8) {
        let config = config(cam, per_sig);
        let (signer, _) = source(key(algorithm, seed), config, 16);
        let mut verifier = LiveVerifier::new(signer.public_key(), config);
        let mut munro = signer.munro_for(chunk).unwrap().clone();
        let mut uncles = signer.uncles_for(chunk, |_| false).unwrap();
        let mut data = chunk_data(chunk);
        match target {
            0 => data = flip(&data, bit),
            1 => munro.signature = Signature::new(flip(munro.signature.as_bytes(), bit)),
            2 => munro.hash = Digest::from_slice(&flip(munro.hash.as_bytes(), bit)).unwrap(),
            3 => munro.timestamp = NtpTimestamp::from_bits(munro.timestamp.to_bits() ^ (1 << (bit % 64))),
            _ => {
                let victim = bit % uncles.len();
                let (_, digest) = &mut uncles[victim];
                *digest = Digest::from_slice(&flip(digest.as_bytes(), bit / 8)).unwrap();
            }
        }
        let result = verifier.add_signed_munro(munro).and_then(|()| {
            for (bin, digest) in uncles {
                verifier.add_hash(bin, digest)?;
            }
            verifier.verify_chunk(chunk, &data)
        });
        let refused = matches!(
            result,
            Err(LiveError::Key(KeyError::BadSignature)
                | LiveError::Integrity(IntegrityError::ChunkRejected { .. }))
        );
        prop_assert!(refused, "{:?}", result);
    }

    #[test]
    fn sign_all_signatures_cover_chunk_spec_time_and_data((algorithm, cam, _, seed) in any_setup(), chunk in 0..1000u64, bit in any::<usize>(), target in 0..4u8) {
        let key = key(algorithm, seed);
        let layout = SpecLayout::new(cam, 64).unwrap();
        let data = chunk_data(chunk);
        let signature = sign_chunk(&key, &layout, chunk, time(chunk), &data).unwrap();
        let public = key.public_key();
        prop_assert_eq!(verify_chunk_signature(&public, &layout, chunk, time(chunk), &data, &signature), Ok(()));
        let (mut at, mut stamp, mut bytes, mut sig) = (chunk, time(chunk), data.clone(), signature.clone());
        match target {
            0 => at += 1,
            1 => stamp = NtpTimestamp::from_bits(stamp.to_bits() ^ (1 << (bit % 64))),
            2 => bytes = flip(&bytes, bit),
            _ => sig = Signature::new(flip(sig.as_bytes(), bit)),
        }
        prop_assert_eq!(
            verify_chunk_signature(&public, &layout, at, stamp, &bytes, &sig),
            Err(LiveError::Key(KeyError::BadSignature))
        );
    }
}
