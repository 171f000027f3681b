//! Reopening a download from its sidecar: check it is ours, rebuild the verifier from the
//! journal, and keep only the journaled chunks whose bytes in `.part` still verify.

use std::convert::Infallible;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use ppsp_core::merkle::MerkleVerifier;
use ppsp_core::{Bin, ChunkSet};
use ppsp_wire::ppspp::MerkleHashFunction;

use super::header::Header;
use super::journal::{JournalReader, Record};
use super::{DownloadFile, Paths, lock, open_journal, proof};
use crate::storage::StorageError;
use crate::storage::chunks::ChunkLayout;

/// Longest possible header: 25 fixed bytes, a swarm ID of up to 255 and the checksum.
const MAX_HEADER_LEN: u64 = 25 + 255 + 4;

/// Resumes the download whose sidecar exists, after checking it names `expected`'s swarm.
pub(super) fn resume(paths: Paths, expected: Header) -> Result<DownloadFile, StorageError> {
    let part = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&paths.part)
        .map_err(|e| StorageError::io(&paths.part, "open", e))?;
    lock(&part, &paths)?;
    let sidecar = &paths.sidecar;
    let mut file = File::open(sidecar).map_err(|e| StorageError::io(sidecar, "open", e))?;
    let (found, header_len) = read_header(&mut file, sidecar)?;
    check_same_swarm(&found, &expected, sidecar)?;
    let mut content_length = found.content_length.or(expected.content_length);
    let mut verifier = found.new_verifier(content_length)?;
    let mut replayed = Replayed::default();
    let mut reader = JournalReader::new(BufReader::new(file), header_len, found.hash.digest_len());
    let mut journal_end = reader.offset();
    while let Some(record) = reader.next_record() {
        match record {
            Record::Peaks(peaks) => {
                if verifier.add_peaks(&peaks).is_err() {
                    break;
                }
                replayed.peaks = true;
            }
            Record::Length(length) => {
                if let Some(known) = content_length.filter(|&known| known != length) {
                    return Err(foreign(sidecar, "content length", length, known));
                }
                let count = ChunkLayout::new(found.chunk_size, length).map(|l| l.chunk_count());
                if count.is_none() || count != verifier.chunk_count() {
                    break;
                }
                content_length = Some(length);
                replayed.length = true;
            }
            Record::Chunks(record) => {
                for run in proof::replay(&mut verifier, &record).runs() {
                    replayed.chunks.insert_run(run);
                }
            }
        }
        journal_end = reader.offset();
    }
    let verified = check_data(&part, &found, content_length, &verifier, &replayed.chunks);
    let journal = open_journal(sidecar, journal_end)?;
    let length_journaled = replayed.length || found.content_length.is_some();
    let mut download = DownloadFile::assemble(paths, found, part, journal, verifier, verified);
    download.content_length = content_length;
    download.length_journaled = length_journaled;
    download.peaks_journaled = replayed.peaks;
    Ok(download)
}

/// What replaying the journal established.
#[derive(Default)]
struct Replayed {
    peaks: bool,
    length: bool,
    chunks: ChunkSet,
}

/// Whether the sidecar at `path` belongs to `expected`'s swarm.
pub(super) fn sidecar_is_ours(path: &Path, expected: &Header) -> bool {
    File::open(path).is_ok_and(|mut file| {
        read_header(&mut file, path)
            .is_ok_and(|(found, _)| check_same_swarm(&found, expected, path).is_ok())
    })
}

/// Reads and decodes the header; returns it and its length.
fn read_header(file: &mut File, path: &Path) -> Result<(Header, u64), StorageError> {
    let mut head = Vec::new();
    file.take(MAX_HEADER_LEN)
        .read_to_end(&mut head)
        .map_err(|e| StorageError::io(path, "read", e))?;
    let (header, len) = Header::decode(&head, path)?;
    let len = len as u64;
    file.seek(SeekFrom::Start(len))
        .map_err(|e| StorageError::io(path, "read", e))?;
    Ok((header, len))
}

/// Fails with [`StorageError::ForeignSidecar`] unless `found` names `expected`'s swarm.
fn check_same_swarm(found: &Header, expected: &Header, path: &Path) -> Result<(), StorageError> {
    if found.swarm_id != expected.swarm_id {
        return Err(foreign(
            path,
            "swarm ID",
            &found.swarm_id,
            &expected.swarm_id,
        ));
    }
    if found.chunk_size != expected.chunk_size {
        return Err(foreign(
            path,
            "chunk size",
            found.chunk_size,
            expected.chunk_size,
        ));
    }
    if found.hash != expected.hash {
        let name = |hash| MerkleHashFunction::from(hash).name();
        return Err(foreign(
            path,
            "hash function",
            name(found.hash),
            name(expected.hash),
        ));
    }
    if let (Some(found), Some(expected)) = (found.content_length, expected.content_length)
        && found != expected
    {
        return Err(foreign(path, "content length", found, expected));
    }
    Ok(())
}

fn foreign(
    path: &Path,
    field: &'static str,
    found: impl ToString,
    expected: impl ToString,
) -> StorageError {
    StorageError::ForeignSidecar {
        path: path.to_path_buf(),
        field,
        found: found.to_string(),
        expected: expected.to_string(),
    }
}

/// The chunks of `claimed` whose bytes in `.part` hash to their verified leaf hash. The rest
/// (damaged, truncated or never durably written) will be fetched again.
fn check_data(
    part: &File,
    header: &Header,
    content_length: Option<u64>,
    verifier: &MerkleVerifier,
    claimed: &ChunkSet,
) -> ChunkSet {
    let mut verified = ChunkSet::new();
    // Without the content length only chunks before the last can be claimed, all full.
    let known_len = content_length.or_else(|| {
        let count = verifier.chunk_count()?;
        Some((count - 1) * u64::from(header.chunk_size))
    });
    let Some(layout) = known_len.and_then(|len| ChunkLayout::new(header.chunk_size, len)) else {
        return verified;
    };
    for run in claimed.runs() {
        let _ = layout.read_run(part, run, |index, data| {
            let leaf = Bin::chunk(index).and_then(|leaf| verifier.verified_hash(leaf));
            if let Ok(data) = data
                && leaf == Some(header.hash.hash(&[data]))
            {
                verified.insert(index);
            }
            Ok::<(), Infallible>(())
        });
    }
    verified
}
