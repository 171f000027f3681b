//! Running `ppsp` processes in tests: children killed on drop, stdout and stderr read by
//! threads into line channels, every wait bounded.
#![allow(dead_code, unreachable_pub)] // Each test binary uses a different subset.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

/// Deterministic pseudo-random bytes (xorshift), different for each seed.
pub fn content(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// A running `ppsp`, killed (SIGKILL) and reaped on drop.
pub struct Proc {
    pub name: String,
    child: Child,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    /// Every stderr line read so far.
    pub log: Vec<String>,
}

impl Proc {
    /// Starts `ppsp ARGS`.
    pub fn start(name: &str, args: &[&str]) -> Self {
        Self::start_with_env(name, args, &[])
    }

    /// Starts `ppsp ARGS` with environment variables `env` set.
    pub fn start_with_env(name: &str, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ppsp"))
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start ppsp");
        let stdout = lines(child.stdout.take().unwrap());
        let stderr = lines(child.stderr.take().unwrap());
        Self {
            name: name.to_string(),
            child,
            stdout,
            stderr,
            log: Vec::new(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The next stdout line, within `limit`.
    pub fn stdout_line(&mut self, limit: Duration) -> String {
        match self.stdout.recv_timeout(limit) {
            Ok(line) => line,
            Err(_) => {
                self.drain_stderr();
                panic!(
                    "{}: no stdout line within {limit:?}; stderr: {:#?}",
                    self.name, self.log
                )
            }
        }
    }

    /// The next stdout line, or `None` at end of stream or after `limit`.
    pub fn stdout_line_opt(&mut self, limit: Duration) -> Option<String> {
        self.stdout.recv_timeout(limit).ok()
    }

    /// Starts `ppsp ARGS` with a pipe to its stdin, returned for the test to write.
    pub fn start_with_stdin(name: &str, args: &[&str]) -> (Self, std::process::ChildStdin) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ppsp"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start ppsp");
        let stdin = child.stdin.take().unwrap();
        let stdout = lines(child.stdout.take().unwrap());
        let stderr = lines(child.stderr.take().unwrap());
        let proc = Self {
            name: name.to_string(),
            child,
            stdout,
            stderr,
            log: Vec::new(),
        };
        (proc, stdin)
    }

    /// The next stderr line (also kept in `log`), or `None` at end of stream or after `limit`.
    pub fn stderr_line(&mut self, limit: Duration) -> Option<String> {
        match self.stderr.recv_timeout(limit) {
            Ok(line) => {
                self.log.push(line.clone());
                Some(line)
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => None,
        }
    }

    /// Reads stderr lines until one satisfies `wanted`, within `limit`.
    pub fn wait_for_line(&mut self, limit: Duration, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr_line(left) {
                Some(line) if wanted(&line) => return line,
                Some(_) => {}
                None => panic!(
                    "{}: the awaited line did not come within {limit:?}; stderr: {:#?}",
                    self.name, self.log
                ),
            }
        }
    }

    /// Collects what is left on stderr without waiting.
    pub fn drain_stderr(&mut self) {
        while let Ok(line) = self.stderr.try_recv() {
            self.log.push(line);
        }
    }

    /// Waits for the process to exit within `limit`, then collects its stderr.
    pub fn wait(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // The reader threads end with the pipes; give them a moment.
                while let Some(_line) = self.stderr_line(Duration::from_secs(2)) {}
                return status;
            }
            if Instant::now() > deadline {
                self.drain_stderr();
                panic!(
                    "{}: still running after {limit:?}; stderr: {:#?}",
                    self.name, self.log
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then [`Proc::wait`].
    pub fn terminate(&mut self, limit: Duration) -> ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        self.wait(limit)
    }

    /// SIGKILL (kill -9) and reap.
    pub fn kill_9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.drain_stderr();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines(stream: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx): (Sender<String>, _) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// Starts `ppsp seed FILE --listen 127.0.0.1:0 EXTRA` and reads its swarm URI.
pub fn seed(file: &Path, extra: &[&str]) -> (Proc, String) {
    let mut args = vec!["seed", file.to_str().unwrap(), "--listen", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let mut seeder = Proc::start("seed", &args);
    let uri = seeder.stdout_line(Duration::from_secs(120));
    assert!(uri.starts_with("ppsp://"), "{uri}");
    (seeder, uri)
}

/// Starts `ppsp tracker` on a free loopback port; returns it with its base URL.
pub fn tracker(name: &str) -> (Proc, String) {
    let mut tracker = Proc::start(name, &["tracker", "--listen", "127.0.0.1:0"]);
    let line = tracker.wait_for_line(Duration::from_secs(60), |l| l.contains("listening on"));
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    (tracker, url)
}

/// The address of a node's HTTP port, from its `... signalling on http://ADDR/ppsp` line.
pub fn signalling_addr(proc: &mut Proc) -> SocketAddr {
    let line = proc.wait_for_line(Duration::from_secs(60), |l| l.contains("signalling on"));
    line.split("http://")
        .nth(1)
        .and_then(|rest| rest.strip_suffix("/ppsp"))
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
}

/// The `peer=` address in a swarm URI.
pub fn uri_peer(uri: &str) -> SocketAddr {
    let encoded = uri
        .split('&')
        .find_map(|kv| kv.strip_prefix("peer="))
        .unwrap_or_else(|| panic!("no peer= in {uri}"));
    encoded.replace("%3A", ":").parse().unwrap()
}

/// The number after `key ` in a log line (`fetched 12 this run` → `fetched` → 12).
pub fn number_after(line: &str, key: &str) -> u64 {
    let rest = line
        .split(key)
        .nth(1)
        .unwrap_or_else(|| panic!("no {key:?} in {line:?}"));
    rest.trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after {key:?} in {line:?}"))
}
