//! A download fed chunks in any order ends byte-identical to the source, with its sidecar
//! gone; chunks that do not verify are never stored.

mod common;

use std::fs;

use common::{Seeder, complete, content, names_in, partial, shuffled};
use ppsp_core::HashFunction;
use ppsp_core::merkle::IntegrityError;
use ppsp_node::storage::StorageError;

#[test]
fn random_order_download_is_byte_identical_and_leaves_no_sidecar() {
    let cases = [
        (HashFunction::Sha256, 64, 64 * 300 + 17),
        (HashFunction::Sha1, 1024, 7162),
        (HashFunction::Sha512, 100, 100),
        (HashFunction::Sha224, 10, 1),
    ];
    for (seed, (hash, chunk_size, len)) in (0..).zip(cases) {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("movie.mkv");
        let seeder = Seeder::new(content(len, seed), chunk_size, hash);
        let mut download = partial(&target, &seeder.metadata());
        seeder.send_peaks(&mut download);
        for index in shuffled(seeder.chunk_count(), seed) {
            assert!(!download.is_complete());
            seeder.send_chunk(&mut download, index, true).unwrap();
            assert_eq!(
                download.read_chunk(index).unwrap().unwrap(),
                seeder.chunk(index)
            );
        }
        assert!(download.is_complete());
        assert_eq!(download.finish().unwrap(), target);
        assert_eq!(fs::read(&target).unwrap(), seeder.content);
        assert_eq!(names_in(dir.path()), ["movie.mkv"]);
        // Opening it again finds the content complete.
        let seed_file = complete(&target, &seeder.metadata());
        assert_eq!(seed_file.metadata(), &seeder.metadata());
    }
}

#[test]
fn the_content_length_is_learned_from_the_peaks_and_the_last_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("detected.bin");
    let seeder = Seeder::new(content(1000 * 37 + 5, 9), 1000, HashFunction::Sha256);
    let mut download = partial(&target, &seeder.metadata_without_length());
    assert_eq!(download.chunk_count(), None);
    assert!(matches!(
        download.write_chunk(0, seeder.chunk(0)),
        Err(StorageError::Integrity {
            source: IntegrityError::SizeUnknown,
            ..
        })
    ));
    seeder.send_peaks(&mut download);
    assert_eq!(download.chunk_count(), Some(38));
    assert_eq!(download.content_length(), None);
    for index in shuffled(38, 9) {
        seeder.send_chunk(&mut download, index, true).unwrap();
    }
    assert_eq!(download.content_length(), Some(37_005));
    download.finish().unwrap();
    assert_eq!(fs::read(&target).unwrap(), seeder.content);
}

#[test]
fn chunks_that_do_not_verify_are_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("file.bin");
    let seeder = Seeder::new(content(64 * 20 + 1, 3), 64, HashFunction::Sha1);
    let mut download = partial(&target, &seeder.metadata());
    seeder.send_peaks(&mut download);

    let mut tampered = seeder.chunk(4).to_vec();
    tampered[7] ^= 1;
    let error = download.write_chunk(4, &tampered).unwrap_err();
    assert!(
        matches!(error, StorageError::Integrity { index: 4, .. }),
        "{error}"
    );
    assert!(download.verified().is_empty());
    assert_eq!(download.read_chunk(4).unwrap(), None);

    let error = download.write_chunk(3, &seeder.chunk(3)[..10]).unwrap_err();
    assert_eq!(error.to_string(), "chunk 3 has 10 bytes, expected 64");
    let error = download.write_chunk(20, b"xx").unwrap_err();
    assert_eq!(error.to_string(), "chunk 20 has 2 bytes, expected 1");
    let error = download.write_chunk(21, b"x").unwrap_err();
    assert!(matches!(
        error,
        StorageError::ChunkOutOfRange {
            index: 21,
            chunk_count: 21
        }
    ));

    // The genuine chunk is still accepted afterwards, and accepting it twice is harmless.
    seeder.send_chunk(&mut download, 4, true).unwrap();
    download.write_chunk(4, seeder.chunk(4)).unwrap();
    assert_eq!(download.verified().len(), 1);
}

#[test]
fn an_incomplete_download_cannot_be_finished() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("half.bin");
    let seeder = Seeder::new(content(640, 4), 64, HashFunction::Sha256);
    let mut download = partial(&target, &seeder.metadata());
    seeder.send_chunk(&mut download, 2, false).unwrap();
    let error = download.finish().unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{} is not complete: 1 of 10 chunks verified",
            target.display()
        )
    );
    assert!(!target.exists());
    // The download is intact and resumes.
    let download = partial(&target, &seeder.metadata());
    assert_eq!(download.verified().len(), 1);
}
