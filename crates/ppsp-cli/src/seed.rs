//! `ppsp seed FILE`: hash a file, serve it to the swarm over RFC 7574 (UDP), and print its
//! swarm URI on stdout as the first line, until Ctrl-C or SIGTERM.
//!
//! The URI carries the metadata, the trackers and this node's address as `peer=`, so it is
//! all a `ppsp get` needs. Progress goes to stderr; on shutdown the node leaves its trackers,
//! sends closing handshakes, and prints how many chunk bytes it uploaded.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use ppsp_node::node::{Node, NodeHandle, SwarmStorage};
use ppsp_node::storage::{SeedFile, SeedOptions};
use ppsp_wire::ids::SwarmId;
use ppsp_wire::ppspp::MerkleHashFunction;
use ppsp_wire::tracker::PeerMode;

use crate::hash::parse_chunk_size;
use crate::node_run::{
    Rate, check_tracker_url, interrupted, join_trackers, leave_trackers, mib, parse_addr,
    parse_interval, print_swarm_uri, runtime,
};

/// Arguments of `ppsp seed`.
#[derive(Debug, Args)]
pub(crate) struct SeedArgs {
    /// The file to serve (read in place, never copied or changed).
    file: PathBuf,
    /// UDP address to serve on [default: 0.0.0.0:6778].
    #[arg(long, env = "PPSP_LISTEN")]
    listen: Option<String>,
    /// Tracker to register with (http:// or https:// URL); repeatable.
    #[arg(long, env = "PPSP_TRACKER", value_delimiter = ',')]
    tracker: Vec<String>,
    /// Chunk size in bytes, 1 to 16777216 [RFC 7574 default: 1024].
    #[arg(long, env = "PPSP_CHUNK_SIZE", allow_hyphen_values = true)]
    chunk_size: Option<String>,
    /// Merkle hash function: sha1, sha224, sha256, sha384 or sha512 [default: sha256].
    #[arg(long, env = "PPSP_HASH")]
    hash: Option<String>,
    /// Seconds between progress lines on stderr; 0 for none.
    #[arg(long, default_value = "5")]
    log_interval: String,
    #[command(flatten)]
    transport: crate::transports::TransportArgs,
    #[command(flatten)]
    node: crate::config::NodeOptions,
}

pub(crate) fn run(args: &SeedArgs) -> Result<()> {
    let settings = args.node.load()?;
    let listen = match &args.listen {
        Some(text) => parse_addr("--listen", text)?,
        None => settings
            .node
            .listen
            .unwrap_or(SocketAddr::from(([0, 0, 0, 0], 6778))),
    };
    let hash: MerkleHashFunction = args
        .hash
        .as_deref()
        .unwrap_or(&settings.node.hash)
        .parse()?;
    let chunk_size = match &args.chunk_size {
        Some(text) => parse_chunk_size(text)?,
        None => settings.node.chunk_size,
    };
    let options = SeedOptions {
        chunk_size,
        hash_function: hash.into(),
        ..SeedOptions::default()
    };
    let interval = parse_interval(&args.log_interval)?;
    let trackers = settings.trackers(&args.tracker);
    for url in &trackers {
        check_tracker_url(url)?;
    }
    let seed = SeedFile::open(&args.file, &options)?;
    let runtime = runtime()?;
    runtime.block_on(serve(args, &settings, trackers, listen, seed, interval))
}

async fn serve(
    args: &SeedArgs,
    settings: &crate::config::Settings,
    tracker_urls: Vec<String>,
    listen: SocketAddr,
    seed: SeedFile,
    interval: Option<std::time::Duration>,
) -> Result<()> {
    let metadata = seed.metadata().clone();
    let swarm = metadata.swarm_id.clone();
    let (chunks, length) = (seed.chunk_count(), seed.content_len());
    let mut config =
        settings.node_config(listen, seed.metadata().fixed_chunk_size().unwrap_or(1024));
    args.transport.apply(&mut config, settings)?;
    let (node, _events) = Node::spawn(config)?;
    crate::transports::announce("seed", &node);
    node.add_swarm(SwarmStorage::seed(seed)).await?;
    let trackers = join_trackers(&node, &swarm, &tracker_urls, PeerMode::Seeder).await?;
    print_swarm_uri(metadata, tracker_urls, node.local_addr(), &trackers)?;
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
