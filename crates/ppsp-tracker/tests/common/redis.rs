//! A private `redis-server` on a free loopback port, killed when dropped. Tests that need
//! Redis skip (with a printed reason) when `redis-server` is not installed; the project's test
//! command installs it.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisServer {
    child: Child,
    pub port: u16,
}

impl RedisServer {
    /// Starts one, or returns `None` (after printing why) when it cannot run here.
    pub fn start() -> Option<Self> {
        for _ in 0..5 {
            let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .ok()?
                .local_addr()
                .ok()?
                .port();
            let spawned = Command::new("redis-server")
                .args([
                    "--port",
                    &port.to_string(),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            let child = match spawned {
                Ok(child) => child,
                Err(error) => {
                    eprintln!(
                        "skipped: redis-server is not installed ({error}); apt-get install redis-server"
                    );
                    return None;
                }
            };
            let mut server = Self { child, port };
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                    return Some(server);
                }
                if let Ok(Some(_)) = server.child.try_wait() {
                    break; // port taken between our probe and its bind: try another
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            server.stop();
        }
        eprintln!("skipped: redis-server did not start");
        None
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
