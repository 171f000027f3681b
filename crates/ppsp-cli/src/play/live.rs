//! Live content for the player: each `GET /stream` gets an endless body of the stream's
//! verified chunks in order, starting at the node's join point, a few chunks behind the
//! live edge. Chunks the swarm missed are skipped (MPEG-TS players resynchronise on the
//! next packet); the body ends when the node leaves the swarm.

use ppsp_node::node::{LiveStart, NodeHandle};
use ppsp_wire::ids::SwarmId;

use super::http::{ResponseBody, channel_body};

/// A live swarm the node receives.
pub(crate) struct LiveSource {
    node: NodeHandle,
    swarm: SwarmId,
}

impl LiveSource {
    pub(crate) fn new(node: NodeHandle, swarm: SwarmId) -> Self {
        Self { node, swarm }
    }

    /// A body fed from a reader of its own, until the player hangs up.
    pub(crate) fn body(&self) -> ResponseBody {
        let (tx, body) = channel_body();
        let (node, swarm) = (self.node.clone(), self.swarm.clone());
        tokio::spawn(async move {
            let mut reader = match node.live_reader(swarm, LiveStart::JoinPoint).await {
                Ok(reader) => reader,
                Err(error) => {
                    let _ = tx.send(Err(std::io::Error::other(error))).await;
                    return;
                }
            };
            while let Some(chunk) = reader.next_chunk().await {
                if chunk.skipped > 0 {
                    tracing::info!(
                        skipped = chunk.skipped,
                        at = chunk.index,
                        "live chunks missed"
                    );
                }
                if tx.send(Ok(chunk.data)).await.is_err() {
                    return; // The player hung up.
                }
            }
        });
        body
    }
}
