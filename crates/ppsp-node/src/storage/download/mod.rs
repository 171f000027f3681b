//! Downloading into a file that survives crashes.
//!
//! Downloading to `PATH` uses two files next to it:
//!
//! * `PATH.part`: the content so far, each verified chunk written at its offset;
//! * `PATH.ppsp`: the sidecar, a small header naming the swarm (see the `header` module)
//!   followed by an append-only journal of checksummed records (see the `journal` module):
//!   the peak hashes and content length once known, and runs of verified chunks with their
//!   leaf hashes and the hashes received from peers that connect them to the root.
//!
//! # Crash safety
//!
//! A chunk is verified against the root hash before it is written, and journaled only after
//! its data is durable: chunks are written with positional writes, then — once per batch of
//! [`BATCH_CHUNKS`] chunks or [`BATCH_BYTES`] bytes, or when the caller asks with
//! [`DownloadFile::flush`] — the `.part` file is synced, the batch's records are appended to
//! the journal, and the journal is synced. A crash (even `kill -9` or power loss) at any
//! moment therefore leaves a journal whose intact records name only durable, verified chunks,
//! followed at worst by one torn record, which its checksum exposes and which is dropped.
//! The sidecar's header and compacted journals are written to a temporary file that is synced
//! and renamed into place, so they are either old or new, never half-written.
//!
//! # Resuming
//!
//! [`DownloadFile::open`] refuses a sidecar naming another swarm, chunk size or hash
//! function, and changes nothing in that case. Otherwise it rebuilds the Merkle verifier from
//! the journal alone (every journaled hash must hash up to the swarm ID, see the `proof`
//! module), then re-reads every journaled chunk from `.part` and checks it against its
//! verified leaf hash: a chunk whose bytes changed is dropped from the verified set and will
//! be fetched again, so a damaged `.part` is repaired, never delivered. Peers need not resend
//! hashes for the chunks we announce: the verifier trusts the same nodes as before the crash.
//!
//! # Completion
//!
//! When every chunk is verified, [`DownloadFile::finish`] syncs `.part`, moves it to `PATH`
//! without ever replacing an existing file, and removes the sidecar. A `PATH` that exists and
//! is not this content is never overwritten; one that is (say, after a crash during
//! `finish`) is recognised and opened as [`Download::Complete`].

mod codec;
mod header;
mod journal;
mod journaling;
mod proof;
mod resume;
mod target;

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use ppsp_core::engine::SwarmContent;
use ppsp_core::merkle::{IntegrityError, MerkleVerifier, content_len};
use ppsp_core::swarm::SwarmMetadata;
use ppsp_core::{Bin, ChunkSet, Digest};

use super::chunks::ChunkLayout;
use super::fs::{durable_rename, remove_if_present, sync_parent, with_suffix};
use super::{SeedFile, StorageError};
use header::Header;
use journal::Journal;

/// Chunks written before the journal is brought up to date on its own.
pub const BATCH_CHUNKS: usize = 16384;

/// Bytes written before the journal is brought up to date on its own: at most this much is
/// fetched again after a crash (plus whatever arrived since the caller's last flush).
pub const BATCH_BYTES: usize = 32 << 20;

/// What [`DownloadFile::open`] found.
#[derive(Debug)]
pub enum Download {
    /// The content is not all there yet (a new download, or one resumed): fetch the rest.
    Partial(DownloadFile),
    /// The target file already holds exactly this content, verified against the swarm ID:
    /// seed it.
    Complete(SeedFile),
}

/// Static content being downloaded into a file, resumable after a crash.
///
/// Chunks are verified by the store's own [`MerkleVerifier`]: feed it the peak and uncle
/// hashes received from peers ([`DownloadFile::verifier_mut`]), then hand over chunks with
/// [`DownloadFile::write_chunk`], which verifies each one again before writing it (one more
/// hash of the chunk if the caller verified it already through the same verifier).
#[derive(Debug)]
pub struct DownloadFile {
    paths: Paths,
    header: Header,
    part: File,
    journal: Journal,
    /// Journal size right after the last compaction (or opening).
    compacted_len: u64,
    content_length: Option<u64>,
    verifier: MerkleVerifier,
    /// Chunks verified and written (durable once journaled).
    verified: ChunkSet,
    /// Chunks the journal proves: named by its intact records (and, after a resume, whose
    /// bytes in `.part` were found intact).
    journaled: ChunkSet,
    peaks_journaled: bool,
    length_journaled: bool,
    /// Chunks written since the last flush, with their leaf hashes.
    batch: Vec<(u64, Digest)>,
    batch_bytes: usize,
    /// Set once [`DownloadFile::finish`] has moved the content into place.
    finished: bool,
}

/// The files of a download.
#[derive(Debug, Clone)]
struct Paths {
    target: PathBuf,
    part: PathBuf,
    sidecar: PathBuf,
    /// Where a new sidecar is written before it is renamed into place.
    sidecar_tmp: PathBuf,
}

impl Paths {
    fn new(target: &Path) -> Result<Self, StorageError> {
        let parent = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        if target.file_name().is_none() || !parent.is_dir() {
            return Err(StorageError::NotFound {
                path: parent.to_path_buf(),
            });
        }
        Ok(Self {
            target: target.to_path_buf(),
            part: with_suffix(target, ".part"),
            sidecar: with_suffix(target, ".ppsp"),
            sidecar_tmp: with_suffix(target, ".ppsp.tmp"),
        })
    }
}

impl DownloadFile {
    /// Opens the download of the swarm `metadata` describes into the file `path`: resumes it
    /// if a sidecar of this swarm is there, starts it otherwise.
    ///
    /// Refused, changing nothing: metadata of content that is not static with a Merkle
    /// hash tree; a sidecar of another swarm or a damaged sidecar header; a `PATH.part`
    /// without a sidecar; a `PATH` that exists and is not this content; a download another
    /// process has open.
    pub fn open(
        path: impl AsRef<Path>,
        metadata: &SwarmMetadata,
    ) -> Result<Download, StorageError> {
        let header = Header::for_swarm(metadata)?;
        let paths = Paths::new(path.as_ref())?;
        match fs::metadata(&paths.target) {
            Ok(found) if !found.is_file() => {
                return Err(StorageError::NotRegularFile {
                    path: paths.target.clone(),
                });
            }
            Ok(found) => return target::existing_target(&paths, &header, found.len()),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(StorageError::io(&paths.target, "inspect", e)),
        }
        let exists = |path: &Path| {
            path.try_exists()
                .map_err(|e| StorageError::io(path, "inspect", e))
        };
        let download = if exists(&paths.sidecar)? {
            resume::resume(paths, header)?
        } else if exists(&paths.part)? {
            return Err(StorageError::OrphanPart {
                part: paths.part,
                sidecar: paths.sidecar,
            });
        } else {
            Self::create(paths, header)?
        };
        Ok(Download::Partial(download))
    }

    /// Starts a new download: the sidecar first (so a `.part` never exists without it).
    fn create(paths: Paths, header: Header) -> Result<Self, StorageError> {
        let encoded = header.encode();
        write_new_file(&paths.sidecar_tmp, &encoded)?;
        durable_rename(&paths.sidecar_tmp, &paths.sidecar)?;
        let part = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&paths.part)
            .map_err(|e| StorageError::io(&paths.part, "create", e))?;
        lock(&part, &paths)?;
        sync_parent(&paths.part)?;
        let journal = open_journal(&paths.sidecar, encoded.len() as u64)?;
        let verifier = header.new_verifier(header.content_length)?;
        Ok(Self::assemble(
            paths,
            header,
            part,
            journal,
            verifier,
            ChunkSet::new(),
        ))
    }

    /// A download in memory over opened files and a verifier that proves `verified`.
    fn assemble(
        paths: Paths,
        header: Header,
        part: File,
        journal: Journal,
        verifier: MerkleVerifier,
        verified: ChunkSet,
    ) -> Self {
        Self {
            paths,
            content_length: header.content_length,
            length_journaled: header.content_length.is_some(),
            header,
            part,
            compacted_len: journal.len(),
            journal,
            verifier,
            journaled: verified.clone(),
            verified,
            peaks_journaled: false,
            batch: Vec::new(),
            batch_bytes: 0,
            finished: false,
        }
    }

    /// The target file.
    pub fn path(&self) -> &Path {
        &self.paths.target
    }

    /// Number of chunks, once known (from the metadata's length or the peak hashes).
    pub fn chunk_count(&self) -> Option<u64> {
        self.verifier.chunk_count()
    }

    /// Content length, once known (from the metadata or the last chunk).
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// The chunks verified and stored, to announce to peers.
    pub fn verified(&self) -> &ChunkSet {
        &self.verified
    }

    /// The verifier, which knows every hash the stored chunks proved.
    pub fn verifier(&self) -> &MerkleVerifier {
        &self.verifier
    }

    /// The verifier, to give it the peak and uncle hashes received from peers.
    pub fn verifier_mut(&mut self) -> &mut MerkleVerifier {
        &mut self.verifier
    }

    /// What to join the swarm with in the engine
    /// ([`SwarmConfig::content`](ppsp_core::engine::SwarmConfig)): the verified chunks and
    /// a copy of the verifier that proved them, so that the engine announces them, never
    /// requests them, and needs none of their hashes sent again.
    pub fn swarm_content(&self) -> SwarmContent {
        SwarmContent::Resume {
            verified: self.verified.clone(),
            verifier: self.verifier.clone(),
        }
    }

    /// Whether every chunk is verified and stored.
    pub fn is_complete(&self) -> bool {
        self.chunk_count() == Some(self.verified.len())
    }

    /// Verifies chunk `index` against the swarm's root hash and stores it. A chunk already
    /// stored is accepted without writing it again.
    ///
    /// The chunk count must be known (from the metadata or the peak hashes) and the hashes
    /// needed to prove the chunk given to [`DownloadFile::verifier_mut`]. Nothing is written
    /// for a chunk of the wrong length or one that fails verification.
    pub fn write_chunk(&mut self, index: u64, data: &[u8]) -> Result<(), StorageError> {
        let chunk_count = self.chunk_count().ok_or(StorageError::Integrity {
            index,
            source: IntegrityError::SizeUnknown,
        })?;
        if index >= chunk_count {
            return Err(StorageError::ChunkOutOfRange { index, chunk_count });
        }
        self.check_len(index, chunk_count, data.len())?;
        if self.verified.contains(index) {
            return Ok(());
        }
        let leaf = self.header.hash.hash(&[data]);
        self.verifier
            .verify_chunk_hash(index, leaf)
            .map_err(|source| StorageError::Integrity { index, source })?;
        let offset = index * u64::from(self.header.chunk_size);
        self.part
            .write_all_at(data, offset)
            .map_err(|e| StorageError::io(&self.paths.part, "write", e))?;
        if index + 1 == chunk_count && self.content_length.is_none() {
            self.content_length = content_len(chunk_count, self.header.chunk_size, data.len());
        }
        self.verified.insert(index);
        self.batch.push((index, leaf));
        self.batch_bytes += data.len();
        if self.batch.len() >= BATCH_CHUNKS || self.batch_bytes >= BATCH_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// [`DownloadFile::write_chunk`] for a chunk verified elsewhere (by the engine) against
    /// the same swarm ID, with the hashes that proved it there: the peak hashes (possibly
    /// none) and the chunk's sibling and uncle hashes up to a peak or the root. The store's
    /// verifier takes from them only what it lacks on the chunk's way up, and still checks
    /// the chunk itself, so nothing unproven is written or journaled.
    pub fn write_proven_chunk(
        &mut self,
        index: u64,
        data: &[u8],
        peaks: &[(Bin, Digest)],
        uncles: &[(Bin, Digest)],
    ) -> Result<(), StorageError> {
        if !self.verified.contains(index) {
            let verifier = &mut self.verifier;
            if !peaks.is_empty()
                && peaks
                    .iter()
                    .any(|(bin, _)| verifier.verified_hash(*bin).is_none())
            {
                // Wrong peaks are refused here; the chunk then fails below with the reason.
                let _ = verifier.add_peaks(peaks);
            }
            let mut node = Bin::chunk(index);
            while let Some(at) = node.filter(|&bin| verifier.verified_hash(bin).is_none()) {
                if let Some(sibling) = at.sibling()
                    && verifier.verified_hash(sibling).is_none()
                    && let Some((_, digest)) = uncles.iter().find(|(bin, _)| *bin == sibling)
                {
                    // A refused hash (conflicting) makes the chunk fail below.
                    let _ = verifier.add_hash(sibling, *digest);
                }
                node = at.parent();
            }
        }
        self.write_chunk(index, data)
    }

    /// The bytes of chunk `index`, if verified and stored.
    pub fn read_chunk(&self, index: u64) -> Result<Option<Bytes>, StorageError> {
        if !self.verified.contains(index) {
            return Ok(None);
        }
        let Some(len) = self.chunk_len(index) else {
            return Ok(None);
        };
        let mut chunk = vec![0; len];
        let offset = index * u64::from(self.header.chunk_size);
        self.part
            .read_exact_at(&mut chunk, offset)
            .map_err(|e| StorageError::io(&self.paths.part, "read", e))?;
        Ok(Some(Bytes::from(chunk)))
    }

    /// Moves the complete content to the target file and removes the sidecar; returns the
    /// target's path. Never replaces an existing file: if one appeared meanwhile, this fails
    /// with [`StorageError::ExistingFile`] and the download stays as it was.
    pub fn finish(mut self) -> Result<PathBuf, StorageError> {
        self.publish()
    }

    /// [`DownloadFile::finish`] without giving the download up: the content moves to the
    /// target file and the sidecar goes, but chunks can still be read (the open file moved
    /// with its name), so the engine goes on seeding from this store. Calling it again once
    /// done returns the path and changes nothing.
    pub fn publish(&mut self) -> Result<PathBuf, StorageError> {
        if self.finished {
            return Ok(self.paths.target.clone());
        }
        let Some(length) = self.content_length.filter(|_| self.is_complete()) else {
            return Err(StorageError::Incomplete {
                path: self.paths.target.clone(),
                verified: self.verified.len(),
                chunk_count: self.chunk_count(),
            });
        };
        self.flush()?;
        let part = &self.paths.part;
        self.part
            .set_len(length)
            .and_then(|()| self.part.sync_all())
            .map_err(|e| StorageError::io(part, "sync", e))?;
        target::publish(part, &self.paths.target)?;
        remove_if_present(&self.paths.sidecar)?;
        sync_parent(&self.paths.sidecar)?;
        self.finished = true;
        Ok(self.paths.target.clone())
    }

    /// Fails unless `len` is the length chunk `index` must have.
    fn check_len(&self, index: u64, chunk_count: u64, len: usize) -> Result<(), StorageError> {
        let size = self.header.chunk_size as usize;
        let (ok, expected) = match self.chunk_len(index) {
            Some(expected) => (len == expected, expected.to_string()),
            // The last chunk of content of unknown length: anything from 1 byte to a chunk.
            None if index + 1 == chunk_count => ((1..=size).contains(&len), format!("1 to {size}")),
            None => (false, "none".to_string()),
        };
        if ok {
            Ok(())
        } else {
            Err(StorageError::ChunkLength {
                index,
                expected,
                got: len,
            })
        }
    }

    /// Length of chunk `index`; `None` past the end or if it is the last chunk of content
    /// whose length is not known yet.
    fn chunk_len(&self, index: u64) -> Option<usize> {
        let chunk_count = self.chunk_count()?;
        match self.content_length {
            Some(length) => ChunkLayout::new(self.header.chunk_size, length)?.chunk_len(index),
            None => (index + 1 < chunk_count).then_some(self.header.chunk_size as usize),
        }
    }
}

impl Drop for DownloadFile {
    /// Journals what was written since the last flush, so an orderly shutdown loses nothing.
    /// Errors are ignored: the chunks concerned are simply fetched again.
    fn drop(&mut self) {
        if !self.finished {
            let _ = self.flush();
        }
    }
}

/// Creates `path` (replacing a leftover) with `bytes`, durably.
fn write_new_file(path: &Path, bytes: &[u8]) -> Result<(), StorageError> {
    let mut file = File::create(path).map_err(|e| StorageError::io(path, "create", e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| StorageError::io(path, "write", e))
}

/// Opens the sidecar for appending after its first `len` bytes.
fn open_journal(path: &Path, len: u64) -> Result<Journal, StorageError> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| StorageError::io(path, "open", e))?;
    Journal::new(file, len).map_err(|e| StorageError::io(path, "truncate", e))
}

/// Takes the download's lock: an exclusive advisory lock on `.part`, which is never replaced.
fn lock(part: &File, paths: &Paths) -> Result<(), StorageError> {
    part.try_lock().map_err(|e| match e {
        fs::TryLockError::WouldBlock => StorageError::InUse {
            path: paths.target.clone(),
        },
        fs::TryLockError::Error(e) => StorageError::io(&paths.part, "lock", e),
    })
}
