//! A download never overwrites or reuses what is not its own: another swarm's sidecar, an
//! unrelated file at the target, a stray `.part`, a download open in another process.

mod common;

use std::fs;
use std::path::Path;

use common::{Seeder, complete, content, names_in, partial, sibling};
use ppsp_core::HashFunction;
use ppsp_node::storage::{DownloadFile, StorageError};

/// Every file in `dir` with its bytes.
fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    names_in(dir)
        .into_iter()
        .map(|name| {
            let bytes = fs::read(dir.join(&name)).unwrap();
            (name, bytes)
        })
        .collect()
}

/// A download of `seeder`'s content at `target` with its first `chunks` chunks.
fn start(target: &Path, seeder: &Seeder, chunks: u64) {
    let mut download = partial(target, &seeder.metadata());
    for index in 0..chunks {
        seeder.send_chunk(&mut download, index, false).unwrap();
    }
}

#[test]
fn a_sidecar_of_another_swarm_is_refused_without_touching_anything() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("video.mp4");
    let ours = Seeder::new(content(64 * 10, 1), 64, HashFunction::Sha256);
    start(&target, &ours, 4);
    let before = files_in(dir.path());

    let other = Seeder::new(content(64 * 10, 2), 64, HashFunction::Sha256);
    let error = DownloadFile::open(&target, &other.metadata()).unwrap_err();
    assert!(
        matches!(
            error,
            StorageError::ForeignSidecar {
                field: "swarm ID",
                ..
            }
        ),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains("video.mp4.ppsp") && message.contains(&other.metadata().swarm_id.to_hex())
    );

    let mut other_size = ours.metadata();
    other_size.content_length = Some(64 * 10 - 1);
    let error = DownloadFile::open(&target, &other_size).unwrap_err();
    assert!(matches!(
        error,
        StorageError::ForeignSidecar {
            field: "content length",
            ..
        }
    ));

    let rechunked = Seeder::new(content(64 * 10, 1), 32, HashFunction::Sha256);
    let mut same_id = rechunked.metadata();
    same_id.swarm_id = ours.metadata().swarm_id;
    let error = DownloadFile::open(&target, &same_id).unwrap_err();
    assert!(matches!(
        error,
        StorageError::ForeignSidecar {
            field: "chunk size",
            ..
        }
    ));
    assert_eq!(files_in(dir.path()), before);
    // Ours still resumes.
    assert_eq!(partial(&target, &ours.metadata()).verified().len(), 4);
}

#[test]
fn a_damaged_sidecar_header_is_refused_without_touching_anything() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("file.bin");
    let seeder = Seeder::new(content(100, 3), 10, HashFunction::Sha1);
    start(&target, &seeder, 3);
    let sidecar = sibling(&target, ".ppsp");
    let mut bytes = fs::read(&sidecar).unwrap();
    bytes[14] ^= 1;
    fs::write(&sidecar, &bytes).unwrap();
    let before = files_in(dir.path());
    let error = DownloadFile::open(&target, &seeder.metadata()).unwrap_err();
    assert!(
        matches!(error, StorageError::CorruptSidecar { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("header checksum mismatch"));
    fs::write(&sidecar, b"not a sidecar at all").unwrap();
    let error = DownloadFile::open(&target, &seeder.metadata()).unwrap_err();
    assert!(
        error.to_string().contains("no sidecar signature"),
        "{error}"
    );
    fs::write(&sidecar, &bytes).unwrap();
    assert_eq!(files_in(dir.path()), before);
}

#[test]
fn an_unrelated_file_at_the_target_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("thesis.pdf");
    let seeder = Seeder::new(content(1000, 4), 100, HashFunction::Sha256);
    for mine in [content(1000, 5), content(999, 5), Vec::new()] {
        fs::write(&target, &mine).unwrap();
        let error = DownloadFile::open(&target, &seeder.metadata()).unwrap_err();
        assert!(
            matches!(error, StorageError::ExistingFile { .. }),
            "{error}"
        );
        assert_eq!(
            error.to_string(),
            format!(
                "{} already exists and is not this swarm's content; refusing to overwrite it",
                target.display()
            )
        );
        assert_eq!(files_in(dir.path()), [("thesis.pdf".to_string(), mine)]);
    }
    let error = DownloadFile::open(dir.path(), &seeder.metadata()).unwrap_err();
    assert!(matches!(error, StorageError::NotRegularFile { .. }));
}

#[test]
fn a_file_appearing_at_the_target_before_finishing_is_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("race.bin");
    let seeder = Seeder::new(content(500, 6), 50, HashFunction::Sha1);
    let mut download = partial(&target, &seeder.metadata());
    for index in 0..10 {
        seeder.send_chunk(&mut download, index, false).unwrap();
    }
    fs::write(&target, b"someone else's").unwrap();
    let error = download.finish().unwrap_err();
    assert!(
        matches!(error, StorageError::ExistingFile { .. }),
        "{error}"
    );
    assert_eq!(fs::read(&target).unwrap(), b"someone else's");
    fs::remove_file(&target).unwrap();
    let download = partial(&target, &seeder.metadata());
    assert!(download.is_complete());
    download.finish().unwrap();
    assert_eq!(fs::read(&target).unwrap(), seeder.content);
}

#[test]
fn a_complete_target_is_recognised_and_the_leftovers_removed() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("done.bin");
    let seeder = Seeder::new(content(700, 7), 64, HashFunction::Sha256);
    start(&target, &seeder, 11);
    // As if `finish` crashed after giving the content its name.
    fs::hard_link(sibling(&target, ".part"), &target).unwrap();
    let seed = complete(&target, &seeder.metadata());
    assert_eq!(seed.read_chunk(10).unwrap(), seeder.chunk(10));
    assert_eq!(names_in(dir.path()), ["done.bin"]);
}

#[test]
fn a_part_file_without_its_sidecar_is_not_reused() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("stray.bin");
    let part = sibling(&target, ".part");
    fs::write(&part, b"whose is this?").unwrap();
    let seeder = Seeder::new(content(100, 8), 10, HashFunction::Sha1);
    let error = DownloadFile::open(&target, &seeder.metadata()).unwrap_err();
    assert!(matches!(error, StorageError::OrphanPart { .. }), "{error}");
    assert_eq!(fs::read(&part).unwrap(), b"whose is this?");
    assert_eq!(names_in(dir.path()), ["stray.bin.part"]);
}

#[test]
fn a_download_open_elsewhere_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("busy.bin");
    let seeder = Seeder::new(content(100, 9), 10, HashFunction::Sha1);
    let first = partial(&target, &seeder.metadata());
    let error = DownloadFile::open(&target, &seeder.metadata()).unwrap_err();
    assert!(matches!(error, StorageError::InUse { .. }), "{error}");
    drop(first);
    partial(&target, &seeder.metadata());
}

#[test]
fn metadata_that_cannot_be_stored_in_a_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("x.bin");
    let seeder = Seeder::new(content(100, 10), 10, HashFunction::Sha1);
    let mut wrong_hash = seeder.metadata();
    wrong_hash.merkle_hash_function = ppsp_wire::ppspp::MerkleHashFunction::Sha256;
    let error = DownloadFile::open(&target, &wrong_hash).unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot store this swarm: a swarm ID of 20 bytes is not a sha256 root hash"
    );
    let mut variable = seeder.metadata();
    variable.chunk_size = ppsp_wire::ppspp::ChunkSize::Variable;
    assert!(matches!(
        DownloadFile::open(&target, &variable),
        Err(StorageError::UnsupportedSwarm { .. })
    ));
    let error =
        DownloadFile::open(dir.path().join("no/such/dir/x.bin"), &seeder.metadata()).unwrap_err();
    assert!(matches!(error, StorageError::NotFound { .. }), "{error}");
    assert!(names_in(dir.path()).is_empty());
}
