//! Benchmark: the control overhead of the XML signalling plane, the request and response
//! bytes of every XML exchange (bodies, counted by the requesting node) over the chunk
//! payload bytes received, between in-process nodes on loopback.
//!
//! * live: a live source and receivers speaking `ppspp/udp,http`; each receiver is given only
//!   the source (as a tracker would), finds the others with FIND, pulls their windows, queries
//!   properties, negotiates `ppspp/udp` (the data then flows over UDP) and pushes batched
//!   availability reports as chunks verify (Hybrid flow); the flow is rerun every few seconds
//!   as a live swarm never completes.
//! * on demand: a seeder and `http`-only downloaders (chunks over the `http` transport).
//!
//! ```text
//! cargo run --release -p ppsp-node --example signalling_overhead -- [SECONDS] [RECEIVERS]
//! ```

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use bytes::Bytes;
use ppsp_core::engine::{LiveSettings, live_metadata};
use ppsp_core::{HashFunction, LiveSigningKey};
use ppsp_node::node::{Node, NodeConfig, NodeEvent, NodeEvents, NodeHandle, SwarmStorage};
use ppsp_node::storage::{Download, DownloadFile, SeedFile, SeedOptions, SharedDownload};
use ppsp_wire::peer_list::{PeerAddress, PeerInfo, Transport};
use ppsp_wire::ppspp::LiveSignatureAlgorithm;

const LIVE_CHUNK: u32 = 1024;
/// The live stream's rate: 64 chunks of 1 KiB per second, 512 kbit/s.
const LIVE_CHUNKS_PER_SECOND: u64 = 64;
const FILE_CHUNK: u32 = 4096;
const FILE_BYTES: usize = 8 << 20;

fn spawn(transports: &[Transport], chunk: u32) -> Result<(NodeHandle, NodeEvents)> {
    let mut config = NodeConfig::for_chunk_size(SocketAddr::from(([127, 0, 0, 1], 0)), chunk);
    config.http_listen = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    config.transports = transports.to_vec();
    Ok(Node::spawn(config)?)
}

fn info(node: &NodeHandle) -> PeerInfo {
    let mut addresses = Vec::new();
    if node.speaks_udp() {
        addresses.push(PeerAddress {
            addr: node.local_addr(),
            transport: Transport::PpsppUdp,
        });
    }
    if let Some(addr) = node.http_addr() {
        addresses.push(PeerAddress {
            addr,
            transport: Transport::Http,
        });
    }
    PeerInfo {
        peer_id: node.peer_id(),
        addresses,
        properties: Vec::new(),
    }
}

/// Sums of a run.
#[derive(Debug, Default)]
struct Totals {
    xml_bytes: u64,
    payload_bytes: u64,
    found_by_find: u64,
    reports: u64,
    seconds: f64,
}

impl Totals {
    fn print(&self, label: &str) {
        let percent = self.xml_bytes as f64 / self.payload_bytes.max(1) as f64 * 100.0;
        println!(
            "{label}: xml_bytes={} payload_bytes={} overhead={percent:.3}% found_by_find={} reports_pushed={} over {:.1} s",
            self.xml_bytes, self.payload_bytes, self.found_by_find, self.reports, self.seconds
        );
    }
}

async fn live(seconds: u64, receivers: usize) -> Result<Totals> {
    let both = [Transport::PpsppUdp, Transport::Http];
    let key = LiveSigningKey::from_secret_bytes(LiveSignatureAlgorithm::Ed25519, &[7; 32])?;
    let metadata = live_metadata(&key.public_key(), LIVE_CHUNK, Some(16), Some(4096))?;
    let swarm = metadata.swarm_id.clone();
    let settings = LiveSettings {
        chunk_rate: Some(LIVE_CHUNKS_PER_SECOND as f64),
        ..LiveSettings::default()
    };
    let (source, _source_events) = spawn(&both, LIVE_CHUNK)?;
    source
        .add_swarm(SwarmStorage::LiveSource {
            metadata: metadata.clone(),
            key: Box::new(key),
            settings: settings.clone(),
        })
        .await?;
    let mut nodes = Vec::new();
    for _ in 0..receivers {
        let (node, events) = spawn(&both, LIVE_CHUNK)?;
        node.add_swarm(SwarmStorage::LiveReceiver {
            metadata: metadata.clone(),
            settings: settings.clone(),
        })
        .await?;
        // The source is all a receiver is told; the rest it finds by FIND.
        node.learn_peers(&swarm, &[info(&source)]);
        nodes.push((node, events));
    }
    let started = Instant::now();
    let period = Duration::from_micros(1_000_000 / LIVE_CHUNKS_PER_SECOND);
    let mut ticks = tokio::time::interval(period);
    for n in 0..seconds * LIVE_CHUNKS_PER_SECOND {
        ticks.tick().await;
        let data = Bytes::from(vec![(n % 251) as u8; LIVE_CHUNK as usize]);
        source.push_live_chunk(swarm.clone(), data).await?;
    }
    let mut totals = Totals {
        seconds: started.elapsed().as_secs_f64(),
        ..Totals::default()
    };
    let mut all: Vec<&NodeHandle> = nodes.iter().map(|(n, _)| n).collect();
    all.push(&source);
    for node in all {
        let stats = node.signalling_stats().context("a node without a plane")?;
        totals.xml_bytes += stats.xml_bytes;
        totals.found_by_find += stats.peers_found_by_find;
        totals.reports += stats.reports_pushed;
        if let Some(report) = node.report(swarm.clone()).await? {
            totals.payload_bytes += report.swarm.payload_bytes_down;
        }
    }
    for (node, _) in nodes {
        node.shutdown().await;
    }
    source.shutdown().await;
    Ok(totals)
}

async fn complete(events: &mut NodeEvents, limit: Duration) -> Result<()> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(NodeEvent::DownloadComplete { .. })) => return Ok(()),
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => bail!("a download did not complete within {limit:?}"),
        }
    }
}

async fn on_demand(receivers: usize) -> Result<Totals> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("source.bin");
    let bytes: Vec<u8> = (0..FILE_BYTES)
        .map(|i| (i as u8).wrapping_mul(13) ^ (i >> 11) as u8)
        .collect();
    std::fs::write(&file, &bytes)?;
    let options = SeedOptions {
        chunk_size: FILE_CHUNK,
        hash_function: HashFunction::Sha256,
        ..SeedOptions::default()
    };
    let seed = SeedFile::open(&file, &options)?;
    let metadata = seed.metadata().clone();
    let swarm = metadata.swarm_id.clone();
    let (seeder, _seeder_events) = spawn(&[Transport::PpsppUdp, Transport::Http], FILE_CHUNK)?;
    seeder.add_swarm(SwarmStorage::seed(seed)).await?;
    let started = Instant::now();
    let mut nodes = Vec::new();
    for i in 0..receivers {
        let (node, events) = spawn(&[Transport::Http], FILE_CHUNK)?;
        let Download::Partial(download) =
            DownloadFile::open(dir.path().join(format!("copy-{i}.bin")), &metadata)?
        else {
            bail!("a new download is partial");
        };
        node.add_swarm(SwarmStorage::Download {
            metadata: metadata.clone(),
            download: SharedDownload::new(download),
        })
        .await?;
        node.learn_peers(&swarm, &[info(&seeder)]);
        nodes.push((node, events));
    }
    for (_, events) in &mut nodes {
        complete(events, Duration::from_secs(300)).await?;
    }
    let mut totals = Totals {
        seconds: started.elapsed().as_secs_f64(),
        ..Totals::default()
    };
    for (node, _) in &nodes {
        let stats = node.signalling_stats().context("a node without a plane")?;
        totals.xml_bytes += stats.xml_bytes;
        totals.found_by_find += stats.peers_found_by_find;
        totals.reports += stats.reports_pushed;
        if let Some(report) = node.report(swarm.clone()).await? {
            totals.payload_bytes += report.swarm.payload_bytes_down;
        }
    }
    for (node, _) in nodes {
        node.shutdown().await;
    }
    seeder.shutdown().await;
    Ok(totals)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map_or(Ok(20), |a| a.parse())?;
    let receivers: usize = args.next().map_or(Ok(4), |a| a.parse())?;
    if !(1..=600).contains(&seconds) || !(1..=32).contains(&receivers) {
        bail!("SECONDS must be 1..=600 and RECEIVERS 1..=32");
    }
    live(seconds, receivers).await?.print(&format!(
        "live, {receivers} receivers, 512 kbit/s, {seconds} s"
    ));
    on_demand(receivers).await?.print(&format!(
        "on demand, {receivers} http-only downloaders, 8 MiB file"
    ));
    Ok(())
}
