//! `ppsp seed` and `ppsp get` refuse what they cannot use with one line on stderr and exit
//! status 2: a malformed URI, a missing file, a port in use, an unreachable tracker, and
//! peers that never answer.

mod support;

use std::process::Output;
use std::time::{Duration, Instant};

use support::Proc;

fn ppsp(args: &[&str]) -> (Output, Duration) {
    let started = Instant::now();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ppsp"))
        .args(args)
        .output()
        .unwrap();
    (output, started.elapsed())
}

/// Asserts exit status 2 and one stderr line containing every piece of `expected`.
fn assert_refused(output: &Output, expected: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("ppsp: ")).collect();
    assert_eq!(errors.len(), 1, "stderr: {stderr}");
    for piece in expected {
        assert!(errors[0].contains(piece), "{piece:?} not in {stderr}");
    }
}

/// A loopback port nothing listens on (TCP and UDP) a moment after this returns.
fn closed_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn get_refuses_a_malformed_uri() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (output, _) = ppsp(&["get", "ppsp://zz?cs=1024", "-o", out.to_str().unwrap()]);
    assert_refused(&output, &["bad swarm URI", "swarm ID"]);
    let (output, _) = ppsp(&[
        "get",
        "not-hex",
        "--peer",
        "127.0.0.1:1",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_refused(&output, &["not a swarm URI", "not-hex"]);
    assert!(!out.exists());
}

#[test]
fn get_refuses_a_swarm_without_peers_or_trackers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let id = "ab".repeat(32);
    let (output, _) = ppsp(&["get", &id, "-o", out.to_str().unwrap()]);
    assert_refused(&output, &["--peer", "--tracker"]);
}

#[test]
fn seed_refuses_a_missing_file() {
    let (output, _) = ppsp(&[
        "seed",
        "/nonexistent/ppsp-test-file",
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_refused(&output, &["/nonexistent/ppsp-test-file"]);
}

#[test]
fn seed_refuses_a_port_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    std::fs::write(&file, b"some content").unwrap();
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (output, _) = ppsp(&["seed", file.to_str().unwrap(), "--listen", &addr]);
    assert_refused(&output, &["cannot listen on", &addr]);
}

#[test]
fn get_reports_an_unreachable_tracker_within_ten_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let url = format!("http://127.0.0.1:{}/", closed_port());
    let id = "ab".repeat(32);
    let (output, took) = ppsp(&[
        "get",
        &id,
        "--tracker",
        &url,
        "--listen",
        "127.0.0.1:0",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_refused(&output, &["tracker", &url]);
    assert!(took < Duration::from_secs(12), "took {took:?}");
}

#[test]
fn get_gives_up_when_no_peer_answers_within_ten_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let peer = format!("127.0.0.1:{}", closed_port());
    let id = "ab".repeat(32);
    let mut get = Proc::start(
        "get",
        &[
            "get",
            &id,
            "--peer",
            &peer,
            "--listen",
            "127.0.0.1:0",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    let status = get.wait(Duration::from_secs(30));
    assert_eq!(status.code(), Some(2), "{:#?}", get.log);
    let error = get
        .log
        .iter()
        .find(|l| l.starts_with("ppsp: "))
        .expect("an error line");
    assert!(error.contains("no peer answered within 10 s"), "{error}");
}
