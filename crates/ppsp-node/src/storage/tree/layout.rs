//! Where each node of a complete hash tree sits in a flat array of digests.
//!
//! Layer by layer from the leaves up, each layer left to right, holding only the nodes that
//! cover at least one chunk (nodes over padding alone are zero and not stored). Compared with
//! indexing by bin number this has no holes, so the array is exactly about two digests per
//! chunk, and every layer is produced strictly left to right while the content is hashed, so
//! a file of nodes is written with one sequential buffer per layer.

use ppsp_core::Bin;
use ppsp_core::merkle::root_bin;

/// The node array of a tree over `chunk_count` chunks with `digest_len`-byte hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TreeLayout {
    digest_len: usize,
    /// Position of each layer's first node, from the leaves (layer 0) to the root's layer,
    /// plus the total node count at the end.
    layer_starts: Vec<u64>,
}

impl TreeLayout {
    /// `None` if there are no chunks or the array's size overflows.
    pub(crate) fn new(chunk_count: u64, digest_len: usize) -> Option<Self> {
        let root_layer = root_bin(chunk_count)?.layer();
        let mut layer_starts = Vec::with_capacity(root_layer as usize + 2);
        let mut position = 0u64;
        for layer in 0..=root_layer {
            layer_starts.push(position);
            position = position.checked_add(chunk_count.div_ceil(1 << layer))?;
        }
        layer_starts.push(position);
        position.checked_mul(digest_len as u64)?;
        Some(Self {
            digest_len,
            layer_starts,
        })
    }

    /// Bytes per digest.
    pub(crate) fn digest_len(&self) -> usize {
        self.digest_len
    }

    /// The root's layer.
    pub(crate) fn root_layer(&self) -> u32 {
        (self.layer_starts.len() - 2) as u32
    }

    /// Nodes stored on `layer` (0 above the root).
    pub(crate) fn layer_len(&self, layer: u32) -> u64 {
        let layer = layer as usize;
        match (
            self.layer_starts.get(layer),
            self.layer_starts.get(layer + 1),
        ) {
            (Some(start), Some(end)) => end - start,
            _ => 0,
        }
    }

    /// Position of the `index`-th node of `layer`, if stored.
    pub(crate) fn position(&self, layer: u32, index: u64) -> Option<u64> {
        (index < self.layer_len(layer)).then(|| self.layer_starts[layer as usize] + index)
    }

    /// Position of `bin`, if it is a stored node.
    pub(crate) fn bin_position(&self, bin: Bin) -> Option<u64> {
        self.position(bin.layer(), bin.layer_index())
    }

    /// Size of the whole array in bytes.
    pub(crate) fn byte_len(&self) -> u64 {
        self.layer_starts.last().copied().unwrap_or(0) * self.digest_len as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bin(raw: u64) -> Bin {
        Bin::new(raw).unwrap()
    }

    #[test]
    fn seven_chunks_store_the_nodes_over_content() {
        // Layers of 7, 4, 2 and 1 nodes; bin 13 (chunks 6-7) is stored, bin 14 (chunk 7) not.
        let layout = TreeLayout::new(7, 20).unwrap();
        assert_eq!(layout.root_layer(), 3);
        assert_eq!((0..4).map(|l| layout.layer_len(l)).sum::<u64>(), 14);
        assert_eq!(layout.byte_len(), 14 * 20);
        assert_eq!(layout.bin_position(bin(0)), Some(0));
        assert_eq!(layout.bin_position(bin(12)), Some(6));
        assert_eq!(layout.bin_position(bin(14)), None);
        assert_eq!(layout.bin_position(bin(1)), Some(7));
        assert_eq!(layout.bin_position(bin(13)), Some(10));
        assert_eq!(layout.bin_position(bin(7)), Some(13));
        assert_eq!(layout.bin_position(bin(15)), None);
        assert_eq!(layout.bin_position(Bin::ALL), None);
    }

    #[test]
    fn one_chunk_is_its_own_root() {
        let layout = TreeLayout::new(1, 32).unwrap();
        assert_eq!(layout.root_layer(), 0);
        assert_eq!(layout.byte_len(), 32);
        assert!(TreeLayout::new(0, 32).is_none());
    }
}
