//! One demo peer: a full node on its own loopback UDP socket that joins the live swarm
//! through the tracker and plays the stream, checking every chunk against the source's.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use ppsp_core::engine::LiveSettings;
use ppsp_core::swarm::SwarmMetadata;
use ppsp_node::node::{LiveStart, Node, NodeConfig, NodeHandle, SwarmStorage};
use ppsp_node::tracking::{Tracking, TrackingConfig};
use ppsp_wire::tracker::PeerMode;

use super::stream::TestStream;

/// What the demo knows of one peer, filled in by its task.
#[derive(Debug, Default)]
pub(super) struct PeerRecord {
    /// The running node, once started.
    pub(super) node: Option<NodeHandle>,
    /// When it joined the swarm.
    pub(super) joined: Option<Instant>,
    /// From joining to the first chunk handed to the player.
    pub(super) startup: Option<Duration>,
    /// Chunks played (read in order) and their bytes.
    pub(super) chunks_played: u64,
    /// Chunks skipped by the player because they were missed.
    pub(super) chunks_skipped: u64,
    /// Chunks whose bytes differed from the source's (never expected: they are verified).
    pub(super) corrupt: u64,
    /// Why the peer failed, if it did.
    pub(super) failure: Option<String>,
    /// Tracker registration, left at the end.
    pub(super) tracking: Option<Tracking>,
}

/// A peer record shared between its task and the demo.
#[derive(Debug, Clone, Default)]
pub(super) struct SharedPeer(Arc<Mutex<PeerRecord>>);

impl SharedPeer {
    pub(super) fn lock(&self) -> MutexGuard<'_, PeerRecord> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn fail(&self, why: String) {
        self.lock().failure.get_or_insert(why);
    }
}

/// Where a peer joins.
pub(super) struct Join {
    pub(super) metadata: SwarmMetadata,
    pub(super) tracker: String,
    pub(super) stream: TestStream,
}

/// Starts a peer after `delay`, then plays until its node stops.
pub(super) fn spawn(join: Arc<Join>, delay: Duration, record: SharedPeer) {
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        if let Err(error) = run(&join, &record).await {
            record.fail(format!("{error:#}"));
        }
    });
}

async fn run(join: &Join, record: &SharedPeer) -> anyhow::Result<()> {
    let swarm = join.metadata.swarm_id.clone();
    let listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let mut config = NodeConfig::for_chunk_size(listen, join.stream.chunk_size);
    config.max_peers_per_swarm = super::MAX_CHANNELS;
    config.endpoint.max_peers_per_swarm = super::MAX_CHANNELS;
    let (node, _events) = Node::spawn(config)?;
    let joined = Instant::now();
    {
        let mut peer = record.lock();
        peer.node = Some(node.clone());
        peer.joined = Some(joined);
    }
    node.add_swarm(SwarmStorage::LiveReceiver {
        metadata: join.metadata.clone(),
        settings: LiveSettings {
            chunk_rate: Some(join.stream.chunk_rate()),
            ..LiveSettings::default()
        },
    })
    .await?;
    let mut tracking = TrackingConfig::new(join.tracker.clone(), PeerMode::Leech);
    tracking.peer_count = super::NEIGHBOURS;
    let tracking = Tracking::join(&node, swarm.clone(), tracking).await?;
    record.lock().tracking = Some(tracking);
    let mut reader = node.live_reader(swarm, LiveStart::JoinPoint).await?;
    // Ends when the demo shuts the node down.
    while let Some(chunk) = reader.next_chunk().await {
        let intact = chunk.data == join.stream.chunk(chunk.index);
        let mut peer = record.lock();
        peer.startup.get_or_insert_with(|| joined.elapsed());
        peer.chunks_played += 1;
        peer.chunks_skipped += chunk.skipped;
        if !intact {
            peer.corrupt += 1;
        }
    }
    Ok(())
}
