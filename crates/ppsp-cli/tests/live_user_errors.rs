//! Mistakes a user can make with `ppsp live` and `ppsp demo`: each gives one clear line on
//! stderr and exit status 2, without a panic, and an unreachable tracker is reported within
//! seconds.

mod support;

use std::time::{Duration, Instant};

use support::Proc;

/// Runs `ppsp ARGS`, expects exit status 2 and a stderr line containing `wanted`.
fn fails_with(args: &[&str], wanted: &str) -> Duration {
    let started = Instant::now();
    let mut proc = Proc::start("ppsp", args);
    let status = proc.wait(Duration::from_secs(60));
    let took = started.elapsed();
    assert_eq!(status.code(), Some(2), "{args:?}: {:#?}", proc.log);
    assert!(
        proc.log.iter().any(|l| l.contains(wanted)),
        "{args:?}: no {wanted:?} in {:#?}",
        proc.log
    );
    assert!(
        !proc.log.iter().any(|l| l.contains("panicked")),
        "{:#?}",
        proc.log
    );
    took
}

#[test]
fn a_missing_input_file_is_named() {
    fails_with(
        &[
            "live",
            "--input",
            "/nonexistent/stream.ts",
            "--listen",
            "127.0.0.1:0",
        ],
        "cannot read --input /nonexistent/stream.ts",
    );
}

#[test]
fn bad_flags_say_what_is_expected() {
    fails_with(
        &["live", "--rate", "fast"],
        "--rate: expected bytes per second",
    );
    fails_with(
        &["live", "--chunks-per-signature", "0"],
        "--chunks-per-signature",
    );
    fails_with(
        &["live", "--tracker", "ftp://x/"],
        "--tracker: expected an http://",
    );
    fails_with(
        &["live", "--transports", "relay"],
        "--transports: \"relay\" is not one of",
    );
    fails_with(
        &["live", "--http-listen", "nowhere"],
        "--http-listen: expected IP:PORT",
    );
    fails_with(&["demo", "--peers", "0"], "--peers: expected 1 to 200");
    fails_with(
        &["demo", "--duration", "soon"],
        "--duration: expected a duration",
    );
}

#[test]
fn a_file_that_is_not_a_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("not-a-key");
    std::fs::write(&key, "hello").unwrap();
    fails_with(
        &[
            "live",
            "--key",
            key.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ],
        "not a ppsp live key file",
    );
}

#[test]
fn an_unreachable_tracker_is_reported_within_seconds() {
    // Port 9 (discard) on loopback: nothing listens there.
    let took = fails_with(
        &[
            "live",
            "--tracker",
            "http://127.0.0.1:9/",
            "--listen",
            "127.0.0.1:0",
        ],
        "cannot join the swarm at the tracker",
    );
    assert!(took < Duration::from_secs(30), "took {took:?}");
}
