//! What `ppsp seed` and `ppsp get` share: flag parsing, the runtime, signals, trackers and
//! progress figures.

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use ppsp_core::swarm::{SwarmMetadata, SwarmUri};
use ppsp_node::node::NodeHandle;
use ppsp_node::tracking::{Tracking, TrackingConfig};
use ppsp_wire::ids::SwarmId;
use ppsp_wire::tracker::PeerMode;

/// A UDP address flag (`--listen`, `--peer`), with a one-line error naming the flag.
pub(crate) fn parse_addr(flag: &str, text: &str) -> Result<SocketAddr> {
    text.parse().map_err(|_| {
        anyhow::anyhow!("{flag}: expected IP:PORT (such as 127.0.0.1:6778), not {text:?}")
    })
}

/// Seconds between progress lines, 0 for none.
pub(crate) fn parse_interval(text: &str) -> Result<Option<Duration>> {
    match text.parse::<f64>() {
        Ok(0.0) => Ok(None),
        Ok(secs) if (0.01..=86_400.0).contains(&secs) => Ok(Some(Duration::from_secs_f64(secs))),
        _ => bail!(
            "--log-interval: expected seconds from 0.01 to 86400 (or 0 for none), not {text:?}"
        ),
    }
}

/// Checks a tracker URL's scheme, so a typo is an error now rather than after retries.
pub(crate) fn check_tracker_url(url: &str) -> Result<()> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        bail!("--tracker: expected an http:// or https:// URL, not {url:?}")
    }
}

/// The runtime of the command (the node's driver has its own thread).
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    // Commands that load the node settings started logging at their level already.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::WARN)
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("start the async runtime")?;
    // Signals are caught from here on, before any URI is printed (see `signals`).
    {
        let _context = runtime.enter();
        crate::signals::listen()?;
    }
    Ok(runtime)
}

pub(crate) use crate::signals::interrupted;

/// A command stopped by Ctrl-C or SIGTERM before its work was done, after shutting down
/// cleanly: `main` exits with 130 (128 + SIGINT), as shells do for an interrupted command.
#[derive(Debug)]
pub(crate) struct Interrupted(pub(crate) &'static str);

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "interrupted {}", self.0)
    }
}

impl std::error::Error for Interrupted {}

/// JOINs `swarm` at every tracker, in order; the first failure is the error.
pub(crate) async fn join_trackers(
    node: &NodeHandle,
    swarm: &SwarmId,
    urls: &[String],
    mode: PeerMode,
) -> Result<Vec<Tracking>> {
    let mut joined = Vec::new();
    for url in urls {
        match Tracking::join(node, swarm.clone(), TrackingConfig::new(url.clone(), mode)).await {
            Ok(tracking) => joined.push(tracking),
            Err(error) => {
                leave_trackers(joined).await;
                return Err(error).context("cannot join the swarm at the tracker");
            }
        }
    }
    Ok(joined)
}

/// LEAVEs every tracker; failures are only reported (the tracker expires us anyway).
pub(crate) async fn leave_trackers(trackers: Vec<Tracking>) {
    for tracking in trackers {
        if let Err(error) = tracking.leave().await {
            eprintln!("ppsp: leaving the tracker failed: {error}");
        }
    }
}

/// Bytes as MiB with one decimal.
pub(crate) fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}

/// A transfer rate measured between two progress lines.
pub(crate) struct Rate {
    bytes: u64,
    at: Instant,
}

impl Rate {
    pub(crate) fn new(bytes: u64) -> Self {
        Self {
            bytes,
            at: Instant::now(),
        }
    }

    /// MiB/s since the last call (or creation), as text.
    pub(crate) fn update(&mut self, bytes: u64) -> String {
        let now = Instant::now();
        let secs = now.duration_since(self.at).as_secs_f64().max(1e-3);
        let rate = bytes.saturating_sub(self.bytes) as f64 / secs / f64::from(1 << 20);
        self.bytes = bytes;
        self.at = now;
        format!("{rate:.1} MiB/s")
    }
}

/// Prints a source's swarm URI as one flushed line on stdout (scripts and tests read it):
/// the metadata, the trackers, and where peers reach this node ([`advertised`]).
pub(crate) fn print_swarm_uri(
    metadata: SwarmMetadata,
    trackers: Vec<String>,
    local: SocketAddr,
    joined: &[Tracking],
) -> Result<()> {
    let uri = SwarmUri {
        metadata,
        trackers,
        peers: advertised(local, joined).into_iter().collect(),
    };
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{uri}")
        .and_then(|()| stdout.flush())
        .context("write the swarm URI")
}

/// The address to put in the URI: ours, or the tracker's view of our IP when we listen on
/// an unspecified one; none if neither is known.
fn advertised(local: SocketAddr, trackers: &[Tracking]) -> Option<SocketAddr> {
    if !local.ip().is_unspecified() {
        return Some(local);
    }
    trackers
        .iter()
        .find_map(Tracking::reflexive)
        .map(|seen| SocketAddr::new(seen.ip(), local.port()))
}
