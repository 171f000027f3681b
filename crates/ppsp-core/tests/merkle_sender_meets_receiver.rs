//! A sender's proofs against a receiver's verifier: in any order, and never for altered data.

use ppsp_core::merkle::known_after_acks;
use ppsp_core::{Bin, ChunkSet, Digest, HashFunction, IntegrityError, MerkleTree, MerkleVerifier};
use proptest::prelude::*;

const CHUNK_SIZE: u32 = 16;

/// Content of `chunks` chunks, all distinct, the last one `last_len` bytes.
fn content(chunks: usize, last_len: usize) -> Vec<u8> {
    let len = (chunks - 1) * CHUNK_SIZE as usize + last_len;
    (0..len).map(|i| (i * 31 / 7) as u8).collect()
}

fn chunk_of(content: &[u8], index: u64) -> &[u8] {
    content
        .chunks(CHUNK_SIZE as usize)
        .nth(index as usize)
        .unwrap()
}

/// Sends `chunk` as RFC 7574 section 5.4 says: the hashes the receiver lacks, then the data.
fn deliver(
    tree: &MerkleTree,
    verifier: &mut MerkleVerifier,
    acked: &ChunkSet,
    peaks: &[Bin],
    chunk: u64,
    data: &[u8],
) -> Result<(), IntegrityError> {
    let known = known_after_acks(acked);
    let uncles = tree
        .uncles_for(chunk, |bin| peaks.contains(&bin) || known(bin))
        .unwrap();
    for (bin, digest) in uncles {
        verifier.add_hash(bin, digest)?;
    }
    verifier.verify_chunk(chunk, data)
}

/// Chunk count, a permutation of the chunks, whether the receiver starts from the peaks.
fn download() -> impl Strategy<Value = (Vec<u8>, Vec<u64>, bool)> {
    (1..200usize, 1..=CHUNK_SIZE as usize, any::<bool>()).prop_flat_map(|(n, last, peaks)| {
        let order: Vec<u64> = (0..n as u64).collect();
        (
            Just(content(n, last)),
            Just(order).prop_shuffle(),
            Just(peaks),
        )
    })
}

fn setup(content: &[u8], use_peaks: bool) -> (MerkleTree, MerkleVerifier, Vec<Bin>) {
    let f = HashFunction::Sha1;
    let tree = MerkleTree::from_content(f, content, CHUNK_SIZE).unwrap();
    if use_peaks {
        let mut verifier = MerkleVerifier::new(f, tree.root_hash()).unwrap();
        assert_eq!(verifier.add_peaks(&tree.peaks()), Ok(tree.chunk_count()));
        let peaks = tree.peaks().into_iter().map(|(bin, _)| bin).collect();
        (tree, verifier, peaks)
    } else {
        let verifier =
            MerkleVerifier::with_chunk_count(f, tree.root_hash(), tree.chunk_count()).unwrap();
        (tree, verifier, Vec::new())
    }
}

fn flip(bytes: &[u8], bit: usize) -> Vec<u8> {
    let mut flipped = bytes.to_vec();
    let bit = bit % (bytes.len() * 8);
    flipped[bit / 8] ^= 1 << (bit % 8);
    flipped
}

proptest! {
    #[test]
    fn sender_proofs_verify_in_any_order((content, order, use_peaks) in download()) {
        let (tree, mut verifier, peaks) = setup(&content, use_peaks);
        let mut acked = ChunkSet::new();
        for chunk in order {
            let data = chunk_of(&content, chunk);
            prop_assert_eq!(deliver(&tree, &mut verifier, &acked, &peaks, chunk, data), Ok(()));
            acked.insert(chunk);
        }
    }

    #[test]
    fn a_flipped_bit_in_a_chunk_is_rejected((content, order, use_peaks) in download(), bit in any::<usize>()) {
        let (tree, mut verifier, peaks) = setup(&content, use_peaks);
        let chunk = order[0];
        let bad = flip(chunk_of(&content, chunk), bit);
        let result = deliver(&tree, &mut verifier, &ChunkSet::new(), &peaks, chunk, &bad);
        prop_assert!(matches!(result, Err(IntegrityError::ChunkRejected { .. })), "{:?}", result);
    }

    #[test]
    fn a_flipped_bit_in_a_hash_is_rejected((content, order, use_peaks) in download(), pick in any::<usize>(), bit in 0..160usize) {
        let (tree, mut verifier, peaks) = setup(&content, use_peaks);
        let chunk = order[0];
        let uncles = tree.uncles_for(chunk, |bin| peaks.contains(&bin)).unwrap();
        prop_assume!(!uncles.is_empty());
        let victim = pick % uncles.len();
        let mut refused = false;
        for (i, (bin, digest)) in uncles.into_iter().enumerate() {
            let digest = if i == victim {
                Digest::from_slice(&flip(digest.as_bytes(), bit)).unwrap()
            } else {
                digest
            };
            // A hash for padding must be zero and is refused at once when it is not.
            refused |= verifier.add_hash(bin, digest).is_err();
        }
        let result = verifier.verify_chunk(chunk, chunk_of(&content, chunk));
        prop_assert!(refused || matches!(result, Err(IntegrityError::ChunkRejected { .. })), "{:?}", result);
    }

    #[test]
    fn peaks_of_another_size_do_not_match_the_root(n in 1..300usize, other in 1..300usize) {
        prop_assume!(n != other);
        let f = HashFunction::Sha1;
        let tree = MerkleTree::from_content(f, &content(n, 5), CHUNK_SIZE).unwrap();
        let other = MerkleTree::from_content(f, &content(other, 5), CHUNK_SIZE).unwrap();
        let mut verifier = MerkleVerifier::new(f, tree.root_hash()).unwrap();
        prop_assert!(verifier.add_peaks(&other.peaks()).is_err());
    }
}

#[test]
fn size_detection_is_exact_for_every_count_up_to_3000() {
    let f = HashFunction::Sha1;
    let leaves: Vec<Digest> = (0u32..3000).map(|i| f.hash(&[&i.to_be_bytes()])).collect();
    for n in 1..=leaves.len() {
        let tree = MerkleTree::from_leaf_hashes(f, &leaves[..n]).unwrap();
        let mut verifier = MerkleVerifier::new(f, tree.root_hash()).unwrap();
        assert_eq!(
            verifier.add_peaks(&tree.peaks()),
            Ok(n as u64),
            "{n} chunks"
        );
    }
}
