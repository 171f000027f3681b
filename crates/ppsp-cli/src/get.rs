//! `ppsp get (URI | SWARM_ID) -o FILE`: download static content over RFC 7574 (UDP) into
//! FILE, serving what we have to others meanwhile, and exit 0 once every chunk is verified
//! and the file is in place.
//!
//! A swarm URI carries the metadata and where to find peers; a bare swarm ID (hex) takes
//! its metadata from `--chunk-size`, `--hash` and `--chunk-addressing` (the RFC defaults
//! otherwise), for swarms of other RFC 7574 implementations, with `--peer` to reach them.
//!
//! The download resumes: `FILE.part` and the sidecar `FILE.ppsp` record verified chunks, so a
//! killed `get` started again fetches only what was not yet journaled. Lines on stderr, for
//! people and scripts:
//!
//! * `ppsp get: start: K of N chunks already verified` once at start;
//! * `ppsp get: progress: H/N chunks, ..., ETA T, fetched F this run, durable D` per
//!   interval (5 s by default), where the D chunks were journaled (synced) when the line was
//!   written; on a terminal, a shorter line (percent, bytes, rate, peers, ETA) is redrawn
//!   in place instead, every 0.5 s;
//! * `ppsp get: complete: PATH, N chunks, fetched F this run, ...` at the end.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use clap::Args;
use ppsp_core::swarm::{SwarmMetadata, SwarmUri};
use ppsp_node::node::{Node, NodeEvent, NodeEvents, NodeHandle, SwarmStorage};
use ppsp_node::storage::{Download, DownloadFile, SharedDownload};
use ppsp_wire::ids::SwarmId;
use ppsp_wire::ppspp::{ChunkAddressing, ChunkSize, ContentIntegrity, MerkleHashFunction};
use ppsp_wire::tracker::PeerMode;

use crate::hash::parse_chunk_size;
use crate::node_run::{
    Interrupted, check_tracker_url, interrupted, join_trackers, leave_trackers, mib, parse_addr,
    parse_interval, runtime,
};
use crate::progress::{self, Display, Speed};

/// How long to wait for a first peer before giving up.
const FIRST_PEER_TIMEOUT: Duration = Duration::from_secs(10);

/// Arguments of `ppsp get`.
#[derive(Debug, Args)]
pub(crate) struct GetArgs {
    /// Swarm URI (ppsp://...), or a bare swarm ID in hex with the metadata flags.
    swarm: String,
    /// Where to write the content (with FILE.part and FILE.ppsp while downloading).
    /// A live stream is written as it comes; `-` writes it to stdout.
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
    /// A peer to download from (IP:PORT); repeatable, added to the URI's.
    #[arg(long)]
    peer: Vec<String>,
    /// A tracker to find peers at (http:// or https:// URL); repeatable, added to the URI's.
    #[arg(long, env = "PPSP_TRACKER", value_delimiter = ',')]
    tracker: Vec<String>,
    /// Chunk size in bytes [bare swarm ID: 1024].
    #[arg(long, allow_hyphen_values = true)]
    chunk_size: Option<String>,
    /// Merkle hash function: sha1, sha224, sha256, sha384 or sha512 [bare swarm ID: sha256].
    #[arg(long)]
    hash: Option<String>,
    /// Chunk addressing method, 0 to 4 [bare swarm ID: 2, 32-bit chunk ranges].
    #[arg(long)]
    chunk_addressing: Option<String>,
    /// UDP address to use (others download from us there too) [default: any free port].
    #[arg(long, env = "PPSP_LISTEN")]
    listen: Option<String>,
    /// Stay and serve the content once it is complete, until Ctrl-C or SIGTERM.
    #[arg(long)]
    keep_seeding: bool,
    /// Seconds between progress lines on stderr; 0 for none [default: a line redrawn every
    /// 0.5 s on a terminal, a plain line every 5 s otherwise].
    #[arg(long)]
    log_interval: Option<String>,
    #[command(flatten)]
    transport: crate::transports::TransportArgs,
    #[command(flatten)]
    node: crate::config::NodeOptions,
}

/// What the command line says about the swarm.
struct Target {
    metadata: SwarmMetadata,
    peers: Vec<SocketAddr>,
    trackers: Vec<String>,
}

pub(crate) fn run(args: &GetArgs) -> Result<()> {
    let settings = args.node.load()?;
    let mut target = target(args)?;
    if args.tracker.is_empty() {
        target
            .trackers
            .extend(settings.node.trackers.iter().cloned());
    }
    let listen = match &args.listen {
        Some(text) => parse_addr("--listen", text)?,
        None => settings
            .node
            .listen
            .unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0))),
    };
    let interval = match &args.log_interval {
        Some(text) => parse_interval(text)?,
        None => Some(progress::default_interval(progress::on_terminal())),
    };
    if target.peers.is_empty() && target.trackers.is_empty() {
        bail!(
            "no way to find peers: give --peer IP:PORT or --tracker URL, or a URI with peer= or tr="
        );
    }
    if target.metadata.is_live() {
        // A live stream is followed and written as it comes (`-o -`: stdout).
        return crate::live::follow(crate::live::FollowTarget {
            metadata: target.metadata,
            peers: target.peers,
            trackers: target.trackers,
            listen,
            output: args.output.clone(),
        });
    }
    let download = match DownloadFile::open(&args.output, &target.metadata)
        .with_context(|| format!("cannot download into {}", args.output.display()))?
    {
        Download::Partial(download) => download,
        Download::Complete(_) => {
            eprintln!(
                "ppsp get: complete: {} already holds this content",
                args.output.display()
            );
            return Ok(());
        }
    };
    let runtime = runtime()?;
    runtime.block_on(fetch(args, &settings, target, listen, download, interval))
}

/// The metadata and locators from the URI or the bare swarm ID, plus the flags.
fn target(args: &GetArgs) -> Result<Target> {
    let mut peers = Vec::new();
    for peer in &args.peer {
        peers.push(parse_addr("--peer", peer)?);
    }
    for url in &args.tracker {
        check_tracker_url(url)?;
    }
    let chunk_size = args
        .chunk_size
        .as_deref()
        .map(parse_chunk_size)
        .transpose()?;
    let hash = args
        .hash
        .as_deref()
        .map(str::parse::<MerkleHashFunction>)
        .transpose()?;
    let addressing = args
        .chunk_addressing
        .as_deref()
        .map(parse_addressing)
        .transpose()?;
    let (metadata, mut uri_peers, mut trackers) = if args.swarm.contains("://") {
        let uri: SwarmUri = args.swarm.parse().context("bad swarm URI")?;
        check_agrees("--chunk-size", chunk_size, uri.metadata.fixed_chunk_size())?;
        check_agrees("--hash", hash, Some(uri.metadata.merkle_hash_function))?;
        check_agrees(
            "--chunk-addressing",
            addressing,
            Some(uri.metadata.chunk_addressing),
        )?;
        (uri.metadata, uri.peers, uri.trackers)
    } else {
        let swarm_id: SwarmId = args.swarm.parse().map_err(|e| {
            anyhow::anyhow!(
                "not a swarm URI (ppsp://...) nor a hex swarm ID: {:?}: {e}",
                args.swarm
            )
        })?;
        let metadata = SwarmMetadata {
            swarm_id,
            chunk_size: ChunkSize::Fixed(chunk_size.unwrap_or(1024)),
            chunk_addressing: addressing.unwrap_or_default(),
            content_integrity: ContentIntegrity::MerkleHashTree,
            merkle_hash_function: hash.unwrap_or(MerkleHashFunction::Sha256),
            live_signature_algorithm: None,
            chunks_per_signature: None,
            live_discard_window: None,
            content_length: None,
        };
        (metadata, Vec::new(), Vec::new())
    };
    uri_peers.extend(peers);
    trackers.extend(args.tracker.iter().cloned());
    Ok(Target {
        metadata,
        peers: uri_peers,
        trackers,
    })
}

fn parse_addressing(text: &str) -> Result<ChunkAddressing> {
    text.parse::<u8>()
        .ok()
        .and_then(ChunkAddressing::from_code)
        .with_context(|| format!("--chunk-addressing: expected 0 to 4, not {text:?}"))
}

/// A metadata flag given with a URI must say what the URI says.
fn check_agrees<T: PartialEq + std::fmt::Debug>(
    flag: &str,
    given: Option<T>,
    in_uri: Option<T>,
) -> Result<()> {
    match given {
        Some(value) if Some(&value) != in_uri.as_ref() => {
            bail!("{flag} {value:?} contradicts the swarm URI ({in_uri:?})")
        }
        _ => Ok(()),
    }
}

async fn fetch(
    args: &GetArgs,
    settings: &crate::config::Settings,
    target: Target,
    listen: SocketAddr,
    download: DownloadFile,
    interval: Option<Duration>,
) -> Result<()> {
    let swarm = target.metadata.swarm_id.clone();
    let chunk_size = target.metadata.fixed_chunk_size().unwrap_or(1024);
    let already = download.verified().len();
    let total = download
        .chunk_count()
        .map_or_else(|| "?".to_string(), |n| n.to_string());
    eprintln!("ppsp get: start: {already} of {total} chunks already verified");
    let download = SharedDownload::new(download);
    let mut config = settings.node_config(listen, chunk_size);
    args.transport.apply(&mut config, settings)?;
    if !crate::transports::speaks_udp(&config) && target.trackers.is_empty() {
        bail!("without ppspp/udp, peers are found through a tracker: give --tracker URL");
    }
    let (node, events) = Node::spawn(config)?;
    crate::transports::announce("get", &node);
    node.add_swarm(SwarmStorage::Download {
        metadata: target.metadata,
        download: download.clone(),
    })
    .await?;
    for peer in &target.peers {
        node.connect(swarm.clone(), *peer)
            .await
            .with_context(|| format!("cannot connect to {peer}"))?;
    }
    let trackers = match join_trackers(&node, &swarm, &target.trackers, PeerMode::Leech).await {
        Ok(trackers) => trackers,
        Err(error) => {
            node.shutdown().await;
            return Err(error);
        }
    };
    let mut watch = Watch {
        node: &node,
        swarm: &swarm,
        download: &download,
        chunk_size: u64::from(chunk_size),
        speed: Speed::new(0, Instant::now()),
        display: Display::new(progress::on_terminal()),
        started: Instant::now(),
        connected: false,
    };
    let result = watch
        .until_complete(events, interval, args.keep_seeding)
        .await;
    watch.display.finish();
    leave_trackers(trackers).await;
    node.shutdown().await;
    result
}

/// Follows a download: progress lines, the first-peer deadline, completion.
struct Watch<'a> {
    node: &'a NodeHandle,
    swarm: &'a SwarmId,
    download: &'a SharedDownload,
    chunk_size: u64,
    speed: Speed,
    display: Display,
    started: Instant,
    connected: bool,
}

impl Watch<'_> {
    async fn until_complete(
        &mut self,
        mut events: NodeEvents,
        interval: Option<Duration>,
        keep_seeding: bool,
    ) -> Result<()> {
        let signal = interrupted();
        tokio::pin!(signal);
        let tick = interval.unwrap_or(Duration::from_secs(1));
        let mut ticks = tokio::time::interval(tick);
        ticks.tick().await;
        loop {
            tokio::select! {
                result = &mut signal => {
                    result?;
                    return Err(Interrupted(
                        "before the download completed (it resumes when run again)",
                    )
                    .into());
                }
                event = events.recv() => match event {
                    Some(NodeEvent::PeerConnected { .. }) => self.connected = true,
                    Some(NodeEvent::DownloadComplete { path, .. }) => {
                        self.complete(&path).await?;
                        break;
                    }
                    Some(NodeEvent::StorageFailed { error, .. }) => {
                        bail!("storage failed: {error}");
                    }
                    Some(_) => {}
                    None => bail!("the node stopped unexpectedly"),
                },
                _ = ticks.tick() => {
                    // Peers reached over `http` open no channel: their chunks count.
                    if !self.connected
                        && let Ok(Some(report)) = self.node.report(self.swarm.clone()).await
                    {
                        self.connected = report.swarm.chunks_verified > 0;
                    }
                    if !self.connected && self.started.elapsed() >= FIRST_PEER_TIMEOUT {
                        bail!(
                            "no peer answered within {} s",
                            FIRST_PEER_TIMEOUT.as_secs()
                        );
                    }
                    if interval.is_some() {
                        self.progress().await?;
                    }
                }
            }
        }
        if keep_seeding {
            eprintln!("ppsp get: seeding until Ctrl-C");
            signal.await?;
        }
        Ok(())
    }

    /// One progress line, after journaling: `durable` chunks are on disk for a restart.
    async fn progress(&mut self) -> Result<()> {
        let durable = {
            let mut download = self.download.lock();
            download.flush()?;
            download.verified().len()
        };
        let Some(report) = self.node.report(self.swarm.clone()).await? else {
            bail!("the node left the swarm");
        };
        let s = report.swarm;
        let total = s
            .chunk_count
            .map_or_else(|| "?".to_string(), |n| n.to_string());
        let rate = self.speed.update(s.payload_bytes_down, Instant::now());
        let eta = match (s.content_length, s.chunk_count) {
            (Some(len), Some(count)) => {
                let held_bytes = s
                    .chunks_held
                    .min(count)
                    .saturating_mul(self.chunk_size)
                    .min(len);
                progress::eta(len - held_bytes, rate)
            }
            _ => "?".to_string(),
        };
        let line = if self.display.is_terminal() {
            // For people: how far, how fast, how long.
            let done = match s.chunk_count {
                Some(count) if count > 0 => {
                    format!("{:.1}%", s.chunks_held as f64 * 100.0 / count as f64)
                }
                _ => "?%".to_string(),
            };
            let size = s.content_length.map_or_else(|| "?".to_string(), mib);
            format!(
                "ppsp get: {done} of {size}, {} down, {}, {} peers, ETA {eta}",
                mib(s.payload_bytes_down),
                progress::rate_text(rate),
                s.peers,
            )
        } else {
            format!(
                "ppsp get: progress: {}/{total} chunks, {} down, {}, {} peers, ETA {eta}, fetched {} this run, durable {durable}",
                s.chunks_held,
                mib(s.payload_bytes_down),
                progress::rate_text(rate),
                s.peers,
                s.chunks_verified,
            )
        };
        self.display.show(&line);
        Ok(())
    }

    async fn complete(&mut self, path: &std::path::Path) -> Result<()> {
        self.display.finish();
        let report = self.node.report(self.swarm.clone()).await?;
        let (count, fetched, bytes) = report.map_or((0, 0, 0), |r| {
            (
                r.swarm.chunk_count.unwrap_or(0),
                r.swarm.chunks_verified,
                r.swarm.payload_bytes_down,
            )
        });
        let secs = self.started.elapsed().as_secs_f64();
        eprintln!(
            "ppsp get: complete: {}, {count} chunks, fetched {fetched} this run, {bytes} bytes in {secs:.1} s ({:.1} MiB/s)",
            path.display(),
            bytes as f64 / secs.max(1e-3) / f64::from(1 << 20),
        );
        if let Some(line) = crate::transports::stats_line("get", self.node, bytes) {
            eprintln!("{line}");
        }
        Ok(())
    }
}
