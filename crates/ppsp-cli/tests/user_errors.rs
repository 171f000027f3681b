//! Errors a user can cause beyond those of `get_and_seed_user_errors.rs` (missing file, bad
//! URI, unreachable tracker, port in use for `seed`/`get`): `play` refusing a bad URI or an
//! HTTP port in use, an unreachable tracker, a missing output directory, a download onto a
//! full disk, and Ctrl-C, which stops `get` cleanly with exit status 130, leaving the
//! tracker and a download that resumes to identical bytes.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use support::{Proc, content, number_after, seed};

fn ppsp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ppsp"))
        .args(args)
        .output()
        .unwrap()
}

/// The one `ppsp: ` line of stderr, after asserting that there is exactly one.
fn the_error_line(stderr: &str) -> String {
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("ppsp: ")).collect();
    assert_eq!(errors.len(), 1, "stderr: {stderr}");
    errors[0].to_string()
}

fn assert_refused(output: &Output, expected: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    let line = the_error_line(&stderr);
    for piece in expected {
        assert!(line.contains(piece), "{piece:?} not in {line}");
    }
}

#[test]
fn play_refuses_a_malformed_uri() {
    let output = ppsp(&[
        "play",
        "ppsp://not-a-swarm?cs=zz",
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_refused(&output, &["bad swarm URI"]);
}

#[test]
fn play_refuses_an_http_port_in_use() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let uri = format!(
        "ppsp://{}?cs=1024&cam=2&cipm=1&mhf=sha256&len=4096&peer=127.0.0.1%3A9",
        "ab".repeat(32)
    );
    let output = ppsp(&["play", &uri, "--listen", &addr]);
    assert_refused(&output, &["cannot listen on", &addr]);
}

#[test]
fn play_reports_an_unreachable_tracker_within_ten_seconds() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("http://{closed}/");
    let uri = format!(
        "ppsp://{}?cs=1024&cam=2&cipm=1&mhf=sha256&len=4096",
        "ab".repeat(32)
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("clip.ts");
    let started = std::time::Instant::now();
    let output = ppsp(&[
        "play",
        &uri,
        "--tracker",
        &url,
        "--listen",
        "127.0.0.1:0",
        "--udp-listen",
        "127.0.0.1:0",
        "-o",
        out.to_str().unwrap(),
    ]);
    let took = started.elapsed();
    assert_refused(&output, &["tracker", &url]);
    assert!(took < Duration::from_secs(12), "took {took:?}");
}

#[test]
fn play_refuses_a_missing_output_directory() {
    let uri = format!(
        "ppsp://{}?cs=1024&cam=2&cipm=1&mhf=sha256&len=4096&peer=127.0.0.1%3A9",
        "ab".repeat(32)
    );
    let output = ppsp(&[
        "play",
        &uri,
        "--listen",
        "127.0.0.1:0",
        "-o",
        "/nonexistent-ppsp-dir/clip.ts",
    ]);
    assert_refused(&output, &["cannot download into", "/nonexistent-ppsp-dir"]);
}

/// A tmpfs of `kib` KiB mounted on a fresh directory, unmounted on drop.
struct SmallDisk {
    /// Removed after the unmount (fields drop after `Drop::drop`).
    _dir: tempfile::TempDir,
    mounted: PathBuf,
}

impl SmallDisk {
    /// `None`, with the reason, where mounting is not allowed (not root, no CAP_SYS_ADMIN).
    fn mount(kib: u32) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mounted = dir.path().join("disk");
        std::fs::create_dir(&mounted).map_err(|e| e.to_string())?;
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(&mounted)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "mount -t tmpfs failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(Self { _dir: dir, mounted })
    }

    fn path(&self) -> &Path {
        &self.mounted
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Before the directory holding the mount point is removed.
        let _ = Command::new("umount").arg(&self.mounted).status();
    }
}

#[test]
fn get_onto_a_full_disk_fails_with_one_line() {
    let disk = match SmallDisk::mount(256) {
        Ok(disk) => disk,
        Err(reason) => {
            eprintln!("skipped: cannot make a small disk: {reason}");
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("big.bin");
    std::fs::write(&source, content(4 << 20, 11)).unwrap();
    let (_seeder, uri) = seed(&source, &["--log-interval", "0"]);
    let out = disk.path().join("big.bin");
    let mut get = Proc::start(
        "get",
        &[
            "get",
            &uri,
            "--listen",
            "127.0.0.1:0",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    let status = get.wait(Duration::from_secs(120));
    assert_eq!(status.code(), Some(2), "{:#?}", get.log);
    let errors: Vec<&String> = get.log.iter().filter(|l| l.starts_with("ppsp: ")).collect();
    assert_eq!(errors.len(), 1, "{:#?}", get.log);
    assert!(errors[0].contains("disk full"), "{}", errors[0]);
}

/// The tracker's `ppsp_tracker_peers` gauge, from its `/metrics` page.
fn tracker_peers(url: &str) -> u64 {
    use std::io::{Read as _, Write as _};
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
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
    let line = page
        .lines()
        .find(|l| l.starts_with("ppsp_tracker_peers "))
        .unwrap_or_else(|| panic!("no peer gauge in {page}"));
    number_after(line, "ppsp_tracker_peers")
}

/// Waits (bounded) until the tracker counts `peers` peers.
fn await_tracker_peers(url: &str, peers: u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while tracker_peers(url) != peers {
        assert!(
            std::time::Instant::now() < deadline,
            "the tracker still counts {} peers, not {peers}",
            tracker_peers(url)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn get_stopped_by_ctrl_c_exits_130_leaves_the_tracker_and_resumes_to_identical_bytes() {
    let (_tracker, url) = support::tracker("tracker");
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source.bin");
    let bytes = content(16 << 20, 5);
    std::fs::write(&source, &bytes).unwrap();
    let chunks = bytes.len() as u64 / 1024;
    let (_seeder, uri) = seed(&source, &["--log-interval", "0", "--tracker", &url]);
    let out = dir.path().join("copy.bin");
    let get = |name: &str| {
        Proc::start(
            name,
            &[
                "get",
                &uri,
                "--listen",
                "127.0.0.1:0",
                "--log-interval",
                "0.1",
                "-o",
                out.to_str().unwrap(),
            ],
        )
    };

    let mut first = get("get-interrupted");
    let (mut held, mut durable) = (0, 0);
    while held < chunks / 16 {
        let line = first.wait_for_line(Duration::from_secs(120), |l| {
            l.starts_with("ppsp get: progress:")
        });
        held = number_after(&line, "progress:");
        durable = number_after(&line, "durable");
    }
    let registered = tracker_peers(&url);
    let sent = Command::new("kill")
        .args(["-INT", &first.pid().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = first.wait(Duration::from_secs(30));
    if status.success() {
        eprintln!("the download completed before Ctrl-C reached it; nothing to resume");
    } else {
        assert_eq!(status.code(), Some(130), "{:#?}", first.log);
        let error = the_error_line(&first.log.join("\n"));
        assert!(error.contains("interrupted"), "{error}");
        // The seeder and the download were registered; the download left.
        assert_eq!(registered, 2, "peers registered while downloading");
        await_tracker_peers(&url, 1);
        assert!(
            !out.exists(),
            "the file appeared before the download completed"
        );

        let mut second = get("get-resumed");
        let line = second.wait_for_line(Duration::from_secs(60), |l| {
            l.starts_with("ppsp get: start:")
        });
        let already = number_after(&line, "start:");
        // The clean shutdown journaled at least what the last line called durable, and more:
        // everything it held (a SIGKILL would lose what came after that line).
        assert!(
            already >= durable.max(held),
            "resumed with {already} chunks; {held} were held, {durable} durable"
        );
        let status = second.wait(Duration::from_secs(600));
        assert!(status.success(), "{:#?}", second.log);
    }
    assert!(
        std::fs::read(&out).unwrap() == bytes,
        "the resumed file differs"
    );
}
