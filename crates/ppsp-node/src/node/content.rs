//! What a swarm's content is stored in, and how it becomes the engine's [`SwarmConfig`].

use ppsp_core::engine::{SwarmConfig, SwarmContent};
use ppsp_core::swarm::SwarmMetadata;
use ppsp_wire::ids::SwarmId;

use crate::storage::{SeedFile, SharedDownload};

/// The storage of one swarm handed to a node.
#[derive(Debug)]
pub enum SwarmStorage {
    /// A file served in place, complete (boxed: it is much larger than a download handle).
    Seed(Box<SeedFile>),
    /// A download into a file, new or resumed: the node journals it every
    /// [`NodeConfig::flush_interval`](super::NodeConfig::flush_interval) and publishes it
    /// (moves `.part` into place) once every chunk is verified, then keeps serving it.
    Download {
        /// The swarm's metadata (from its URI or flags).
        metadata: SwarmMetadata,
        /// The download, shared with the caller, who may read its progress.
        download: SharedDownload,
    },
}

impl SwarmStorage {
    /// Serves `seed`.
    pub fn seed(seed: SeedFile) -> Self {
        Self::Seed(Box::new(seed))
    }

    /// The swarm's ID.
    pub fn swarm_id(&self) -> &SwarmId {
        match self {
            Self::Seed(seed) => &seed.metadata().swarm_id,
            Self::Download { metadata, .. } => &metadata.swarm_id,
        }
    }

    /// The engine's view of it, and the download the driver must flush and publish, if any.
    pub(crate) fn into_parts(self) -> (SwarmConfig, Option<SharedDownload>) {
        match self {
            Self::Seed(seed) => {
                let config = SwarmConfig {
                    metadata: seed.metadata().clone(),
                    content: SwarmContent::Seed(seed.tree().clone()),
                    store: seed,
                };
                (config, None)
            }
            Self::Download { metadata, download } => {
                let config = SwarmConfig {
                    metadata,
                    content: download.swarm_content(),
                    store: Box::new(download.clone()),
                };
                (config, Some(download))
            }
        }
    }
}
