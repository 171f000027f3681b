//! Peak hashes and automatic size detection (RFC 7574 section 5.6).
//!
//! A peak is a complete subtree whose right neighbour is incomplete: the peaks of `n` chunks
//! are the aligned bins tiling `0..n`, one per 1-bit of `n` (7 chunks: bins 3, 9 and 12). A
//! receiver that trusts only the root hash checks the peaks by combining them right to left,
//! with an all-zero sibling wherever a peak is a left child, up to the root. If the result is
//! the root hash, the peaks — and with them the exact chunk count — are authentic.

use super::{IntegrityError, combine};
use crate::bin::Bin;
use crate::chunk_range::ChunkRange;
use crate::hash::{Digest, HashFunction};

/// The peak bins of content with `chunk_count` chunks, left to right (none for 0 chunks).
pub fn peak_bins(chunk_count: u64) -> impl Iterator<Item = Bin> {
    chunk_count
        .checked_sub(1)
        .and_then(|last| ChunkRange::new(0, last))
        .into_iter()
        .flat_map(ChunkRange::bins)
}

/// The root of the tree over `chunk_count` chunks: the smallest bin starting at chunk 0 that
/// covers them all. `None` for 0 chunks or more than 2^63.
pub fn root_bin(chunk_count: u64) -> Option<Bin> {
    let leaves = chunk_count
        .checked_next_power_of_two()
        .filter(|&n| n > 0 && chunk_count > 0)?;
    Bin::from_layer_index(leaves.ilog2(), 0)
}

/// The chunk count the peaks describe, if they combine to `root`.
///
/// `peaks` may come in any order but must be exactly a peak set: bins tiling `0..n` with
/// sizes shrinking from left to right.
pub(crate) fn chunk_count_from_peaks(
    hash: HashFunction,
    root: &Digest,
    peaks: &[(Bin, Digest)],
) -> Result<u64, IntegrityError> {
    if peaks.is_empty() || peaks.len() > 63 {
        return Err(IntegrityError::MalformedPeaks {
            reason: "there must be 1 to 63 peaks",
        });
    }
    let mut peaks = peaks.to_vec();
    peaks.sort_by_key(|(bin, _)| bin.first_chunk());
    let mut chunk_count = 0;
    let mut previous_layer = u32::MAX;
    for (bin, digest) in &peaks {
        if digest.len() != hash.digest_len() {
            return Err(IntegrityError::DigestLength {
                expected: hash.digest_len(),
                got: digest.len(),
            });
        }
        if bin.first_chunk() != chunk_count {
            return Err(IntegrityError::MalformedPeaks {
                reason: "peaks do not tile the chunks from 0",
            });
        }
        if bin.layer() >= previous_layer {
            return Err(IntegrityError::MalformedPeaks {
                reason: "peaks do not shrink left to right",
            });
        }
        previous_layer = bin.layer();
        chunk_count += bin.chunk_count();
    }
    let root_bin = root_bin(chunk_count).ok_or(IntegrityError::MalformedPeaks {
        reason: "too many chunks",
    })?;
    // Climb from the rightmost peak. A right child's left sibling is always the next peak to
    // the left; a left child's right sibling lies past the end of the content.
    let mut remaining = peaks.into_iter().rev();
    let Some((mut node, mut value)) = remaining.next() else {
        return Err(IntegrityError::PeaksMismatch);
    };
    while node != root_bin {
        let (Some(parent), Some(sibling)) = (node.parent(), node.sibling()) else {
            return Err(IntegrityError::PeaksMismatch);
        };
        let sibling_hash = if node.is_left() {
            hash.zero()
        } else {
            match remaining.next() {
                Some((bin, digest)) if bin == sibling => digest,
                _ => return Err(IntegrityError::PeaksMismatch),
            }
        };
        value = combine(hash, node, &value, &sibling_hash);
        node = parent;
    }
    if value == *root {
        Ok(chunk_count)
    } else {
        Err(IntegrityError::PeaksMismatch)
    }
}

#[cfg(test)]
mod tests {
    use ppsp_wire::ids::from_hex;

    use super::*;

    fn digest(hex: &str) -> Digest {
        Digest::from_slice(&from_hex(hex).unwrap()).unwrap()
    }

    fn bin(raw: u64) -> Bin {
        Bin::new(raw).unwrap()
    }

    /// swirl's m74.jpg: 26 chunks of 1 KiB in a 32-leaf SHA-1 tree (TV2 of the reference).
    fn m74_peaks() -> Vec<(Bin, Digest)> {
        vec![
            (bin(15), digest("6870507a7fe10bfefe32607afab84ebeef89c2c4")),
            (bin(39), digest("cf0517c9ab6e0ea4ff1a1aeb2f1ba4b30aa7643a")),
            (bin(49), digest("5efa332788423d6ccb23bf752acb6482ce88161b")),
        ]
    }

    const M74_ROOT: &str = "c89800bfc82ed01ed6e3bfd5408c51274491f7d4";
    const M74_ROOT_WITH_HASHED_EMPTY_PAIRS: &str = "30cb359402fb00b9111a90c9d45c2a2ea48d4db0";

    #[test]
    fn peaks_are_one_bin_per_one_bit_of_the_count() {
        assert_eq!(peak_bins(7).collect::<Vec<_>>(), [bin(3), bin(9), bin(12)]);
        assert_eq!(
            peak_bins(26).collect::<Vec<_>>(),
            [bin(15), bin(39), bin(49)]
        );
        assert_eq!(peak_bins(8).collect::<Vec<_>>(), [bin(7)]);
        assert_eq!(peak_bins(0).count(), 0);
    }

    #[test]
    fn the_root_is_the_smallest_covering_bin_from_chunk_0() {
        assert_eq!(root_bin(1), Some(bin(0)));
        assert_eq!(root_bin(7), Some(bin(7)));
        assert_eq!(root_bin(8), Some(bin(7)));
        assert_eq!(root_bin(26), Some(bin(31)));
        assert_eq!(root_bin(1 << 63), Some(Bin::ALL));
        assert_eq!(root_bin(0), None);
        assert_eq!(root_bin((1 << 63) + 1), None);
    }

    #[test]
    fn m74_peaks_give_the_swarm_id_and_26_chunks() {
        let root = digest(M74_ROOT);
        assert_eq!(
            chunk_count_from_peaks(HashFunction::Sha1, &root, &m74_peaks()),
            Ok(26)
        );
        let mut shuffled = m74_peaks();
        shuffled.reverse();
        assert_eq!(
            chunk_count_from_peaks(HashFunction::Sha1, &root, &shuffled),
            Ok(26)
        );
    }

    #[test]
    fn m74_root_from_hashing_empty_pairs_is_refused() {
        // Hashing zero ‖ zero for the empty nodes right of chunk 25, instead of taking zero,
        // gives this wrong root (TV2's negative test).
        let f = HashFunction::Sha1;
        let [p15, p39, p49] = [0, 1, 2].map(|i| m74_peaks()[i].1);
        let empty2 = f.hash(&[f.zero().as_bytes(), f.zero().as_bytes()]);
        let empty4 = f.hash(&[empty2.as_bytes(), empty2.as_bytes()]);
        let n51 = f.hash(&[p49.as_bytes(), empty2.as_bytes()]);
        let n55 = f.hash(&[n51.as_bytes(), empty4.as_bytes()]);
        let n47 = f.hash(&[p39.as_bytes(), n55.as_bytes()]);
        let wrong = f.hash(&[p15.as_bytes(), n47.as_bytes()]);
        assert_eq!(wrong, digest(M74_ROOT_WITH_HASHED_EMPTY_PAIRS));
        assert_eq!(
            chunk_count_from_peaks(f, &wrong, &m74_peaks()),
            Err(IntegrityError::PeaksMismatch)
        );
    }

    #[test]
    fn peak_sets_of_the_wrong_shape_are_refused() {
        let f = HashFunction::Sha1;
        let root = digest(M74_ROOT);
        let peaks = m74_peaks();
        let gap = [peaks[0], peaks[2]];
        let growing = [(bin(1), peaks[0].1), (bin(11), peaks[1].1)];
        let short = [(bin(15), Digest::from_slice(&[1; 19]).unwrap())];
        for bad in [&gap[..], &growing[..], &[], &short[..]] {
            assert!(matches!(
                chunk_count_from_peaks(f, &root, bad),
                Err(IntegrityError::MalformedPeaks { .. } | IntegrityError::DigestLength { .. })
            ));
        }
    }

    #[test]
    fn a_missing_peak_changes_the_count_and_fails() {
        let root = digest(M74_ROOT);
        let first_two = &m74_peaks()[..2];
        assert_eq!(
            chunk_count_from_peaks(HashFunction::Sha1, &root, first_two),
            Err(IntegrityError::PeaksMismatch)
        );
    }
}
