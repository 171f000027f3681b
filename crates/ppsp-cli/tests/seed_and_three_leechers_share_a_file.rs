//! A seeder and three leechers, each a separate `ppsp` process on loopback, share a 64 MiB
//! file (`PPSP_E2E_MIB` overrides the size): every leecher ends with identical bytes, and
//! the leechers also serve each other (they learn of one another by PEX from the seeder).
//!
//! Chunks are RFC 7574's default 1 KiB: 65536 of them per leecher, which takes about 30 s
//! in the test profile on a loaded 2-core machine.

mod support;

use std::time::{Duration, Instant};

use support::{Proc, content, number_after, seed};

/// Chunk size in bytes.
const CHUNK: u64 = 1024;

/// Size of the shared file in MiB.
fn size_mib() -> usize {
    std::env::var("PPSP_E2E_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

#[test]
fn three_leechers_download_a_64_mib_file_from_one_seeder() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source.bin");
    let bytes = content(size_mib() << 20, 64);
    std::fs::write(&source, &bytes).unwrap();
    let (mut seeder, uri) = seed(
        &source,
        &["--chunk-size", &CHUNK.to_string(), "--log-interval", "0"],
    );
    let started = Instant::now();
    let mut leechers: Vec<(Proc, std::path::PathBuf)> = (0..3)
        .map(|i| {
            let out = dir.path().join(format!("copy-{i}.bin"));
            let get = Proc::start(
                &format!("get-{i}"),
                &[
                    "get",
                    &uri,
                    "--listen",
                    "127.0.0.1:0",
                    "--log-interval",
                    "5",
                    "-o",
                    out.to_str().unwrap(),
                ],
            );
            (get, out)
        })
        .collect();
    let mut fetched = 0;
    for (get, out) in &mut leechers {
        let status = get.wait(Duration::from_secs(900));
        assert!(status.success(), "{}: {status:?} {:#?}", get.name, get.log);
        let done = get
            .log
            .iter()
            .find(|l| l.starts_with("ppsp get: complete:"))
            .unwrap_or_else(|| panic!("no completion line: {:#?}", get.log));
        fetched += number_after(done, "fetched");
        let copy = std::fs::read(&*out).unwrap();
        assert!(copy == bytes, "{} differs from the source", out.display());
    }
    let elapsed = started.elapsed();
    let status = seeder.terminate(Duration::from_secs(20));
    assert!(status.success(), "{status:?} {:#?}", seeder.log);
    let stopped = seeder
        .log
        .iter()
        .find(|l| l.contains("stopped; uploaded"))
        .expect("the seeder's last line");
    let uploaded = number_after(stopped, "uploaded");
    let chunks = (size_mib() << 20) as u64 / CHUNK;
    assert_eq!(fetched, 3 * chunks);
    eprintln!(
        "{} MiB to 3 leechers in {:.1} s; the seeder uploaded {:.2} copies",
        size_mib(),
        elapsed.as_secs_f64(),
        uploaded as f64 / bytes.len() as f64
    );
}
