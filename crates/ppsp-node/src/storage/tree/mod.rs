//! Complete hash trees kept outside [`MerkleTree`]'s memory pages: in one compact buffer for
//! small content, in an unlinked temporary file read through a page cache for large content.
//!
//! [`TreeWriter`] receives the nodes from the streaming [`TreeBuilder`] while the content is
//! hashed; [`TreeWriter::finish`] turns them into a [`MerkleTree`] backed by [`TreeNodes`].
//! Memory is thus bounded by the caller's limit (for the buffer) or by the page cache and one
//! write buffer per layer (for the file), whatever the content size.

mod builder;
mod layout;
mod paged;

use std::fmt;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

use ppsp_core::merkle::{MerkleTree, NodeSource};
use ppsp_core::{Bin, Digest, HashFunction};

pub(crate) use builder::{NodeSink, TreeBuilder};
pub(crate) use layout::TreeLayout;
use paged::PagedNodes;

/// Bytes buffered per layer before a write to the tree file.
const WRITE_BUFFER: usize = 32 << 10;

/// Receives a tree's nodes in [`TreeLayout`] order.
pub(crate) struct TreeWriter {
    layout: TreeLayout,
    /// Nodes received so far on each layer.
    written: Vec<u64>,
    target: Target,
}

enum Target {
    Memory(Vec<u8>),
    File {
        file: File,
        /// Nodes of each layer not yet written.
        buffers: Vec<Vec<u8>>,
    },
}

impl TreeWriter {
    /// A writer that keeps the nodes in memory if they take at most `memory_limit` bytes,
    /// otherwise in an unlinked temporary file in `spill_dir` (which disappears with the
    /// process, even on a crash).
    pub(crate) fn new(layout: TreeLayout, memory_limit: u64, spill_dir: &Path) -> io::Result<Self> {
        let byte_len = layout.byte_len();
        let target = if byte_len <= memory_limit {
            let len = usize::try_from(byte_len).map_err(io::Error::other)?;
            Target::Memory(vec![0; len])
        } else {
            let layers = layout.root_layer() as usize + 1;
            Target::File {
                file: tempfile::tempfile_in(spill_dir)?,
                buffers: vec![Vec::new(); layers],
            }
        };
        Ok(Self {
            written: vec![0; layout.root_layer() as usize + 1],
            layout,
            target,
        })
    }

    /// Checks that every node arrived and assembles the tree. A tree whose nodes do not fit
    /// together (which would be a bug) or cannot be read back is an `InvalidData` error.
    pub(crate) fn finish(self, hash: HashFunction, chunk_count: u64) -> io::Result<MerkleTree> {
        let complete = (0..=self.layout.root_layer())
            .all(|layer| self.written[layer as usize] == self.layout.layer_len(layer));
        if !complete {
            return Err(io::Error::other("the tree builder left nodes out"));
        }
        let nodes = match self.target {
            Target::Memory(bytes) => Nodes::Memory(bytes),
            Target::File { file, mut buffers } => {
                for (layer, buffer) in (0..).zip(buffers.iter_mut()) {
                    let written = self.written[layer as usize];
                    flush(&self.layout, &file, layer, written, buffer)?;
                }
                Nodes::File(PagedNodes::new(file))
            }
        };
        let source = Arc::new(TreeNodes {
            layout: self.layout,
            nodes,
        });
        MerkleTree::from_node_source(hash, chunk_count, source)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

impl NodeSink for TreeWriter {
    fn push(&mut self, layer: u32, digest: &Digest) -> io::Result<()> {
        let index = self
            .written
            .get(layer as usize)
            .copied()
            .unwrap_or(u64::MAX);
        let position = self
            .layout
            .position(layer, index)
            .ok_or_else(|| io::Error::other("the tree builder gave more nodes than fit"))?;
        self.written[layer as usize] += 1;
        match &mut self.target {
            Target::Memory(bytes) => {
                let len = self.layout.digest_len();
                let start = position as usize * len;
                bytes[start..start + len].copy_from_slice(digest.as_bytes());
            }
            Target::File { file, buffers } => {
                let buffer = &mut buffers[layer as usize];
                buffer.extend_from_slice(digest.as_bytes());
                if buffer.len() >= WRITE_BUFFER {
                    flush(&self.layout, file, layer, index + 1, buffer)?;
                }
            }
        }
        Ok(())
    }
}

/// Writes the buffered nodes of `layer`, the last of which is node `written - 1`.
fn flush(
    layout: &TreeLayout,
    file: &File,
    layer: u32,
    written: u64,
    buffer: &mut Vec<u8>,
) -> io::Result<()> {
    if buffer.is_empty() {
        return Ok(());
    }
    let buffered = (buffer.len() / layout.digest_len()) as u64;
    let first = layout
        .position(layer, written - buffered)
        .ok_or_else(|| io::Error::other("buffered nodes outside the layout"))?;
    file.write_all_at(buffer, first * layout.digest_len() as u64)?;
    buffer.clear();
    Ok(())
}

/// The nodes of a complete tree, for [`MerkleTree::from_node_source`].
pub(crate) struct TreeNodes {
    layout: TreeLayout,
    nodes: Nodes,
}

enum Nodes {
    Memory(Vec<u8>),
    File(PagedNodes),
}

impl NodeSource for TreeNodes {
    fn node_hash(&self, bin: Bin) -> Option<Digest> {
        let position = self.layout.bin_position(bin)?;
        match &self.nodes {
            Nodes::Memory(bytes) => {
                let len = self.layout.digest_len();
                let start = usize::try_from(position).ok()? * len;
                Digest::from_slice(bytes.get(start..start + len)?)
            }
            Nodes::File(paged) => paged.read(&self.layout, bin.layer(), bin.layer_index()),
        }
    }
}

impl fmt::Debug for TreeNodes {
    /// The layout and where the nodes are, not the hashes (megabytes of them).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = match self.nodes {
            Nodes::Memory(_) => "memory",
            Nodes::File(_) => "file",
        };
        f.debug_struct("TreeNodes")
            .field("layout", &self.layout)
            .field("in", &place)
            .finish()
    }
}
