//! Builds every node of a hash tree from the leaf hashes in one pass, in O(log n) memory.
//!
//! Leaves arrive left to right. A stack holds the roots of the complete subtrees seen so
//! far, largest first (they are the peaks of the content so far); a new leaf merges with the
//! top while both have the same height. At the end the right edge, whose subtrees are
//! incomplete, is closed with the all-zero hash standing for padding (RFC 7574 section 5.1).
//! Every node is handed to the sink once, and each layer's nodes in left-to-right order.

use std::io;

use ppsp_core::{Digest, HashFunction};

/// Receives the nodes of a tree as they are computed.
pub(crate) trait NodeSink {
    /// The next node of `layer`, left to right.
    fn push(&mut self, layer: u32, digest: &Digest) -> io::Result<()>;
}

/// The streaming tree builder.
#[derive(Debug)]
pub(crate) struct TreeBuilder {
    hash: HashFunction,
    /// Roots of complete subtrees, by strictly decreasing layer.
    stack: Vec<(u32, Digest)>,
}

impl TreeBuilder {
    /// A builder for hashes of `hash`.
    pub(crate) fn new(hash: HashFunction) -> Self {
        Self {
            hash,
            stack: Vec::with_capacity(64),
        }
    }

    /// Adds the next leaf and every node it completes.
    pub(crate) fn push_leaf(&mut self, leaf: Digest, sink: &mut impl NodeSink) -> io::Result<()> {
        sink.push(0, &leaf)?;
        let mut node = (0, leaf);
        while let Some(&(layer, left)) = self.stack.last()
            && layer == node.0
        {
            self.stack.pop();
            node = (layer + 1, self.parent(&left, &node.1));
            sink.push(node.0, &node.1)?;
        }
        self.stack.push(node);
        Ok(())
    }

    /// Closes the right edge up to the root at `root_layer`, which must be the root layer of
    /// the leaves pushed.
    pub(crate) fn finish(mut self, root_layer: u32, sink: &mut impl NodeSink) -> io::Result<()> {
        let Some(mut node) = self.stack.pop() else {
            return Ok(());
        };
        let zero = self.hash.zero();
        while node.0 < root_layer {
            let parent = match self.stack.last() {
                // The next stack entry of the same height is the left sibling...
                Some(&(layer, left)) if layer == node.0 => {
                    self.stack.pop();
                    self.parent(&left, &node.1)
                }
                // ...otherwise this node is a left child and its sibling is padding.
                _ => self.parent(&node.1, &zero),
            };
            node = (node.0 + 1, parent);
            sink.push(node.0, &node.1)?;
        }
        Ok(())
    }

    /// `hash(left ‖ right)`; never both zero here, since the node over content is a hash.
    fn parent(&self, left: &Digest, right: &Digest) -> Digest {
        self.hash.hash(&[left.as_bytes(), right.as_bytes()])
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use ppsp_core::merkle::{MerkleTree, root_bin};
    use ppsp_core::{Bin, ChunkRange};

    use super::*;

    /// Collects nodes by bin, checking each layer arrives left to right.
    #[derive(Default)]
    struct Collect {
        next: BTreeMap<u32, u64>,
        nodes: BTreeMap<Bin, Digest>,
    }

    impl NodeSink for Collect {
        fn push(&mut self, layer: u32, digest: &Digest) -> io::Result<()> {
            let index = self.next.entry(layer).or_default();
            let bin = Bin::from_layer_index(layer, *index).unwrap();
            *index += 1;
            assert!(self.nodes.insert(bin, *digest).is_none());
            Ok(())
        }
    }

    #[test]
    fn every_node_over_content_matches_the_in_memory_tree() {
        for hash in [HashFunction::Sha1, HashFunction::Sha256] {
            for chunk_count in 1..=70u64 {
                let content: Vec<u8> = (0..chunk_count * 8).map(|i| (i * 7) as u8).collect();
                let tree = MerkleTree::from_content(hash, &content, 8).unwrap();
                let mut builder = TreeBuilder::new(hash);
                let mut sink = Collect::default();
                for chunk in content.chunks(8) {
                    builder.push_leaf(hash.hash(&[chunk]), &mut sink).unwrap();
                }
                let root = root_bin(chunk_count).unwrap();
                builder.finish(root.layer(), &mut sink).unwrap();
                let over_content = (0..=2 * root.get())
                    .filter_map(Bin::new)
                    .filter(|b| root.contains(*b) && b.first_chunk() < chunk_count);
                for bin in over_content {
                    assert_eq!(sink.nodes.get(&bin), tree.hash_of(bin).as_ref(), "{bin}");
                }
                let expected = ChunkRange::with_len(0, chunk_count).unwrap();
                let stored = sink.nodes.keys().filter(|b| b.is_leaf()).count() as u64;
                assert_eq!(stored, expected.chunk_count());
                assert_eq!(sink.nodes.get(&root), Some(&tree.root_hash()));
            }
        }
    }
}
