//! Seeding a file in place: hash it once, then serve its chunks straight from it.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use ppsp_core::HashFunction;
use ppsp_core::merkle::MerkleTree;
use ppsp_core::swarm::SwarmMetadata;
use ppsp_wire::ids::SwarmId;
use ppsp_wire::ppspp::ChunkAddressing;

use super::chunks::ChunkLayout;
use super::fs::FileStamp;
use super::tree::{TreeBuilder, TreeLayout, TreeWriter};
use super::{MAX_CHUNK_SIZE, StorageError};

/// How to hash content for seeding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedOptions {
    /// Chunk size in bytes, 1 to [`MAX_CHUNK_SIZE`]; RFC 7574's default is 1024.
    pub chunk_size: u32,
    /// The Merkle hash function; RFC 7574's default is SHA-256.
    pub hash_function: HashFunction,
    /// Largest hash tree kept in memory, in bytes. A larger tree (about two digests per
    /// chunk) goes to an unlinked temporary file read through a page cache, so memory stays
    /// bounded for any content size.
    pub tree_memory_limit: u64,
    /// Directory of that temporary file; the system's temporary directory when `None`.
    pub spill_dir: Option<PathBuf>,
}

impl SeedOptions {
    /// Default [`SeedOptions::tree_memory_limit`]: the tree of 256 MiB of content in 1 KiB
    /// SHA-256 chunks.
    pub const DEFAULT_TREE_MEMORY_LIMIT: u64 = 16 << 20;
}

impl Default for SeedOptions {
    fn default() -> Self {
        Self {
            chunk_size: 1024,
            hash_function: HashFunction::Sha256,
            tree_memory_limit: Self::DEFAULT_TREE_MEMORY_LIMIT,
            spill_dir: None,
        }
    }
}

/// An existing file served as static content, without copying it.
///
/// Opening reads the whole file once to build its hash tree (memory stays bounded: the file
/// is read in 1 MiB blocks and a large tree lives in a temporary file); chunks are then read
/// on demand at their offset.
///
/// The file must not change while it is seeded, since peers verify every chunk against the
/// tree. Changes that alter its length or modification time are detected when hashing ends
/// and on every [`SeedFile::read_chunk`]. Not detected: a rewrite that keeps the length and
/// restores the modification time, or lands within the file system's timestamp granularity
/// of the hashing. Such a chunk is still never accepted by anyone — receivers check it
/// against the tree and drop it — but it cannot be served until the file is hashed again.
#[derive(Debug)]
pub struct SeedFile {
    path: PathBuf,
    file: File,
    stamp: FileStamp,
    layout: ChunkLayout,
    tree: MerkleTree,
    metadata: SwarmMetadata,
}

impl SeedFile {
    /// Hashes the file at `path` and prepares to serve it.
    pub fn open(path: impl AsRef<Path>, options: &SeedOptions) -> Result<Self, StorageError> {
        let path = path.as_ref();
        let chunk_size = options.chunk_size;
        if chunk_size == 0 || chunk_size > MAX_CHUNK_SIZE {
            return Err(StorageError::InvalidChunkSize {
                size: chunk_size.into(),
            });
        }
        let file = File::open(path).map_err(|e| StorageError::io(path, "open", e))?;
        let stamp = stamp_of(&file, path)?;
        let too_large = || StorageError::ContentTooLarge {
            path: path.to_path_buf(),
            len: stamp.len(),
            chunk_size,
        };
        if stamp.len() == 0 {
            return Err(StorageError::EmptyContent {
                path: path.to_path_buf(),
            });
        }
        let layout = ChunkLayout::new(chunk_size, stamp.len()).ok_or_else(too_large)?;
        let hash = options.hash_function;
        let tree_layout =
            TreeLayout::new(layout.chunk_count(), hash.digest_len()).ok_or_else(too_large)?;
        let tree = hash_content(path, &file, layout, hash, tree_layout, options)?;
        if stamp_of(&file, path)? != stamp {
            return Err(StorageError::ContentChanged {
                path: path.to_path_buf(),
            });
        }
        let swarm_id = SwarmId::new(tree.root_hash().as_bytes()).map_err(|_| too_large())?;
        let mut metadata =
            SwarmMetadata::static_content(swarm_id, chunk_size, hash.into(), stamp.len());
        // The RFC's default addressing, 32-bit chunk ranges, names at most 2^32 chunks.
        if layout.chunk_count() > 1 << 32 {
            metadata.chunk_addressing = ChunkAddressing::ChunkRanges64;
        }
        Ok(Self {
            path: path.to_path_buf(),
            file,
            stamp,
            layout,
            tree,
            metadata,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The swarm's metadata: swarm ID (the root hash), chunk size, hash function, length,
    /// and the RFC defaults otherwise (64-bit chunk ranges beyond 2^32 chunks).
    pub fn metadata(&self) -> &SwarmMetadata {
        &self.metadata
    }

    /// The content's hash tree.
    pub fn tree(&self) -> &MerkleTree {
        &self.tree
    }

    /// Number of chunks.
    pub fn chunk_count(&self) -> u64 {
        self.layout.chunk_count()
    }

    /// Content length in bytes.
    pub fn content_len(&self) -> u64 {
        self.layout.content_len()
    }

    /// The bytes of chunk `index`, read from the file.
    pub fn read_chunk(&self, index: u64) -> Result<Bytes, StorageError> {
        let len = self
            .layout
            .chunk_len(index)
            .ok_or(StorageError::ChunkOutOfRange {
                index,
                chunk_count: self.chunk_count(),
            })?;
        self.check_unchanged()?;
        let mut chunk = vec![0; len];
        self.file
            .read_exact_at(&mut chunk, self.layout.offset(index))
            .map_err(|e| StorageError::io(&self.path, "read", e))?;
        Ok(Bytes::from(chunk))
    }

    /// Fails with [`StorageError::ContentChanged`] if the file's length or modification time
    /// differ from when it was hashed.
    pub fn check_unchanged(&self) -> Result<(), StorageError> {
        if stamp_of(&self.file, &self.path)? == self.stamp {
            Ok(())
        } else {
            Err(StorageError::ContentChanged {
                path: self.path.clone(),
            })
        }
    }
}

/// The stamp of an open file, which must be a regular file.
fn stamp_of(file: &File, path: &Path) -> Result<FileStamp, StorageError> {
    let metadata = file
        .metadata()
        .map_err(|e| StorageError::io(path, "inspect", e))?;
    if !metadata.is_file() {
        return Err(StorageError::NotRegularFile {
            path: path.to_path_buf(),
        });
    }
    Ok(FileStamp::of(&metadata))
}

/// Reads the content block by block and builds its tree.
fn hash_content(
    path: &Path,
    file: &File,
    layout: ChunkLayout,
    hash: HashFunction,
    tree_layout: TreeLayout,
    options: &SeedOptions,
) -> Result<MerkleTree, StorageError> {
    let spill_dir = options.spill_dir.clone().unwrap_or_else(std::env::temp_dir);
    let spill_error = |e| StorageError::io(&spill_dir, "keep a hash tree in", e);
    let root_layer = tree_layout.root_layer();
    let mut writer =
        TreeWriter::new(tree_layout, options.tree_memory_limit, &spill_dir).map_err(spill_error)?;
    let mut builder = TreeBuilder::new(hash);
    let all = layout.all().ok_or(StorageError::EmptyContent {
        path: path.to_path_buf(),
    })?;
    layout.read_run(file, all, |_, chunk| match chunk {
        Ok(chunk) => builder
            .push_leaf(hash.hash(&[chunk]), &mut writer)
            .map_err(spill_error),
        // A read that falls short means the file shrank while it was hashed.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Err(StorageError::ContentChanged {
                path: path.to_path_buf(),
            })
        }
        Err(e) => Err(StorageError::io(path, "read", e)),
    })?;
    builder
        .finish(root_layer, &mut writer)
        .map_err(spill_error)?;
    writer
        .finish(hash, layout.chunk_count())
        .map_err(spill_error)
}
