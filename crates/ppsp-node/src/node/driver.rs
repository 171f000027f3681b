//! The driver task: feeds the engine datagrams, timeouts and commands, and drains it.

mod live;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use ppsp_core::engine::{Endpoint, EngineError, Event, Transmit};
use ppsp_wire::ids::SwarmId;
use ppsp_wire::peer_list::Transport;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;

use super::content::StorageSide;
use super::handle::{Command, NodeEvent, SwarmReport};
use super::live::LiveFeed;
use super::{NodeConfig, NodeError};
use crate::signalling::{self, Plane, PlaneDriver, PlaneRequest, SnapshotView};
use crate::storage::SharedDownload;

/// Datagrams read in one go before the engine is drained: enough to empty a busy socket's
/// queue in a few rounds, small enough that timers and commands are not starved.
const RECV_BATCH: usize = 512;

/// Largest UDP payload.
const MAX_DATAGRAM: usize = 65_536;

/// Receive buffer allocation unit: datagrams are read one after another into one block and
/// handed to the engine as slices of it, so a block is allocated per few hundred datagrams
/// rather than per datagram (a block is freed once the engine dropped its last slice).
const RECV_BLOCK: usize = 16 * MAX_DATAGRAM;

/// Datagrams queued for a send buffer that is full; beyond this the newest are dropped
/// (LEDBAT sees the loss and slows down).
const MAX_PENDING: usize = 16_384;

/// Rounds of draining after one input: events (a PEX answer) may cause more output.
const DRAIN_ROUNDS: usize = 8;

/// Peers remembered per swarm for reconnecting.
const MAX_WANTED: usize = 256;

/// How long a shutdown waits for room to send the closing handshakes.
const SHUTDOWN_SEND_WAIT: Duration = Duration::from_secs(1);

/// Whether the loop goes on.
enum Flow {
    Continue,
    Stop,
}

/// One swarm's state beyond the engine's.
#[derive(Default)]
struct SwarmSide {
    /// The download to journal and publish; `None` for a seed.
    download: Option<SharedDownload>,
    /// Peers to keep connected while incomplete.
    wanted: BTreeSet<SocketAddr>,
    /// Set once the download was published.
    published: bool,
    /// A live swarm's window and progress channel.
    live: Option<LiveFeed>,
}

/// The endpoint with its socket and everything the loop keeps.
pub(crate) struct Driver {
    config: NodeConfig,
    endpoint: Endpoint,
    socket: UdpSocket,
    local_addr: SocketAddr,
    swarms: BTreeMap<SwarmId, SwarmSide>,
    events: mpsc::Sender<NodeEvent>,
    pending: VecDeque<Transmit>,
    recv_buf: BytesMut,
    send_failures: u64,
    /// The signalling plane, when the node runs one.
    plane: Option<PlaneSide>,
}

/// The driver's part of the signalling plane.
struct PlaneSide {
    driver: PlaneDriver,
    requests: mpsc::UnboundedReceiver<PlaneRequest>,
    /// The HTTP listener, until `run` mounts the server on it.
    listener: Option<std::net::TcpListener>,
}

/// The next plane request; never resolves without a plane.
async fn next_plane_request(plane: &mut Option<PlaneSide>) -> Option<PlaneRequest> {
    match plane {
        Some(side) => side.requests.recv().await,
        None => std::future::pending().await,
    }
}

impl Driver {
    /// Takes over the bound socket; must run inside the driver's runtime.
    pub(crate) fn new(
        config: NodeConfig,
        socket: std::net::UdpSocket,
        events: mpsc::Sender<NodeEvent>,
    ) -> std::io::Result<Self> {
        let socket = UdpSocket::from_std(socket)?;
        let local_addr = socket.local_addr()?;
        let seed = config.rng_seed.unwrap_or_else(rand::random);
        let endpoint = Endpoint::new(config.endpoint.clone(), seed, Instant::now());
        Ok(Self {
            config,
            endpoint,
            socket,
            local_addr,
            swarms: BTreeMap::new(),
            events,
            pending: VecDeque::new(),
            recv_buf: BytesMut::with_capacity(MAX_DATAGRAM),
            send_failures: 0,
            plane: None,
        })
    }

    /// Adds the signalling plane: its requests, and the HTTP listener to serve on.
    pub(crate) fn with_plane(
        mut self,
        plane: Arc<Plane>,
        requests: mpsc::UnboundedReceiver<PlaneRequest>,
        listener: Option<std::net::TcpListener>,
    ) -> Self {
        self.plane = Some(PlaneSide {
            driver: PlaneDriver::new(plane),
            requests,
            listener,
        });
        self
    }

    /// Whether datagrams are exchanged at all (`ppspp/udp` among the transports).
    fn udp_enabled(&self) -> bool {
        self.config.transports.contains(&Transport::PpsppUdp)
    }

    /// Mounts the signalling server and starts the agent on the driver's runtime.
    fn start_plane(&mut self) {
        let Some(side) = self.plane.as_mut() else {
            return;
        };
        let plane = Arc::clone(&side.driver.plane);
        side.driver.refresh(&self.endpoint, self.send_failures);
        if let Some(listener) = side.listener.take() {
            match tokio::net::TcpListener::from_std(listener) {
                Ok(listener) => {
                    let app = crate::metrics::mount(
                        signalling::router(
                            Arc::new(SnapshotView(Arc::clone(&plane))),
                            Arc::clone(plane.state()),
                        ),
                        Arc::clone(&plane),
                    );
                    tokio::spawn(async move {
                        if let Err(error) = axum::serve(listener, app).await {
                            tracing::warn!(%error, "signalling server stopped");
                        }
                    });
                }
                Err(error) => tracing::warn!(%error, "signalling listener unusable"),
            }
        }
        tokio::spawn(signalling::run_agent(plane));
    }

    /// Does one request of the plane.
    fn plane_request(&mut self, request: PlaneRequest) {
        let udp = self.udp_enabled();
        let Some(side) = self.plane.as_mut() else {
            return;
        };
        let swarms = &mut self.swarms;
        let mut connect = |endpoint: &mut Endpoint, swarm: &SwarmId, peer: SocketAddr| {
            if !udp {
                return;
            }
            let _ = endpoint.connect(Instant::now(), swarm, peer);
            if let Some(side) = swarms.get_mut(swarm)
                && side.wanted.len() < MAX_WANTED
            {
                side.wanted.insert(peer);
            }
        };
        if side
            .driver
            .handle(&mut self.endpoint, request, &mut connect)
        {
            // HAVEs for the imported chunk, and completion, come from the engine's timers.
            self.endpoint.handle_timeout(Instant::now());
        }
    }

    /// Runs until a shutdown command or until every handle is dropped.
    pub(crate) async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let mut flush = tokio::time::interval(self.config.flush_interval);
        flush.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut reconnect = tokio::time::interval(self.config.reconnect_interval);
        reconnect.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut refresh = tokio::time::interval(signalling::REFRESH_INTERVAL);
        refresh.set_missed_tick_behavior(MissedTickBehavior::Delay);
        self.start_plane();
        loop {
            let timer = self.endpoint.poll_timeout();
            // A far deadline stands for "no timer"; the branch is disabled then anyway.
            let deadline = timer.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            let sleep = tokio::time::sleep_until(deadline.into());
            let flow = tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => self.command(command),
                    None => {
                        self.shutdown().await;
                        Flow::Stop
                    }
                },
                ready = self.socket.readable() => {
                    match ready {
                        Ok(()) => self.receive(),
                        Err(error) => tracing::warn!(%error, "UDP socket not readable"),
                    }
                    Flow::Continue
                }
                () = sleep, if timer.is_some() => {
                    self.endpoint.handle_timeout(Instant::now());
                    Flow::Continue
                }
                ready = self.socket.writable(), if !self.pending.is_empty() => {
                    if ready.is_ok() {
                        self.send_pending();
                    }
                    Flow::Continue
                }
                _ = flush.tick() => {
                    self.flush_downloads();
                    Flow::Continue
                }
                _ = reconnect.tick() => {
                    self.reconnect();
                    Flow::Continue
                }
                Some(request) = next_plane_request(&mut self.plane) => {
                    self.plane_request(request);
                    Flow::Continue
                }
                _ = refresh.tick(), if self.plane.is_some() => {
                    if let Some(side) = self.plane.as_mut() {
                        side.driver.refresh(&self.endpoint, self.send_failures);
                    }
                    Flow::Continue
                }
            };
            if let Flow::Stop = flow {
                return;
            }
            self.drain();
            self.publish_live();
        }
    }

    fn command(&mut self, command: Command) -> Flow {
        let now = Instant::now();
        match command {
            Command::AddSwarm { storage, reply } => {
                let id = storage.swarm_id().clone();
                let (config, side) = storage.into_config();
                if let Some(plane) = self.plane.as_mut() {
                    let hash = (!config.metadata.is_live())
                        .then(|| config.metadata.merkle_hash_function.into());
                    plane.driver.swarm_added(id.clone(), hash);
                }
                let (download, live) = match side {
                    StorageSide::None => (None, None),
                    StorageSide::Download(download) => (Some(download), None),
                    StorageSide::Live(feed) => (None, Some(feed)),
                };
                let result = self
                    .endpoint
                    .add_swarm(now, config)
                    .map_err(NodeError::from);
                if result.is_ok() {
                    self.swarms.insert(
                        id,
                        SwarmSide {
                            download,
                            live,
                            ..SwarmSide::default()
                        },
                    );
                }
                if let Some(plane) = self.plane.as_mut() {
                    plane.driver.refresh(&self.endpoint, self.send_failures);
                }
                let _ = reply.send(result);
            }
            // A node without `ppspp/udp` opens no channel.
            Command::Connect { reply, .. } if !self.udp_enabled() => {
                let _ = reply.send(Ok(()));
            }
            Command::Connect { swarm, peer, reply } => {
                let result = match self.endpoint.connect(now, &swarm, peer) {
                    Ok(()) | Err(EngineError::AlreadyConnected(_)) => {
                        if let Some(side) = self.swarms.get_mut(&swarm)
                            && side.wanted.len() < MAX_WANTED
                        {
                            side.wanted.insert(peer);
                        }
                        Ok(())
                    }
                    Err(error) => Err(error.into()),
                };
                let _ = reply.send(result);
            }
            Command::Report { swarm, reply } => {
                let report = self.endpoint.swarm_stats(&swarm).map(|stats| SwarmReport {
                    swarm: stats,
                    node: self.endpoint.stats(),
                    send_failures: self.send_failures,
                });
                let _ = reply.send(report);
            }
            Command::Metrics { reply } => {
                let _ = reply.send(crate::metrics::collect(&self.endpoint, self.send_failures));
            }
            Command::RemoveSwarm { swarm, reply } => {
                self.endpoint.remove_swarm(now, &swarm);
                if let Some(side) = self.swarms.remove(&swarm) {
                    self.flush_one(&swarm, &side);
                }
                let _ = reply.send(());
            }
            Command::SetPlayhead {
                swarm,
                chunk,
                reply,
            } => {
                let result = self.endpoint.set_playhead(now, &swarm, chunk);
                let _ = reply.send(result.map_err(NodeError::from));
            }
            Command::Live(command) => self.live_command(now, command),
            Command::Shutdown { reply } => return self.stop_then(reply),
        }
        Flow::Continue
    }

    /// Shuts down synchronously enough for a command reply: the closing handshakes are
    /// sent without waiting for room (a full buffer drops them, which the dead-peer rule
    /// covers), downloads journaled.
    fn stop_then(&mut self, reply: tokio::sync::oneshot::Sender<()>) -> Flow {
        self.endpoint.shutdown(Instant::now());
        self.drain();
        self.send_pending();
        self.flush_downloads();
        let _ = reply.send(());
        Flow::Stop
    }

    /// Shutdown when every handle is gone: as [`Driver::stop_then`], waiting a little for
    /// room to send the closing handshakes.
    async fn shutdown(&mut self) {
        self.endpoint.shutdown(Instant::now());
        self.drain();
        let deadline = tokio::time::Instant::now() + SHUTDOWN_SEND_WAIT;
        while !self.pending.is_empty() {
            match tokio::time::timeout_at(deadline, self.socket.writable()).await {
                Ok(Ok(())) => self.send_pending(),
                _ => break,
            }
        }
        self.flush_downloads();
    }

    /// Reads every ready datagram (up to [`RECV_BATCH`]) into the engine.
    fn receive(&mut self) {
        for _ in 0..RECV_BATCH {
            if self.recv_buf.capacity() < MAX_DATAGRAM {
                self.recv_buf.reserve(RECV_BLOCK);
            }
            match self.socket.try_recv_buf_from(&mut self.recv_buf) {
                Ok((len, from)) => {
                    let data = self.recv_buf.split_to(len).freeze();
                    // Without `ppspp/udp` datagrams are read only to be dropped.
                    if self.udp_enabled() {
                        self.endpoint.handle_datagram(Instant::now(), from, data);
                    }
                }
                Err(error) if error.kind() == ErrorKind::WouldBlock => return,
                // An ICMP error for an earlier send (a peer gone): it concerns nobody now.
                Err(error) => tracing::debug!(%error, "UDP receive error"),
            }
        }
    }

    /// Drains the engine: datagrams to the socket, events to the caller.
    fn drain(&mut self) {
        for _ in 0..DRAIN_ROUNDS {
            while let Some(transmit) = self.endpoint.poll_transmit() {
                self.send(transmit);
            }
            let mut any = false;
            while let Some(event) = self.endpoint.poll_event() {
                any = true;
                self.event(event);
            }
            if !any {
                return;
            }
        }
    }

    fn send(&mut self, transmit: Transmit) {
        if !self.pending.is_empty() {
            self.queue(transmit);
            return;
        }
        match self
            .socket
            .try_send_to(&transmit.contents, transmit.destination)
        {
            Ok(_) => {}
            Err(error) if error.kind() == ErrorKind::WouldBlock => self.queue(transmit),
            Err(error) => {
                self.send_failures += 1;
                tracing::debug!(%error, to = %transmit.destination, "UDP send error");
            }
        }
    }

    fn queue(&mut self, transmit: Transmit) {
        if self.pending.len() < MAX_PENDING {
            self.pending.push_back(transmit);
        } else {
            self.send_failures += 1;
        }
    }

    /// Sends queued datagrams until the socket would block again.
    fn send_pending(&mut self) {
        while let Some(transmit) = self.pending.front() {
            match self
                .socket
                .try_send_to(&transmit.contents, transmit.destination)
            {
                Ok(_) => {}
                Err(error) if error.kind() == ErrorKind::WouldBlock => return,
                Err(error) => {
                    self.send_failures += 1;
                    tracing::debug!(%error, to = %transmit.destination, "UDP send error");
                }
            }
            self.pending.pop_front();
        }
    }

    fn event(&mut self, event: Event) {
        let report = match event {
            Event::ChannelOpened { swarm, peer } => Some(NodeEvent::PeerConnected { swarm, peer }),
            Event::ChannelClosed {
                swarm,
                peer,
                reason,
            } => Some(NodeEvent::PeerDisconnected {
                swarm,
                peer,
                reason,
            }),
            Event::PeerBanned {
                swarm,
                peer,
                reason,
            } => Some(NodeEvent::PeerBanned {
                swarm,
                peer,
                reason,
            }),
            Event::SwarmComplete { swarm } => self.complete(swarm),
            Event::PeersDiscovered { swarm, peers } => {
                self.discovered(&swarm, peers);
                None
            }
            // Counted in the swarm's statistics; one event per chunk is too many to forward.
            _ => None,
        };
        if let Some(report) = report {
            let _ = self.events.try_send(report);
        }
    }

    /// A download is whole: journal it and move it into place.
    fn complete(&mut self, swarm: SwarmId) -> Option<NodeEvent> {
        let side = self.swarms.get_mut(&swarm)?;
        let download = side.download.as_ref().filter(|_| !side.published)?;
        Some(match download.publish() {
            Ok(path) => {
                side.published = true;
                NodeEvent::DownloadComplete { swarm, path }
            }
            Err(error) => NodeEvent::StorageFailed {
                swarm,
                error: error.to_string(),
            },
        })
    }

    /// Connects to peers learnt by PEX while the swarm has room for them.
    fn discovered(&mut self, swarm: &SwarmId, peers: Vec<SocketAddr>) {
        let now = Instant::now();
        for peer in peers {
            let open = self.endpoint.swarm_stats(swarm).map_or(0, |s| s.peers);
            if open >= self.config.max_peers_per_swarm {
                return;
            }
            if peer != self.local_addr {
                let _ = self.endpoint.connect(now, swarm, peer);
            }
        }
    }

    /// Reopens channels to wanted peers of incomplete swarms.
    fn reconnect(&mut self) {
        let now = Instant::now();
        for (id, side) in &self.swarms {
            let complete = self
                .endpoint
                .swarm_stats(id)
                .is_none_or(|s| s.chunk_count == Some(s.chunks_held));
            if complete {
                continue;
            }
            for peer in &side.wanted {
                // AlreadyConnected is the common answer; a banned peer stays banned.
                let _ = self.endpoint.connect(now, id, *peer);
            }
        }
    }

    fn flush_downloads(&mut self) {
        for (id, side) in &self.swarms {
            self.flush_one(id, side);
        }
    }

    fn flush_one(&self, id: &SwarmId, side: &SwarmSide) {
        let Some(download) = side.download.as_ref().filter(|_| !side.published) else {
            return;
        };
        if let Err(error) = download.flush() {
            let _ = self.events.try_send(NodeEvent::StorageFailed {
                swarm: id.clone(),
                error: error.to_string(),
            });
        }
    }
}
