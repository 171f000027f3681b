//! `ppsp live`: turn a live byte stream (stdin by default, such as MPEG-TS from ffmpeg)
//! into a signed live swarm (RFC 7574 section 6), print its swarm URI on stdout as the first
//! line, and serve it until end of input or Ctrl-C.
//!
//! The input is cut into chunks of `--chunk-size` bytes and pushed to the node, which signs
//! them a munro at a time (Unified Merkle Tree, ECDSA P-256 by default) and announces them.
//! The signing key is the swarm's identity: `--key FILE` loads it, or generates and saves
//! it, so that a restarted source keeps its swarm ID. `--rate BYTES/S` paces the input (a
//! file read as if it were live) and tells the engine the stream rate; `auto` takes the
//! input as fast as it comes (a live encoder paces itself). Progress goes to stderr.
//!
//! Node settings (tracker, listen, chunk size, `--http-listen`, `--transports`, log level)
//! come from the flags, `PPSP_*` variables and `--config` file like those of `ppsp seed`, so
//! that a source is configured like the rest of a deployment and, with an HTTP port, takes
//! part in the signalling plane and serves `/metrics`.

mod follow;
mod input;
pub(crate) mod key;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use bytes::Bytes;
use clap::Args;
use ppsp_core::engine::{LiveSettings, live_metadata};
use ppsp_node::node::{Node, NodeConfig, NodeHandle, SwarmStorage};
use ppsp_wire::ids::SwarmId;
use ppsp_wire::tracker::PeerMode;
use tokio::sync::mpsc;

pub(crate) use follow::follow;
use input::Input;

use crate::config::NodeFile;
use crate::hash::parse_chunk_size;
use crate::node_run::{
    check_tracker_url, interrupted, join_trackers, leave_trackers, mib, parse_addr, parse_interval,
    runtime,
};

/// Default chunk size of a live stream: 8 KiB keeps a few-Mbit/s stream near a few dozen
/// datagrams a second per peer (1 KiB, the RFC default, would be hundreds).
pub(crate) const DEFAULT_LIVE_CHUNK: u32 = 8192;

/// Upload slots of a source nobody configured: it feeds a few receivers, which relay to the
/// rest.
const DEFAULT_SOURCE_SLOTS: usize = 4;

/// Arguments of `ppsp live`.
#[derive(Debug, Args)]
pub(crate) struct LiveArgs {
    /// Tracker to register with (http:// or https:// URL); repeatable [default: the file's].
    #[arg(long, env = "PPSP_TRACKER", value_delimiter = ',')]
    tracker: Vec<String>,
    /// Where the stream comes from: a file or `-` for stdin.
    #[arg(long, default_value = "-")]
    input: String,
    /// UDP address to serve on [default: the file's listen, else 0.0.0.0:6778].
    #[arg(long, env = "PPSP_LISTEN")]
    listen: Option<String>,
    /// Chunk size in bytes; the last, partial chunk at end of input is padded with zeros
    /// [default: the file's live_chunk_size, else 8192].
    #[arg(long, env = "PPSP_LIVE_CHUNK_SIZE", allow_hyphen_values = true)]
    chunk_size: Option<String>,
    /// File holding the signing key: loaded if it exists, else generated and saved there
    /// (mode 0600). Without it, a new key (and swarm ID) every run.
    #[arg(long)]
    key: Option<PathBuf>,
    /// Stream rate in bytes per second: the input is read no faster (for a file), and
    /// playback deadlines follow it; `auto` reads as it comes and lets peers estimate it.
    #[arg(long, default_value = "auto")]
    rate: String,
    /// Chunks under each signature (Unified Merkle Tree munro), 1 to 1024.
    #[arg(long, default_value = "8")]
    chunks_per_signature: u32,
    /// Chunks peers keep behind the newest (the live discard window), 16 to 65536.
    #[arg(long, default_value = "1024")]
    window: u64,
    /// Seconds to keep serving after the end of input, so peers fetch the last chunks.
    #[arg(long, default_value = "3")]
    linger: u64,
    /// Seconds between progress lines on stderr; 0 for none.
    #[arg(long, default_value = "5")]
    log_interval: String,
    #[command(flatten)]
    transport: crate::transports::TransportArgs,
    #[command(flatten)]
    node: crate::config::NodeOptions,
}

/// The stream rate: fixed bytes per second, or whatever the input gives.
#[derive(Debug, Clone, Copy)]
enum Rate {
    Fixed(f64),
    Auto,
}

fn parse_rate(text: &str) -> Result<Rate> {
    if text == "auto" {
        return Ok(Rate::Auto);
    }
    match text.parse::<f64>() {
        Ok(rate) if (1.0..=1e10).contains(&rate) => Ok(Rate::Fixed(rate)),
        _ => bail!("--rate: expected bytes per second (1 to 1e10) or `auto`, not {text:?}"),
    }
}

pub(crate) fn run(args: &LiveArgs) -> Result<()> {
    let settings = args.node.load()?;
    let listen = match &args.listen {
        Some(text) => parse_addr("--listen", text)?,
        None => settings
            .node
            .listen
            .unwrap_or(SocketAddr::from(([0, 0, 0, 0], 6778))),
    };
    let chunk_size = match &args.chunk_size {
        Some(text) => parse_chunk_size(text)?,
        None => settings.node.live_chunk_size,
    };
    let rate = parse_rate(&args.rate)?;
    let interval = parse_interval(&args.log_interval)?;
    if !(1..=1024).contains(&args.chunks_per_signature) {
        bail!(
            "--chunks-per-signature: expected 1 to 1024, not {}",
            args.chunks_per_signature
        );
    }
    if !(16..=65_536).contains(&args.window) {
        bail!("--window: expected 16 to 65536 chunks, not {}", args.window);
    }
    let trackers = settings.trackers(&args.tracker);
    for url in &trackers {
        check_tracker_url(url)?;
    }
    // Every flag is checked before the input is opened and a key file written.
    let mut config = settings.node_config(listen, chunk_size);
    if settings.node.upload_slots == NodeFile::default().upload_slots {
        config.endpoint.upload_slots = DEFAULT_SOURCE_SLOTS;
    }
    args.transport.apply(&mut config, &settings)?;
    let input = Input::open(&args.input)?;
    let signing_key = key::load_or_create(args.key.as_deref())?;
    let metadata = live_metadata(
        &signing_key.public_key(),
        chunk_size,
        Some(args.chunks_per_signature),
        Some(args.window),
    )?;
    let live = LiveSettings {
        chunk_rate: match rate {
            Rate::Fixed(bytes) => Some(bytes / f64::from(chunk_size)),
            Rate::Auto => None,
        },
        ntp_at_start: key::ntp_now(),
        ..LiveSettings::default()
    };
    let storage = SwarmStorage::LiveSource {
        metadata,
        key: Box::new(signing_key),
        settings: live,
    };
    let runtime = runtime()?;
    let source = Source { config, trackers };
    runtime.block_on(serve(args, source, storage, input, rate, interval))
}

/// How the source's node runs, and the trackers it registers with.
struct Source {
    config: NodeConfig,
    trackers: Vec<String>,
}

async fn serve(
    args: &LiveArgs,
    source: Source,
    storage: SwarmStorage,
    input: Input,
    rate: Rate,
    interval: Option<Duration>,
) -> Result<()> {
    let SwarmStorage::LiveSource { metadata, .. } = &storage else {
        bail!("internal: not a live source");
    };
    let metadata = metadata.clone();
    let swarm = metadata.swarm_id.clone();
    let chunk_size = metadata.fixed_chunk_size().unwrap_or(1024);
    let Source {
        config,
        trackers: tracker_urls,
    } = source;
    let (node, _events) = Node::spawn(config)?;
    crate::transports::announce("live", &node);
    node.add_swarm(storage).await?;
    let trackers = join_trackers(&node, &swarm, &tracker_urls, PeerMode::Seeder).await?;
    let local = node.local_addr();
    crate::node_run::print_swarm_uri(metadata, tracker_urls, local, &trackers)?;
    let input_name = if args.input == "-" {
        "stdin"
    } else {
        &args.input
    };
    eprintln!("ppsp live: streaming {input_name} in {chunk_size}-byte chunks on {local}");
    let (chunks, mut chunk_rx) = mpsc::channel(64);
    let reader = input.spawn(chunk_size, chunks);
    let result = pump(&node, &swarm, &mut chunk_rx, rate, chunk_size, interval).await;
    drop(chunk_rx);
    let ended = matches!(result, Ok(Ended::Input));
    if ended && args.linger > 0 {
        eprintln!(
            "ppsp live: end of input; serving {} s more for the last chunks",
            args.linger
        );
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(args.linger)) => {}
            _ = interrupted() => {}
        }
    }
    leave_trackers(trackers).await;
    let uploaded = node
        .report(swarm.clone())
        .await
        .ok()
        .flatten()
        .map_or(0, |r| r.swarm.payload_bytes_up);
    node.shutdown().await;
    eprintln!("ppsp live: stopped; uploaded {uploaded} bytes of chunks");
    result?;
    if ended {
        // A read error ends the input too; it is the command's error then.
        reader
            .await
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the input thread failed")))?;
    }
    Ok(())
}

/// Why pushing stopped.
enum Ended {
    Input,
    Interrupted,
}

/// Pushes chunks as they come (paced to `rate` when fixed), with progress lines, until end
/// of input or Ctrl-C.
async fn pump(
    node: &NodeHandle,
    swarm: &SwarmId,
    chunks: &mut mpsc::Receiver<Bytes>,
    rate: Rate,
    chunk_size: u32,
    interval: Option<Duration>,
) -> Result<Ended> {
    let signal = interrupted();
    tokio::pin!(signal);
    let started = Instant::now();
    let period = match rate {
        Rate::Fixed(bytes) => Some(Duration::from_secs_f64(f64::from(chunk_size) / bytes)),
        Rate::Auto => None,
    };
    let mut ticks = tokio::time::interval(interval.unwrap_or(Duration::from_secs(3600)));
    ticks.tick().await;
    let mut pushed: u64 = 0;
    loop {
        if let Some(period) = period {
            let due = started + period.mul_f64(pushed as f64);
            tokio::select! {
                result = &mut signal => { result?; return Ok(Ended::Interrupted); }
                () = tokio::time::sleep_until(due.into()) => {}
            }
        }
        tokio::select! {
            result = &mut signal => { result?; return Ok(Ended::Interrupted); }
            chunk = chunks.recv() => {
                let Some(chunk) = chunk else { return Ok(Ended::Input) };
                node.push_live_chunk(swarm.clone(), chunk).await?;
                pushed += 1;
            }
            _ = ticks.tick(), if interval.is_some() => {
                let report = node.report(swarm.clone()).await?;
                let (up, peers) = report.map_or((0, 0), |r| (r.swarm.payload_bytes_up, r.swarm.peers));
                let copy = pushed * u64::from(chunk_size);
                eprintln!(
                    "ppsp live: {pushed} chunks ({}) pushed, {} uploaded ({:.2} copies), {peers} peers",
                    mib(copy),
                    mib(up),
                    up as f64 / copy.max(1) as f64,
                );
            }
        }
    }
}

/// What `ppsp get` passes on for a live swarm URI: see [`follow`].
pub(crate) struct FollowTarget {
    pub(crate) metadata: ppsp_core::swarm::SwarmMetadata,
    pub(crate) peers: Vec<SocketAddr>,
    pub(crate) trackers: Vec<String>,
    pub(crate) listen: SocketAddr,
    pub(crate) output: PathBuf,
}
