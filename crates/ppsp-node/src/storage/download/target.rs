//! The target file: recognising content that is already complete, and moving a finished
//! download into place without ever replacing an existing file.

use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use super::header::Header;
use super::{Download, Paths, resume};
use crate::storage::fs::{durable_rename, remove_if_present, sync_parent};
use crate::storage::{SeedFile, SeedOptions, StorageError};

/// The target exists: it is either this content already, or not ours to touch.
pub(super) fn existing_target(
    paths: &Paths,
    header: &Header,
    len: u64,
) -> Result<Download, StorageError> {
    let not_ours = || StorageError::ExistingFile {
        path: paths.target.clone(),
    };
    if len == 0
        || header
            .content_length
            .is_some_and(|expected| expected != len)
    {
        return Err(not_ours());
    }
    let options = SeedOptions {
        chunk_size: header.chunk_size,
        hash_function: header.hash,
        ..SeedOptions::default()
    };
    let seed = SeedFile::open(&paths.target, &options)?;
    if seed.metadata().swarm_id != header.swarm_id {
        return Err(not_ours());
    }
    // A crash in `finish` after the move may have left our sidecar (and a link to the data).
    if resume::sidecar_is_ours(&paths.sidecar, header) {
        remove_if_present(&paths.part)?;
        remove_if_present(&paths.sidecar)?;
        sync_parent(&paths.sidecar)?;
    }
    Ok(Download::Complete(seed))
}

/// Gives `part` the name `target` without replacing an existing `target`: a hard link (which
/// fails if the name is taken) then removal of `part`; where hard links are not supported, a
/// rename after checking that `target` is free.
pub(super) fn publish(part: &Path, target: &Path) -> Result<(), StorageError> {
    let taken = || StorageError::ExistingFile {
        path: target.to_path_buf(),
    };
    match fs::hard_link(part, target) {
        Ok(()) => {
            sync_parent(target)?;
            remove_if_present(part)
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Err(taken()),
        Err(_) => {
            if target
                .try_exists()
                .map_err(|e| StorageError::io(target, "inspect", e))?
            {
                return Err(taken());
            }
            durable_rename(part, target)
        }
    }
}
