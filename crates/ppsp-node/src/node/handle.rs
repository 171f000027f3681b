//! The caller's side of a node: starting it, commands, and the events it reports.

use std::net::SocketAddr;
use std::path::PathBuf;

use ppsp_core::engine::{BanReason, CloseReason, EndpointStats, SwarmStats};
use ppsp_wire::ids::SwarmId;
use tokio::sync::{mpsc, oneshot};

use super::driver::Driver;
use super::{NodeConfig, NodeError, SwarmStorage, socket};

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
                    match Driver::new(config, socket, event_tx) {
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
}

impl NodeHandle {
    /// The address the socket is bound to (with the port picked, if 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
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
    RemoveSwarm {
        swarm: SwarmId,
        reply: oneshot::Sender<()>,
    },
    Shutdown {
        reply: oneshot::Sender<()>,
    },
}
