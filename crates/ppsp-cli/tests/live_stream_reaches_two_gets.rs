//! `ppsp tracker` + `ppsp live` fed bytes on stdin + two `ppsp get` of the live URI, all
//! separate processes on loopback: each get writes a contiguous, verified suffix of what was
//! fed (the last, partial chunk padded with zeros), from where it joined to the end of the
//! stream, and every process exits 0.

mod support;

use std::io::Write as _;
use std::time::Duration;

use support::{Proc, content};

const CHUNK: usize = 1024;
const CHUNKS: usize = 320;

#[test]
fn two_gets_receive_a_verified_suffix_of_the_fed_stream() {
    let (tracker, url) = support::tracker("tracker");

    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("live.key");
    // 40 chunks a second: the stream lasts 8 s.
    let rate = (40 * CHUNK).to_string();
    let (mut live, mut stdin) = Proc::start_with_stdin(
        "live",
        &[
            "live",
            "--tracker",
            &url,
            "--listen",
            "127.0.0.1:0",
            "--chunk-size",
            "1024",
            "--rate",
            &rate,
            "--key",
            key.to_str().unwrap(),
            "--linger",
            "4",
            "--log-interval",
            "0",
        ],
    );
    let uri = live.stdout_line(Duration::from_secs(60));
    assert!(
        uri.starts_with("ppsp://") && uri.contains("lsa=13"),
        "{uri}"
    );
    assert!(key.exists(), "the signing key was saved");

    let outputs = [dir.path().join("a.ts"), dir.path().join("b.ts")];
    let mut gets: Vec<Proc> = outputs
        .iter()
        .map(|out| {
            Proc::start(
                "get",
                &[
                    "get",
                    &uri,
                    "-o",
                    out.to_str().unwrap(),
                    "--listen",
                    "127.0.0.1:0",
                ],
            )
        })
        .collect();

    // Not a whole number of chunks: the source pads the last one.
    let fed = content(CHUNKS * CHUNK - 100, 7);
    let writer = {
        let fed = fed.clone();
        std::thread::spawn(move || {
            // The source reads at its --rate; the pipe holds the rest meanwhile.
            stdin.write_all(&fed).expect("feed the live source");
        })
    };
    writer.join().expect("the writer thread");

    let status = live.wait(Duration::from_secs(120));
    assert!(status.success(), "live failed: {:#?}", live.log);
    let mut padded = fed.clone();
    padded.resize(CHUNKS * CHUNK, 0);
    for (get, out) in gets.iter_mut().zip(&outputs) {
        let status = get.wait(Duration::from_secs(120));
        assert!(status.success(), "get failed: {:#?}", get.log);
        let got = std::fs::read(out).expect("the get wrote its output");
        assert_eq!(got.len() % CHUNK, 0, "whole chunks only");
        assert!(
            got.len() >= 80 * CHUNK,
            "only {} chunks received: {:#?}",
            got.len() / CHUNK,
            get.log
        );
        let suffix = &padded[padded.len() - got.len()..];
        assert!(
            got == suffix,
            "{} is not the fed stream's last {} chunks: {:#?}",
            out.display(),
            got.len() / CHUNK,
            get.log
        );
        assert!(
            get.log.iter().any(|l| l.contains(", 0 missed")),
            "{:#?}",
            get.log
        );
    }
    drop(tracker);
}
