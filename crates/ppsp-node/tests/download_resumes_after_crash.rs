//! A download interrupted at any moment resumes with exactly the chunks it had made durable,
//! without peers resending hashes, and a damaged `.part` chunk is fetched again alone.

mod common;

use std::fs::{self, OpenOptions};
use std::os::unix::fs::FileExt;

use common::{Seeder, Snapshot, content, partial, shuffled, sibling};
use ppsp_core::{ChunkSet, HashFunction};
use ppsp_node::storage::{Download, DownloadFile, StorageError};

/// Finishes a resumed download strictly: no peak hashes, and for each chunk only the hashes
/// a peer sends given what we announce. Returns whether it completed byte-identical.
fn finish_strictly(mut download: DownloadFile, seeder: &Seeder, seed: u64) {
    for index in shuffled(seeder.chunk_count(), seed) {
        if !download.verified().contains(index) {
            seeder.send_chunk(&mut download, index, false).unwrap();
        }
    }
    let target = download.finish().unwrap();
    assert_eq!(fs::read(target).unwrap(), seeder.content);
}

fn set_of(chunks: &[u64]) -> ChunkSet {
    let mut set = ChunkSet::new();
    for &chunk in chunks {
        set.insert(chunk);
    }
    set
}

#[test]
fn a_dropped_download_resumes_without_fetching_verified_chunks_again() {
    for (seed, hash, with_peaks) in [
        (1, HashFunction::Sha256, true),
        (2, HashFunction::Sha1, false),
        (3, HashFunction::Sha384, true),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("show.ts");
        let seeder = Seeder::new(content(64 * 333 + 9, seed), 64, hash);
        let order = shuffled(seeder.chunk_count(), seed);
        let (first_half, _) = order.split_at(order.len() / 2);
        let mut download = partial(&target, &seeder.metadata());
        if with_peaks {
            seeder.send_peaks(&mut download);
        }
        for &index in first_half {
            seeder.send_chunk(&mut download, index, with_peaks).unwrap();
        }
        drop(download);
        let resumed = partial(&target, &seeder.metadata());
        assert_eq!(resumed.verified(), &set_of(first_half));
        finish_strictly(resumed, &seeder, seed + 100);
    }
}

#[test]
fn a_crash_loses_only_what_was_not_flushed() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("data.bin");
    let seeder = Seeder::new(content(32 * 200, 5), 32, HashFunction::Sha256);
    let order = shuffled(200, 5);
    let mut download = partial(&target, &seeder.metadata());
    for &index in &order[..120] {
        seeder.send_chunk(&mut download, index, false).unwrap();
        if index % 7 == 0 {
            download.flush().unwrap();
        }
    }
    download.flush().unwrap();
    for &index in &order[120..150] {
        seeder.send_chunk(&mut download, index, false).unwrap();
    }
    // Killed here: the last 30 chunks are written but not journaled.
    let crash = Snapshot::take(&target);
    drop(download);
    crash.restore();
    let resumed = partial(&target, &seeder.metadata());
    assert_eq!(resumed.verified(), &set_of(&order[..120]));
    finish_strictly(resumed, &seeder, 6);
}

#[test]
fn a_journal_cut_at_any_byte_of_its_last_record_still_loads() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("cut.bin");
    let seeder = Seeder::new(content(16 * 80 + 3, 7), 16, HashFunction::Sha1);
    // Scattered chunks first, then one run, which the last flush journals as one record.
    let scattered: Vec<u64> = shuffled(60, 7).into_iter().take(40).collect();
    let run: Vec<u64> = (60..81).collect();
    let mut download = partial(&target, &seeder.metadata());
    seeder.send_peaks(&mut download);
    for &index in &scattered {
        seeder.send_chunk(&mut download, index, true).unwrap();
    }
    download.flush().unwrap();
    let before = Snapshot::take(&target).sidecar_len();
    for &index in &run {
        seeder.send_chunk(&mut download, index, true).unwrap();
    }
    download.flush().unwrap();
    let crash = Snapshot::take(&target);
    drop(download);
    let all = [scattered.clone(), run].concat();
    for cut in before..=crash.sidecar_len() {
        crash.restore_cut(cut);
        let resumed = partial(&target, &seeder.metadata());
        let expected = if cut == crash.sidecar_len() {
            &all[..]
        } else {
            &scattered[..]
        };
        assert_eq!(resumed.verified(), &set_of(expected), "cut at {cut}");
    }
    crash.restore_cut(before + 3);
    finish_strictly(partial(&target, &seeder.metadata()), &seeder, 8);
}

#[test]
fn a_journal_cut_anywhere_keeps_a_prefix_of_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("prefix.bin");
    let seeder = Seeder::new(content(16 * 50, 19), 16, HashFunction::Sha256);
    let order = shuffled(50, 19);
    let mut download = partial(&target, &seeder.metadata());
    for &index in &order[..30] {
        seeder.send_chunk(&mut download, index, false).unwrap();
    }
    download.flush().unwrap();
    let crash = Snapshot::take(&target);
    drop(download);
    let mut previous = 0;
    for cut in 0..=crash.sidecar_len() {
        crash.restore_cut(cut);
        match DownloadFile::open(&target, &seeder.metadata()) {
            Ok(Download::Partial(resumed)) => {
                let verified = resumed.verified();
                assert!(verified.len() >= previous, "cut at {cut}");
                assert!(verified.difference(&set_of(&order[..30])).is_empty());
                previous = verified.len();
            }
            // A cut inside the header leaves a sidecar that is not recognisably ours.
            Err(StorageError::CorruptSidecar { .. }) => assert!(previous == 0),
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
    assert_eq!(previous, 30);
}

#[test]
fn a_corrupted_chunk_in_the_part_file_is_fetched_again_alone() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("damaged.bin");
    let seeder = Seeder::new(content(100 * 64, 11), 100, HashFunction::Sha256);
    let mut download = partial(&target, &seeder.metadata());
    for index in 0..40 {
        seeder.send_chunk(&mut download, index, false).unwrap();
    }
    drop(download);
    let part = OpenOptions::new()
        .write(true)
        .open(sibling(&target, ".part"))
        .unwrap();
    part.write_all_at(&[seeder.chunk(17)[50] ^ 0xff], 17 * 100 + 50)
        .unwrap();
    drop(part);
    let resumed = partial(&target, &seeder.metadata());
    let mut expected = set_of(&(0..40).collect::<Vec<_>>());
    expected.remove_run(ppsp_core::ChunkRange::single(17).unwrap());
    assert_eq!(resumed.verified(), &expected);
    assert_eq!(resumed.read_chunk(17).unwrap(), None);
    finish_strictly(resumed, &seeder, 12);
}

#[test]
fn a_truncated_part_file_loses_only_the_chunks_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("short.bin");
    let seeder = Seeder::new(content(50 * 30, 13), 50, HashFunction::Sha1);
    let mut download = partial(&target, &seeder.metadata());
    for index in 0..30 {
        seeder.send_chunk(&mut download, index, false).unwrap();
    }
    drop(download);
    let part = OpenOptions::new()
        .write(true)
        .open(sibling(&target, ".part"))
        .unwrap();
    part.set_len(50 * 20 + 10).unwrap();
    drop(part);
    let resumed = partial(&target, &seeder.metadata());
    assert_eq!(resumed.verified(), &set_of(&(0..20).collect::<Vec<_>>()));
    finish_strictly(resumed, &seeder, 14);
}

#[test]
fn a_download_of_unknown_length_resumes_with_its_last_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("sized.bin");
    let seeder = Seeder::new(content(40 * 25 + 7, 15), 40, HashFunction::Sha256);
    let metadata = seeder.metadata_without_length();
    let mut download = partial(&target, &metadata);
    seeder.send_peaks(&mut download);
    for index in [25, 3, 4, 20] {
        seeder.send_chunk(&mut download, index, true).unwrap();
    }
    drop(download);
    let resumed = partial(&target, &metadata);
    assert_eq!(resumed.content_length(), Some(1007));
    assert_eq!(resumed.verified(), &set_of(&[3, 4, 20, 25]));
    assert_eq!(resumed.read_chunk(25).unwrap().unwrap(), seeder.chunk(25));
    finish_strictly(resumed, &seeder, 16);
}

#[test]
fn many_scattered_flushes_compact_the_journal_and_still_resume() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("scattered.bin");
    let seeder = Seeder::new(content(16 * 16_000, 17), 16, HashFunction::Sha256);
    let order = shuffled(seeder.chunk_count(), 17);
    let sidecar_len = || fs::metadata(sibling(&target, ".ppsp")).unwrap().len();
    let mut download = partial(&target, &seeder.metadata());
    let (mut compactions, mut last_len) = (0, 0);
    for (i, &index) in order[..12_000].iter().enumerate() {
        seeder.send_chunk(&mut download, index, false).unwrap();
        if i % 2 == 0 {
            download.flush().unwrap();
            compactions += usize::from(sidecar_len() < last_len);
            last_len = sidecar_len();
        }
    }
    drop(download);
    assert!(compactions > 0, "the journal shrank at least once");
    let resumed = partial(&target, &seeder.metadata());
    assert_eq!(resumed.verified(), &set_of(&order[..12_000]));
    finish_strictly(resumed, &seeder, 18);
}
