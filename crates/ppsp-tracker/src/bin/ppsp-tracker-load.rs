//! Load generator and benchmark for the tracker: starts a tracker in this process on
//! 127.0.0.1 (loopback only), registers `--peers` peers over `--swarms` swarms with CONNECT
//! (JOIN as LEECH, with a 20-peer list), then sends `--finds` FINDs, and reports requests per
//! second, p50/p99 latency and memory per peer. Every phase is bounded by a request count and
//! by `--max-seconds`.
//!
//! ## Usage
//!
//! ```text
//! cargo run --release -p ppsp-tracker --bin ppsp-tracker-load -- \
//!     [--peers 100000] [--swarms 1000] [--finds 100000] [--connections 16] \
//!     [--max-seconds 120] [--redis redis://127.0.0.1:6379/]
//! ```
//!
//! Memory per peer is the tracker process's resident set growth (`/proc/self/status`) for the
//! in-memory store, and Redis's `used_memory` growth for the Redis store.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use ppsp_tracker::{Config, Server};
use ppsp_wire::ids::TransactionId;
use ppsp_wire::tracker::{
    Action, Connect, Find, PeerMode, PeerNum, RequestBody, SwarmAction, TrackerEncoding,
    TrackerPeerId, TrackerRequest,
};

struct Options {
    peers: usize,
    swarms: usize,
    finds: usize,
    connections: usize,
    max_seconds: u64,
    redis: Option<String>,
}

fn options() -> anyhow::Result<Options> {
    let mut options = Options {
        peers: 100_000,
        swarms: 1_000,
        finds: 100_000,
        connections: 16,
        max_seconds: 120,
        redis: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--peers" => options.peers = value()?.parse()?,
            "--swarms" => options.swarms = value()?.parse()?,
            "--finds" => options.finds = value()?.parse()?,
            "--connections" => options.connections = value()?.parse()?,
            "--max-seconds" => options.max_seconds = value()?.parse()?,
            "--redis" => options.redis = Some(value()?),
            other => bail!("unknown flag {other}; see the doc comment of this binary"),
        }
    }
    if options.swarms == 0 || options.connections == 0 {
        bail!("--swarms and --connections must be positive");
    }
    Ok(options)
}

fn peer_num() -> PeerNum {
    PeerNum {
        peer_count: 20,
        ability_nat: None,
        concurrent_links: None,
        online_time: None,
        upload_bandwidth: None,
    }
}

fn swarm_of(options: &Options, peer: usize) -> ppsp_wire::ids::SwarmId {
    let n = u32::try_from(peer % options.swarms).unwrap_or(0);
    ppsp_wire::ids::SwarmId::new(n.to_be_bytes().to_vec()).expect("4 bytes is a valid swarm ID")
}

fn request(peer: usize, body: RequestBody) -> String {
    let tid = TransactionId::new(format!("t{peer}")).expect("valid transaction ID");
    let peer_id = TrackerPeerId::new(format!("peer{peer:07}")).expect("valid peer ID");
    TrackerEncoding::Json.encode_request(&TrackerRequest::new(tid, peer_id, body))
}

/// Sends the bodies `make(i)` for i in 0..count over `connections` kept-alive connections;
/// returns the elapsed time, the latencies in microseconds and the non-200 answers.
async fn phase(
    addr: SocketAddr,
    connections: usize,
    count: usize,
    limit: Duration,
    make: Arc<dyn Fn(usize) -> String + Send + Sync>,
) -> anyhow::Result<(Duration, Vec<u32>, usize)> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..connections {
        let (next, make) = (Arc::clone(&next), Arc::clone(&make));
        workers.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let (mut sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(connection);
            let (mut latencies, mut failures) = (Vec::new(), 0usize);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count || started.elapsed() > limit {
                    return anyhow::Ok((latencies, failures));
                }
                let body = make(i);
                let request = hyper::Request::post("/")
                    .header("host", "127.0.0.1")
                    .header("content-type", TrackerEncoding::Json.media_type())
                    .body(Full::new(Bytes::from(body)))?;
                let sent = Instant::now();
                sender.ready().await?;
                let response = sender.send_request(request).await?;
                let ok = response.status().is_success();
                response.into_body().collect().await?;
                latencies.push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
                failures += usize::from(!ok);
            }
        }));
    }
    let (mut latencies, mut failures) = (Vec::new(), 0);
    for worker in workers {
        let (l, f) = worker.await??;
        latencies.extend(l);
        failures += f;
    }
    latencies.sort_unstable();
    Ok((started.elapsed(), latencies, failures))
}

fn report(name: &str, (elapsed, latencies, failures): &(Duration, Vec<u32>, usize)) {
    let pick = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0)
    };
    println!(
        "{name}: {} requests in {:.1} s = {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, non-200 {failures}",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        f64::from(pick(0.5)) / 1000.0,
        f64::from(pick(0.99)) / 1000.0,
    );
}

/// The resident set of this process, in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Redis's `used_memory`, in bytes.
async fn redis_memory(url: &str) -> anyhow::Result<u64> {
    let mut connection = redis::Client::open(url)?
        .get_multiplexed_async_connection()
        .await?;
    let info: String = redis::cmd("INFO")
        .arg("memory")
        .query_async(&mut connection)
        .await?;
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .context("no used_memory in INFO")
}

async fn memory(options: &Options) -> anyhow::Result<u64> {
    match &options.redis {
        Some(url) => redis_memory(url).await,
        None => Ok(rss()),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = Arc::new(options()?);
    let mut config = Config::default();
    config.server.listen = "127.0.0.1:0".parse()?;
    config.server.rate_limit_per_second = 0.0;
    config.server.redis_url = options.redis.clone();
    config.server.redis_prefix = format!("bench{}:", std::process::id());
    config.registry.track_timer = Duration::from_secs(3_600);
    let (addr, server) = Server::bind(config).await?;
    let store = if options.redis.is_some() {
        "Redis"
    } else {
        "in-memory"
    };
    println!(
        "tracker on http://{addr}/ ({store} store), {} peers over {} swarms, {} connections",
        options.peers, options.swarms, options.connections
    );
    let limit = Duration::from_secs(options.max_seconds);
    let before = memory(&options).await?;
    let o = Arc::clone(&options);
    let connects = phase(
        addr,
        options.connections,
        options.peers,
        limit,
        Arc::new(move |i| {
            let join = SwarmAction {
                swarm_id: swarm_of(&o, i),
                action: Action::Join,
                mode: PeerMode::Leech,
            };
            request(
                i,
                RequestBody::Connect(Connect {
                    peer_num: Some(peer_num()),
                    peer_addrs: vec![],
                    swarm_actions: vec![join],
                }),
            )
        }),
    )
    .await?;
    let after = memory(&options).await?;
    report("CONNECT (JOIN as LEECH, 20-peer list)", &connects);
    let registered = connects.1.len().max(1);
    let o = Arc::clone(&options);
    let finds = phase(
        addr,
        options.connections,
        options.finds,
        limit,
        Arc::new(move |i| {
            let peer = (i.wrapping_mul(7_919)) % registered;
            request(
                peer,
                RequestBody::Find(Find {
                    swarm_id: swarm_of(&o, peer),
                    peer_num: Some(peer_num()),
                }),
            )
        }),
    )
    .await?;
    report("FIND (20-peer list)", &finds);
    let grown = after.saturating_sub(before);
    println!(
        "memory: {} MiB before, {} MiB after registering; {:.0} bytes per peer ({})",
        before / (1 << 20),
        after / (1 << 20),
        grown as f64 / registered as f64,
        if options.redis.is_some() {
            "Redis used_memory"
        } else {
            "tracker process RSS"
        },
    );
    server.shutdown().await
}
