//! `ppsp tracker` end to end: it starts on a loopback port, answers a CONNECT, serves its
//! statistics page, stops cleanly on SIGINT (Ctrl-C), takes its settings from flags over
//! `PPSP_TRACKER_*` variables over the config file over the defaults, and two processes on one
//! Redis serve the same swarms.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const SEEDER: &str = r#"{"PPSPTrackerProtocol":{"version":1,"request_type":"CONNECT","transaction_id":"1","peer_id":"p","connect":{"swarm_action":{"swarm_id":"1111","action":"JOIN","peer_mode":"SEEDER"}}}}"#;
const LEECH_XML: &str = r#"<PPSPTrackerProtocol version="1.0"><Method>CONNECT</Method><TransactionID>2</TransactionID><PeerID>leech-b</PeerID><SwarmAction action="JOIN" mode="LEECH"><SwarmID>1111</SwarmID></SwarmAction></PPSPTrackerProtocol>"#;

/// A running `ppsp tracker`, killed when dropped; `line` is its first stderr line.
struct Tracker {
    child: Child,
    line: String,
    addr: SocketAddr,
    /// Kept open (unless a test closes it): the tracker writes to stderr again when it stops.
    stderr: Option<BufReader<std::process::ChildStderr>>,
}

impl Tracker {
    fn start(args: &[&str], envs: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ppsp"));
        command.arg("tracker").args(args).stderr(Stdio::piped());
        for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("PPSP_TRACKER_")) {
            command.env_remove(name);
        }
        command.envs(envs.iter().copied());
        let mut child = command.spawn().unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        stderr.read_line(&mut line).unwrap();
        let addr = line
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| {
                let _ = child.kill();
                panic!("no address in {line:?}")
            });
        Self {
            child,
            line,
            addr,
            stderr: Some(stderr),
        }
    }

    fn interrupt_and_wait(self) -> ExitStatus {
        self.signal_and_wait("INT")
    }

    fn signal_and_wait(mut self, signal: &str) -> ExitStatus {
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "tracker did not stop on SIG{signal}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Tracker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn exchange(addr: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

fn post(addr: SocketAddr, content_type: &str, body: &str) -> String {
    exchange(
        addr,
        &format!(
            "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

fn get(addr: SocketAddr, path: &str) -> String {
    exchange(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    )
}

#[test]
fn tracker_serves_requests_and_stops_on_ctrl_c() {
    let tracker = Tracker::start(&["--listen", "127.0.0.1:0"], &[]);
    assert!(tracker.line.contains("in-memory store"), "{}", tracker.line);
    let answer = post(tracker.addr, "application/ppsp-tracker+json", SEEDER);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""response_type":0"#), "{answer}");
    let page = get(tracker.addr, "/");
    assert!(page.contains("<td>1</td>"), "{page}");
    let metrics = get(tracker.addr, "/metrics");
    assert!(
        metrics.contains(r#"ppsp_tracker_requests_total{type="CONNECT",result="SUCCESSFUL"} 1"#),
        "{metrics}"
    );
    let status = tracker.interrupt_and_wait();
    assert!(status.success(), "{status:?}");
}

#[test]
fn tracker_stops_cleanly_on_sigterm_even_when_its_stderr_is_gone() {
    let mut tracker = Tracker::start(&["--listen", "127.0.0.1:0"], &[]);
    // The reader of its log went away: the shutdown line cannot be written, yet the
    // tracker must not panic on it.
    drop(tracker.stderr.take());
    let status = tracker.signal_and_wait("TERM");
    assert!(status.success(), "{status:?}");
}

#[test]
fn print_config_prints_the_commented_defaults() {
    let output = Command::new(env!("CARGO_BIN_EXE_ppsp"))
        .args(["tracker", "--print-config"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("track_timer = 120"));
    assert!(text.contains("# redis_url"));
}

#[test]
fn flags_beat_environment_which_beats_the_config_file_which_beats_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tracker.toml");
    std::fs::write(
        &file,
        "[registry]\ntrack_timer = 30\n[server]\nlisten = \"127.0.0.2:0\"\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();

    let defaults = Tracker::start(&["--listen", "127.0.0.1:0"], &[]);
    assert!(
        defaults.line.contains("track timer 120 s"),
        "{}",
        defaults.line
    );

    let from_file = Tracker::start(&["--config", file], &[]);
    assert_eq!(from_file.addr.ip(), Ipv4Addr::new(127, 0, 0, 2));
    assert!(
        from_file.line.contains("track timer 30 s"),
        "{}",
        from_file.line
    );

    let file_by_env = Tracker::start(&[], &[("PPSP_TRACKER_CONFIG", file)]);
    assert_eq!(file_by_env.addr.ip(), Ipv4Addr::new(127, 0, 0, 2));

    let env_over_file = Tracker::start(
        &["--config", file],
        &[
            ("PPSP_TRACKER_LISTEN", "127.0.0.3:0"),
            ("PPSP_TRACKER_TRACK_TIMER", "7"),
        ],
    );
    assert_eq!(env_over_file.addr.ip(), Ipv4Addr::new(127, 0, 0, 3));
    assert!(
        env_over_file.line.contains("track timer 7 s"),
        "{}",
        env_over_file.line
    );

    let flag_over_env = Tracker::start(
        &[
            "--config",
            file,
            "--listen",
            "127.0.0.4:0",
            "--track-timer",
            "9",
        ],
        &[
            ("PPSP_TRACKER_LISTEN", "127.0.0.3:0"),
            ("PPSP_TRACKER_TRACK_TIMER", "7"),
        ],
    );
    assert_eq!(flag_over_env.addr.ip(), Ipv4Addr::new(127, 0, 0, 4));
    assert!(
        flag_over_env.line.contains("track timer 9 s"),
        "{}",
        flag_over_env.line
    );
}

#[test]
fn a_bad_environment_value_is_refused_naming_the_variable() {
    let output = Command::new(env!("CARGO_BIN_EXE_ppsp"))
        .args(["tracker"])
        .env("PPSP_TRACKER_LISTEN", "not-an-address")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(
        text.contains("not-an-address") && text.contains("--listen"),
        "{text}"
    );
}

#[test]
fn an_auth_token_from_the_environment_is_required() {
    let tracker = Tracker::start(
        &["--listen", "127.0.0.1:0"],
        &[("PPSP_TRACKER_AUTH_TOKEN", "s3cret")],
    );
    let answer = post(tracker.addr, "application/ppsp-tracker+json", SEEDER);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let answer = exchange(
        tracker.addr,
        &format!(
            "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer s3cret\r\nContent-Type: application/ppsp-tracker+json\r\nContent-Length: {}\r\n\r\n{SEEDER}",
            SEEDER.len()
        ),
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// A private `redis-server` on a free loopback port, killed when dropped; `None` (with the
/// reason printed) when it is not installed.
struct Redis(Child, u16);

impl Redis {
    fn start() -> Option<Self> {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(error) => {
                eprintln!("skipped: redis-server is not installed ({error})");
                return None;
            }
        };
        let redis = Self(child, port);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                return Some(redis);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("skipped: redis-server did not start on port {port}");
        None
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn two_tracker_processes_on_one_redis_serve_the_same_swarms() {
    let Some(redis) = Redis::start() else {
        return;
    };
    let url = format!("redis://127.0.0.1:{}/", redis.1);
    let a = Tracker::start(&["--listen", "127.0.0.1:0", "--redis", &url], &[]);
    let b = Tracker::start(
        &["--listen", "127.0.0.1:0"],
        &[("PPSP_TRACKER_REDIS", url.as_str())],
    );
    assert!(a.line.contains("Redis store"), "{}", a.line);
    assert!(b.line.contains("Redis store"), "{}", b.line);
    let answer = post(a.addr, "application/ppsp-tracker+json", SEEDER);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let answer = post(b.addr, "application/ppsp-tracker+xml", LEECH_XML);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("<PeerID>p</PeerID>"), "{answer}");
    let page = get(a.addr, "/");
    assert!(
        page.contains("<tr><td><code>1111</code></td><td>1</td><td>1</td></tr>"),
        "{page}"
    );
}
