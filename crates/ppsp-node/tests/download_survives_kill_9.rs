//! A download killed with SIGKILL at arbitrary moments resumes each time with at least every
//! chunk it had flushed, and finally completes byte-identical.
//!
//! The downloading process is this test binary itself, re-run with `PPSP_KILL9_CHILD` set so
//! that `child_downloads_until_killed` does the work (without the variable it does nothing).
//! It feeds chunks from a local copy of the content the way the engine will from peers, so
//! the crash behaviour is tested for real without networking.

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::Duration;

use common::{Seeder, content, names_in, partial, shuffled};
use ppsp_core::HashFunction;

const CHILD_ENV: &str = "PPSP_KILL9_CHILD";
const CHUNK: u32 = 1024;
const CHUNKS: usize = 3000;

#[test]
fn child_downloads_until_killed() {
    let Ok(paths) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (source, target) = paths.split_once('\n').unwrap();
    let seeder = Seeder::new(fs::read(source).unwrap(), CHUNK, HashFunction::Sha256);
    let mut download = partial(Path::new(target), &seeder.metadata());
    let resumed = download.verified().len();
    println!("resumed {resumed}");
    for (written, index) in shuffled(seeder.chunk_count(), resumed)
        .into_iter()
        .enumerate()
    {
        if download.verified().contains(index) {
            continue;
        }
        seeder.send_chunk(&mut download, index, false).unwrap();
        if written % 64 == 0 {
            download.flush().unwrap();
            println!("flushed {}", download.verified().len());
        }
        sleep(Duration::from_micros(200));
    }
    download.finish().unwrap();
    println!("finished");
}

/// Starts the child downloading `source` into `target`.
fn spawn_child(source: &Path, target: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_downloads_until_killed", "--nocapture"])
        .args(["--test-threads", "1"])
        .env(
            CHILD_ENV,
            format!("{}\n{}", source.display(), target.display()),
        )
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The number after `word` on a child's output line (which may start with the test
/// harness's own words).
fn count_after(line: &str, word: &str) -> Option<u64> {
    line.split_once(word)?.1.trim().parse().ok()
}

#[test]
fn a_download_killed_with_sigkill_resumes_and_completes() {
    let dir = tempfile::tempdir().unwrap();
    let source: PathBuf = dir.path().join("source.bin");
    fs::write(&source, content(CHUNKS * CHUNK as usize - 100, 42)).unwrap();
    let target = dir.path().join("copy.bin");
    let (mut flushed, mut resumes) = (0, 0);
    for round in 1..=4u64 {
        let mut child = spawn_child(&source, &target);
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for line in lines.map(Result::unwrap) {
            if let Some(resumed) = count_after(&line, "resumed") {
                assert!(resumed >= flushed, "round {round}: {resumed} < {flushed}");
                resumes += 1;
            }
            if let Some(count) = count_after(&line, "flushed") {
                flushed = count;
                if count >= round * CHUNKS as u64 / 6 {
                    child.kill().unwrap();
                    break;
                }
            }
            assert!(
                !line.ends_with("finished"),
                "round {round} was not killed in time"
            );
        }
        child.wait().unwrap();
    }
    assert_eq!(resumes, 4);
    let mut child = spawn_child(&source, &target);
    let output: Vec<String> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(Result::unwrap)
        .collect();
    assert!(child.wait().unwrap().success());
    let resumed = output.iter().find_map(|line| count_after(line, "resumed"));
    assert!(resumed.is_some_and(|n| n >= flushed), "{output:?}");
    assert!(output.iter().any(|line| line.ends_with("finished")));
    assert_eq!(fs::read(&target).unwrap(), fs::read(&source).unwrap());
    assert_eq!(names_in(dir.path()), ["copy.bin", "source.bin"]);
}
