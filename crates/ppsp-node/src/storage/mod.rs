//! Chunk storage: where the content of a swarm lives on this node.
//!
//! * [`SeedFile`] serves an existing file in place, after hashing it once.
//! * [`DownloadFile`] downloads into `PATH.part` with a journal in the sidecar `PATH.ppsp`, so
//!   that a download killed at any moment resumes without fetching verified chunks again and
//!   never ends with a corrupt file; [`DownloadFile::open`] says whether the content is
//!   [`Download::Partial`] or already [`Download::Complete`].
//! * [`LiveWindow`] keeps the newest chunks of a live stream, bounded by the discard window.
//!
//! All three are the engine's `ChunkStore`s; [`SharedDownload`] shares a download between
//! the engine and the driver, and [`DownloadFile::swarm_content`] resumes it in the engine.
//!
//! Memory stays bounded whatever the content size: files are read in 1 MiB blocks, and a
//! seeded file's hash tree goes to an unlinked temporary file when it exceeds
//! [`SeedOptions::tree_memory_limit`] (a download's verifier still keeps its hashes in
//! memory, about two digests per chunk). All I/O is blocking positional reads and writes; an
//! async runtime calls these stores from a blocking task.

mod chunks;
mod crc32;
mod download;
mod engine;
mod error;
mod fs;
mod live_window;
mod seed;
mod tree;

pub use download::{BATCH_BYTES, BATCH_CHUNKS, Download, DownloadFile};
pub use engine::SharedDownload;
pub use error::StorageError;
pub use live_window::LiveWindow;
pub use seed::{SeedFile, SeedOptions};

/// Largest chunk size stored: a chunk is read into memory whole, so this bounds the memory
/// of one read. RFC 7574 sets no limit, but 1 KiB chunks are the norm and a UDP datagram
/// cannot carry more than 64 KiB.
pub const MAX_CHUNK_SIZE: u32 = 16 << 20;
