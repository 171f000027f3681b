//! What a swarm's content is stored in, and how it becomes the engine's [`SwarmConfig`].

use ppsp_core::LiveSigningKey;
use ppsp_core::engine::{LiveSettings, SwarmConfig, SwarmContent};
use ppsp_core::swarm::SwarmMetadata;
use ppsp_wire::ids::SwarmId;

use super::live::{LiveFeed, SharedLiveWindow};
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
    /// The source of a live stream: chunks pushed with
    /// [`NodeHandle::push_live_chunk`](super::NodeHandle::push_live_chunk) are signed with
    /// `key`, kept in a window of the metadata's discard window, and served.
    LiveSource {
        /// The stream's metadata (see `ppsp_core::engine::live_metadata`).
        metadata: SwarmMetadata,
        /// The key the swarm ID names (boxed: keys are large, the other variants small).
        key: Box<LiveSigningKey>,
        /// Join point, deadlines and the NTP time signatures are stamped with.
        settings: LiveSettings,
    },
    /// A receiver of a live stream, which relays to other receivers; its chunks are read
    /// with [`NodeHandle::live_reader`](super::NodeHandle::live_reader).
    LiveReceiver {
        /// The stream's metadata (from its URI).
        metadata: SwarmMetadata,
        /// Join point and playback deadlines.
        settings: LiveSettings,
    },
}

/// What the driver keeps of a swarm's storage besides the engine's view.
pub(crate) enum StorageSide {
    /// Nothing: a seeded file.
    None,
    /// A download to journal and publish.
    Download(SharedDownload),
    /// A live window to publish progress of.
    Live(LiveFeed),
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
            Self::Download { metadata, .. }
            | Self::LiveSource { metadata, .. }
            | Self::LiveReceiver { metadata, .. } => &metadata.swarm_id,
        }
    }

    /// The engine's view of it, and what the driver keeps beside it: the download to flush
    /// and publish, or the live window to publish progress of.
    pub(crate) fn into_config(self) -> (SwarmConfig, StorageSide) {
        match self {
            Self::Seed(seed) => {
                let config = SwarmConfig {
                    metadata: seed.metadata().clone(),
                    content: SwarmContent::Seed(seed.tree().clone()),
                    store: seed,
                };
                (config, StorageSide::None)
            }
            Self::Download { metadata, download } => {
                let config = SwarmConfig {
                    metadata,
                    content: download.swarm_content(),
                    store: Box::new(download.clone()),
                };
                (config, StorageSide::Download(download))
            }
            Self::LiveSource {
                metadata,
                key,
                settings,
            } => Self::live(
                metadata,
                SwarmContent::LiveSource {
                    key: *key,
                    settings,
                },
            ),
            Self::LiveReceiver { metadata, settings } => {
                Self::live(metadata, SwarmContent::LiveReceiver(settings))
            }
        }
    }

    fn live(metadata: SwarmMetadata, content: SwarmContent) -> (SwarmConfig, StorageSide) {
        let window = SharedLiveWindow::for_metadata(&metadata);
        let config = SwarmConfig {
            metadata,
            content,
            store: Box::new(window.clone()),
        };
        (config, StorageSide::Live(LiveFeed::new(window)))
    }
}
