//! Bin numbers: the binary tree over chunks of RFC 7574 section 4.2.
//!
//! Chunks are the leaves of a binary tree numbered in order: chunk `i` is bin `2i`, and the
//! parent of bins `L` and `R` is `(L + R) / 2`. A bin's *layer* is the number of trailing 1-bits
//! of its number; a bin of layer `l` covers the `2^l` chunks of an interval aligned on a multiple
//! of `2^l`. For a width-8 tree:
//!
//! ```text
//! layer 3:                7
//! layer 2:        3               11
//! layer 1:    1       5       9       13
//! layer 0:  0   2   4   6   8   10  12  14     (chunks 0..=7)
//! ```
//!
//! The same numbers name the nodes of the Merkle hash tree (section 5) and, with bin addressing,
//! the chunk intervals of HAVE and REQUEST messages (section 4.3).

use std::fmt;

use crate::chunk_range::ChunkRange;

/// A node of the bin tree: one aligned, power-of-two-sized interval of chunks.
///
/// Every `u64` except the all-ones value is a node; that value is reserved by RFC 7574 for the
/// empty interval and so is not a `Bin` (see [`Bin::new`]). The largest node is [`Bin::ALL`],
/// which covers every chunk a 64-bit bin can name.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bin(u64);

impl Bin {
    /// The root of the 64-bit tree, `0x7FFF_FFFF_FFFF_FFFF`: chunks `0..=2^63-1`, the value
    /// RFC 7574 section 4.3 uses for "everything".
    pub const ALL: Self = Self(u64::MAX >> 1);

    /// The layer of [`Bin::ALL`], the highest a bin can have.
    pub const MAX_LAYER: u32 = 63;

    /// Wraps a raw bin number. `None` for the all-ones value, which denotes the empty interval
    /// rather than a tree node.
    pub const fn new(raw: u64) -> Option<Self> {
        if raw == u64::MAX {
            None
        } else {
            Some(Self(raw))
        }
    }

    /// The bin of chunk `chunk` (bin `2·chunk`), if the chunk is within the 64-bit tree.
    pub const fn chunk(chunk: u64) -> Option<Self> {
        Self::from_layer_index(0, chunk)
    }

    /// The bin `(2·index + 1)·2^layer − 1`: the `index`-th node (from the left) of `layer`.
    ///
    /// `None` if the node lies outside the 64-bit tree.
    pub const fn from_layer_index(layer: u32, index: u64) -> Option<Self> {
        if layer > Self::MAX_LAYER || index >> (Self::MAX_LAYER - layer) != 0 {
            return None;
        }
        // For layer 63 the index is 0, and shifting by 64 would overflow.
        let high = if layer == Self::MAX_LAYER {
            0
        } else {
            index << (layer + 1)
        };
        Some(Self(high | ((1 << layer) - 1)))
    }

    /// The raw bin number, as written in a bin chunk specification.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The layer: 0 for a single chunk, up to 63 for [`Bin::ALL`].
    pub const fn layer(self) -> u32 {
        self.0.trailing_ones()
    }

    /// The position of this bin among the nodes of its layer, counting from 0 at the left.
    pub const fn layer_index(self) -> u64 {
        // `checked_shr` because ALL is shifted by 64.
        match self.0.checked_shr(self.layer() + 1) {
            Some(index) => index,
            None => 0,
        }
    }

    /// Whether this is a leaf, i.e. a single chunk.
    pub const fn is_leaf(self) -> bool {
        self.layer() == 0
    }

    /// The number of chunks covered, `2^layer`.
    pub const fn chunk_count(self) -> u64 {
        1 << self.layer()
    }

    /// The first chunk covered.
    pub const fn first_chunk(self) -> u64 {
        self.layer_index() << self.layer()
    }

    /// The last chunk covered (inclusive).
    pub const fn last_chunk(self) -> u64 {
        self.first_chunk() + (self.chunk_count() - 1)
    }

    /// The chunks covered, as a run.
    pub fn chunks(self) -> ChunkRange {
        ChunkRange::from_bin(self)
    }

    /// The parent node; `None` for [`Bin::ALL`].
    pub const fn parent(self) -> Option<Self> {
        let layer = self.layer();
        if layer >= Self::MAX_LAYER {
            return None;
        }
        Some(Self((self.0 & !(1 << (layer + 1))) | (1 << layer)))
    }

    /// The other child of this node's parent; `None` for [`Bin::ALL`].
    pub const fn sibling(self) -> Option<Self> {
        let layer = self.layer();
        if layer >= Self::MAX_LAYER {
            return None;
        }
        Some(Self(self.0 ^ (1 << (layer + 1))))
    }

    /// The left child; `None` for a leaf.
    pub const fn left(self) -> Option<Self> {
        match self.layer() {
            0 => None,
            layer => Some(Self(self.0 - (1 << (layer - 1)))),
        }
    }

    /// The right child; `None` for a leaf.
    pub const fn right(self) -> Option<Self> {
        match self.layer() {
            0 => None,
            layer => Some(Self(self.0 + (1 << (layer - 1)))),
        }
    }

    /// Whether this node is the left child of its parent. [`Bin::ALL`] has no parent and counts
    /// as left, being the leftmost node of its layer.
    pub const fn is_left(self) -> bool {
        self.layer_index() & 1 == 0
    }

    /// Whether `other` lies in the subtree rooted here (a node contains itself).
    pub const fn contains(self, other: Self) -> bool {
        self.first_chunk() <= other.first_chunk() && other.last_chunk() <= self.last_chunk()
    }
}

impl fmt::Debug for Bin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bin({})", self.0)
    }
}

impl fmt::Display for Bin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn bin(raw: u64) -> Bin {
        Bin::new(raw).unwrap()
    }

    #[test]
    fn rfc_table_examples_hold() {
        assert_eq!(Bin::from_layer_index(2, 1), Some(bin(11)));
        assert_eq!(bin(5).first_chunk(), 2);
        assert_eq!(bin(11).chunk_count(), 4);
        assert_eq!((bin(11).first_chunk(), bin(11).last_chunk()), (4, 7));
        assert_eq!(bin(5).parent(), Some(bin(3)));
        assert_eq!(bin(9).parent(), Some(bin(11)));
        assert_eq!(bin(1).sibling(), Some(bin(5)));
        assert_eq!(bin(0).sibling(), Some(bin(2)));
        assert_eq!(
            (bin(3).left(), bin(3).right()),
            (Some(bin(1)), Some(bin(5)))
        );
        assert!(bin(3).is_left());
        assert!(!bin(11).is_left());
    }

    #[test]
    fn chunk_i_is_bin_2i() {
        assert_eq!(Bin::chunk(0), Some(bin(0)));
        assert_eq!(Bin::chunk(7), Some(bin(14)));
        assert_eq!(Bin::chunk(ChunkRange::MAX_CHUNK), Some(bin(u64::MAX - 1)));
        assert_eq!(Bin::chunk(ChunkRange::MAX_CHUNK + 1), None);
    }

    #[test]
    fn all_ones_is_not_a_bin() {
        assert_eq!(Bin::new(u64::MAX), None);
    }

    #[test]
    fn all_is_the_root_of_everything() {
        assert_eq!(Bin::ALL.layer(), Bin::MAX_LAYER);
        assert_eq!(Bin::ALL.first_chunk(), 0);
        assert_eq!(Bin::ALL.last_chunk(), ChunkRange::MAX_CHUNK);
        assert_eq!(Bin::ALL.parent(), None);
        assert_eq!(Bin::ALL.sibling(), None);
        assert_eq!(Bin::from_layer_index(63, 0), Some(Bin::ALL));
        assert_eq!(Bin::from_layer_index(63, 1), None);
        assert_eq!(Bin::from_layer_index(64, 0), None);
    }

    #[test]
    fn leaves_have_no_children() {
        assert_eq!(bin(6).left(), None);
        assert_eq!(bin(6).right(), None);
        assert!(bin(6).is_leaf());
    }

    fn any_bin() -> impl Strategy<Value = Bin> {
        (0..u64::MAX).prop_map(bin)
    }

    proptest! {
        #[test]
        fn from_layer_index_inverts_layer_and_index(b in any_bin()) {
            prop_assert_eq!(Bin::from_layer_index(b.layer(), b.layer_index()), Some(b));
        }

        #[test]
        fn children_of_the_parent_are_the_node_and_its_sibling(b in any_bin()) {
            prop_assume!(b != Bin::ALL);
            let parent = b.parent().unwrap();
            let sibling = b.sibling().unwrap();
            prop_assert_eq!(parent.layer(), b.layer() + 1);
            prop_assert_eq!(sibling.sibling(), Some(b));
            prop_assert_eq!(sibling.parent(), Some(parent));
            prop_assert_ne!(b.is_left(), sibling.is_left());
            let (left, right) = if b.is_left() { (b, sibling) } else { (sibling, b) };
            prop_assert_eq!(parent.left(), Some(left));
            prop_assert_eq!(parent.right(), Some(right));
            let midpoint = (u128::from(left.get()) + u128::from(right.get())) / 2;
            prop_assert_eq!(u128::from(parent.get()), midpoint);
        }

        #[test]
        fn a_parent_covers_exactly_its_children(b in any_bin()) {
            prop_assume!(!b.is_leaf());
            let (left, right) = (b.left().unwrap(), b.right().unwrap());
            prop_assert_eq!(left.first_chunk(), b.first_chunk());
            prop_assert_eq!(left.last_chunk() + 1, right.first_chunk());
            prop_assert_eq!(right.last_chunk(), b.last_chunk());
            prop_assert!(b.contains(left) && b.contains(right) && !left.contains(b));
        }

        #[test]
        fn every_bin_lies_under_all(b in any_bin()) {
            prop_assert!(Bin::ALL.contains(b));
            prop_assert_eq!(b.chunk_count(), b.last_chunk() - b.first_chunk() + 1);
            prop_assert_eq!(b.first_chunk() % b.chunk_count(), 0);
        }
    }
}
