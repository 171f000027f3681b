//! The caller's side of a node: starting it, commands, and the events it reports.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use ppsp_core::engine::{BanReason, CloseReason, EndpointStats, LiveStatus, SwarmStats};
use ppsp_wire::ids::{PeerId, SwarmId};
use ppsp_wire::peer_list::{PeerInfo, Transport};
use tokio::sync::{mpsc, oneshot};

use super::driver::Driver;
use super::live::{LiveCommand, LiveReader, LiveStart};
use super::{NodeConfig, NodeError, SwarmStorage, socket};
use crate::metrics::NodeMetrics;
use crate::signalling::{Plane, PlaneRequest, SignallingStats, new_plane};

/// Commands waiting for the driver; a full queue makes callers wait (backpressure).
const COMMAND_QUEUE: usize = 64;

/// Events waiting for the caller; when full, further events are dropped (the driver never
/// waits on a caller that does not listen).
const EVENT_QUEUE: usize = 1024;

/// Starts nodes.
#[derive(Debug)]
pub struct Node;

impl Node {
    /// Binds the socket and starts the driver thread. Fails with [`NodeError::Bind`] when the
    /// address is in use or not local. Dropping every handle shuts the node down.
    pub fn spawn(config: NodeConfig) -> Result<(NodeHandle, NodeEvents), NodeError> {
        let socket = socket::bind(config.listen, config.socket_buffer)?;
        let local_addr = socket.local_addr().map_err(NodeError::Start)?;
        let peer_id = config.peer_id.unwrap_or_else(|| PeerId(rand::random()));
        let (plane, plane_parts) = start_plane(&config, peer_id, local_addr)?;
        let (commands, command_rx) = mpsc::channel(COMMAND_QUEUE);
        let (event_tx, events) = mpsc::channel(EVENT_QUEUE);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(NodeError::Start)?;
        std::thread::Builder::new()
            .name(format!("ppsp-node {local_addr}"))
            .spawn(move || {
                runtime.block_on(async move {
                    let driver =
                        Driver::new(config, socket, event_tx).map(|driver| match plane_parts {
                            Some((plane, requests, listener)) => {
                                driver.with_plane(plane, requests, listener)
                            }
                            None => driver,
                        });
                    match driver {
                        Ok(driver) => driver.run(command_rx).await,
                        Err(error) => tracing::error!(%error, "the node's socket failed"),
                    }
                });
            })
            .map_err(NodeError::Start)?;
        Ok((
            NodeHandle {
                commands,
                local_addr,
                peer_id,
                plane,
                started: std::time::Instant::now(),
            },
            NodeEvents(events),
        ))
    }
}

/// Commands to a running node. Clones talk to the same node.
#[derive(Debug, Clone)]
pub struct NodeHandle {
    commands: mpsc::Sender<Command>,
    local_addr: SocketAddr,
    peer_id: PeerId,
    plane: Option<Arc<Plane>>,
    /// When the node started, for its uptime.
    started: std::time::Instant,
}

/// The plane, its driver's request queue and the HTTP listener, for the driver thread.
type PlaneParts = (
    Arc<Plane>,
    mpsc::UnboundedReceiver<PlaneRequest>,
    Option<std::net::TcpListener>,
);

/// Binds the HTTP listener (so a port in use is reported at once) and builds the plane, when
/// the node has an HTTP port or fetches over `http`.
fn start_plane(
    config: &NodeConfig,
    peer_id: PeerId,
    udp: SocketAddr,
) -> Result<(Option<Arc<Plane>>, Option<PlaneParts>), NodeError> {
    if config.transports.is_empty() {
        return Err(NodeError::Start(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "no transport configured: give ppspp/udp, http or both",
        )));
    }
    let listener = match config.http_listen {
        Some(addr) => {
            let bind = |addr| {
                let listener = std::net::TcpListener::bind(addr)?;
                listener.set_nonblocking(true)?;
                Ok::<_, std::io::Error>(listener)
            };
            Some(bind(addr).map_err(|source| NodeError::Bind { addr, source })?)
        }
        None => None,
    };
    if listener.is_none() && !config.transports.contains(&Transport::Http) {
        return Ok((None, None));
    }
    let http = listener
        .as_ref()
        .map(std::net::TcpListener::local_addr)
        .transpose()
        .map_err(NodeError::Start)?;
    let (plane, requests) = new_plane(
        peer_id,
        config.signalling.clone(),
        &config.transports,
        udp,
        http,
        config.endpoint.upload_slots,
    );
    Ok((Some(Arc::clone(&plane)), Some((plane, requests, listener))))
}

impl NodeHandle {
    /// The address the socket is bound to (with the port picked, if 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The node's PPSP peer ID (XML signalling, and the tracker).
    pub fn peer_id(&self) -> PeerId {
        self.peer_id
    }

    /// The signalling plane, when the node has an HTTP port or fetches over `http`.
    pub fn plane(&self) -> Option<&Arc<Plane>> {
        self.plane.as_ref()
    }

    /// Where the HTTP server (`POST /ppsp`, chunk GETs) listens, if the node runs one.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.plane.as_ref().and_then(|p| p.http_addr())
    }

    /// Whether the node moves data over UDP (RFC 7574).
    pub fn speaks_udp(&self) -> bool {
        self.plane
            .as_ref()
            .is_none_or(|p| p.speaks(&Transport::PpsppUdp))
    }

    /// Remembers peers of `swarm` learnt elsewhere (a tracker): the PULL flow starts from
    /// them and FIND answers list them. Nothing without a plane.
    pub fn learn_peers(&self, swarm: &SwarmId, peers: &[PeerInfo]) {
        if let Some(plane) = &self.plane {
            plane
                .state()
                .learn_peers(swarm, peers, std::time::Instant::now());
        }
    }

    /// What the signalling plane has done, if the node runs one.
    pub fn signalling_stats(&self) -> Option<SignallingStats> {
        self.plane.as_ref().map(|p| p.stats())
    }

    /// Every counter of the node, as `GET /metrics` shows them (render with
    /// [`NodeMetrics::render`]): asked of the driver, so they are current.
    pub async fn metrics(&self) -> Result<NodeMetrics, NodeError> {
        let mut metrics = self.ask(|reply| Command::Metrics { reply }).await?;
        metrics.uptime = self.started.elapsed();
        metrics.signalling = self.signalling_stats();
        Ok(metrics)
    }

    /// Joins a swarm with its storage.
    pub async fn add_swarm(&self, storage: SwarmStorage) -> Result<(), NodeError> {
        self.ask(|reply| Command::AddSwarm { storage, reply })
            .await?
    }

    /// Opens a channel to `peer` in `swarm`, and keeps reopening it while the swarm is not
    /// complete. Asking again for a peer already connected changes nothing.
    pub async fn connect(&self, swarm: SwarmId, peer: SocketAddr) -> Result<(), NodeError> {
        self.ask(|reply| Command::Connect { swarm, peer, reply })
            .await?
    }

    /// The counters of a swarm, `None` if the node is not in it.
    pub async fn report(&self, swarm: SwarmId) -> Result<Option<SwarmReport>, NodeError> {
        self.ask(|reply| Command::Report { swarm, reply }).await
    }

    /// Streams on demand: the chunks from `chunk` on are fetched first, in order (a player
    /// seeking or waiting for them); see [`Endpoint::set_playhead`].
    ///
    /// [`Endpoint::set_playhead`]: ppsp_core::engine::Endpoint::set_playhead
    pub async fn set_playhead(&self, swarm: SwarmId, chunk: u64) -> Result<(), NodeError> {
        self.ask(|reply| Command::SetPlayhead {
            swarm,
            chunk,
            reply,
        })
        .await?
    }

    /// Appends `data` (exactly one chunk) to a live stream this node is the source of,
    /// signs and announces it; returns the chunk's index.
    pub async fn push_live_chunk(&self, swarm: SwarmId, data: Bytes) -> Result<u64, NodeError> {
        self.ask(|reply| Command::Live(LiveCommand::Push { swarm, data, reply }))
            .await?
    }

    /// The engine's live status of a swarm (edge, join point, playhead, continuity
    /// counters); `None` if the node is not in it or it is not live.
    pub async fn live_status(&self, swarm: SwarmId) -> Result<Option<LiveStatus>, NodeError> {
        self.ask(|reply| Command::Live(LiveCommand::Status { swarm, reply }))
            .await
    }

    /// A reader of a live swarm's verified chunks in order from `start`, for a player or a
    /// file. Fails with [`NodeError::NotLive`] if the node is not in such a swarm.
    pub async fn live_reader(
        &self,
        swarm: SwarmId,
        start: LiveStart,
    ) -> Result<LiveReader, NodeError> {
        self.ask(|reply| {
            Command::Live(LiveCommand::Reader {
                swarm,
                start,
                reply,
            })
        })
        .await?
    }

    /// Leaves a swarm (closing handshakes to its peers); a download is journaled first.
    pub async fn remove_swarm(&self, swarm: SwarmId) -> Result<(), NodeError> {
        self.ask(|reply| Command::RemoveSwarm { swarm, reply })
            .await
    }

    /// Leaves every swarm, sends the closing handshakes, journals downloads and stops the
    /// driver; returns once it has. Harmless if it stopped already.
    pub async fn shutdown(&self) {
        let _ = self.ask(|reply| Command::Shutdown { reply }).await;
    }

    async fn ask<T>(
        &self,
        command: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, NodeError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(command(reply))
            .await
            .map_err(|_| NodeError::Stopped)?;
        answer.await.map_err(|_| NodeError::Stopped)
    }
}

/// What a node reports, in order. See [`NodeEvents::recv`].
#[derive(Debug)]
pub struct NodeEvents(mpsc::Receiver<NodeEvent>);

impl NodeEvents {
    /// The next event; `None` once the node has stopped and every event was read.
    pub async fn recv(&mut self) -> Option<NodeEvent> {
        self.0.recv().await
    }
}

/// Something that happened in a node.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NodeEvent {
    /// A channel to `peer` completed its handshake.
    PeerConnected {
        /// The swarm.
        swarm: SwarmId,
        /// The peer.
        peer: SocketAddr,
    },
    /// A channel to `peer` closed.
    PeerDisconnected {
        /// The swarm.
        swarm: SwarmId,
        /// The peer.
        peer: SocketAddr,
        /// Why.
        reason: CloseReason,
    },
    /// A peer sent data failing verification and was banned from the swarm.
    PeerBanned {
        /// The swarm.
        swarm: SwarmId,
        /// The peer.
        peer: SocketAddr,
        /// What it did.
        reason: BanReason,
    },
    /// Every chunk is verified and the download is in place at `path` (it goes on being
    /// served from there).
    DownloadComplete {
        /// The swarm.
        swarm: SwarmId,
        /// The finished file.
        path: PathBuf,
    },
    /// A download could not be journaled or moved into place: what was verified since the
    /// last journal entry will be fetched again after a restart.
    StorageFailed {
        /// The swarm.
        swarm: SwarmId,
        /// What went wrong.
        error: String,
    },
}

/// The counters of one swarm and of the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwarmReport {
    /// The swarm's counters.
    pub swarm: SwarmStats,
    /// The node's counters, all swarms together.
    pub node: EndpointStats,
    /// Datagrams the kernel refused to send (send buffer full beyond the node's own queue,
    /// or an error such as an unreachable destination).
    pub send_failures: u64,
}

impl SwarmReport {
    /// Whether every chunk is held.
    pub fn is_complete(&self) -> bool {
        self.swarm.chunk_count == Some(self.swarm.chunks_held)
    }
}

/// A command to the driver, with where its answer goes.
pub(crate) enum Command {
    AddSwarm {
        storage: SwarmStorage,
        reply: oneshot::Sender<Result<(), NodeError>>,
    },
    Connect {
        swarm: SwarmId,
        peer: SocketAddr,
        reply: oneshot::Sender<Result<(), NodeError>>,
    },
    Report {
        swarm: SwarmId,
        reply: oneshot::Sender<Option<SwarmReport>>,
    },
    Metrics {
        reply: oneshot::Sender<NodeMetrics>,
    },
    RemoveSwarm {
        swarm: SwarmId,
        reply: oneshot::Sender<()>,
    },
    SetPlayhead {
        swarm: SwarmId,
        chunk: u64,
        reply: oneshot::Sender<Result<(), NodeError>>,
    },
    Live(LiveCommand),
    Shutdown {
        reply: oneshot::Sender<()>,
    },
}
