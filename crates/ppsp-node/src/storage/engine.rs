//! The stores as the engine's [`ChunkStore`]s.
//!
//! A [`DownloadFile`] keeps its own verifier, which it journals: the engine hands it each
//! chunk with the hashes that proved it ([`ChunkStore::write_proven_chunk`]), and the store
//! checks the chunk once more before writing it. [`SharedDownload`] lets the driver keep a
//! handle on a download the engine writes to, to flush it on a timer and publish it once
//! complete.
//!
//! ```no_run
//! # use std::time::Instant;
//! # use ppsp_core::engine::{Endpoint, EndpointConfig, Event, SwarmConfig};
//! # use ppsp_node::storage::{Download, DownloadFile, SharedDownload};
//! # fn run(metadata: ppsp_core::swarm::SwarmMetadata) -> Result<(), Box<dyn std::error::Error>> {
//! let now = Instant::now();
//! let mut endpoint = Endpoint::new(EndpointConfig::default(), [7; 32], now);
//! let Download::Partial(file) = DownloadFile::open("movie.mp4", &metadata)? else {
//!     return Ok(()); // already complete: seed it instead
//! };
//! let download = SharedDownload::new(file);
//! endpoint.add_swarm(now, SwarmConfig {
//!     metadata,
//!     store: Box::new(download.clone()),
//!     content: download.swarm_content(),
//! })?;
//! // ... drive the endpoint; every second or so: download.flush()?;
//! while let Some(event) = endpoint.poll_event() {
//!     if let Event::SwarmComplete { .. } = event {
//!         let path = download.publish()?; // the engine keeps seeding from it
//!         # let _ = path;
//!     }
//! }
//! # Ok(()) }
//! ```

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use ppsp_core::engine::{ChunkProof, ChunkStore, StoreError, SwarmContent};

use super::{DownloadFile, LiveWindow, SeedFile, StorageError};

impl ChunkStore for DownloadFile {
    /// The chunk, if verified and stored; `None` on an I/O error (it is then not served).
    fn read_chunk(&self, index: u64) -> Option<Bytes> {
        Self::read_chunk(self, index).ok().flatten()
    }

    /// Verifies the chunk with the store's own verifier, which must hold its proof already.
    fn write_chunk(&mut self, index: u64, data: Bytes) -> Result<(), StoreError> {
        Self::write_chunk(self, index, &data).map_err(|e| StoreError(e.to_string()))
    }

    fn write_proven_chunk(
        &mut self,
        index: u64,
        data: Bytes,
        proof: ChunkProof<'_>,
    ) -> Result<(), StoreError> {
        Self::write_proven_chunk(self, index, &data, proof.peaks, proof.uncles)
            .map_err(|e| StoreError(e.to_string()))
    }
}

/// A [`DownloadFile`] shared between the engine, which writes and serves its chunks, and
/// the driver, which flushes it on a timer and publishes it when the swarm completes.
/// Clones share the same download.
#[derive(Debug, Clone)]
pub struct SharedDownload(Arc<Mutex<DownloadFile>>);

impl SharedDownload {
    /// Shares `download`.
    pub fn new(download: DownloadFile) -> Self {
        Self(Arc::new(Mutex::new(download)))
    }

    /// The download itself, locked. A panic while it was locked left it consistent (every
    /// step is journaled or not), so a poisoned lock is taken over.
    pub fn lock(&self) -> MutexGuard<'_, DownloadFile> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// See [`DownloadFile::swarm_content`].
    pub fn swarm_content(&self) -> SwarmContent {
        self.lock().swarm_content()
    }

    /// See [`DownloadFile::flush`].
    pub fn flush(&self) -> Result<(), StorageError> {
        self.lock().flush()
    }

    /// See [`DownloadFile::publish`].
    pub fn publish(&self) -> Result<PathBuf, StorageError> {
        self.lock().publish()
    }
}

impl ChunkStore for SharedDownload {
    fn read_chunk(&self, index: u64) -> Option<Bytes> {
        ChunkStore::read_chunk(&*self.lock(), index)
    }

    fn write_chunk(&mut self, index: u64, data: Bytes) -> Result<(), StoreError> {
        ChunkStore::write_chunk(&mut *self.lock(), index, data)
    }

    fn write_proven_chunk(
        &mut self,
        index: u64,
        data: Bytes,
        proof: ChunkProof<'_>,
    ) -> Result<(), StoreError> {
        ChunkStore::write_proven_chunk(&mut *self.lock(), index, data, proof)
    }
}

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
