//! Helpers shared by the storage tests: content, a seeder that hands chunks over the way a
//! peer would, and crash snapshots of a download's files.
#![allow(dead_code, unreachable_pub)] // Each test binary uses a different subset.

use std::fs;
use std::path::{Path, PathBuf};

use ppsp_core::merkle::{MerkleTree, known_after_acks};
use ppsp_core::swarm::SwarmMetadata;
use ppsp_core::{Bin, HashFunction};
use ppsp_node::storage::{Download, DownloadFile, SeedFile, StorageError};
use ppsp_wire::ids::SwarmId;

/// Deterministic pseudo-random bytes (xorshift), different for each seed.
pub fn content(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// `0..n` in a deterministic shuffled order.
pub fn shuffled(n: u64, seed: u64) -> Vec<u64> {
    let mut order: Vec<u64> = (0..n).collect();
    let noise = content(order.len() * 8, seed);
    for i in (1..order.len()).rev() {
        let r = u64::from_le_bytes(noise[i * 8..i * 8 + 8].try_into().unwrap());
        order.swap(i, (r % (i as u64 + 1)) as usize);
    }
    order
}

/// The sending side of a swarm: the content and its tree.
pub struct Seeder {
    pub content: Vec<u8>,
    pub chunk_size: u32,
    pub tree: MerkleTree,
}

impl Seeder {
    pub fn new(content: Vec<u8>, chunk_size: u32, hash: HashFunction) -> Self {
        let tree = MerkleTree::from_content(hash, &content, chunk_size).unwrap();
        Self {
            content,
            chunk_size,
            tree,
        }
    }

    /// Metadata with the content length, as a swarm URI with `len=` gives it.
    pub fn metadata(&self) -> SwarmMetadata {
        SwarmMetadata::static_content(
            SwarmId::new(self.tree.root_hash().as_bytes()).unwrap(),
            self.chunk_size,
            self.tree.hash_function().into(),
            self.content.len() as u64,
        )
    }

    /// Metadata without the content length: the receiver detects it from the peaks.
    pub fn metadata_without_length(&self) -> SwarmMetadata {
        SwarmMetadata {
            content_length: None,
            ..self.metadata()
        }
    }

    pub fn chunk_count(&self) -> u64 {
        self.tree.chunk_count()
    }

    pub fn chunk(&self, index: u64) -> &[u8] {
        self.content
            .chunks(self.chunk_size as usize)
            .nth(index as usize)
            .unwrap()
    }

    /// Sends the peak hashes, as before the first chunk on a channel (RFC 7574 section 5.6).
    pub fn send_peaks(&self, download: &mut DownloadFile) {
        download
            .verifier_mut()
            .add_peaks(&self.tree.peaks())
            .unwrap();
    }

    /// Sends chunk `index` with exactly the hashes a peer sends: it skips every node whose
    /// parent covers a chunk the receiver announced, and the peaks if `peaks_sent`.
    pub fn send_chunk(
        &self,
        download: &mut DownloadFile,
        index: u64,
        peaks_sent: bool,
    ) -> Result<(), StorageError> {
        let peaks: Vec<Bin> = self.tree.peaks().iter().map(|&(bin, _)| bin).collect();
        let announced = download.verified().clone();
        let knows = known_after_acks(&announced);
        let uncles = self
            .tree
            .uncles_for(index, |bin| {
                (peaks_sent && peaks.contains(&bin)) || knows(bin)
            })
            .unwrap();
        for (bin, digest) in uncles {
            download.verifier_mut().add_hash(bin, digest).unwrap();
        }
        download.write_chunk(index, self.chunk(index))
    }
}

/// Opens a download that must not be complete yet.
pub fn partial(path: &Path, metadata: &SwarmMetadata) -> DownloadFile {
    match DownloadFile::open(path, metadata).unwrap() {
        Download::Partial(download) => download,
        Download::Complete(seed) => panic!("{} is already complete", seed.path().display()),
    }
}

/// Opens a download that must be complete already.
pub fn complete(path: &Path, metadata: &SwarmMetadata) -> SeedFile {
    match DownloadFile::open(path, metadata).unwrap() {
        Download::Complete(seed) => seed,
        Download::Partial(_) => panic!("{} should be complete", path.display()),
    }
}

/// `path` with a suffix appended to its file name.
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// The bytes of a download's files at one moment, which is what a crash at that moment
/// leaves on disk (the page cache survives a killed process).
pub struct Snapshot {
    target: PathBuf,
    part: Vec<u8>,
    sidecar: Vec<u8>,
}

impl Snapshot {
    pub fn take(target: &Path) -> Self {
        Self {
            target: target.to_path_buf(),
            part: fs::read(sibling(target, ".part")).unwrap(),
            sidecar: fs::read(sibling(target, ".ppsp")).unwrap(),
        }
    }

    pub fn sidecar_len(&self) -> usize {
        self.sidecar.len()
    }

    /// Puts the files back as they were, with the sidecar cut to `sidecar_len` bytes.
    pub fn restore_cut(&self, sidecar_len: usize) {
        fs::write(sibling(&self.target, ".part"), &self.part).unwrap();
        fs::write(sibling(&self.target, ".ppsp"), &self.sidecar[..sidecar_len]).unwrap();
    }

    pub fn restore(&self) {
        self.restore_cut(self.sidecar.len());
    }
}

/// File names in `dir`, sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
