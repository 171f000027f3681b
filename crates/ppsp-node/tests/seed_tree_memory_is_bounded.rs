//! Seeding content with a million chunks keeps memory bounded: the hash tree (64 MiB here)
//! goes to a temporary file read through a small page cache. Alone in its test binary so
//! that the process's peak memory is this test's.

use std::fs::{self, File};
use std::io::{BufWriter, Write};

use ppsp_core::HashFunction;
use ppsp_node::storage::{SeedFile, SeedOptions};

const CHUNK: u32 = 64;
const CHUNKS: u64 = 1 << 20;

/// Peak resident memory of this process, in KiB (Linux), reset first where allowed.
fn peak_kib() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_million_chunk_tree_does_not_live_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.bin");
    let mut out = BufWriter::new(File::create(&path).unwrap());
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..CHUNKS * u64::from(CHUNK) / 8 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.write_all(&state.to_le_bytes()).unwrap();
    }
    out.into_inner().unwrap().sync_all().unwrap();
    // Writing "5" resets the peak (Linux 4.0+); if refused, the peak so far is small anyway.
    let _ = fs::write("/proc/self/clear_refs", "5");
    let Some(before) = peak_kib() else {
        eprintln!("no /proc/self/status: memory not measured");
        return;
    };
    let options = SeedOptions {
        chunk_size: CHUNK,
        hash_function: HashFunction::Sha256,
        spill_dir: Some(dir.path().to_path_buf()),
        ..SeedOptions::default()
    };
    let seed = SeedFile::open(&path, &options).unwrap();
    for chunk in (0..CHUNKS).step_by(4099) {
        assert!(seed.tree().uncles_for(chunk, |_| false).is_some());
        assert_eq!(seed.read_chunk(chunk).unwrap().len(), CHUNK as usize);
    }
    let grown_mib = peak_kib().unwrap().saturating_sub(before) / 1024;
    let tree_mib = (2 * CHUNKS * 32) >> 20;
    eprintln!("peak memory grew by {grown_mib} MiB for a {tree_mib} MiB tree");
    assert!(grown_mib < 16, "grew by {grown_mib} MiB");

    let in_memory = SeedOptions {
        tree_memory_limit: u64::MAX,
        ..options
    };
    let reference = SeedFile::open(&path, &in_memory).unwrap();
    assert_eq!(seed.metadata(), reference.metadata());
    assert_eq!(seed.tree().peaks(), reference.tree().peaks());
}
