//! A real player reads `ppsp play`: ffmpeg generates a 15 s MPEG-TS clip, `ppsp seed` serves
//! it, `ppsp play` streams it over HTTP while downloading it, and ffmpeg decodes it from the
//! play URL without a single error, ffprobe seeing the whole duration. Live: ffmpeg encodes
//! in real time into `ppsp live`, two `ppsp play` endpoints join the stream, and two ffmpeg
//! readers, one per endpoint and running at once, each decode at least 10 s without error.
//!
//! Needs ffmpeg and ffprobe (scripts/test installs them); without them the test says why it
//! skips.

mod support;

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use support::{Proc, seed};

/// Seconds of media the clip holds, and the least a player must decode.
const CLIP_SECONDS: u32 = 15;
const DECODED_AT_LEAST_US: u64 = 10_000_000;

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// ffmpeg's test pattern and a sine tone, MPEG-2 video and MP2 audio (built into every
/// ffmpeg), at a low bitrate: about 1 MB.
fn make_clip(path: &Path) {
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg("testsrc=size=320x240:rate=25")
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"])
        .args(["-t", &CLIP_SECONDS.to_string()])
        .args([
            "-c:v",
            "mpeg2video",
            "-b:v",
            "300k",
            "-c:a",
            "mp2",
            "-b:a",
            "64k",
        ])
        .args(["-f", "mpegts"])
        .arg(path)
        .status()
        .expect("run ffmpeg");
    assert!(status.success(), "ffmpeg could not make the clip");
}

/// Runs a tool to completion, bounded: killed after `limit`.
fn run_bounded(command: &mut Command, limit: Duration) -> Output {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the tool");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(output) => output.expect("wait for the tool"),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("{command:?} still running after {limit:?}");
        }
    }
}

/// The largest `out_time_us=` ffmpeg's `-progress` reported: media time decoded.
fn decoded_us(progress: &str) -> u64 {
    progress
        .lines()
        .filter_map(|l| l.strip_prefix("out_time_us="))
        .filter_map(|v| v.trim().parse::<u64>().ok())
        .max()
        .unwrap_or(0)
}

#[test]
fn ffmpeg_decodes_an_on_demand_clip_from_the_play_url() {
    if !have("ffmpeg") || !have("ffprobe") {
        eprintln!("skipped: ffmpeg and ffprobe are needed (scripts/test installs them)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.ts");
    make_clip(&clip);
    let (_seeder, uri) = seed(&clip, &[]);
    let out = dir.path().join("played.ts");
    let mut play = Proc::start(
        "play",
        &[
            "play",
            &uri,
            "--listen",
            "127.0.0.1:0",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    let url = play.stdout_line(Duration::from_secs(60));
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/stream"),
        "{url}"
    );

    // Started at once, while the content is still being downloaded.
    let decode = run_bounded(
        Command::new("ffmpeg")
            .args(["-nostdin", "-v", "error", "-progress", "pipe:1", "-i", &url])
            .args(["-f", "null", "-"]),
        Duration::from_secs(180),
    );
    let errors = String::from_utf8_lossy(&decode.stderr);
    assert!(decode.status.success(), "ffmpeg failed: {errors}");
    assert!(errors.trim().is_empty(), "ffmpeg reported errors: {errors}");
    let decoded = decoded_us(&String::from_utf8_lossy(&decode.stdout));
    assert!(
        decoded >= DECODED_AT_LEAST_US,
        "ffmpeg decoded only {decoded} us of media"
    );

    let probe = run_bounded(
        Command::new("ffprobe")
            .args(["-v", "error", "-show_entries", "format=duration"])
            .args(["-of", "default=noprint_wrappers=1:nokey=1", &url]),
        Duration::from_secs(120),
    );
    let duration: f64 = String::from_utf8_lossy(&probe.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("ffprobe: {}", String::from_utf8_lossy(&probe.stderr)));
    assert!(duration >= 10.0, "ffprobe sees {duration} s");

    let status = play.terminate(Duration::from_secs(30));
    assert!(status.success(), "{:#?}", play.log);
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&clip).unwrap());
}

/// Children killed and reaped on drop.
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The `/metrics` page next to a play URL (`http://ADDR/stream`).
fn play_metrics(url: &str) -> String {
    use std::io::{Read as _, Write as _};
    let addr = url
        .strip_prefix("http://")
        .and_then(|rest| rest.strip_suffix("/stream"))
        .unwrap();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut page = String::new();
    stream.read_to_string(&mut page).unwrap();
    page
}

/// Live viewers, each a `ppsp play` with its own ffmpeg reader.
const LIVE_VIEWERS: usize = 2;

/// Decodes 12 s of a live `url` with ffmpeg; the output and the media time decoded.
fn decode_live(url: &str) -> (Output, u64) {
    // Generous: two viewers, a real-time encoder and the source share two loaded cores.
    let decode = run_bounded(
        Command::new("ffmpeg")
            .args(["-nostdin", "-v", "error", "-progress", "pipe:1", "-i", url])
            .args(["-t", "12", "-f", "null", "-"]),
        Duration::from_secs(180),
    );
    let decoded = decoded_us(&String::from_utf8_lossy(&decode.stdout));
    (decode, decoded)
}

#[test]
fn two_ffmpeg_readers_each_decode_ten_seconds_of_a_live_stream_from_their_play_urls() {
    if !have("ffmpeg") {
        eprintln!("skipped: ffmpeg is needed (scripts/test installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A real-time encoder (-re) for 90 s at most: the source of the live swarm.
    let mut encoder = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i"])
        .arg("testsrc=size=320x240:rate=25")
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"])
        .args(["-t", "90", "-c:v", "mpeg2video", "-g", "25", "-b:v", "300k"])
        .args(["-c:a", "mp2", "-b:a", "64k", "-f", "mpegts", "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ffmpeg");
    let stream = encoder.stdout.take().unwrap();
    let source_log = std::fs::File::create(dir.path().join("live.log")).unwrap();
    let mut source = Command::new(env!("CARGO_BIN_EXE_ppsp"))
        .args(["live", "--listen", "127.0.0.1:0", "--log-interval", "0"])
        .stdin(Stdio::from(stream))
        .stdout(Stdio::piped())
        .stderr(Stdio::from(source_log))
        .spawn()
        .expect("start ppsp live");
    let uri_out = source.stdout.take().unwrap();
    let _children = Children(vec![encoder, source]);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(uri_out).read_line(&mut line);
        let _ = tx.send(line);
    });
    let uri = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("ppsp live printed no URI");
    let uri = uri.trim().to_string();
    assert!(uri.starts_with("ppsp://"), "{uri:?}");

    let mut viewers: Vec<(Proc, String)> = (0..LIVE_VIEWERS)
        .map(|i| {
            let mut play = Proc::start(
                &format!("play-{i}"),
                &["play", &uri, "--listen", "127.0.0.1:0"],
            );
            let url = play.stdout_line(Duration::from_secs(60));
            assert!(url.ends_with("/stream"), "{url}");
            (play, url)
        })
        .collect();
    // Both readers at once: each endpoint serves its player while the other does.
    let readers: Vec<_> = viewers
        .iter()
        .map(|(_, url)| {
            let url = url.clone();
            std::thread::spawn(move || decode_live(&url))
        })
        .collect();
    for (i, reader) in readers.into_iter().enumerate() {
        let (decode, decoded) = reader.join().expect("reader thread");
        let errors = String::from_utf8_lossy(&decode.stderr);
        assert!(
            decode.status.success(),
            "viewer {i}: ffmpeg failed: {errors}"
        );
        assert!(
            errors.trim().is_empty(),
            "viewer {i}: ffmpeg reported errors: {errors}"
        );
        assert!(
            decoded >= DECODED_AT_LEAST_US,
            "viewer {i}: ffmpeg decoded only {decoded} us of the live stream"
        );
    }
    // Each endpoint's counters show the stream it played, continuity included.
    for (play, url) in &viewers {
        let page = play_metrics(url);
        assert!(
            page.contains("ppsp_live_chunks_on_time_total{") && page.contains(" version=0.0.4"),
            "{}: {page}",
            play.name
        );
    }
    for (play, _) in &mut viewers {
        let status = play.terminate(Duration::from_secs(30));
        assert!(status.success(), "{}: {:#?}", play.name, play.log);
    }
}
