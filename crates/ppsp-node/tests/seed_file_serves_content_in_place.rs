//! Seeding an existing file: hashed once, served in place, its tree equal to the reference
//! in-memory tree whether kept in memory or spilled to disk, and changes noticed.

mod common;

use std::fs::{self, OpenOptions};
use std::io::Write;

use bytes::Bytes;
use common::{content, names_in};
use ppsp_core::engine::ChunkStore;
use ppsp_core::merkle::MerkleTree;
use ppsp_core::{Bin, HashFunction};
use ppsp_node::storage::{MAX_CHUNK_SIZE, SeedFile, SeedOptions, StorageError};
use ppsp_wire::ppspp::MerkleHashFunction;

fn options(chunk_size: u32, hash_function: HashFunction) -> SeedOptions {
    SeedOptions {
        chunk_size,
        hash_function,
        ..SeedOptions::default()
    }
}

#[test]
fn hello_world_gives_the_rfc_root_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hello.txt");
    fs::write(&path, b"Hello world!\n").unwrap();
    for (hash, root) in [
        (
            HashFunction::Sha1,
            "47a013e660d408619d894b20806b1d5086aab03b",
        ),
        (
            HashFunction::Sha256,
            "0ba904eae8773b70c75333db4de2f3ac45a8ad4ddba1b242f0b3cfc199391dd8",
        ),
    ] {
        let seed = SeedFile::open(&path, &options(1024, hash)).unwrap();
        let metadata = seed.metadata();
        assert_eq!(metadata.swarm_id.to_hex(), root);
        assert_eq!(metadata.content_length, Some(13));
        assert_eq!(metadata.fixed_chunk_size(), Some(1024));
        assert_eq!(
            metadata.merkle_hash_function,
            MerkleHashFunction::from(hash)
        );
        assert_eq!(seed.chunk_count(), 1);
        assert_eq!(seed.read_chunk(0).unwrap(), &b"Hello world!\n"[..]);
    }
    assert_eq!(SeedOptions::default(), options(1024, HashFunction::Sha256));
}

#[test]
fn chunks_are_read_from_the_original_file_without_a_copy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("content.bin");
    let bytes = content(10_000, 1);
    fs::write(&path, &bytes).unwrap();
    let seed = SeedFile::open(&path, &options(1024, HashFunction::Sha256)).unwrap();
    assert_eq!(names_in(dir.path()), ["content.bin"]);
    assert_eq!(seed.chunk_count(), 10);
    for (index, expected) in (0..).zip(bytes.chunks(1024)) {
        assert_eq!(seed.read_chunk(index).unwrap(), expected);
    }
    assert!(matches!(
        seed.read_chunk(10),
        Err(StorageError::ChunkOutOfRange {
            index: 10,
            chunk_count: 10
        })
    ));
}

#[test]
fn a_tree_spilled_to_disk_answers_like_the_in_memory_tree() {
    let dir = tempfile::tempdir().unwrap();
    let spill = tempfile::tempdir().unwrap();
    for hash in [
        HashFunction::Sha1,
        HashFunction::Sha256,
        HashFunction::Sha512,
    ] {
        for chunk_count in [1u64, 2, 7, 26, 1000, 1537] {
            let bytes = content(chunk_count as usize * 16 - 3, chunk_count);
            let path = dir.path().join(format!("{chunk_count}.bin"));
            fs::write(&path, &bytes).unwrap();
            let reference = MerkleTree::from_content(hash, &bytes, 16).unwrap();
            for memory_limit in [0, u64::MAX] {
                let options = SeedOptions {
                    tree_memory_limit: memory_limit,
                    spill_dir: Some(spill.path().to_path_buf()),
                    ..options(16, hash)
                };
                let seed = SeedFile::open(&path, &options).unwrap();
                let tree = seed.tree();
                assert_eq!(tree.root_hash(), reference.root_hash());
                assert_eq!(tree.peaks(), reference.peaks());
                for raw in 0..=2 * reference.root_bin().get() + 2 {
                    let bin = Bin::new(raw).unwrap();
                    assert_eq!(tree.hash_of(bin), reference.hash_of(bin), "bin {raw}");
                }
                for chunk in 0..chunk_count {
                    let receiver_has = |bin: Bin| bin.get() % 5 == 1;
                    assert_eq!(
                        tree.uncles_for(chunk, receiver_has),
                        reference.uncles_for(chunk, receiver_has)
                    );
                }
            }
        }
    }
    // The spilled trees were unlinked temporary files: nothing is left behind.
    assert!(names_in(spill.path()).is_empty());
}

#[test]
fn a_file_changed_after_hashing_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("growing.log");
    fs::write(&path, content(5000, 2)).unwrap();
    let seed = SeedFile::open(&path, &SeedOptions::default()).unwrap();
    assert!(seed.check_unchanged().is_ok());
    let mut file = OpenOptions::new().append(true).open(&path).unwrap();
    file.write_all(b"more").unwrap();
    assert!(matches!(
        seed.read_chunk(0),
        Err(StorageError::ContentChanged { ref path }) if path.ends_with("growing.log")
    ));
    assert!(seed.check_unchanged().is_err());
}

#[test]
fn bad_input_gives_an_error_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let defaults = SeedOptions::default();
    let missing = dir.path().join("missing.bin");
    let error = SeedFile::open(&missing, &defaults).unwrap_err();
    assert!(matches!(error, StorageError::NotFound { .. }));
    assert!(error.to_string().contains("missing.bin"), "{error}");

    let error = SeedFile::open(dir.path(), &defaults).unwrap_err();
    assert!(
        matches!(error, StorageError::NotRegularFile { .. }),
        "{error}"
    );

    let empty = dir.path().join("empty.bin");
    fs::write(&empty, b"").unwrap();
    let error = SeedFile::open(&empty, &defaults).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{} is empty: content needs at least one byte",
            empty.display()
        )
    );

    let file = dir.path().join("file.bin");
    fs::write(&file, b"x").unwrap();
    for size in [0, MAX_CHUNK_SIZE + 1] {
        let error = SeedFile::open(&file, &options(size, HashFunction::Sha1)).unwrap_err();
        assert!(
            matches!(error, StorageError::InvalidChunkSize { size: s } if s == u64::from(size))
        );
    }
}

#[test]
fn as_the_engine_store_it_serves_chunks_and_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("served.bin");
    let bytes = content(3000, 3);
    fs::write(&path, &bytes).unwrap();
    let mut seed = SeedFile::open(&path, &SeedOptions::default()).unwrap();
    let store: &mut dyn ChunkStore = &mut seed;
    assert_eq!(store.read_chunk(2).unwrap(), &bytes[2048..]);
    assert_eq!(store.read_chunk(3), None);
    assert!(store.write_chunk(0, Bytes::from_static(b"x")).is_err());
    fs::write(&path, b"replaced").unwrap();
    assert_eq!(store.read_chunk(0), None);
}
