//! File-system helpers shared by the stores: durable renames and change detection.

use std::fs::{self, File, Metadata};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::StorageError;

/// What a file looked like when it was hashed: enough to notice most later changes cheaply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileStamp {
    len: u64,
    modified: Option<SystemTime>,
}

impl FileStamp {
    /// The stamp of a file's current metadata.
    pub(crate) fn of(metadata: &Metadata) -> Self {
        Self {
            len: metadata.len(),
            modified: metadata.modified().ok(),
        }
    }

    /// The file's length.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }
}

/// `path` with `suffix` appended to its file name (`movie.mkv` → `movie.mkv.part`).
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// Makes the creation, removal or renaming of entries in `path`'s directory durable.
pub(crate) fn sync_parent(path: &Path) -> Result<(), StorageError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StorageError::io(dir, "sync directory", e))
}

/// Renames `from` to `to`, replacing `to`, and makes it durable.
pub(crate) fn durable_rename(from: &Path, to: &Path) -> Result<(), StorageError> {
    fs::rename(from, to).map_err(|e| StorageError::io(to, "rename onto", e))?;
    sync_parent(to)
}

/// Removes `path` if it exists.
pub(crate) fn remove_if_present(path: &Path) -> Result<(), StorageError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(StorageError::io(path, "remove", e))
        }
        _ => Ok(()),
    }
}
