//! The stores as the engine's [`ChunkStore`]s.
//!
//! [`DownloadFile`](super::DownloadFile) is not one yet: it journals the hashes that prove
//! each chunk, and the engine keeps those in its own verifier, handing the store only the
//! chunk's bytes. It needs the engine to verify through the store's verifier (or to pass the
//! proof along) before it can be plugged in.

use bytes::Bytes;
use ppsp_core::engine::{ChunkStore, StoreError};

use super::{LiveWindow, SeedFile};

impl ChunkStore for SeedFile {
    /// The chunk read from the file; `None` past the end, on an I/O error, or once the file
    /// changed since it was hashed (so that it is never served against a stale tree).
    fn read_chunk(&self, index: u64) -> Option<Bytes> {
        Self::read_chunk(self, index).ok()
    }

    /// A seeded file already holds every chunk and is never written.
    fn write_chunk(&mut self, index: u64, _data: Bytes) -> Result<(), StoreError> {
        Err(StoreError(format!(
            "{} is seeded read-only (chunk {index})",
            self.path().display()
        )))
    }
}

impl ChunkStore for LiveWindow {
    fn read_chunk(&self, index: u64) -> Option<Bytes> {
        self.get(index)
    }

    /// Refuses a chunk older than the window, which would be evicted at once.
    fn write_chunk(&mut self, index: u64, data: Bytes) -> Result<(), StoreError> {
        if self.insert(index, data) {
            Ok(())
        } else {
            Err(StoreError(format!(
                "chunk {index} is behind the live discard window of {} chunks",
                self.window()
            )))
        }
    }
}
