//! `ppsp demo`: the project's main job on loopback with nothing to install: an embedded
//! tracker, a live source producing a synthetic test stream at a fixed bitrate, and a swarm
//! of peers that join through the tracker and play it; a live view while it runs and a QoE
//! report at the end (text, or JSON with `--json`).
//!
//! Everything runs in this one process: each peer is a full node (its own UDP socket on
//! 127.0.0.1 and its own driver thread, the code `ppsp get` runs), so the traffic is real
//! RFC 7574 over loopback, while the report reads every engine's counters directly instead
//! of needing a reporting protocol between processes, and nothing is left running if the
//! demo is killed. Exits 0 after the duration if every peer played the stream intact.

mod peer;
mod report;
mod stream;
mod view;

use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use clap::Args;
use ppsp_core::engine::{LiveSettings, live_metadata};
use ppsp_node::node::{Node, NodeConfig, NodeHandle, SwarmStorage};
use ppsp_node::tracking::{Tracking, TrackingConfig};
use ppsp_tracker::{Config, Server};
use ppsp_wire::ids::SwarmId;
use ppsp_wire::tracker::PeerMode;
use tokio::time::MissedTickBehavior;

use self::peer::{Join, SharedPeer};
use self::report::{PeerOutcome, Report, Totals};
use self::stream::{TestStream, parse_bitrate, parse_duration};
use self::view::{Snapshot, View};
use crate::hash::parse_chunk_size;
use crate::live::key;
use crate::node_run::{interrupted, runtime};

/// Chunks under each signature: a munro every four chunks (about a quarter second at the
/// default rate) keeps signature checks few without delaying announcements much.
const CHUNKS_PER_SIGNATURE: u32 = 4;

/// Default chunk size of the demo: 16 KiB makes a 2 Mbit/s stream 15 chunks a second, so
/// twenty peers and their per-chunk messages fit a small machine even in a debug build.
const DEMO_CHUNK: &str = "16384";

/// Peers each peer asks the tracker for, and the most channels it keeps per swarm: a
/// handful of neighbours relay the stream as well as everyone would, with far fewer
/// announcements.
pub(super) const NEIGHBOURS: u8 = 5;
pub(super) const MAX_CHANNELS: usize = 8;

/// Upload slots of the source: it feeds a few peers, and they relay to the rest.
const SOURCE_UPLOAD_SLOTS: usize = 3;

/// Time the source streams before the first peer joins, so that it has chunks to offer.
const LEAD: Duration = Duration::from_secs(1);

/// Longest wait for one node's answer while sampling or shutting down.
const NODE_ANSWER: Duration = Duration::from_secs(5);

/// Arguments of `ppsp demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Peers watching the stream, 1 to 200.
    #[arg(long, default_value = "20")]
    peers: usize,
    /// How long the stream runs (20, 20s, 2m).
    #[arg(long, default_value = "60s")]
    duration: String,
    /// Chunk size in bytes.
    #[arg(long, default_value = DEMO_CHUNK, allow_hyphen_values = true)]
    chunk_size: String,
    /// Bitrate of the test stream in bits per second (2M, 500k).
    #[arg(long, default_value = "2M")]
    bitrate: String,
    /// Peers join spread over this time after the first second (0 for all at once).
    #[arg(long, default_value = "2s")]
    stagger: String,
    /// Print the report as JSON on stdout (the live view goes to stderr).
    #[arg(long)]
    json: bool,
}

/// The validated settings.
struct Plan {
    peers: usize,
    duration: Duration,
    stagger: Duration,
    stream: TestStream,
}

pub(crate) fn run(args: &DemoArgs) -> Result<()> {
    if !(1..=200).contains(&args.peers) {
        bail!("--peers: expected 1 to 200, not {}", args.peers);
    }
    let duration = parse_duration("--duration", &args.duration)?;
    if duration < Duration::from_secs(5) {
        bail!("--duration: at least 5 s, to see peers play");
    }
    let stagger = parse_duration("--stagger", &args.stagger)?;
    if stagger > duration / 2 {
        bail!("--stagger: at most half the duration");
    }
    let stream = TestStream {
        chunk_size: parse_chunk_size(&args.chunk_size)?,
        bits_per_second: parse_bitrate(&args.bitrate)?,
    };
    if stream.chunk_rate() > 2000.0 || stream.chunk_rate() < 1.0 {
        bail!(
            "--bitrate with --chunk-size gives {:.1} chunks per second; keep it from 1 to 2000",
            stream.chunk_rate()
        );
    }
    let plan = Plan {
        peers: args.peers,
        duration,
        stagger,
        stream,
    };
    let view = if args.json {
        View::new(Box::new(std::io::stderr()), false)
    } else {
        let table = std::io::stdout().is_terminal();
        View::new(Box::new(std::io::stdout()), table)
    };
    let report = runtime()?.block_on(demo(&plan, view))?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).context("encode the report")?
        );
    } else {
        println!("{report}");
    }
    if report.peers_failed > 0 {
        bail!("{} of {} peers failed", report.peers_failed, report.peers);
    }
    Ok(())
}

/// The source's side: its node, what it pushed, its tracker registration.
struct Source {
    node: NodeHandle,
    pushed: Arc<AtomicU64>,
    tracking: Tracking,
}

async fn demo(plan: &Plan, mut view: View) -> Result<Report> {
    let (tracker_url, tracker) = start_tracker().await?;
    let signing_key = key::generate()?;
    // Ten seconds of stream: far more than the playback buffer, little memory per peer.
    let window = ((plan.stream.chunk_rate() * 10.0).ceil() as u64).max(256);
    let metadata = live_metadata(
        &signing_key.public_key(),
        plan.stream.chunk_size,
        Some(CHUNKS_PER_SIGNATURE),
        Some(window),
    )?;
    let swarm = metadata.swarm_id.clone();
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let mut config = NodeConfig::for_chunk_size(loopback, plan.stream.chunk_size);
    config.endpoint.upload_slots = SOURCE_UPLOAD_SLOTS;
    config.max_peers_per_swarm = MAX_CHANNELS;
    config.endpoint.max_peers_per_swarm = MAX_CHANNELS;
    let (node, _events) = Node::spawn(config)?;
    node.add_swarm(SwarmStorage::LiveSource {
        metadata: metadata.clone(),
        key: Box::new(signing_key),
        settings: LiveSettings {
            chunk_rate: Some(plan.stream.chunk_rate()),
            ntp_at_start: key::ntp_now(),
            ..LiveSettings::default()
        },
    })
    .await?;
    let tracking = Tracking::join(
        &node,
        swarm.clone(),
        TrackingConfig::new(tracker_url.clone(), PeerMode::Seeder),
    )
    .await?;
    let started = Instant::now();
    let source = Source {
        pushed: Arc::new(AtomicU64::new(0)),
        node,
        tracking,
    };
    let pusher = tokio::spawn(push(
        source.node.clone(),
        swarm.clone(),
        plan.stream,
        Arc::clone(&source.pushed),
        started + plan.duration,
    ));
    let join = Arc::new(Join {
        metadata,
        tracker: tracker_url,
        stream: plan.stream,
    });
    let peers: Vec<SharedPeer> = (0..plan.peers).map(|_| SharedPeer::default()).collect();
    for (i, record) in peers.iter().enumerate() {
        let delay = LEAD + plan.stagger.mul_f64(i as f64 / plan.peers as f64);
        peer::spawn(Arc::clone(&join), delay, record.clone());
    }
    let mut sampler = Sampler::new(plan, &swarm, &source, &peers);
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ticks.tick().await;
    // Ctrl-C ends the run early, with the report of what ran.
    let signal = interrupted();
    tokio::pin!(signal);
    let mut stopped_early = false;
    while started.elapsed() < plan.duration {
        tokio::select! {
            _ = &mut signal => {
                stopped_early = true;
                break;
            }
            _ = ticks.tick() => {}
        }
        let snapshot = sampler.sample(started.elapsed()).await;
        view.show(&snapshot);
    }
    let push_result = if stopped_early {
        pusher.abort();
        Ok(())
    } else {
        pusher.await.context("the source task failed")?
    };
    let report = sampler.report(started.elapsed()).await;
    shut_down(source, &peers).await;
    let _ = tracker.shutdown().await;
    push_result?;
    Ok(report)
}

/// The embedded tracker on loopback, without the per-address limits meant for the
/// Internet (every peer here comes from 127.0.0.1).
async fn start_tracker() -> Result<(String, ppsp_tracker::ServerHandle)> {
    let mut config = Config::default();
    config.server.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.server.max_connections_per_address = 0;
    config.server.rate_limit_per_second = 0.0;
    let (addr, handle) = Server::bind(config)
        .await
        .context("start the embedded tracker")?;
    Ok((format!("http://{addr}/"), handle))
}

/// Pushes the test stream at its rate until `until`.
async fn push(
    node: NodeHandle,
    swarm: SwarmId,
    stream: TestStream,
    pushed: Arc<AtomicU64>,
    until: Instant,
) -> Result<()> {
    let mut ticks = tokio::time::interval(stream.period());
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut index = 0;
    while Instant::now() < until {
        ticks.tick().await;
        node.push_live_chunk(swarm.clone(), stream.chunk(index))
            .await
            .context("the source refused a chunk")?;
        index += 1;
        pushed.store(index, Ordering::Relaxed);
    }
    Ok(())
}

/// Reads the swarm once a second: the view, and the lag samples the report averages.
struct Sampler<'a> {
    plan: &'a Plan,
    swarm: &'a SwarmId,
    source: &'a Source,
    peers: &'a [SharedPeer],
    /// Sum and count of each peer's lag samples, in seconds.
    lags: Vec<(f64, u64)>,
    last: Option<(Instant, u64, u64)>,
}

/// One peer's figures at one moment.
struct PeerNow {
    join_chunk: Option<u64>,
    on_time: u64,
    missed: u64,
    playhead: Option<u64>,
    payload_down: u64,
    payload_up: u64,
    bytes_up: u64,
}

impl<'a> Sampler<'a> {
    fn new(
        plan: &'a Plan,
        swarm: &'a SwarmId,
        source: &'a Source,
        peers: &'a [SharedPeer],
    ) -> Self {
        Self {
            plan,
            swarm,
            source,
            peers,
            lags: vec![(0.0, 0); peers.len()],
            last: None,
        }
    }

    /// A peer's node figures, `None` if it has no node yet; an error if it stopped.
    async fn peer_now(&self, node: &NodeHandle) -> Result<PeerNow> {
        let ask = async {
            let status = node.live_status(self.swarm.clone()).await?;
            let report = node.report(self.swarm.clone()).await?;
            anyhow::Ok((status, report))
        };
        let (status, report) = tokio::time::timeout(NODE_ANSWER, ask)
            .await
            .context("the node did not answer")??;
        let (Some(status), Some(report)) = (status, report) else {
            bail!("the node is not in the swarm");
        };
        Ok(PeerNow {
            join_chunk: status.join_chunk,
            on_time: status.chunks_on_time,
            missed: status.chunks_missed,
            playhead: status.playhead,
            payload_down: report.swarm.payload_bytes_down,
            payload_up: report.swarm.payload_bytes_up,
            bytes_up: report.swarm.bytes_up,
        })
    }

    async fn sample(&mut self, elapsed: Duration) -> Snapshot {
        let pushed = self.source.pushed.load(Ordering::Relaxed);
        let rate = self.plan.stream.chunk_rate();
        let mut snapshot = Snapshot {
            elapsed,
            duration: self.plan.duration,
            peers: self.peers.len(),
            ..Snapshot::default()
        };
        let (mut on_time, mut due, mut down) = (0, 0, 0);
        let mut lags = Vec::new();
        for (i, record) in self.peers.iter().enumerate() {
            let node = {
                let peer = record.lock();
                if peer.failure.is_some() {
                    snapshot.failed += 1;
                }
                if peer.chunks_played > 0 {
                    snapshot.playing += 1;
                }
                peer.node.clone()
            };
            let Some(node) = node else { continue };
            snapshot.joined += 1;
            let Ok(now) = self.peer_now(&node).await else {
                continue;
            };
            on_time += now.on_time;
            due += now.on_time + now.missed;
            down += now.payload_down;
            if now.on_time + now.missed > 0 {
                let mine = now.on_time as f64 / (now.on_time + now.missed) as f64;
                snapshot.worst_continuity =
                    Some(snapshot.worst_continuity.map_or(mine, |w: f64| w.min(mine)));
            }
            if let Some(playhead) = now.playhead {
                let lag = pushed.saturating_sub(playhead) as f64 / rate;
                self.lags[i].0 += lag;
                self.lags[i].1 += 1;
                lags.push(lag);
            }
        }
        snapshot.continuity = (due > 0).then(|| on_time as f64 / due as f64);
        snapshot.mean_lag =
            (!lags.is_empty()).then(|| lags.iter().sum::<f64>() / lags.len() as f64);
        let source_up = self
            .source_report()
            .await
            .map_or(0, |r| r.swarm.payload_bytes_up);
        let copy = pushed * u64::from(self.plan.stream.chunk_size);
        snapshot.source_upload_ratio = source_up as f64 / copy.max(1) as f64;
        let now = Instant::now();
        if let Some((at, last_up, last_down)) = self.last {
            let secs = now.duration_since(at).as_secs_f64().max(1e-3);
            snapshot.source_up_rate = source_up.saturating_sub(last_up) as f64 / secs;
            snapshot.peers_down_rate = down.saturating_sub(last_down) as f64 / secs;
        }
        self.last = Some((now, source_up, down));
        snapshot
    }

    async fn source_report(&self) -> Option<ppsp_node::node::SwarmReport> {
        let ask = self.source.node.report(self.swarm.clone());
        tokio::time::timeout(NODE_ANSWER, ask).await.ok()?.ok()?
    }

    /// The final figures of every peer and the totals.
    async fn report(&mut self, elapsed: Duration) -> Report {
        let source = self.source_report().await;
        let mut totals = Totals {
            duration_s: elapsed.as_secs_f64(),
            bits_per_second: self.plan.stream.bits_per_second,
            chunk_size: self.plan.stream.chunk_size,
            chunks_produced: self.source.pushed.load(Ordering::Relaxed),
            first_watched: u64::MAX,
            source_payload_up: source.map_or(0, |r| r.swarm.payload_bytes_up),
            payload_bytes: source.map_or(0, |r| r.swarm.payload_bytes_up),
            datagram_bytes: source.map_or(0, |r| r.swarm.bytes_up),
        };
        let mut outcomes = Vec::new();
        for (i, record) in self.peers.iter().enumerate() {
            let node = record.lock().node.clone();
            let now = match node {
                Some(node) => self.peer_now(&node).await.map_err(|e| format!("{e:#}")),
                None => Err("never started".to_string()),
            };
            let peer = record.lock();
            let (sum, count) = self.lags[i];
            let mut outcome = PeerOutcome {
                startup: peer.startup.map(|d| d.as_secs_f64()),
                mean_lag: (count > 0).then(|| sum / count as f64),
                failure: peer.failure.clone(),
                ..PeerOutcome::default()
            };
            match now {
                Ok(now) => {
                    if let Some(join) = now.join_chunk {
                        totals.first_watched = totals.first_watched.min(join);
                    }
                    outcome.on_time = now.on_time;
                    outcome.missed = now.missed;
                    totals.payload_bytes += now.payload_up;
                    totals.datagram_bytes += now.bytes_up;
                }
                Err(error) => {
                    outcome.failure.get_or_insert(error);
                }
            }
            if peer.corrupt > 0 {
                outcome.failure.get_or_insert(format!(
                    "{} chunks differed from the source's",
                    peer.corrupt
                ));
            }
            if peer.chunks_played == 0 {
                outcome.failure.get_or_insert("played nothing".to_string());
            }
            outcomes.push(outcome);
        }
        if totals.first_watched == u64::MAX {
            totals.first_watched = 0;
        }
        Report::new(&totals, &outcomes)
    }
}

/// Leaves the tracker and stops every node, each bounded in time.
async fn shut_down(source: Source, peers: &[SharedPeer]) {
    for record in peers {
        let (tracking, node) = {
            let mut peer = record.lock();
            (peer.tracking.take(), peer.node.take())
        };
        if let Some(tracking) = tracking {
            let _ = tokio::time::timeout(NODE_ANSWER, tracking.leave()).await;
        }
        if let Some(node) = node {
            let _ = tokio::time::timeout(NODE_ANSWER, node.shutdown()).await;
        }
    }
    let _ = tokio::time::timeout(NODE_ANSWER, source.tracking.leave()).await;
    let _ = tokio::time::timeout(NODE_ANSWER, source.node.shutdown()).await;
}
