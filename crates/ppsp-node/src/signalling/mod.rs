//! The seed's peer signalling plane (XML over HTTP, PEER-PROTOCOL-XML.md) and the `http` data
//! transport, mounted on a node's HTTP port.
//!
//! * Server: [`router`] answers `POST /ppsp` (FIND, FIND_CHUNK, CHUNK_AVAILABILITY pull and
//!   push, PROPERTY_QUERY, TRANSPORT_NEGOTIATION, CHOKE, UNCHOKE) from a [`NodeView`], the small
//!   trait the runtime implements over its engine, and serves `GET /ppsp/chunk/{swarm}/{chunk}`
//!   (a chunk with its proof, see [`ChunkFrame`]).
//! * Client: [`SignallingClient`] sends each method; [`pull_flow`] runs the seed slides' PULL
//!   flow (FIND for more peers, pull availability, query properties, negotiate the transport)
//!   and gives ranked [`Source`]s; [`PushBatcher`] batches the Hybrid flow's reports.
//! * Transport: [`HttpDownload`] fetches chunks from `http` sources, rarest first, verifying
//!   each against the swarm ID like the UDP path, into any `ChunkStore`.
//!
//! Server and client of one node share a [`SignallingState`]: peers learned by FIND,
//! availability reported or pulled, who choked whom, and the HTTP upload slots, which count
//! together with the engine's so that a busy node answers `CHOKED` (and owes an UNCHOKE, see
//! [`SignallingState::take_unchokable`]). Every list and map there is bounded by
//! [`SignallingConfig`]. `docs/peer-signalling.md` describes formats and limits.
//!
//! In a running [`Node`](crate::node::Node) (`NodeConfig::http_listen`, `transports`) the
//! driver mounts the server over a snapshot of its engine it refreshes every 200 ms, and an
//! agent task runs the client side: the PULL flow for incomplete swarms, `ppspp/udp` sources
//! handed to the engine, `http` sources fetched and imported into it, Hybrid reports and the
//! UNCHOKEs owed (see [`Plane`]).
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use ppsp_node::signalling::{router, NodeView, SignallingState, SignallingConfig};
//! # async fn mount(view: Arc<dyn NodeView>) -> std::io::Result<()> {
//! let state = Arc::new(SignallingState::new(SignallingConfig::default()));
//! let app = router(view, Arc::clone(&state));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! axum::serve(listener, app).await
//! # }
//! ```

mod agent;
mod answer;
mod client;
mod download;
mod flow;
mod frame;
mod http_client;
mod maps;
mod plane;
mod properties;
mod server;
mod slots;
mod state;
mod view;

pub(crate) use agent::run as run_agent;
pub use client::{ClientError, SignallingClient, signalling_addr};
pub use download::{DownloadError, DownloadReport, HttpDownload, HttpDownloadConfig, HttpSource};
pub use flow::{
    PullOptions, PushBatcher, Source, discover, prepare_sources, pull_flow, push_report_to,
};
pub use frame::{CHUNK_MEDIA_TYPE, ChunkFrame, FrameError, MAX_FRAME_HASHES};
pub use http_client::HttpError;
pub use maps::{MapEncoding, from_map, to_map};
pub use plane::{Plane, SignallingStats, synthesized_peer_id};
pub(crate) use plane::{PlaneDriver, PlaneRequest, REFRESH_INTERVAL, SnapshotView, new_plane};
pub use properties::RateMeter;
pub use server::{CHUNK_ENCODING_HEADER, PEER_ID_HEADER, PEER_PATH, router};
pub use state::{LearnedPeer, SignallingConfig, SignallingState};
pub use view::{KnownPeer, NodeProperties, NodeView};
