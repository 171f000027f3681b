//! Why a storage operation failed, in words that name the file and what is wrong with it.

use std::io;
use std::path::{Path, PathBuf};

use ppsp_core::merkle::IntegrityError;

use super::MAX_CHUNK_SIZE;

/// A storage failure. Every variant that concerns a file names it, and none leaves a file
/// half-changed: whatever was stored before the error is still there.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The file or one of its directories does not exist.
    #[error("{} does not exist", .path.display())]
    NotFound {
        /// The file.
        path: PathBuf,
    },
    /// The operating system refused access.
    #[error("permission denied: {}", .path.display())]
    PermissionDenied {
        /// The file.
        path: PathBuf,
    },
    /// A directory, device or other non-file where content was expected.
    #[error("{} is not a regular file", .path.display())]
    NotRegularFile {
        /// The path.
        path: PathBuf,
    },
    /// The file system ran out of space (or quota).
    #[error("disk full while writing {}", .path.display())]
    DiskFull {
        /// The file being written.
        path: PathBuf,
    },
    /// Any other I/O failure.
    #[error("cannot {action} {}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done, as a verb phrase ("read", "sync").
        action: &'static str,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Content must have at least one chunk.
    #[error("{} is empty: content needs at least one byte", .path.display())]
    EmptyContent {
        /// The file.
        path: PathBuf,
    },
    /// The content has more chunks than bins can name, or its tree does not fit in a file.
    #[error("{} is too large: {len} bytes in chunks of {chunk_size} bytes", .path.display())]
    ContentTooLarge {
        /// The file.
        path: PathBuf,
        /// Its length.
        len: u64,
        /// The chunk size.
        chunk_size: u32,
    },
    /// The chunk size is zero or too large to read a chunk into memory.
    #[error("chunk size {size} is out of range: must be 1 to {MAX_CHUNK_SIZE} bytes")]
    InvalidChunkSize {
        /// The size given.
        size: u64,
    },
    /// A seeded file was modified after it was hashed, so its chunks no longer match the
    /// tree peers verify against.
    #[error("{} changed after it was hashed (its size or modification time differs); hash it again", .path.display())]
    ContentChanged {
        /// The file.
        path: PathBuf,
    },
    /// The swarm's metadata describes content this store cannot hold.
    #[error("cannot store this swarm: {reason}")]
    UnsupportedSwarm {
        /// What is unsupported.
        reason: String,
    },
    /// The sidecar of an interrupted download belongs to another swarm; nothing was changed.
    #[error("{} belongs to another download: it records {field} {found}, this swarm has {expected}", .path.display())]
    ForeignSidecar {
        /// The sidecar.
        path: PathBuf,
        /// The field that differs.
        field: &'static str,
        /// The sidecar's value.
        found: String,
        /// This swarm's value.
        expected: String,
    },
    /// The sidecar's header cannot be read; nothing was changed.
    #[error("{} is not a valid download sidecar ({reason}); remove it and its .part file to start over", .path.display())]
    CorruptSidecar {
        /// The sidecar.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The download target exists and does not hold this swarm's content; it is left alone.
    #[error("{} already exists and is not this swarm's content; refusing to overwrite it", .path.display())]
    ExistingFile {
        /// The target.
        path: PathBuf,
    },
    /// A partial file exists without the sidecar that would prove it is ours.
    #[error("{} exists without its sidecar {}; refusing to reuse a partial file that may not be ours", .part.display(), .sidecar.display())]
    OrphanPart {
        /// The partial file.
        part: PathBuf,
        /// The missing sidecar.
        sidecar: PathBuf,
    },
    /// Another process holds the download's lock.
    #[error("{} is being downloaded by another process", .path.display())]
    InUse {
        /// The target.
        path: PathBuf,
    },
    /// A chunk index past the end of the content.
    #[error("chunk {index} is past the end of the content ({chunk_count} chunks)")]
    ChunkOutOfRange {
        /// The index.
        index: u64,
        /// Chunks in the content.
        chunk_count: u64,
    },
    /// A chunk of the wrong length.
    #[error("chunk {index} has {got} bytes, expected {expected}")]
    ChunkLength {
        /// The index.
        index: u64,
        /// The length or range of lengths allowed.
        expected: String,
        /// The length given.
        got: usize,
    },
    /// A chunk did not verify against the swarm's root hash; it was not written.
    #[error("chunk {index} failed verification: {source}")]
    Integrity {
        /// The index.
        index: u64,
        /// Why.
        #[source]
        source: IntegrityError,
    },
    /// The download cannot be finished before every chunk is verified.
    #[error("{} is not complete: {verified} of {} chunks verified", .path.display(),
            .chunk_count.map_or_else(|| "an unknown number of".to_string(), |n| n.to_string()))]
    Incomplete {
        /// The target.
        path: PathBuf,
        /// Chunks verified.
        verified: u64,
        /// Chunks in the content, once known.
        chunk_count: Option<u64>,
    },
}

impl StorageError {
    /// Classifies an I/O error on `path`: the cases a user can act on get their own variant.
    pub(crate) fn io(path: &Path, action: &'static str, source: io::Error) -> Self {
        let path = path.to_path_buf();
        match source.kind() {
            io::ErrorKind::NotFound => Self::NotFound { path },
            io::ErrorKind::PermissionDenied => Self::PermissionDenied { path },
            io::ErrorKind::IsADirectory => Self::NotRegularFile { path },
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => Self::DiskFull { path },
            _ => Self::Io {
                path,
                action,
                source,
            },
        }
    }
}
