//! `ppsp seed FILE`: hash a file, serve it to the swarm over RFC 7574 (UDP), and print its
//! swarm URI on stdout as the first line, until Ctrl-C or SIGTERM.
//!
//! The URI carries the metadata, the trackers and this node's address as `peer=`, so it is
//! all a `ppsp get` needs. Progress goes to stderr; on shutdown the node leaves its trackers,
//! sends closing handshakes, and prints how many chunk bytes it uploaded.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Args;
use ppsp_core::swarm::SwarmUri;
use ppsp_node::node::{Node, NodeConfig, NodeHandle, SwarmStorage};
use ppsp_node::storage::{SeedFile, SeedOptions};
use ppsp_node::tracking::Tracking;
use ppsp_wire::ids::SwarmId;
use ppsp_wire::ppspp::MerkleHashFunction;
use ppsp_wire::tracker::PeerMode;

use crate::hash::parse_chunk_size;
use crate::node_run::{
    Rate, check_tracker_url, interrupted, join_trackers, leave_trackers, mib, parse_addr,
    parse_interval, runtime,
};

/// Arguments of `ppsp seed`.
#[derive(Debug, Args)]
pub(crate) struct SeedArgs {
    /// The file to serve (read in place, never copied or changed).
    file: PathBuf,
    /// UDP address to serve on.
    #[arg(long, default_value = "0.0.0.0:6778")]
    listen: String,
    /// Tracker to register with (http:// or https:// URL); repeatable.
    #[arg(long)]
    tracker: Vec<String>,
    /// Chunk size in bytes, 1 to 16777216 [RFC 7574 default: 1024].
    #[arg(long, default_value = "1024", allow_hyphen_values = true)]
    chunk_size: String,
    /// Merkle hash function: sha1, sha224, sha256, sha384 or sha512.
    #[arg(long, default_value = "sha256")]
    hash: String,
    /// Seconds between progress lines on stderr; 0 for none.
    #[arg(long, default_value = "5")]
    log_interval: String,
}

pub(crate) fn run(args: &SeedArgs) -> Result<()> {
    let listen = parse_addr("--listen", &args.listen)?;
    let hash: MerkleHashFunction = args.hash.parse()?;
    let options = SeedOptions {
        chunk_size: parse_chunk_size(&args.chunk_size)?,
        hash_function: hash.into(),
        ..SeedOptions::default()
    };
    let interval = parse_interval(&args.log_interval)?;
    for url in &args.tracker {
        check_tracker_url(url)?;
    }
    let seed = SeedFile::open(&args.file, &options)?;
    let runtime = runtime()?;
    runtime.block_on(serve(args, listen, seed, interval))
}

async fn serve(
    args: &SeedArgs,
    listen: SocketAddr,
    seed: SeedFile,
    interval: Option<std::time::Duration>,
) -> Result<()> {
    let metadata = seed.metadata().clone();
    let swarm = metadata.swarm_id.clone();
    let (chunks, length) = (seed.chunk_count(), seed.content_len());
    let config =
        NodeConfig::for_chunk_size(listen, seed.metadata().fixed_chunk_size().unwrap_or(1024));
    let (node, _events) = Node::spawn(config)?;
    node.add_swarm(SwarmStorage::seed(seed)).await?;
    let trackers = join_trackers(&node, &swarm, &args.tracker, PeerMode::Seeder).await?;
    let peers = advertised(node.local_addr(), &trackers);
    let uri = SwarmUri {
        metadata,
        trackers: args.tracker.clone(),
        peers: peers.into_iter().collect(),
    };
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{uri}")
        .and_then(|()| stdout.flush())
        .context("write the swarm URI")?;
    eprintln!(
        "ppsp seed: serving {} ({chunks} chunks, {}) on {}",
        args.file.display(),
        mib(length),
        node.local_addr()
    );
    if node.local_addr().ip().is_unspecified() && trackers.is_empty() {
        eprintln!(
            "ppsp seed: listening on an unspecified address: peers need peer=HOST:{} added to the URI, or --listen IP:PORT",
            node.local_addr().port()
        );
    }
    let result = run_until_interrupted(&node, &swarm, interval).await;
    leave_trackers(trackers).await;
    let uploaded = node
        .report(swarm.clone())
        .await
        .ok()
        .flatten()
        .map_or(0, |r| r.swarm.payload_bytes_up);
    node.shutdown().await;
    eprintln!("ppsp seed: stopped; uploaded {uploaded} bytes of chunks");
    result
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

/// Prints progress until Ctrl-C or SIGTERM.
async fn run_until_interrupted(
    node: &NodeHandle,
    swarm: &SwarmId,
    interval: Option<std::time::Duration>,
) -> Result<()> {
    let signal = interrupted();
    tokio::pin!(signal);
    let Some(interval) = interval else {
        return signal.await;
    };
    let mut ticks = tokio::time::interval(interval);
    ticks.tick().await;
    let mut rate = Rate::new(0);
    loop {
        tokio::select! {
            result = &mut signal => return result,
            _ = ticks.tick() => {
                let Some(report) = node.report(swarm.clone()).await? else {
                    return Ok(());
                };
                let up = report.swarm.payload_bytes_up;
                eprintln!(
                    "ppsp seed: uploaded {}, {}, {} peers",
                    mib(up),
                    rate.update(up),
                    report.swarm.peers
                );
            }
        }
    }
}
