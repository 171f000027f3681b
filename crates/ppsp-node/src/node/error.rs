//! Why the node refused a command or could not start.

use std::net::SocketAddr;

use ppsp_core::engine::EngineError;

use crate::storage::StorageError;

/// A node could not start, or refused a command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// The UDP socket could not be bound (address in use, not a local address, ...).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The driver thread or its runtime could not be started.
    #[error("cannot start the node: {0}")]
    Start(std::io::Error),
    /// The engine refused the command.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The swarm's storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The node is not in this swarm, or it is not a live stream.
    #[error("not in a live swarm {0}")]
    NotLive(ppsp_wire::ids::SwarmId),
    /// The node has shut down (or its driver stopped), so it takes no more commands.
    #[error("the node has stopped")]
    Stopped,
}
