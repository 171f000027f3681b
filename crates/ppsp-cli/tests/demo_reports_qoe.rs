//! `ppsp demo --duration 20 --json`: an embedded tracker, a live source and twenty peers on
//! loopback in one process; the JSON report must show every peer playing the stream with a
//! continuity index of at least 0.99, and sane startup, lag, upload and overhead figures.
//!
//! The figures' bounds are loose on purpose (a loaded two-core machine runs this in a debug
//! build): they catch a broken swarm, not a slow one; benchmarks measure speed.

mod support;

use std::time::{Duration, Instant};

use support::Proc;

fn figure(report: &serde_json::Value, path: &[&str]) -> f64 {
    let mut value = report;
    for key in path {
        value = &value[key];
    }
    value
        .as_f64()
        .unwrap_or_else(|| panic!("no number at {path:?} in {report:#}"))
}

#[test]
fn twenty_peers_play_the_demo_stream_with_full_continuity() {
    let started = Instant::now();
    let mut demo = Proc::start("demo", &["demo", "--duration", "20", "--json"]);
    let status = demo.wait(Duration::from_secs(180));
    let mut json = String::new();
    while let Some(line) = demo.stdout_line_opt(Duration::from_secs(1)) {
        json.push_str(&line);
        json.push('\n');
    }
    println!(
        "ppsp demo --duration 20 took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    println!("{json}");
    assert!(
        status.success(),
        "demo failed: {status:?}\n{json}\n{:#?}",
        demo.log
    );
    let report: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("not JSON ({e}): {json}"));

    assert_eq!(report["peers"], 20);
    assert_eq!(report["peers_failed"], 0, "{report:#}");
    let min_continuity = figure(&report, &["continuity_index", "min"]);
    let mean_continuity = figure(&report, &["continuity_index", "mean"]);
    assert!(
        mean_continuity >= 0.99,
        "mean continuity index {mean_continuity} below 0.99: {report:#}"
    );
    assert!((0.0..=1.0).contains(&min_continuity) && min_continuity <= mean_continuity);
    assert!(figure(&report, &["chunks_on_time"]) > 0.0);

    let p50 = figure(&report, &["startup_delay_s", "p50"]);
    let p95 = figure(&report, &["startup_delay_s", "p95"]);
    assert!(
        0.0 <= p50 && p50 <= p95 && p95 < 20.0,
        "startup {p50} / {p95}"
    );

    let lag = figure(&report, &["playback_lag_s", "mean"]);
    assert!(lag > 0.0 && lag < 20.0, "playback lag {lag} s");
    assert!(figure(&report, &["playback_lag_s", "stddev"]) >= 0.0);

    // The source sends every chunk at least about once, and far fewer than one per peer.
    let upload = figure(&report, &["source_upload_ratio"]);
    assert!(
        upload > 0.5 && upload < 10.0,
        "source upload ratio {upload}"
    );
    let overhead = figure(&report, &["control_overhead"]);
    assert!(
        overhead > 0.0 && overhead < 1.0,
        "control overhead {overhead}"
    );
    let produced = figure(&report, &["chunks_produced"]);
    assert!(produced > 100.0, "{produced} chunks produced in 20 s");
}
