//! Keeping a node's swarm registered with a tracker (RFC 7846): JOIN at start, peers from
//! the answer connected, a periodic STAT_REPORT as keep-alive, a FIND whenever the swarm is
//! short of peers, and LEAVE at the end.
//!
//! [`Tracking::join`] returns only once the tracker accepted the JOIN, so a tracker that is
//! down is a clear error at start (within about ten seconds with [`TrackingConfig::new`]'s
//! timeouts), not a silent swarm of one. Afterwards tracker failures are logged and retried
//! at the next tick: the swarm goes on with the peers it has.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ppsp_tracker::client::{ClientConfig, ClientError, Reply, TrackerClient};
use ppsp_wire::ids::SwarmId;
use ppsp_wire::tracker::{PeerMode, PeerNum, StreamStats, TrackerPeerId};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::node::{NodeError, NodeHandle};

mod transports;

pub use transports::PEER_PROTOCOL;
use transports::{PeerTransports, advertised_addr};

/// How to use a tracker for one swarm.
#[derive(Debug, Clone)]
pub struct TrackingConfig {
    /// The tracker and the client's timeouts.
    pub client: ClientConfig,
    /// SEEDER or LEECH.
    pub mode: PeerMode,
    /// Peers asked for in each JOIN and FIND.
    pub peer_count: u8,
    /// Period of the STAT_REPORT that keeps the registration alive; below the tracker's
    /// keep-alive interval (60 s by default).
    pub keep_alive_interval: Duration,
    /// How often the swarm's peer count is checked, and a FIND sent if it is short.
    pub find_interval: Duration,
    /// Open channels below which the tracker is asked for more peers. Complete swarms never
    /// ask: seeders wait to be found.
    pub min_peers: usize,
}

impl TrackingConfig {
    /// Defaults for the tracker at `url`: 2 s per attempt and 3 retries (about 10 s before
    /// an unreachable tracker is reported), keep-alive every 20 s, peers checked every 3 s.
    pub fn new(url: impl Into<String>, mode: PeerMode) -> Self {
        let mut client = ClientConfig::new(url);
        client.timeout = Duration::from_secs(2);
        client.retries = 3;
        client.retry_delay = Duration::from_millis(250);
        Self {
            client,
            mode,
            peer_count: 30,
            keep_alive_interval: Duration::from_secs(20),
            find_interval: Duration::from_secs(3),
            min_peers: 4,
        }
    }
}

/// Tracking failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrackingError {
    /// The tracker could not be reached or refused the request.
    #[error("tracker {url}: {source}")]
    Tracker {
        /// The tracker's URL.
        url: String,
        /// What happened.
        source: ClientError,
    },
    /// The node has stopped.
    #[error(transparent)]
    Node(#[from] NodeError),
}

/// A swarm registered with a tracker, kept alive by a background task until
/// [`Tracking::leave`].
#[derive(Debug)]
pub struct Tracking {
    client: Arc<TrackerClient>,
    url: String,
    swarm: SwarmId,
    mode: PeerMode,
    reflexive: Option<SocketAddr>,
    initial_peers: usize,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Tracking {
    /// JOINs `swarm` (which the node must already serve), connects the node to the peers
    /// in the answer, and starts the keep-alive task on the current runtime.
    pub async fn join(
        node: &NodeHandle,
        swarm: SwarmId,
        config: TrackingConfig,
    ) -> Result<Self, TrackingError> {
        let url = config.client.url.clone();
        let tracker_error = |source| TrackingError::Tracker {
            url: url.clone(),
            source,
        };
        // The node's own peer ID, so that tracker lists and XML FIND answers name it alike.
        let peer_id = TrackerPeerId::from(node.peer_id());
        let client =
            Arc::new(TrackerClient::new(config.client.clone(), peer_id).map_err(tracker_error)?);
        let addr = advertised_addr(node);
        let reply = client
            .join(
                swarm.clone(),
                config.mode,
                vec![addr],
                Some(peer_num(&config)),
            )
            .await
            .map_err(tracker_error)?;
        let initial_peers = connect_peers(node, &client, &swarm, &reply).await?;
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(keep_alive(
            node.clone(),
            Arc::clone(&client),
            swarm.clone(),
            config.clone(),
            stopped,
        ));
        Ok(Self {
            client,
            url,
            swarm,
            mode: config.mode,
            reflexive: reply.reflexive,
            initial_peers,
            stop,
            task,
        })
    }

    /// The address the tracker saw our request come from (our public address behind NAT).
    pub fn reflexive(&self) -> Option<SocketAddr> {
        self.reflexive
    }

    /// Peers the JOIN answer named (not counting ourselves).
    pub fn initial_peers(&self) -> usize {
        self.initial_peers
    }

    /// Stops the keep-alive task and LEAVEs the swarm.
    pub async fn leave(self) -> Result<(), TrackingError> {
        let _ = self.stop.send(());
        let _ = self.task.await;
        self.client
            .leave(&[(self.swarm, self.mode)])
            .await
            .map(drop)
            .map_err(|source| TrackingError::Tracker {
                url: self.url,
                source,
            })
    }
}

fn peer_num(config: &TrackingConfig) -> PeerNum {
    PeerNum {
        peer_count: config
            .peer_count
            .clamp(1, ppsp_wire::tracker::MAX_PEER_COUNT),
        ability_nat: None,
        concurrent_links: None,
        online_time: None,
        upload_bandwidth: None,
    }
}

/// Connects the node to the peers of `reply` other than itself, over UDP when both speak it,
/// and hands them to its signalling plane; returns how many there were.
async fn connect_peers(
    node: &NodeHandle,
    client: &TrackerClient,
    swarm: &SwarmId,
    reply: &Reply,
) -> Result<usize, NodeError> {
    let mut count = 0;
    for result in reply.swarm_results.iter().filter(|r| &r.swarm_id == swarm) {
        for peer in &result.peers {
            let addr = peer.peer_addr.socket_addr();
            if &peer.peer_id == client.peer_id() || addr == node.local_addr() {
                continue;
            }
            count += 1;
            let transports = PeerTransports::from_tracker(&peer.peer_addr);
            node.learn_peers(swarm, &[transports.peer_info(&peer.peer_id)]);
            let Some(udp) = transports.udp.filter(|_| node.speaks_udp()) else {
                continue;
            };
            match node.connect(swarm.clone(), udp).await {
                Ok(()) | Err(NodeError::Engine(_)) => {}
                Err(error) => return Err(error),
            }
        }
    }
    Ok(count)
}

/// Hands the peers of `reply` to the node's signalling plane only (a seeder does not connect
/// to peers, but its FIND answers should list them).
fn learn_peers(node: &NodeHandle, client: &TrackerClient, swarm: &SwarmId, reply: &Reply) {
    for result in reply.swarm_results.iter().filter(|r| &r.swarm_id == swarm) {
        for peer in &result.peers {
            if &peer.peer_id == client.peer_id() {
                continue;
            }
            let transports = PeerTransports::from_tracker(&peer.peer_addr);
            node.learn_peers(swarm, &[transports.peer_info(&peer.peer_id)]);
        }
    }
}

/// Keeps the registration alive and finds peers when short of them, until `stopped`.
async fn keep_alive(
    node: NodeHandle,
    client: Arc<TrackerClient>,
    swarm: SwarmId,
    config: TrackingConfig,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut find = tokio::time::interval(config.find_interval);
    find.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut report = tokio::time::interval(config.keep_alive_interval);
    report.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // Both fire at once on the first tick; the JOIN just happened.
    find.tick().await;
    report.tick().await;
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            _ = find.tick() => {
                let Ok(Some(state)) = node.report(swarm.clone()).await else { return };
                if state.is_complete() || state.swarm.peers >= config.min_peers {
                    // With a signalling plane, FIND answers list the swarm's peers: keep
                    // learning them without connecting.
                    if node.plane().is_some() {
                        match client.find(swarm.clone(), Some(peer_num(&config))).await {
                            Ok(reply) => learn_peers(&node, &client, &swarm, &reply),
                            Err(error) => tracing::warn!(%error, "tracker FIND failed"),
                        }
                    }
                    continue;
                }
                match client.find(swarm.clone(), Some(peer_num(&config))).await {
                    Ok(reply) => {
                        if connect_peers(&node, &client, &swarm, &reply).await.is_err() {
                            return;
                        }
                    }
                    Err(error) => tracing::warn!(%error, "tracker FIND failed"),
                }
            }
            _ = report.tick() => {
                let Ok(Some(state)) = node.report(swarm.clone()).await else { return };
                let stats = StreamStats {
                    swarm_id: swarm.clone(),
                    uploaded_bytes: state.swarm.payload_bytes_up,
                    downloaded_bytes: state.swarm.payload_bytes_down,
                    available_bandwidth: 0,
                    concurrent_links: u32::try_from(state.swarm.peers).unwrap_or(u32::MAX),
                };
                if let Err(error) = client.stat_report(vec![stats]).await {
                    tracing::warn!(%error, "tracker STAT_REPORT failed");
                }
            }
        }
    }
}
